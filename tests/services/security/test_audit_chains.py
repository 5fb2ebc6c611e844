"""One audit chain per intake point, and the witnesses that keep the log from being rewritten
quietly: heads printed on reports, carried in packages, recorded outside the database."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import AuditChain, AuditEntry, AuditReceivedHead
from services.common.errors import StorageError, UserError
from services.documents.report import SUMMARY, write_report
from services.exchange.packages import export_package, import_package, package_audit_witness
from services.security.audit import (
    LEGACY_CHAIN,
    AuditAction,
    machine_chain,
    verify_chain,
    write_audit,
)
from services.security.audit_witness import (
    current_heads,
    read_witness_file,
    report_witness,
    verify_audit,
    witness_path,
)
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import CLI, World
from tests.services.security.forgery import forged_hash

AS_OF = date(2023, 7, 25)
PASS = "mat-khau-cua-goi"


def at_point(world: World, point: str) -> Actor:
    chosen = world.point_phu_tam if point == "phu_tam" else world.point_phuong_5
    return Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, chosen.id)


def note(session: Session, actor: Actor, text_: str) -> None:
    write_audit(session, actor, AuditAction.SETTINGS, text_)
    session.commit()


def notes(session: Session, actor: Actor, count: int, prefix: str = "việc") -> None:
    """`count` entries by `actor`: «việc 0», «việc 1», ..."""
    for step in range(count):
        note(session, actor, f"{prefix} {step}")


@pytest.fixture
def world(session: Session) -> World:
    made = World(session)
    session.commit()
    return made


def entries(session: Session) -> list[tuple[str, int]]:
    return [(e.chain, e.seq) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def empty_the_log(session: Session) -> None:
    session.execute(text("DELETE FROM audit_log"))
    session.execute(text("DELETE FROM audit_chains"))
    session.commit()


# -- one chain per point ----------------------------------------------------------------------


def test_each_point_writes_its_own_chain_and_every_chain_verifies(
    session: Session, world: World
) -> None:
    phu_tam, phuong_5 = at_point(world, "phu_tam"), at_point(world, "phuong_5")
    for step in range(3):
        note(session, phu_tam, f"Phú Tâm {step}")
        note(session, phuong_5, f"Phường 5 {step}")
        note(session, CLI, f"dòng lệnh {step}")
    a, b = world.point_phu_tam.code, world.point_phuong_5.code
    machine = machine_chain()
    assert machine.startswith("~")
    assert entries(session) == [(chain, seq) for seq in (1, 2, 3) for chain in (a, b, machine)]
    heads = {h.chain: h.last_seq for h in session.scalars(select(AuditChain))}
    assert heads == {a: 3, b: 3, machine: 3}
    check = verify_chain(session)
    assert check.ok and check.count == 9 and check.chains == 3
    assert "9 mục trong 3 chuỗi" in check.describe()


def test_writers_of_two_points_update_no_common_row(database: Database, world: World) -> None:
    """The SQL of two points' appends: every UPDATE names its own chain's head row, and no
    row (no single head) is written by both."""
    updates: list[tuple[str, Any]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "UPDATE" in statement.upper():
            updates.append((statement, parameters))

    touched: dict[str, set[tuple[str, str]]] = {}
    event.listen(database.engine, "before_cursor_execute", spy)
    try:
        for point in ("phu_tam", "phuong_5", "phu_tam", "phuong_5"):
            updates.clear()
            with database.session() as session:
                actor = at_point(world, point)
                write_audit(session, actor, AuditAction.SETTINGS, f"lưu ở {point}")
                session.commit()
            code = (world.point_phu_tam if point == "phu_tam" else world.point_phuong_5).code
            assert updates, "appending updates its chain's head"
            for statement, parameters in updates:
                assert "audit_head " not in statement and "audit_head\n" not in statement
                table = statement.upper().split("UPDATE", 1)[1].split()[0].lower()
                assert table == "audit_chains", statement
                values = parameters.values() if isinstance(parameters, dict) else parameters
                assert code in list(values), (statement, parameters)
                touched.setdefault(point, set()).add((table, code))
    finally:
        event.remove(database.engine, "before_cursor_execute", spy)
    assert touched["phu_tam"].isdisjoint(touched["phuong_5"])


def _lock_timeout(session: Session) -> None:
    session.execute(text("SET LOCAL lock_timeout = '300ms'"))


def test_two_points_append_at_once_without_waiting_on_postgresql(
    database: Database, world: World, backend: str
) -> None:
    """Two transactions of different points, both open: the second appends under a lock
    timeout, so waiting for the first would fail it. One point's second writer does wait."""
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one write lock by design)")
    for round_ in range(2):  # the first round creates the heads, the second moves them
        with database.session() as first, database.session() as second:
            write_audit(first, at_point(world, "phu_tam"), AuditAction.SETTINGS, f"A{round_}")
            _lock_timeout(second)
            write_audit(second, at_point(world, "phuong_5"), AuditAction.SETTINGS, f"B{round_}")
            second.commit()
            first.commit()
    with database.session() as first, database.session() as second:
        write_audit(first, at_point(world, "phu_tam"), AuditAction.SETTINGS, "A giữ khóa")
        _lock_timeout(second)
        with pytest.raises((DBAPIError, StorageError)) as waited:
            write_audit(second, at_point(world, "phu_tam"), AuditAction.SETTINGS, "A chờ")
        assert "lock" in str(waited.value).lower()
        second.rollback()
        first.commit()
    with database.session(read_only=True) as session:
        check = verify_chain(session)
    assert check.ok and check.count == 5 and check.chains == 2


