"""Synthetic cases for trying the app and for benchmarks (`demo --records N`).

Everything here is invented: names drawn from common Vietnamese, Khmer and Hoa
family names of the Mekong delta, ID numbers that obey the digit rules, phones
with real carrier prefixes, communes weighted by the plan's targets, and a
realistic mix of levels and outcomes spread over the campaign's days and hours.
Rows go in with SQLAlchemy Core in batches: a province's worth in under a minute.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from models.bulk import advance_id_sequences, bulk_insert, indexes_set_aside_for_large_load
from models.codes import EventKind, FailureReason, HelpReason, PointKind, Role, Status, UnitLevel
from models.entities import Campaign, Case, CaseEvent, FactSet, IntakePoint, Setting
from models.event_ids import claim_digest
from services.campaigns.campaign import DEMO_DATA_SETTING, active_campaign, contains_demo_data
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitInfo, UnitTree
from services.cases.recording import FACT_SET_COLUMNS as CLAIM_COLUMNS
from services.common.errors import ConflictError
from services.common.text import fold
from services.common.vntime import local_day, now_utc
from services.person.phone import carrier_prefixes
from services.privacy.consent import current_notice, legal_basis
from services.security.audit import AuditAction, write_audit
from services.security.session_context import Actor, cli_actor

FAMILY = [
    ("Nguyễn", 30),
    ("Trần", 12),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 6),
    ("Võ", 4),
    ("Phan", 4),
    ("Trương", 2),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 2),
    ("Thạch", 4),
    ("Sơn", 3),
    ("Lâm", 3),
    ("Danh", 2),
    ("Kim", 2),
    ("Quách", 1),
    ("Tăng", 1),
    ("Lưu", 1),
    ("Châu", 1),
    ("Triệu", 1),
    ("Mai", 1),
    ("Tô", 1),
    ("Đinh", 1),
]
MIDDLE = {
    "Nam": ["Văn", "Hữu", "Minh", "Quốc", "Thanh", "Hoàng", "Công", "Đức", "Tấn", "Chí", "Ngọc"],
    "Nữ": ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu", "Bích", "Hồng", "Diễm"],
}
GIVEN = {
    "Nam": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hải",
        "Hiếu",
        "Hòa",
        "Hùng",
        "Khang",
        "Khánh",
        "Lộc",
        "Long",
        "Minh",
        "Nam",
        "Nghĩa",
        "Phát",
        "Phúc",
        "Quang",
        "Sang",
        "Tài",
        "Tâm",
        "Thành",
        "Thắng",
        "Thiện",
        "Toàn",
        "Trí",
        "Trung",
        "Tuấn",
        "Vinh",
        "Sóc",
        "Sơn",
    ],
    "Nữ": [
        "Anh",
        "Ánh",
        "Bích",
        "Châu",
        "Diễm",
        "Dung",
        "Giang",
        "Hạnh",
        "Hằng",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Ngân",
        "Nhi",
        "Nhung",
        "Oanh",
        "Phượng",
        "Quyên",
        "Tâm",
        "Thảo",
        "Thủy",
        "Trang",
        "Trinh",
        "Tuyết",
        "Vân",
        "Xuân",
        "Yến",
        "Sa Rết",
    ],
}
HAMLETS = [
    "Phú Hòa",
    "An Tập",
    "Mỹ Thuận",
    "Tân Lộc",
    "Hòa Đông",
    "Bưng Tróp",
    "Trà Quýt",
    "Xẻo Me",
    "Khánh Bình",
    "Sóc Vồ",
    "Ba Rinh",
    "Phước Thuận",
    "Đại Ân",
    "Tâm Lộc",
]
# Birth-registration province codes: mostly Sóc Trăng, some neighbours and the big cities.
PROVINCE_PREFIXES = [
    ("094", 88),
    ("092", 3),
    ("093", 2),
    ("095", 2),
    ("086", 1),
    ("079", 2),
    ("001", 1),
    ("087", 1),
]
FAILURE_MIX = [
    (FailureReason.NOT_OWN_NUMBER, 35),
    (FailureReason.RELATIVE_NUMBER, 15),
    (FailureReason.FACE_CAPTURE, 12),
    (FailureReason.QR_SCAN, 8),
    (FailureReason.DATA_MISMATCH, 15),
    (FailureReason.ALREADY_ACTIVATED, 10),
    (FailureReason.OTHER, 5),
]
HELP_MIX = [
    (HelpReason.NO_SMARTPHONE, 55),
    (HelpReason.PHONE_UNSUPPORTED, 25),
    (HelpReason.ELDERLY_OR_DISABLED, 15),
    (HelpReason.OTHER, 5),
]
BATCH = 20_000
VN_OFFSET = timedelta(hours=7)
# Every column, in the table's order: the rows below are built in this order.
CASE_COLUMNS = tuple(column.key for column in Case.__table__.columns)
EVENT_COLUMNS = tuple(column.key for column in CaseEvent.__table__.columns)
FACT_SET_COLUMNS = ("id", *CLAIM_COLUMNS)


def ensure_demo_allowed(session: Session, *, force: bool = False) -> None:
    """Refuse a database that holds real cases (cases, and no demo marker) unless `force`.

    Demo cases mark the database, so a second `demo` run over them is allowed."""
    if force or contains_demo_data(session):
        return
    real = session.scalar(select(func.count()).select_from(Case)) or 0
    if real:
        count = f"{real:,}".replace(",", ".")
        raise ConflictError(
            f"Cơ sở dữ liệu này đã có {count} hồ sơ thật (không do lệnh demo tạo) "
            "nên không thêm hồ sơ giả lập: chúng sẽ lẫn vào số liệu báo cáo của đợt. Hãy "
            "dùng thử trên một cơ sở dữ liệu mới (init); nếu chắc chắn muốn thêm, chạy lại "
            "với --force (các báo cáo sau đó sẽ ghi rõ có dữ liệu thử)."
        )


@dataclass
class DemoResult:
    cases: int
    events: int
    points: int
    operators: int
    seed: int


class _Picker:
    """Weighted choice with precomputed cumulative weights (random.choices is slow per call)."""

    def __init__(self, rng: random.Random, items: list[tuple[object, int]]) -> None:
        self.rng = rng
        self.values = [v for v, _ in items]
        self.cum = []
        total = 0
        for _, weight in items:
            total += weight
            self.cum.append(total)
        self.total = total

    def __call__(self) -> object:
        import bisect

        return self.values[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


def _demo_points(
    session: Session, tree: UnitTree, rng: random.Random
) -> list[tuple[IntakePoint, UnitInfo]]:
    """A police ID-card point, a post office and carrier counters in each district, mobile teams."""
    points: list[tuple[IntakePoint, UnitInfo]] = []
    parents = tree.at_level(UnitLevel.DISTRICT) or [tree.province]
    for parent in parents:
        communes = [
            u
            for u in tree.at_level(UnitLevel.COMMUNE)
            if tree.ancestor_at(u.id, UnitLevel(parent.level)) == parent
        ]
        if not communes:
            continue
        seat = communes[0]
        short = parent.name.replace("Thành phố ", "").replace("Thị xã ", "").replace("Huyện ", "")
        for kind, name in (
            (PointKind.POLICE_ID_POINT, f"Điểm cấp căn cước Công an {parent.name}"),
            (PointKind.POST_OFFICE, f"Bưu điện {short}"),
            (PointKind.VIETTEL, f"Cửa hàng Viettel {short}"),
            (PointKind.VNPT, f"Điểm giao dịch VNPT {short}"),
            (PointKind.MOBIFONE, f"Cửa hàng MobiFone {short}"),
        ):
            point, _ = get_or_create_point(session, seat, name, kind)
            points.append((point, seat))
        for commune in rng.sample(communes, max(1, len(communes) // 3)):
            point, _ = get_or_create_point(
                session, commune, f"Tổ lưu động {commune.name}", PointKind.MOBILE_TEAM
            )
            points.append((point, commune))
    return points


def _name(rng: random.Random, family: _Picker, sex: str) -> str:
    given = rng.choice(GIVEN[sex])
    if rng.random() < 0.25:
        given = f"{rng.choice(MIDDLE[sex])} {given}"
    return f"{family()} {rng.choice(MIDDLE[sex])} {given}"


def _moment(day: date, rng: random.Random, start: time, end: time) -> datetime:
    """A moment in the day's opening hours, Vietnam time, as aware UTC (arithmetic only)."""
    span = (end.hour - start.hour) * 3600
    local_start = datetime.combine(day, start, UTC) - VN_OFFSET
    return local_start + timedelta(seconds=rng.randrange(span))


