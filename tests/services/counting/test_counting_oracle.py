"""The real entry points against the reference model of the counting rules (tests/oracle).

Three intake points' databases receive desk saves, spreadsheet imports (of sheets generated
here, some imported again elsewhere), corrections of facts, status and activation moment,
managers' decisions on conflicts, and packages exported from one and imported into another in
any order and any number of times; one may be purged. After every run, each database's
`tally --json` figures (the same function the command prints) for every day and every grouping
must equal the model's for the events that database holds. After every step, the counts each
database keeps by its triggers (`models.activation_counts`) must equal a full recount
(`services.counting.count_check.verify`). The PostgreSQL variant puts the first point's database on the
server.
"""

from __future__ import annotations

import csv
import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import services.exchange.crypto
from models.codes import OUTSIDE_PROVINCE, FailureReason, PointKind, Role, Status
from models.database import sqlite_url
from models.entities import Case
from services.campaigns.campaign import load_preset
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.detail import correct_opened_case, correct_opened_moment
from services.cases.recording import Correction, FactsDraft
from services.cases.records import COLUMNS, import_records
from services.common.errors import UserError
from services.common.labels import FAILURE_LABELS, STATUS_LABELS
from services.counting.count_check import verify
from services.counting.tally import TallyBy, tally
from services.desk.intake import IntakeResult, save_intake
from services.exchange.conflicts import open_conflicts, resolve_conflict
from services.exchange.packages import export_package, import_package
from services.privacy.purge import purge_personal_data
from services.security.session_context import Actor
from services.upkeep.database import open_database
from tests.factories import id_number_for
from tests.oracle.counting_model import OUTSIDE, Event, Fix, Report
from tests.oracle.counting_model import tally as model_tally
from tests.postgres import create_database, drop_database, server_url

PASS = "mat-khau-cua-goi"
# name, commune code, district code
POINTS = {
    "P7": ("Điểm P7 Phường 7", "31501", "941"),
    "P8": ("Điểm P8 Phường 8", "31504", "941"),
    "PKS": ("Điểm thị trấn Kế Sách", "31528", "943"),
    "PLH": ("Điểm xã Long Hưng", "31579", "944"),
}
POINT_COMMUNE = {name: commune for name, commune, _ in POINTS.values()}
OPERATORS = ("a.nv", "b.nv", "c.nv")
RESIDENCES = ("31501", "31504", "31528", OUTSIDE)
DISTRICT_OF = {"31501": "941", "31504": "941", "31528": "943", "31579": "944"}
# (birth date, sex, tail, two spellings of the name)
PEOPLE = [
    (date(1980, 1, 5), "Nữ", 1, ("Lê Thị Hoa", "Lê Thị Hòa")),
    (date(1975, 6, 1), "Nam", 2, ("Trần Văn Bình", "Trần Văn Bính")),
    (date(1990, 3, 9), "Nữ", 3, ("Thạch Thị Sa", "Thạch Thị Xa")),
]
FIRST_DAY = date(2023, 7, 18)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range(8)] + [date(2023, 8, 18)]
STATUSES = {
    1: ("registered", "approved", "activated", "failed"),
    2: ("application_taken", "activated", "failed"),
}
GROUPINGS = ("district", "commune", "point", "operator")


def number_of(person: int) -> str:
    birth, sex, tail, _ = PEOPLE[person]
    return id_number_for(birth, sex, tail)