def test_two_first_writers_of_a_new_chain_take_turns_on_postgresql(
    database: Database, world: World, backend: str
) -> None:
    """The head row of a new chain is made by whichever writer comes first; the other waits
    for it and appends after, so the chain does not fork."""
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    actor = at_point(world, "phu_tam")
    errors: list[BaseException] = []
    with database.session() as first:
        write_audit(first, actor, AuditAction.SETTINGS, "người đầu")
        pid = first.execute(text("SELECT pg_backend_pid()")).scalar()

        def second_writer() -> None:
            try:
                with database.session() as second:
                    write_audit(second, actor, AuditAction.SETTINGS, "người thứ hai")
                    second.commit()
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        thread = threading.Thread(target=second_writer)
        thread.start()
        with database.engine.connect() as watcher:
            blocked = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> :pid")
            while thread.is_alive() and not watcher.execute(blocked, {"pid": pid}).scalar():
                watcher.rollback()
        first.commit()
        thread.join()
    assert errors == []
    with database.session(read_only=True) as session:
        assert sorted(seq for _, seq in entries(session)) == [1, 2]
        assert verify_chain(session).ok


# -- tampering ------------------------------------------------------------------------------


def _report(session: Session, folder: Path, name: str = "bao-cao.xlsx") -> Path:
    path = write_report(session, CLI, AS_OF, folder / name)
    session.commit()
    return path


def test_an_emptied_log_fails_once_a_report_was_printed(
    session: Session, world: World, tmp_path: Path
) -> None:
    note(session, at_point(world, "phu_tam"), "một việc")
    _report(session, tmp_path)
    assert verify_audit(session).ok
    empty_the_log(session)
    assert verify_chain(session).ok  # the chains alone cannot tell
    check = verify_audit(session)
    assert not check.ok
    message = check.describe()
    assert "báo cáo «bao-cao.xlsx» lập lúc" in message
    assert "nhật ký trống" in message and world.point_phu_tam.code in message


def test_an_emptied_log_fails_once_a_package_was_sent(
    session: Session, world: World, tmp_path: Path
) -> None:
    note(session, CLI, "một việc")
    export_package(session, CLI, tmp_path / "goi.ktpkg", PASS)
    session.commit()
    empty_the_log(session)
    check = verify_audit(session)
    assert not check.ok and "gói dữ liệu «goi.ktpkg» xuất lúc" in check.describe()


def test_the_witness_file_is_outside_the_database_and_appended(
    session: Session, world: World, tmp_path: Path, own_data_folder: Path
) -> None:
    note(session, CLI, "một việc")
    _report(session, tmp_path, "mot.xlsx")
    _report(session, tmp_path, "hai.xlsx")
    path = witness_path(session)
    assert path.is_relative_to(own_data_folder) and path.parent.name == "audit-witness"
    records = read_witness_file(path)
    assert [r.file for r in records] == ["mot.xlsx", "hai.xlsx"]
    # The second report's heads include the first report's own audit entry.
    assert records[1].heads[0].count == records[0].heads[0].count + 1


