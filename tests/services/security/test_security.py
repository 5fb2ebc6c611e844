"""Roles, the audit chain, sign-in lockout and masked ID numbers, at the service level."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import AuditEntry, Case, Operator
from services.cases.detail import case_detail, correct_opened_case
from services.cases.queries import CaseFilter, fetch_cases
from services.cases.recording import CONSENT_MISSING, Correction, FactsDraft, RecordResult
from services.cases.records import import_records
from services.common.errors import ConflictError, ValidationError
from services.common.vntime import now_utc
from services.counting.targets import clear_target, import_targets, set_target, share_proportionally
from services.desk.follow_up import follow_up_cases
from services.desk.intake import IntakeResult, save_intake
from services.documents.detail_list import write_detail_list
from services.documents.report import write_report
from services.exchange.conflicts import open_conflicts, resolve_conflict
from services.exchange.packages import export_package, import_package
from services.person.id_number import mask_id_number
from services.privacy.purge import purge_personal_data, set_grace_days
from services.security import accounts
from services.security.accounts import (
    LOCKOUT_MINUTES,
    MAX_FAILED_SIGN_INS,
    SignInError,
    SignInFailure,
    authenticate,
    change_own_password,
    create_account,
    create_operator,
    reset_password,
    update_account,
)
from services.security.audit import (
    AuditAction,
    AuditFilter,
    export_entries,
    list_entries,
    verify_chain,
)
from services.security.permissions import (
    MINIMUM_ROLE,
    Action,
    PermissionDeniedError,
    allowed,
    require,
)
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM, World, known_world
from tests.services.security.forgery import forged_hash
from tests.shared_corrections import correct

PASSWORD = "matkhau123"


def actor(world: World, role: Role, point: str = "phu_tam") -> Actor:
    chosen = world.point_phu_tam if point == "phu_tam" else world.point_phuong_5
    return Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", role, chosen.id)


def draft(world: World, tail: int = 42) -> FactsDraft:
    return world.draft(tail)


def registered_by(session: Session, world: World, by: Actor) -> RecordResult:
    """The World's citizen registered by `by` (with consent), committed."""
    saved = save_intake(session, by, draft(world), IntakeResult(1, Status.REGISTERED), consent=True)
    session.commit()
    return saved


# -- the table --------------------------------------------------------------------------


def test_roles_are_cumulative_and_the_cli_is_an_administrator() -> None:
    for action, minimum in MINIMUM_ROLE.items():
        for role in Role:
            someone = Actor(1, "x", "X", role, 1)
            expected = {Role.OPERATOR: 0, Role.MANAGER: 1, Role.ADMIN: 2}
            assert allowed(someone, action) == (expected[role] >= expected[minimum])
        assert allowed(CLI, action)
    assert not allowed(None, Action.PRINT)
    with pytest.raises(PermissionDeniedError, match="không có quyền xuất danh sách chi tiết"):
        require(Actor(1, "lan.nt", "Lan", Role.OPERATOR, 1), Action.DETAIL_LIST)


# -- every guarded service call refuses the wrong role -------------------------------------


def _calls(
    session: Session, database: Database, world: World, tmp_path: Path
) -> dict[str, tuple[Action, Callable[[Actor], object]]]:
    path = tmp_path / "x.xlsx"
    return {
        "records import": (Action.IMPORT_RECORDS, lambda a: import_records(session, a, path)),
        "report": (Action.REPORTS, lambda a: write_report(session, a, date(2023, 7, 25), path)),
        "set target": (Action.TARGETS, lambda a: set_target(session, a, PHU_TAM, 10)),
        "clear target": (Action.TARGETS, lambda a: clear_target(session, a, PHU_TAM)),
        "share": (Action.TARGETS, lambda a: share_proportionally(session, a, "942")),
        "import targets": (Action.TARGETS, lambda a: import_targets(session, a, path)),
        "package export": (Action.PACKAGES, lambda a: export_package(session, a, path, "x" * 12)),
        "package import": (Action.PACKAGES, lambda a: import_package(session, a, path, "x" * 12)),
        "conflicts": (Action.CONFLICTS, lambda a: open_conflicts(session, a)),
        "resolve": (Action.CONFLICTS, lambda a: resolve_conflict(session, 1, "discard", a)),
        "details": (Action.DETAIL_LIST, lambda a: write_detail_list(session, a, path, "x" * 12)),
        "audit": (Action.AUDIT, lambda a: list_entries(session, a, AuditFilter())),
        "audit export": (
            Action.AUDIT,
            lambda a: export_entries(session, a, AuditFilter(), tmp_path / "a.csv"),
        ),
        "create account": (
            Action.ACCOUNTS,
            lambda a: create_account(
                session, a, username="moi", full_name="Mới", password=PASSWORD, role=Role.OPERATOR
            ),
        ),
        "reset password": (
            Action.ACCOUNTS,
            lambda a: reset_password(session, a, world.other_operator.id, PASSWORD),
        ),
        "update account": (
            Action.ACCOUNTS,
            lambda a: update_account(session, a, world.other_operator.id, is_active=False),
        ),
        "settings": (Action.SETTINGS, lambda a: set_grace_days(session, a, 10)),
        "purge": (Action.PURGE, lambda a: purge_personal_data(database, a)),
    }