def moment_of(day: int, minute: int) -> datetime:
    """Day 0..6 of the campaign, `minute` after 07:00 Vietnam time, in UTC."""
    local = datetime(2023, 7, 18 + day, 7, 0) + timedelta(minutes=minute)
    return (local - timedelta(hours=7)).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One report: a desk save or a spreadsheet row."""

    person: int
    level: int
    status: str
    at: datetime
    point: str  # a key of POINTS
    operator: str
    spelling: int
    residence: str


rows = st.builds(
    Row,
    person=st.integers(0, len(PEOPLE) - 1),
    level=st.sampled_from([1, 2]),
    status=st.sampled_from(["registered", "approved", "application_taken", "activated", "failed"]),
    at=st.builds(moment_of, st.integers(0, 6), st.integers(0, 40).map(lambda m: m * 15)),
    point=st.sampled_from(sorted(POINTS)),
    operator=st.sampled_from(OPERATORS),
    spelling=st.integers(0, 1),
    residence=st.sampled_from(RESIDENCES),
).filter(lambda r: r.status in STATUSES[r.level])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One migrated database with the preset, the four points and three operators, copied
    for every database of every run (migrating each would take most of the test's time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _set_up(sqlite_url(path), path.parent / "backups")
    yield path


def _set_up(url: str, backups: Path) -> None:
    database = open_database(url, backups=backups)
    with database.session() as session:
        load_preset(session, "soc-trang-2023")
        tree = UnitTree.load(session)
        for name, commune, _district in POINTS.values():
            get_or_create_point(session, tree.commune(commune), name, PointKind.POLICE_ID_POINT)
        for username in OPERATORS:
            get_or_create_operator(session, username, username)
        session.commit()
    database.dispose()


_T = TypeVar("_T")


class Point:
    """One intake point's database, and the events the model says it holds."""

    def __init__(self, url: str, backups: Path) -> None:
        self.database = open_database(url, backups=backups)
        self.events: dict[tuple[str, int], dict[object, Event]] = {}
        self.purged = False

    def add(self, key: tuple[str, int], event: Event) -> None:
        self.events.setdefault(key, {})[event.identity] = event

    def unless_purged(self, step: Callable[[Any], _T]) -> _T | None:
        """`step` in a session of this point's database, committed; None where the point
        refuses it, which only a purged point may."""
        with self.database.session() as session:
            try:
                done = step(session)
            except UserError:
                assert self.purged
                return None
            session.commit()
        return done

    def actor(self, session: Any, point: str, operator: str, role: Role) -> Actor:
        from models.entities import IntakePoint, Operator

        point_id = session.scalar(
            select(IntakePoint.id).where(IntakePoint.name == POINTS[point][0])
        )
        operator_id = session.scalar(select(Operator.id).where(Operator.username == operator))
        return Actor(operator_id, operator, operator, role, point_id)


def case_of(session: Session, person: int, level: int) -> Case | None:
    return session.scalars(
        select(Case).where(Case.id_number == number_of(person), Case.level == level)
    ).first()