def _demo_operators(
    session: Session, points: list[tuple[IntakePoint, UnitInfo]], rng: random.Random
) -> dict[int, list[int]]:
    """Two operators at each mobile team, three at every other point: their ids by point."""
    operators_by_point: dict[int, list[int]] = {}
    for point, _ in points:
        ids = []
        for index in range(1, 3 if point.kind == PointKind.MOBILE_TEAM.value else 4):
            sex = rng.choice(["Nam", "Nữ"])
            operator, _ = get_or_create_operator(
                session,
                f"cb.{point.code}.{index}",
                _name(rng, _Picker(rng, FAMILY), sex),  # type: ignore[arg-type]
                Role.OPERATOR,
            )
            operator.home_point_id = point.id
            ids.append(operator.id)
        operators_by_point[point.id] = ids
    return operators_by_point


# A person as a demo case records them: ID number, full name, birth, sex, phone, address and
# the residence commune's id.
_Person = tuple[str, str, date, str, str | None, str, int]


class _Geography:
    """Where demo people live (weighted by their district's target) and where they go."""

    def __init__(
        self,
        tree: UnitTree,
        points: list[tuple[IntakePoint, UnitInfo]],
        rng: random.Random,
        province_name: str,
    ) -> None:
        communes = tree.at_level(UnitLevel.COMMUNE)
        self.district_of = {
            c.id: tree.ancestor_at(c.id, UnitLevel.DISTRICT) or tree.province for c in communes
        }
        siblings: dict[int, list[UnitInfo]] = {}
        for commune in communes:
            siblings.setdefault(self.district_of[commune.id].id, []).append(commune)
        self.residence = _Picker(
            rng,
            [
                (
                    c,
                    max(
                        1,
                        (self.district_of[c.id].target_total or 1000)
                        // len(siblings[self.district_of[c.id].id]),
                    ),
                )
                for c in communes
            ],
        )
        self.points = points
        self.points_in: dict[int, list[tuple[IntakePoint, UnitInfo]]] = {}
        for point, commune in points:
            self.points_in.setdefault(self.district_of[commune.id].id, []).append((point, commune))
        self.police_points = [
            (p, c)
            for p, c in points
            if p.kind in (PointKind.POLICE_ID_POINT.value, PointKind.MOBILE_TEAM.value)
        ]
        # Computed once, not per case: at 600,000 cases these small costs add up to seconds.
        province = province_name.replace("Tỉnh ", "")
        self.place_names = {c.id: f"{tree.full_name(c.id)}, {province}" for c in communes}
        self.unit_codes = {c.id: c.code for c in communes}