@pytest.mark.parametrize(
    "name",
    [
        "records import",
        "report",
        "set target",
        "clear target",
        "share",
        "import targets",
        "package export",
        "package import",
        "conflicts",
        "resolve",
        "details",
        "audit",
        "audit export",
        "create account",
        "reset password",
        "update account",
        "settings",
        "purge",
    ],
)
def test_each_guarded_call_refuses_a_role_below_its_minimum(
    database: Database, session: Session, tmp_path: Path, name: str
) -> None:
    world = World(session)
    session.commit()
    action, call = _calls(session, database, world, tmp_path)[name]
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    for role in Role:
        if allowed(actor(world, role), action):
            continue
        with pytest.raises(PermissionDeniedError) as caught:
            call(actor(world, role))
        assert caught.value.action == action
        assert "không có quyền" in str(caught.value)
    # Refused before anything was written.
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    assert not (tmp_path / "x.xlsx").exists()


def test_operators_save_and_correct_only_at_their_point(session: Session) -> None:
    world = World(session)
    session.commit()
    at_phu_tam = actor(world, Role.OPERATOR)
    saved = registered_by(session, world, at_phu_tam)
    nowhere = Actor(world.operator.id, "lan.nt", "Lan", Role.OPERATOR, None)
    with pytest.raises(PermissionDeniedError, match="chưa chọn điểm thu nhận"):
        save_intake(
            session, nowhere, draft(world, 43), IntakeResult(1, Status.REGISTERED), consent=True
        )
    correction = Correction(
        reason="Ghi nhầm số điện thoại",
        operator_id=world.operator.id,
        intake_point_id=world.point_phuong_5.id,
        values={"phone": "0987654321"},
    )
    elsewhere = actor(world, Role.OPERATOR, point="phuong_5")
    with pytest.raises(Exception, match="thuộc điểm thu nhận khác"):
        correct_opened_case(session, elsewhere, saved.case.id, saved.case.version, correction)
    session.rollback()
    correct_opened_case(session, at_phu_tam, saved.case.id, saved.case.version, correction)
    session.commit()


def test_consent_is_required_by_the_service(session: Session) -> None:
    world = World(session)
    session.commit()
    with pytest.raises(ValidationError, match="đồng ý") as caught:
        save_intake(
            session,
            actor(world, Role.OPERATOR),
            draft(world),
            IntakeResult(1, Status.REGISTERED),
            consent=False,
        )
    assert str(caught.value) == CONSENT_MISSING
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0


# -- the audit chain ----------------------------------------------------------------------


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_case_actions_are_logged_without_personal_data(session: Session) -> None:
    world = World(session)
    session.commit()
    operator = actor(world, Role.OPERATOR)
    saved = registered_by(session, world, operator)
    save_intake(session, operator, draft(world), IntakeResult(1, Status.APPROVED), consent=True)
    session.commit()
    case = session.get(Case, saved.case.id)
    assert case is not None
    correct(
        session,
        operator,
        (case.id, case.version),
        "Ghi nhầm tên và số điện thoại",
        world.operator.id,
        world.point_phu_tam.id,
        values={"full_name": "Trần Thị Mỹ Lan", "phone": "0987654321"},
        status=Status.REGISTERED,
    )
    session.commit()
    assert _actions(session) == ["case_created", "case_status", "case_corrected"]
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    everything = " ".join(e.summary + e.details for e in entries)
    for personal in ("Trần Thị Mỹ", "0912345678", "0987654321", case.id_number, "1990-03-15"):
        assert personal not in everything
    assert mask_id_number(case.id_number) in everything
    corrected = json.loads(entries[-1].details)
    assert corrected["case_id"] == case.id
    assert corrected["changes"]["status"] == ["approved", "registered"]
    assert corrected["changes"]["full_name"] == "đã thay đổi"
    assert {e.username for e in entries} == {"lan.nt"}
    assert {e.point_code for e in entries} == {world.point_phu_tam.code}
    assert verify_chain(session).ok


