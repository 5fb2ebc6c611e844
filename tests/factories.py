"""Synthetic citizens and reports for tests. Every person here is invented."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import (
    CaseFacts,
    FactsDraft,
    RecordResult,
    StatusReport,
    record_report,
)
from services.common.vntime import vn_to_utc
from services.security.session_context import cli_actor

# Communes of the Sóc Trăng 2023 list used across tests.
PHU_TAM = "31573"  # Xã Phú Tâm, Huyện Châu Thành (942)
PHUONG_5 = "31498"  # Phường 5, TP Sóc Trăng (941)
KE_SACH = "31528"  # Thị trấn Kế Sách (943)


def id_number_for(birth: date, sex: str, tail: int, province: str = "094") -> str:
    century = (birth.year // 100 - 19) * 2 + (1 if sex == "Nữ" else 0)
    return f"{province}{century}{birth.year % 100:02d}{tail:06d}"


def vn(text: str) -> datetime:
    """`2023-07-20 08:30` Vietnam time as an aware UTC moment."""
    return vn_to_utc(datetime.fromisoformat(text))


class World:
    """A small campaign world: the unit tree, a couple of points and operators."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tree = UnitTree.load(session)
        self.point_phu_tam, _ = get_or_create_point(
            session, self.tree.commune(PHU_TAM), "Công an xã Phú Tâm"
        )
        self.point_phuong_5, _ = get_or_create_point(
            session, self.tree.commune(PHUONG_5), "Bưu điện Sóc Trăng"
        )
        self.operator, _ = get_or_create_operator(session, "lan.nt", "Nguyễn Thị Lan")
        self.other_operator, _ = get_or_create_operator(session, "minh.tv", "Trần Văn Minh")
        session.flush()

    def facts(
        self,
        tail: int = 1,
        birth: date = date(1990, 3, 15),
        sex: str = "Nữ",
        name: str = "Trần Thị Mỹ Linh",
        residence: str = PHU_TAM,
        phone: str | None = "0912345678",
    ) -> CaseFacts:
        return CaseFacts(
            id_number=id_number_for(birth, sex, tail),
            full_name=name,
            birth_date=birth,
            sex=sex,
            phone=phone,
            address=None,
            residence_commune_id=self.tree.commune(residence).id,
        )

    def draft(self, tail: int = 1) -> FactsDraft:
        """What the desk's form holds for `facts(tail)`: the input of `save_intake`."""
        facts = self.facts(tail=tail)
        return FactsDraft(
            id_number=facts.id_number,
            full_name=facts.full_name,
            birth_date=facts.birth_date,
            sex=facts.sex,
            phone=facts.phone or "",
            residence_commune_id=facts.residence_commune_id,
        )

    def report(
        self,
        status: Status,
        at: str,
        level: int = 1,
        point: str = "phu_tam",
        reason: FailureReason | None = None,
        note: str | None = None,
    ) -> StatusReport:
        chosen = self.point_phu_tam if point == "phu_tam" else self.point_phuong_5
        return StatusReport(
            level=level,
            status=status,
            at=vn(at),
            operator_id=self.operator.id,
            intake_point_id=chosen.id,
            failure_reason=reason,
            failure_note=note,
        )

    def record(self, facts: CaseFacts, report: StatusReport) -> RecordResult:
        result = record_report(self.session, facts, report, consent=True)
        self.session.flush()
        return result


def known_world(session: Session) -> World:
    """Eight cases; what counts on 25/07/2023 is listed beside each."""
    w = World(session)
    # 1. Level 1, lives in Phú Tâm (942), taken in Phường 5 (941), activated 21/07: counts 942.
    a = w.facts(tail=1, residence=PHU_TAM)
    w.record(a, w.report(Status.REGISTERED, "2023-07-20 08:00", point="phuong_5"))
    w.record(a, w.report(Status.ACTIVATED, "2023-07-21 09:00", point="phuong_5"))
    # 2. Level 2 of the same person, taken in Phường 5, activated 25/07: counts 941, on the day.
    w.record(a, w.report(Status.APPLICATION_TAKEN, "2023-07-20 08:10", level=2, point="phuong_5"))
    w.record(a, w.report(Status.ACTIVATED, "2023-07-25 20:59", level=2, point="phuong_5"))
    # 3. Level 1, lives in Kế Sách (943), activated 25/07 at 23:30 local: counts 943, on the day.
    b = w.facts(tail=2, residence=KE_SACH, name="Lê Văn Bình", sex="Nam")
    w.record(b, w.report(Status.ACTIVATED, "2023-07-25 23:30"))
    # 4. Level 1, activated 26/07 at 00:05 local (25/07 17:05 UTC): not yet on 25/07.
    c = w.facts(tail=3, residence=KE_SACH, name="Thạch Thị Sa Rết")
    w.record(c, w.report(Status.ACTIVATED, "2023-07-26 00:05"))
    # 5. Level 1, only approved: never counts.
    d = w.facts(tail=4, residence=PHU_TAM, name="Sơn Thị Hoa")
    w.record(d, w.report(Status.APPROVED, "2023-07-22 10:00"))
    # 6. Level 1, failed: never counts.
    e = w.facts(tail=5, residence=PHU_TAM, name="Danh Thị Mai")
    w.record(e, w.report(Status.FAILED, "2023-07-22 10:00", reason=FailureReason.QR_SCAN))
    # 7. Level 2 taken in Phú Tâm for someone living in Phường 5, activated 24/07: counts 942.
    f = w.facts(tail=6, residence=PHUONG_5, name="Kim Thị Yến")
    w.record(f, w.report(Status.ACTIVATED, "2023-07-24 10:00", level=2))
    # 8. Level 1 by the other operator, lives in Phường 5, activated 25/07 07:00: counts 941.
    g = w.facts(tail=7, residence=PHUONG_5, name="Lâm Văn Tài", sex="Nam")
    report = w.report(Status.ACTIVATED, "2023-07-25 07:00", point="phuong_5")
    w.record(g, report.__class__(**{**report.__dict__, "operator_id": w.other_operator.id}))
    session.commit()
    return w


# The command line's actor (an administrator): for tests of services that check rights.
CLI = cli_actor()
