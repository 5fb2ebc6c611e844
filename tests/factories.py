"""Synthetic citizens and reports for tests. Every person here is invented."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from services.cases import CaseFacts, RecordResult, StatusReport, record_report
from services.directory import get_or_create_operator, get_or_create_point
from services.units import UnitTree
from services.vntime import vn_to_utc

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