def test_a_cut_tail_fails_against_the_printed_report(
    session: Session, world: World, tmp_path: Path
) -> None:
    actor = at_point(world, "phu_tam")
    notes(session, actor, 4)
    report = _report(session, tmp_path)
    notes(session, actor, 2, "việc sau")
    # Cut the chain back to two entries and make its head agree: the chain verifies.
    code = world.point_phu_tam.code
    kept = session.scalars(select(AuditEntry).where(AuditEntry.chain == code, AuditEntry.seq == 2))
    last = kept.one()
    session.execute(text("DELETE FROM audit_log WHERE chain = :c AND seq > 2"), {"c": code})
    session.execute(
        text("UPDATE audit_chains SET last_seq = 2, last_hash = :h WHERE chain = :c"),
        {"h": last.hash, "c": code},
    )
    session.commit()
    witness_path(session).unlink()  # the witness file gone too: only the paper is left
    assert verify_chain(session).ok
    assert verify_audit(session).ok
    check = verify_audit(session, [report_witness(report)])
    assert not check.ok
    assert f"điểm {code} có 4 mục" in check.describe() and "chỉ còn 2 mục" in check.describe()


def test_a_chain_rewritten_with_new_hashes_disagrees_with_the_report(
    session: Session, world: World, tmp_path: Path
) -> None:
    notes(session, at_point(world, "phu_tam"), 3)
    report = _report(session, tmp_path)
    code = world.point_phu_tam.code
    # Someone who can write the database edits entry 2 and recomputes every hash after it.
    rows = list(
        session.scalars(select(AuditEntry).where(AuditEntry.chain == code).order_by(AuditEntry.seq))
    )
    prev = rows[0].hash
    for row in rows[1:]:
        summary = "sửa lén" if row.seq == 2 else row.summary
        digest = forged_hash(row, summary, prev)
        session.execute(
            text("UPDATE audit_log SET summary = :s, prev_hash = :p, hash = :h WHERE id = :i"),
            {"s": summary, "p": prev, "h": digest, "i": row.id},
        )
        prev = digest
    session.execute(
        text("UPDATE audit_chains SET last_hash = :h WHERE chain = :c"), {"h": prev, "c": code}
    )
    session.commit()
    session.expire_all()
    assert verify_chain(session).ok
    for check in (verify_audit(session), verify_audit(session, [report_witness(report)])):
        assert not check.ok and "đã bị viết lại" in check.describe()


def test_an_edited_entry_is_still_named(session: Session, world: World, tmp_path: Path) -> None:
    actor = at_point(world, "phuong_5")
    notes(session, actor, 3)
    _report(session, tmp_path)
    session.execute(
        text("UPDATE audit_log SET summary = 'sửa lén' WHERE chain = :c AND seq = 2"),
        {"c": world.point_phuong_5.code},
    )
    session.commit()
    check = verify_audit(session)
    assert not check.ok and check.chains.breaks[0].position == 2
    assert "nội dung đã bị sửa" in check.describe()


def test_a_restore_through_the_app_explains_what_it_lost(
    session: Session, world: World, tmp_path: Path
) -> None:
    from services.security.audit_witness import record_restore

    note(session, CLI, "một việc")
    _report(session, tmp_path)
    empty_the_log(session)
    record_restore(session.get_bind(), "sao-luu-cu.sqlite3")  # type: ignore[arg-type]
    check = verify_audit(session)
    assert check.ok and check.lost
    assert "khôi phục bản sao lưu «sao-luu-cu.sqlite3»" in check.describe()


# -- what reports and packages carry --------------------------------------------------------