class _DemoCases:
    """Builds the demo's rows (fact sets, cases, events) and writes them a batch at a time."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        campaign: Campaign,
        geography: _Geography,
        operators_by_point: dict[int, list[int]],
    ) -> None:
        self.session = session
        self.rng = rng
        self.geo = geography
        self.operators_by_point = operators_by_point
        self.family = _Picker(rng, FAMILY)  # type: ignore[arg-type]
        self.prefix = _Picker(rng, PROVINCE_PREFIXES)  # type: ignore[arg-type]
        self.failure = _Picker(rng, FAILURE_MIX)  # type: ignore[arg-type]
        self.help_reason = _Picker(rng, HELP_MIX)  # type: ignore[arg-type]
        self.phone_prefixes = sorted(carrier_prefixes())
        self.used: set[str] = set(session.scalars(select(Case.id_number)))
        self.folded_names: dict[str, str] = {}
        self.level1_people: list[_Person] = []
        self.next_case = (session.scalar(select(func.max(Case.id))) or 0) + 1
        self.next_event = (session.scalar(select(func.max(CaseEvent.id))) or 0) + 1
        self.next_fact_set = (session.scalar(select(func.max(FactSet.id))) or 0) + 1
        self.fact_set_ids: dict[str, int] = dict(
            session.execute(select(FactSet.digest, FactSet.id)).all()
        )
        self.fact_set_rows: list[tuple[object, ...]] = []
        today = local_day(now_utc())
        self.last_day = min(campaign.last_day, today)
        self.days = [
            campaign.first_day + timedelta(days=i)
            for i in range((self.last_day - campaign.first_day).days + 1)
        ] or [today]
        self.start, self.end = campaign.daily_start, campaign.daily_end
        self.now = now_utc()
        self.case_rows: list[tuple[object, ...]] = []
        self.event_rows: list[tuple[object, ...]] = []
        self.made = self.events = 0
        # The first report of each case carries its consent record, as the desk writes it.
        self.basis = legal_basis(session)
        self.notice = current_notice().version

    def flush(self) -> None:
        """Write the rows built so far."""
        if self.case_rows:
            connection = self.session.connection()
            table = cast(Table, FactSet.__table__)
            bulk_insert(connection, table, FACT_SET_COLUMNS, self.fact_set_rows)
            self.fact_set_rows.clear()
            bulk_insert(connection, cast(Table, Case.__table__), CASE_COLUMNS, self.case_rows)
            bulk_insert(
                connection, cast(Table, CaseEvent.__table__), EVENT_COLUMNS, self.event_rows
            )
            self.case_rows.clear()
            self.event_rows.clear()

    def add_case(self) -> None:
        """One case: a person (at level 2, sometimes one seen at level 1), a desk, a history."""
        rng = self.rng
        level = 2 if rng.random() < 0.2 else 1
        if level == 2 and self.level1_people and rng.random() < 0.3:
            person = self.level1_people.pop(rng.randrange(len(self.level1_people)))
        else:
            person = self._new_person()
        id_number, full_name, birth, sex, phone, address, residence_id = person
        self.used.add(id_number)
        point, point_commune = self._point(level, residence_id)
        operator_id = rng.choice(self.operators_by_point[point.id])
        path, moments = self._history(level)
        last = path[-1]
        reason = self.failure() if last == Status.FAILED else None
        note = "Không nhận được mã OTP" if reason == FailureReason.OTHER else None
        case_id = self.next_case
        self.next_case += 1
        activated_at = moments[-1] if last == Status.ACTIVATED else None
        reason_code = reason.value if isinstance(reason, FailureReason) else None
        helped = self.help_reason().value  # type: ignore[attr-defined]
        claim = (full_name, birth, sex, self.geo.unit_codes[residence_id], phone, address, helped)
        fact_set_id = self._fact_set((*claim, None))
        self.case_rows.append(
            (
                case_id,
                id_number,
                level,
                full_name,
                self.folded_names.get(full_name)
                or self.folded_names.setdefault(full_name, fold(full_name)),
                birth,
                sex,
                phone,
                address,
                residence_id,
                point.id,
                operator_id,
                last.value,
                reason_code,
                note,
                helped,
                True,
                None,
                residence_id if level == 1 else point_commune.id,
                activated_at,
                local_day(activated_at) if activated_at else None,
                False,  # has_conflict: one report per case here
                moments[0],
                moments[-1],
                1,
            )
        )
        failure = (reason_code, note)
        self._add_events(case_id, path, moments, (operator_id, point.id), failure, fact_set_id)
        if level == 1 and rng.random() < 0.1:
            self.level1_people.append(person)
        self.made += 1

    def _new_person(self) -> _Person:
        """Someone not seen before, with an ID number no case holds yet."""
        rng = self.rng
        sex = "Nam" if rng.random() < 0.49 else "Nữ"
        age = 15 + int(abs(rng.gauss(0, 1)) * 22) % 70
        birth = date(self.days[0].year - age, rng.randint(1, 12), rng.randint(1, 28))
        century = (birth.year // 100 - 19) * 2 + (1 if sex == "Nữ" else 0)
        while True:
            id_number = f"{self.prefix()}{century}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
            if id_number not in self.used:
                break
        full_name = _name(rng, self.family, sex)
        phone = (
            f"{rng.choice(self.phone_prefixes)}{rng.randrange(10**7):07d}"
            if rng.random() < 0.8
            else None
        )
        home = self.geo.residence()
        assert isinstance(home, UnitInfo)
        address = f"Ấp {rng.choice(HAMLETS)}, {self.geo.place_names[home.id]}"
        return id_number, full_name, birth, sex, phone, address, home.id

    def _point(self, level: int, residence_id: int) -> tuple[IntakePoint, UnitInfo]:
        """Level 2 at the police; level 1 mostly near home, else anywhere."""
        rng, geo = self.rng, self.geo
        home_district = geo.district_of[residence_id].id
        if level == 2:
            return rng.choice(geo.police_points)
        if rng.random() < 0.85 and geo.points_in.get(home_district):
            return rng.choice(geo.points_in[home_district])
        return rng.choice(geo.points)

    def _history(self, level: int) -> tuple[list[Status], list[datetime]]:
        """The statuses a case goes through and when, cut where the campaign or today ends."""
        rng = self.rng
        first = _moment(rng.choice(self.days), rng, self.start, self.end)
        if first > self.now:
            first = self.now - timedelta(minutes=rng.randrange(1, 600))
        roll = rng.random()
        if level == 1:
            path = (
                [Status.REGISTERED, Status.APPROVED, Status.ACTIVATED]
                if roll < 0.7
                else [Status.REGISTERED, Status.APPROVED]
                if roll < 0.8
                else [Status.REGISTERED]
                if roll < 0.88
                else [Status.REGISTERED, Status.FAILED]
                if roll < 0.94
                else [Status.FAILED]
            )
        else:
            path = (
                [Status.APPLICATION_TAKEN, Status.ACTIVATED]
                if roll < 0.65
                else [Status.APPLICATION_TAKEN]
                if roll < 0.9
                else [Status.APPLICATION_TAKEN, Status.FAILED]
            )
        moments = [first]
        for _ in path[1:]:
            delay = timedelta(days=rng.choice([0, 1, 1, 2, 3]), minutes=rng.randrange(5, 240))
            following = moments[-1] + delay
            if local_day(following) > self.last_day or following > self.now:
                break
            moments.append(following)
        return path[: len(moments)], moments

    def _fact_set(
        self, claim: tuple[str, date, str, str, str | None, str | None, str | None, str | None]
    ) -> int:
        """The id of the fact set holding `claim`, a new row where none does yet."""
        digest = claim_digest(*claim)
        fact_set_id = self.fact_set_ids.get(digest)
        if fact_set_id is None:
            fact_set_id = self.fact_set_ids[digest] = self.next_fact_set
            self.next_fact_set += 1
            self.fact_set_rows.append((fact_set_id, digest, *claim))
        return fact_set_id

    def _add_events(
        self,
        case_id: int,
        path: list[Status],
        moments: list[datetime],
        desk: tuple[int, int],
        failure: tuple[str | None, str | None],
        fact_set_id: int,
    ) -> None:
        """One status event per step; the first carries the claim and the consent record."""
        operator_id, point_id = desk
        reason_code, note = failure
        previous: Status | None = None
        for status, moment in zip(path, moments, strict=True):
            failed = status == Status.FAILED
            self.event_rows.append(
                (
                    self.next_event,
                    f"{self.rng.getrandbits(128):032x}",
                    case_id,
                    EventKind.STATUS.value,
                    previous.value if previous else None,
                    status.value,
                    moment,
                    operator_id,
                    point_id,
                    reason_code if failed else None,
                    note if failed else None,
                    None,
                    None,
                    fact_set_id if previous is None else None,
                    *(
                        (self.notice, moment, self.basis.basis.value, self.basis.legal_reference)
                        if previous is None
                        else (None, None, None, None)
                    ),
                )
            )
            self.next_event += 1
            self.events += 1
            previous = status


def generate_demo(
    session: Session,
    records: int,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    actor: Actor | None = None,
    forced: bool = False,
) -> DemoResult:
    """Add `records` synthetic cases (the caller commits), mark the database as holding
    test data, and log the run in the audit as `actor` (default: the command line).

    `forced`: `ensure_demo_allowed` was told --force (recorded in the audit entry)."""
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    rng = random.Random(seed)
    campaign = active_campaign(session)
    tree = UnitTree.load(session)
    points = _demo_points(session, tree, rng)
    operators_by_point = _demo_operators(session, points, rng)
    session.flush()
    geography = _Geography(tree, points, rng, campaign.province_name)
    cases = _DemoCases(session, rng, campaign, geography, operators_by_point)
    tables = [cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)]
    with indexes_set_aside_for_large_load(session.connection(), tables, records, len(cases.used)):
        while cases.made < records:
            cases.add_case()
            if len(cases.case_rows) >= BATCH:
                cases.flush()
                if progress:
                    progress(cases.made)
        cases.flush()
        advance_id_sequences(session.connection(), [*tables, cast(Table, FactSet.__table__)])
    made, events = cases.made, cases.events
    if progress:
        progress(made)
    result = DemoResult(
        cases=made,
        events=events,
        points=len(points),
        operators=sum(len(v) for v in operators_by_point.values()),
        seed=seed,
    )
    if not contains_demo_data(session):
        session.add(Setting(key=DEMO_DATA_SETTING, value="true"))
    write_audit(
        session,
        actor or cli_actor(),
        AuditAction.DEMO,
        f"Thêm {made} hồ sơ giả lập (dữ liệu thử)",
        {"cases": made, "events": events, "seed": seed, "forced": forced},
    )
    return result