def test_the_chain_detects_an_edited_a_deleted_and_a_truncated_row(
    database: Database, session: Session
) -> None:
    known_world(session)
    operator = Actor(None, "cli:test", "cli:test", Role.ADMIN)
    for day in range(5):
        set_target(session, operator, PHU_TAM, 100 + day)
        session.commit()
    check = verify_chain(session)
    assert check.ok and check.count == 5
    assert "OK" not in check.describe() and "5 mục" in check.describe()

    session.execute(text("UPDATE audit_log SET summary = 'sửa lén' WHERE id = 3"))
    session.commit()
    broken = verify_chain(session)
    assert (broken.ok, broken.broken_id, broken.count) == (False, 3, 2)
    assert "mục số 3" in broken.describe()

    # Forging the hash of row 3 too moves the break to row 4 (it no longer links).
    row = session.get(AuditEntry, 3)
    assert row is not None
    session.execute(
        text("UPDATE audit_log SET hash = :h WHERE id = 3"),
        {"h": forged_hash(row, "sửa lén", row.prev_hash)},
    )
    session.commit()
    session.expire_all()
    assert verify_chain(session).broken_id == 4


def test_deleting_rows_breaks_the_chain(session: Session) -> None:
    World(session)
    for day in range(4):
        set_target(session, CLI, PHU_TAM, 100 + day)
    session.commit()
    session.execute(text("DELETE FROM audit_log WHERE id = 2"))
    session.commit()
    gap = verify_chain(session)
    assert not gap.ok and gap.breaks[0].position == 2 and "xóa" in gap.describe()
    session.execute(text("DELETE FROM audit_log WHERE id > 1"))
    session.commit()
    tail = verify_chain(session)
    assert not tail.ok and tail.count == 1 and tail.breaks[0].position == 2
    assert "cuối" in tail.breaks[0].problem


def test_audit_viewer_filters_and_exports(session: Session, tmp_path: Path) -> None:
    World(session)
    set_target(session, CLI, PHU_TAM, 100)
    with pytest.raises(SignInError):
        authenticate(session, "nobody", "sai-mat-khau1", None)
    manager = Actor(None, "cli:boss", "boss", Role.MANAGER)
    rows = list_entries(session, manager, AuditFilter(action=AuditAction.SIGN_IN_FAILED))
    assert [r.username for r in rows] == ["?"]  # a mistyped name is not logged
    assert len(list_entries(session, manager, AuditFilter(username="cli:*"))) == 1
    today = now_utc().date()
    assert list_entries(session, manager, AuditFilter(last_day=today - timedelta(days=3))) == []
    assert export_entries(session, manager, AuditFilter(), tmp_path / "nhat-ky.csv") == 2
    session.commit()
    content = (tmp_path / "nhat-ky.csv").read_text(encoding="utf-8-sig")
    assert "Đăng nhập thất bại" in content and "Sửa chỉ tiêu" in content
    assert export_entries(session, manager, AuditFilter(), tmp_path / "nhat-ky.xlsx") == 3
    with pytest.raises(ValidationError):
        export_entries(session, manager, AuditFilter(), tmp_path / "nhat-ky.txt")


# -- sign-in lockout and passwords -------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(session: Session) -> None:
    create_operator(
        session, username="lan.nt", full_name="Lan", password=PASSWORD, role=Role.OPERATOR
    )
    session.commit()
    start = now_utc()
    for attempt in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(SignInError) as caught:
            authenticate(session, "lan.nt", "sai-mat-khau1", None, now=start)
        assert caught.value.failure == SignInFailure.BAD_CREDENTIALS
        operator = session.scalars(select(Operator)).one()
        assert operator.failed_sign_ins == attempt + 1  # committed by the service
    with pytest.raises(SignInError, match="tạm khóa"):
        authenticate(session, "lan.nt", "sai-mat-khau1", None, now=start)
    # Even the right password is refused while locked...
    with pytest.raises(SignInError) as locked:
        authenticate(session, "lan.nt", PASSWORD, None, now=start + timedelta(minutes=14))
    assert locked.value.failure == SignInFailure.LOCKED
    # ...and accepted once the lock has run out.
    later = start + timedelta(minutes=LOCKOUT_MINUTES, seconds=1)
    assert authenticate(session, "lan.nt", PASSWORD, None, now=later).username == "lan.nt"
    session.commit()
    operator = session.scalars(select(Operator)).one()
    assert operator.failed_sign_ins == 0 and operator.locked_until is None
    assert _actions(session).count("account_locked") == 1
    assert _actions(session)[-1] == "sign_in"
    assert verify_chain(session).ok