def test_the_report_footer_prints_every_chain_head(
    session: Session, world: World, tmp_path: Path
) -> None:
    note(session, at_point(world, "phu_tam"), "một việc")
    note(session, at_point(world, "phuong_5"), "một việc")
    note(session, CLI, "một việc")
    heads = current_heads(session)
    path = _report(session, tmp_path)
    sheet = load_workbook(path)[SUMMARY]
    texts = [(c.row, str(c.value)) for row in sheet.iter_rows() for c in row if c.value]
    signature = next(r for r, t in texts if t == "NGƯỜI LẬP BÁO CÁO")
    title = next(r for r, t in texts if t.startswith("Dấu kiểm nhật ký hệ thống lúc"))
    assert title > signature + 2  # below the signature's space
    for head in heads:
        assert (head.chain, head.count) in {(h.chain, h.count) for h in heads}
        printed = f"{head.chain} · {head.count} mục · {head.hash[:16]}"
        assert any(t == printed for _, t in texts), printed
    read = report_witness(path)
    assert [(h.chain, h.count, h.hash) for h in read.heads] == [
        (h.chain, h.count, h.hash[:16]) for h in heads
    ]
    assert read.at is not None


def test_a_broken_report_file_is_a_vietnamese_refusal(tmp_path: Path) -> None:
    """`audit verify --against` a file that is not a workbook, or one cut short: a message
    naming the file, not a zip library's traceback."""
    from openpyxl import Workbook

    whole = tmp_path / "bao-cao.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in range(200):
        sheet.append([f"ô {row} {col}" for col in range(20)])
    workbook.save(whole)
    cut = tmp_path / "bi-cat.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    garbage = tmp_path / "rac.xlsx"
    garbage.write_bytes(b"not a workbook at all")
    for broken in (cut, garbage):
        with pytest.raises(UserError) as refused:
            report_witness(broken)
        message = str(refused.value)
        assert broken.name in message and "không đọc được" in message.lower()
        assert "zip" not in message.lower()


def test_the_package_manifest_carries_every_chain_head(
    session: Session, world: World, tmp_path: Path
) -> None:
    note(session, at_point(world, "phu_tam"), "một việc")
    note(session, CLI, "một việc")
    heads = current_heads(session)
    path = tmp_path / "goi.ktpkg"
    export_package(session, CLI, path, PASS)
    session.commit()
    sent = package_audit_witness(path, PASS)
    assert sent.heads == tuple(heads) and len(heads) == 2
    assert all(len(h.hash) == 64 and h.uid for h in sent.heads)


def test_the_receiver_keeps_the_heads_and_sees_a_sender_cut_its_log(
    session: Session, world: World, other: Database, tmp_path: Path
) -> None:
    note(session, at_point(world, "phu_tam"), "một việc")
    note(session, at_point(world, "phu_tam"), "việc nữa")
    export_package(session, CLI, tmp_path / "goi-1.ktpkg", PASS)
    session.commit()
    with other.session() as receiver:
        import_package(receiver, CLI, tmp_path / "goi-1.ktpkg", PASS)
        receiver.commit()
        again = import_package(receiver, CLI, tmp_path / "goi-1.ktpkg", PASS)  # kept once
        receiver.commit()
        assert again.audit_warnings == []
        kept = receiver.scalars(select(AuditReceivedHead)).all()
        assert [(h.chain, h.count) for h in kept] == [(world.point_phu_tam.code, 2)]
        assert verify_audit(receiver).ok
    empty_the_log(session)
    note(session, at_point(world, "phu_tam"), "việc mới")
    export_package(session, CLI, tmp_path / "goi-2.ktpkg", PASS)
    session.commit()
    with other.session() as receiver:
        summary = import_package(receiver, CLI, tmp_path / "goi-2.ktpkg", PASS)
        receiver.commit()
        check = verify_audit(receiver)
    assert summary.new == 0  # the cases are merged all the same; the import says what it saw
    assert "Nhật ký ở nơi gửi đã bị cắt hoặc viết lại: gói «goi-1.ktpkg»" in summary.describe()
    assert not check.ok and check.chains.ok
    message = check.describe()
    assert "Nhật ký ở nơi gửi gói đã bị cắt" in message
    assert "gói «goi-1.ktpkg»" in message and "gói «goi-2.ktpkg»" in message


def test_heads_of_an_uncommitted_entry_are_never_printed(session: Session, world: World) -> None:
    note(session, CLI, "đã lưu")
    write_audit(session, CLI, AuditAction.SETTINGS, "chưa lưu")
    assert [h.count for h in current_heads(session)] == [1]
    session.rollback()


def test_the_old_single_chain_is_named_as_such() -> None:
    from services.security.audit import chain_label

    assert "trước khi tách chuỗi" in chain_label(LEGACY_CHAIN)
    assert chain_label("~may-1").startswith("máy may-1")