class CountingMachine(RuleBasedStateMachine):
    folder: Path
    template: Path
    # The server and a template database on it: the first point's database is cloned from it.
    pg: tuple[str, str] | None = None

    def __init__(self) -> None:
        super().__init__()
        run = self.folder / f"run-{next(RUN_NUMBERS)}"
        run.mkdir()
        self.points: list[Point] = []
        self.pg_url: str | None = None
        for index in range(3):
            if index == 0 and self.pg is not None:
                server, template = self.pg
                self.pg_url = create_database(server, template=make_url(template).database)
                self.points.append(Point(self.pg_url, run / "backups"))
                continue
            copy = run / f"point-{index}.sqlite3"
            shutil.copyfile(self.template, copy)
            self.points.append(Point(sqlite_url(copy), run / "backups"))
        self.run = run
        self.sheets: list[tuple[Path, list[Row]]] = []
        self.used: dict[tuple[str, int, datetime], object] = {}
        self.fixes = itertools.count(1)

    def teardown(self) -> None:
        for point in self.points:
            point.database.dispose()
        if self.pg is not None and self.pg_url is not None:
            drop_database(self.pg[0], self.pg_url)

    @invariant()
    def kept_counts_equal_a_recount(self) -> None:
        for index, point in enumerate(self.points):
            with point.database.session(read_only=True) as session:
                check = verify(session)
            assert check.agrees, (index, check)

    # -- what happens at the points ------------------------------------------------------

    def _free(self, row: Row, identity: object) -> bool:
        """The model breaks no ties: two different reports of one case never share a moment."""
        key = (number_of(row.person), row.level, row.at)
        return self.used.setdefault(key, identity) == identity

    @staticmethod
    def _report(row: Row, identity: object) -> Report:
        return Report(
            identity,
            row.at,
            row.status,
            POINTS[row.point][0],
            row.operator,
            PEOPLE[row.person][3][row.spelling],
            row.residence,
        )

    @rule(target_index=st.integers(0, 2), row=rows)
    def desk_save(self, target_index: int, row: Row) -> None:
        point = self.points[target_index]
        identity = ("desk", next(self.fixes))
        if not self._free(row, identity):
            return
        birth, sex, _tail, names = PEOPLE[row.person]
        draft = FactsDraft(
            id_number=number_of(row.person),
            full_name=names[row.spelling],
            birth_date=birth,
            sex=sex,
            residence_commune_id=None,
            residence_outside=row.residence == OUTSIDE,
        )
        result = IntakeResult(
            row.level,
            Status(row.status),
            failure_reason=FailureReason.NOT_OWN_NUMBER if row.status == "failed" else None,
        )
        with point.database.session() as session:
            if row.residence != OUTSIDE:
                draft.residence_commune_id = UnitTree.load(session).commune(row.residence).id
            actor = point.actor(session, row.point, row.operator, Role.OPERATOR)
            try:
                save_intake(session, actor, draft, result, consent=True, at=row.at)
            except UserError:
                # The desk refuses a step back, another person, after the purge: nothing saved.
                session.rollback()
                return
            session.commit()
        point.add((number_of(row.person), row.level), self._report(row, identity))

    @rule(target_index=st.integers(0, 2), sheet=st.lists(rows, min_size=1, max_size=4))
    def import_sheet(self, target_index: int, sheet: list[Row]) -> None:
        kept = [row for row in sheet if self._free(row, ("row", row))]
        if not kept:
            return
        path = self.run / f"sheet-{len(self.sheets)}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS.values())
            for row in kept:
                birth, sex, _tail, names = PEOPLE[row.person]
                local = row.at + timedelta(hours=7)
                writer.writerow(
                    [
                        number_of(row.person),
                        names[row.spelling],
                        birth.strftime("%d/%m/%Y"),
                        sex,
                        "",
                        OUTSIDE_PROVINCE if row.residence == OUTSIDE else row.residence,
                        row.level,
                        STATUS_LABELS[row.status],
                        FAILURE_LABELS[FailureReason.NOT_OWN_NUMBER]
                        if row.status == "failed"
                        else "",
                        POINTS[row.point][1],
                        POINTS[row.point][0],
                        local.strftime("%d/%m/%Y %H:%M"),
                        row.operator,
                    ]
                )
        self.sheets.append((path, kept))
        self._import(target_index, len(self.sheets) - 1)

    @precondition(lambda self: bool(self.sheets))
    @rule(target_index=st.integers(0, 2), which=st.integers(0, 20))
    def import_again(self, target_index: int, which: int) -> None:
        self._import(target_index, which % len(self.sheets))

    def _import(self, target_index: int, which: int) -> None:
        point = self.points[target_index]
        path, sheet = self.sheets[which]
        summary = point.unless_purged(
            lambda session: import_records(session, CLI_ADMIN, path, write_rejects=False)
        )
        if summary is None:
            return
        assert not point.purged
        assert summary.rejects == [], summary.rejects
        for row in sheet:
            point.add((number_of(row.person), row.level), self._report(row, ("row", row)))

    @rule(
        target_index=st.integers(0, 2),
        person=st.integers(0, 2),
        level=st.sampled_from([1, 2]),
        residence=st.sampled_from(RESIDENCES),
    )
    def correct_residence(self, target_index: int, person: int, level: int, residence: str) -> None:
        point = self.points[target_index]
        values: dict[str, object] = {"residence_commune_id": OUTSIDE_PROVINCE}
        with point.database.session() as session:
            if residence != OUTSIDE:
                values["residence_commune_id"] = UnitTree.load(session).commune(residence).id
            self._correct(
                point,
                session,
                person,
                level,
                Correction("Sửa nơi thường trú theo thẻ", 0, None, values),
                Fix(("fix", next(self.fixes)), 0, residence=residence),
            )

    @rule(
        target_index=st.integers(0, 2),
        person=st.integers(0, 2),
        level=st.sampled_from([1, 2]),
        status=st.sampled_from(["registered", "approved", "application_taken", "failed"]),
    )
    def correct_status(self, target_index: int, person: int, level: int, status: str) -> None:
        if status not in STATUSES[level]:
            return
        point = self.points[target_index]
        correction = Correction(
            "Trạng thái đã ghi sai",
            0,
            None,
            status=Status(status),
            failure_reason=FailureReason.QR_SCAN if status == "failed" else None,
        )
        with point.database.session() as session:
            self._correct(
                point,
                session,
                person,
                level,
                correction,
                Fix(("fix", next(self.fixes)), 0, status=status),
            )

    def _correct(
        self, point: Point, session: Any, person: int, level: int, correction: Correction, fix: Fix
    ) -> None:
        case = case_of(session, person, level)
        if case is None:
            return
        manager = point.actor(session, "P7", "a.nv", Role.MANAGER)
        correction = Correction(
            correction.reason,
            manager.operator_id,  # type: ignore[arg-type]
            manager.point_id,
            correction.values,
            correction.status,
            correction.failure_reason,
        )
        try:
            correct_opened_case(session, manager, case.id, case.version, correction)
        except UserError:
            session.rollback()
            return
        session.commit()
        assert not point.purged
        order = int(fix.identity[1])  # type: ignore[index]
        point.add((number_of(person), level), Fix(fix.identity, order, fix.status, fix.residence))

    @rule(
        target_index=st.integers(0, 2),
        person=st.integers(0, 2),
        level=st.sampled_from([1, 2]),
        day=st.integers(0, 6),
        minute=st.integers(0, 40),
    )
    def correct_moment(
        self, target_index: int, person: int, level: int, day: int, minute: int
    ) -> None:
        point = self.points[target_index]
        moment = moment_of(day, minute * 15 + 7)
        with point.database.session() as session:
            case = case_of(session, person, level)
            if case is None:
                return
            manager = point.actor(session, "P7", "a.nv", Role.MANAGER)
            try:
                correct_opened_moment(
                    session, manager, case.id, case.version, moment, "Ghi nhầm giờ kích hoạt"
                )
            except UserError:
                session.rollback()
                return
            session.commit()
        assert not point.purged
        order = next(self.fixes)
        point.add((number_of(person), level), Fix(("fix", order), order, moment=moment))

    @rule(target_index=st.integers(0, 2), take_other=st.booleans())
    def decide(self, target_index: int, take_other: bool) -> None:
        point = self.points[target_index]
        with point.database.session() as session:
            views = open_conflicts(session, CLI_ADMIN)
            if not views:
                return
            view = views[0]
            manager = point.actor(session, "P7", "a.nv", Role.MANAGER)
            chosen = view.others[0] if take_other and view.others else view.in_force
            resolve_conflict(
                session,
                view.id,
                "take_incoming" if take_other and view.others else "keep_local",
                manager,
            )
            session.commit()
        order = next(self.fixes)
        point.add(
            (view.id_number, view.level),
            Fix(
                ("fix", order),
                order,
                name=chosen.full_name,
                residence=OUTSIDE
                if chosen.claim.residence == OUTSIDE_PROVINCE
                else chosen.claim.residence,
            ),
        )

    @rule(source=st.integers(0, 2), target_index=st.integers(0, 2))
    def send_package(self, source: int, target_index: int) -> None:
        sender, receiver = self.points[source], self.points[target_index]
        path = self.run / f"package-{next(self.fixes)}.kpkg"
        exported = sender.unless_purged(lambda s: export_package(s, CLI_ADMIN, path, PASS))
        if exported is None:
            return
        imported = receiver.unless_purged(lambda s: import_package(s, CLI_ADMIN, path, PASS))
        if imported is None:
            return
        for key, events in sender.events.items():
            for event in events.values():
                receiver.add(key, event)

    @precondition(lambda self: not any(p.purged for p in self.points))
    @rule(target_index=st.integers(0, 2))
    def purge(self, target_index: int) -> None:
        point = self.points[target_index]
        purge_personal_data(
            point.database,
            CLI_ADMIN,
            today=date(2023, 10, 1),
            backups=self.run / "backups",
            passphrase=PASS,
            server_backup_confirmed=not point.database.is_sqlite,
        )
        point.purged = True

    # -- the figures ---------------------------------------------------------------------

    def check_figures(self) -> None:
        for index, point in enumerate(self.points):
            cases = {key: list(events.values()) for key, events in point.events.items()}
            with point.database.session() as session:
                for day in DAYS:
                    for by in GROUPINGS:
                        got = tally(session, day, TallyBy(by)).as_json()
                        rows, total, outside = model_tally(
                            cases, day, by, POINT_COMMUNE, DISTRICT_OF
                        )
                        where = f"điểm {index}, ngày {day}, theo {by}"
                        key = "name" if by == "point" else "code"
                        seen = {
                            row[key]: (row["level1"], row["level2"], row["activated_on_day"])
                            for row in got["rows"]
                            if row["code"] != OUTSIDE_PROVINCE
                        }
                        expected = {k: (f.level1, f.level2, f.on_day) for k, f in rows.items()}
                        assert {k: v for k, v in seen.items() if v != (0, 0, 0)} == {
                            k: v for k, v in expected.items() if v != (0, 0, 0)
                        }, where
                        assert (
                            got["total"]["level1"],
                            got["total"]["level2"],
                            got["total"]["activated_on_day"],
                        ) == (total.level1, total.level2, total.on_day), where
                        out = got["outside_province"]
                        assert (out["level1"], out["level2"], out["activated_on_day"]) == (
                            outside.level1,
                            outside.level2,
                            outside.on_day,
                        ), where


RUN_NUMBERS = itertools.count()
CLI_ADMIN = Actor(None, "cli:test", "cli:test", Role.ADMIN)


@pytest.fixture(scope="module")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The SQLite template's twin on the PostgreSQL server."""
    server = server_url()
    assert server is not None
    url = create_database(server)
    _set_up(url, tmp_path_factory.mktemp("pg-template"))
    yield server, url
    drop_database(server, url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_figure_follows_the_rules_whatever_the_order(
    backend: str,
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # The key derivation's cost protects real packages; here it would only slow the run.
    monkeypatch.setattr(services.exchange.crypto, "SCRYPT_N", 2**10)

    class Machine(CountingMachine):
        def teardown(self) -> None:
            try:
                self.check_figures()
            finally:
                super().teardown()

    Machine.folder = tmp_path
    Machine.template = template
    if backend == "postgresql":
        Machine.pg = request.getfixturevalue("pg_template")
    run_state_machine_as_test(
        Machine, settings=settings(max_examples=30, stateful_step_count=14, deadline=None)
    )