def test_a_success_resets_the_count(session: Session) -> None:
    create_operator(
        session, username="lan.nt", full_name="Lan", password=PASSWORD, role=Role.OPERATOR
    )
    session.commit()
    for _ in range(3):
        with pytest.raises(SignInError):
            authenticate(session, "lan.nt", "sai-mat-khau1", None)
    authenticate(session, "lan.nt", PASSWORD, None)
    session.commit()
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(SignInError, match="Sai tên"):
            authenticate(session, "lan.nt", "sai-mat-khau1", None)


def test_change_and_reset_passwords(session: Session) -> None:
    world = World(session)
    operator = create_operator(
        session, username="hoa", full_name="Hoa", password=PASSWORD, role=Role.OPERATOR
    )
    session.commit()
    me = Actor(operator.id, "hoa", "Hoa", Role.OPERATOR, world.point_phu_tam.id)
    with pytest.raises(ValidationError, match="hiện tại không đúng"):
        change_own_password(session, me, "sai-mat-khau1", "matkhaumoi9")
    with pytest.raises(ValidationError, match="quá ngắn"):
        change_own_password(session, me, PASSWORD, "ngan1")
    change_own_password(session, me, PASSWORD, "matkhaumoi9")
    session.commit()
    assert authenticate(session, "hoa", "matkhaumoi9", None)
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(SignInError):
            authenticate(session, "hoa", "sai-mat-khau1", None)
    reset_password(session, CLI, operator.id, "datlai12345")
    session.commit()
    assert authenticate(session, "hoa", "datlai12345", None)  # the lock is lifted too
    session.commit()
    assert {"password_changed", "password_reset"} <= set(_actions(session))
    everything = " ".join(session.scalars(select(AuditEntry.details)))
    assert "matkhau" not in everything and "datlai" not in everything


def test_the_last_administrator_cannot_be_demoted(session: Session) -> None:
    admin = create_operator(
        session, username="admin", full_name="Quản trị", password=PASSWORD, role=Role.ADMIN
    )
    session.commit()
    with pytest.raises(ConflictError, match="ít nhất một quản trị viên"):
        update_account(session, CLI, admin.id, role=Role.MANAGER)
    session.rollback()
    monkey = accounts  # the module stays importable for monkeypatching in UI tests
    assert monkey.MAX_FAILED_SIGN_INS == 5


# -- masked ID numbers ------------------------------------------------------------------


def test_operators_see_id_numbers_masked_in_lists_but_not_in_the_open_case(
    session: Session,
) -> None:
    world = known_world(session)
    operator = actor(world, Role.OPERATOR, point="phuong_5")
    rows = fetch_cases(session, operator, CaseFilter())
    assert rows and all("******" in r.id_number for r in rows)
    full = session.get(Case, rows[0].id)
    assert full is not None and rows[0].id_number == mask_id_number(full.id_number)
    # Searching by the full number still finds it; the open case shows it in full.
    assert [r.id for r in fetch_cases(session, operator, CaseFilter(text=full.id_number))] == [
        full.id
    ]
    assert case_detail(session, full.id, operator).id_number == full.id_number
    follow = follow_up_cases(session, operator, date(2023, 8, 30))
    assert all("******" in r.id_number for r in follow)
    manager = actor(world, Role.MANAGER)
    assert all("*" not in r.id_number for r in fetch_cases(session, manager, CaseFilter()))


def test_points_appending_at_once_do_not_fork_the_chain(database: Database) -> None:
    import threading

    from services.security.audit import write_audit

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def point(number: int) -> None:
        try:
            start.wait()
            for step in range(15):
                with database.session() as session:
                    write_audit(session, CLI, AuditAction.SETTINGS, f"điểm {number}, lần {step}")
                    session.commit()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=point, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        check = verify_chain(session)
    assert check.ok and check.count == 60
