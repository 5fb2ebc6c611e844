"""Data packages: round trips, merging rules, conflicts, and every way a package is refused."""

from __future__ import annotations

import base64
import json
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import services.exchange.crypto
from models.codes import Role, Status
from models.entities import Case, CaseEvent, Operator
from services.cases.detail import audit_changes, describe_changes
from services.cases.fold import SEEN
from services.common.errors import UserError
from services.counting.tally import TallyBy, tally
from services.exchange.conflicts import open_conflicts, resolve_conflict
from services.exchange.crypto import MAGIC, PackageError, PackageWriter, decrypt_lines, read_header
from services.exchange.packages import ImportSummary, export_package, import_package, merge_records
from services.security.accounts import set_password
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM, PHUONG_5, World, known_world
from tests.shared_packages import package_head

PASS = "mat-khau-cua-goi"
AS_OF = date(2023, 8, 1)


def registered_at_point_a(session: Session) -> World:
    """Point A (this test's database) registers Linh on 20/07 at 08:00, committed."""
    world = World(session)
    world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:00"))
    session.commit()
    return world


TYPO = "Trần Thị Mỹ Lynh"  # Linh's name with a typo


def packed_at_point_b(
    other: Database,
    path: Path,
    status: Status,
    at: str,
    name: str = "Trần Thị Mỹ Linh",
    point: str = "phu_tam",
) -> Path:
    """Point B (the `other` database) records Linh, named `name`, at `status`; packs it."""
    with other.session() as b_session:
        b = World(b_session)
        b.record(b.facts(name=name), b.report(status, at, point=point))
        b_session.commit()
        export_package(b_session, CLI, path, PASS)
    return path


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def history(session: Session) -> set[tuple[str, int, str, str | None, str]]:
    rows = session.execute(
        select(
            Case.id_number, Case.level, CaseEvent.kind, CaseEvent.to_status, CaseEvent.changed_at
        ).join(CaseEvent, CaseEvent.case_id == Case.id)
    ).all()
    return {(r[0], r[1], r[2], r[3], r[4].isoformat()) for r in rows}


def statuses(session: Session) -> dict[tuple[str, int], str]:
    return {(c.id_number, c.level): c.status for c in session.scalars(select(Case))}


def test_round_trip_gives_the_same_tally(session: Session, other: Database, tmp_path: Path) -> None:
    known_world(session)
    session.commit()
    result = export_package(session, CLI, tmp_path / "goi.kpkg", PASS)
    assert result.counts["cases"] == 8 and result.counts["events"] == 10
    with other.session() as target:
        summary = import_package(target, CLI, tmp_path / "goi.kpkg", PASS)
        target.commit()
        assert (summary.new, summary.updated, summary.unchanged) == (8, 0, 0)
        assert (
            tally(target, AS_OF, TallyBy.COMMUNE).as_json()
            == tally(session, AS_OF, TallyBy.COMMUNE).as_json()
        )
        assert history(target) == history(session)
        again = import_package(target, CLI, tmp_path / "goi.kpkg", PASS)
        target.commit()
        assert (again.new, again.updated, again.unchanged) == (0, 0, 8)
        assert count(target, CaseEvent) == 10


def test_the_manifest_counts_what_the_package_holds(session: Session, tmp_path: Path) -> None:
    """The first line says how many cases and events follow (it is written before them), the
    same as the trailer and as the lines themselves."""
    known_world(session)
    session.commit()
    export_package(session, CLI, tmp_path / "goi.kpkg", PASS)
    lines = [json.loads(line) for line in decrypt_lines(tmp_path / "goi.kpkg", PASS)]
    manifest, trailer = lines[0], lines[-1]
    cases = [line for line in lines if line["type"] == "case"]
    assert manifest["type"] == "manifest" and trailer["type"] == "end"
    events = sum(len(case["events"]) for case in cases)
    assert (manifest["counts"]["cases"], manifest["counts"]["events"]) == (len(cases), events)
    assert (
        (trailer["counts"]["cases"], trailer["counts"]["events"])
        == (8, 10)
        == (
            len(cases),
            events,
        )
    )


def test_no_passwords_travel(session: Session, tmp_path: Path) -> None:
    world = known_world(session)
    set_password(session, world.operator.id, "MatKhau123")
    session.commit()
    export_package(session, CLI, tmp_path / "goi.kpkg", PASS)
    content = b"".join(decrypt_lines(tmp_path / "goi.kpkg", PASS)).decode("utf-8")
    assert "argon2" not in content and "password" not in content
    assert '"username":"lan.nt"' in content


def test_point_filter_and_since(session: Session, tmp_path: Path) -> None:
    world = known_world(session)
    session.commit()
    point = world.point_phu_tam.code
    by_point = export_package(session, CLI, tmp_path / "p.kpkg", PASS, point_code=point)
    assert by_point.counts["cases"] == 5  # cases 3, 4, 5, 6, 7 were taken at Phú Tâm
    later = export_package(session, CLI, tmp_path / "s.kpkg", PASS, since=date(2099, 1, 1))
    assert later.counts["cases"] == 0


def test_merge_moves_a_case_forward(session: Session, other: Database, tmp_path: Path) -> None:
    """Point A registered the citizen; point B activated them; the province sees both."""
    registered_at_point_a(session)
    export_package(session, CLI, tmp_path / "a.kpkg", PASS)
    package = packed_at_point_b(
        other, tmp_path / "b.kpkg", Status.ACTIVATED, "2023-07-23 10:00", point="phuong_5"
    )
    summary = import_package(session, CLI, package, PASS)
    session.commit()
    assert (summary.updated, summary.new) == (1, 0)
    case = session.scalars(select(Case)).one()
    assert case.status == "activated" and case.activated_on == date(2023, 7, 23)
    assert [e.to_status for e in case.history] == ["registered", "activated"]


def test_disagreeing_facts_are_a_conflict_and_the_first_recorded_stand(
    session: Session, other: Database, tmp_path: Path
) -> None:
    world = registered_at_point_a(session)
    packed_at_point_b(other, tmp_path / "b.kpkg", Status.ACTIVATED, "2023-07-23 10:00", TYPO)
    first = import_package(session, CLI, tmp_path / "b.kpkg", PASS)
    session.commit()
    second = import_package(session, CLI, tmp_path / "b.kpkg", PASS)
    session.commit()
    assert (first.conflicts, first.updated) == (1, 1)
    assert (second.conflicts, second.unchanged) == (0, 1)
    case = session.scalars(select(Case)).one()
    # The reports are merged; the facts recorded first in event time stand.
    assert (case.full_name, case.status, case.has_conflict) == (
        "Trần Thị Mỹ Linh",
        "activated",
        True,
    )
    views = open_conflicts(session, CLI)
    assert [(v.local_name, v.incoming_name) for v in views] == [
        ("Trần Thị Mỹ Linh", "Trần Thị Mỹ Lynh")
    ]
    manager = Actor(
        world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, world.point_phu_tam.id
    )
    resolve_conflict(session, views[0].id, "keep_local", manager)
    session.commit()
    session.refresh(case)
    assert (case.full_name, case.status, case.has_conflict) == (
        "Trần Thị Mỹ Linh",
        "activated",
        False,
    )
    assert open_conflicts(session, CLI) == []
    assert "decision" in [e.kind for e in case.history]


def test_take_incoming_is_a_decision_event(
    session: Session, other: Database, tmp_path: Path
) -> None:
    world = registered_at_point_a(session)
    packed_at_point_b(other, tmp_path / "b.kpkg", Status.APPROVED, "2023-07-21 10:00", TYPO)
    import_package(session, CLI, tmp_path / "b.kpkg", PASS)
    session.commit()
    manager = Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, None)
    resolve_conflict(session, open_conflicts(session, CLI)[0].id, "take_incoming", manager)
    session.commit()
    case = session.scalars(select(Case)).one()
    assert (case.full_name, case.has_conflict) == ("Trần Thị Mỹ Lynh", False)
    assert "decision" in [e.kind for e in case.history]


def test_a_version_the_decision_did_not_see_makes_the_case_a_conflict_again(
    session: Session, other: Database, tmp_path: Path
) -> None:
    """A manager keeps Linh's facts over B's typo. Later B sends a third version (another
    residence), reported before the decision was taken but unseen by it: the case is a
    conflict again, listed with that version; B's first package again changes nothing. The
    facts in force, and so the figures, stay the decided ones."""
    world = registered_at_point_a(session)
    packed_at_point_b(other, tmp_path / "b1.kpkg", Status.REGISTERED, "2023-07-20 09:00", TYPO)
    import_package(session, CLI, tmp_path / "b1.kpkg", PASS)
    manager = Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, None)
    resolve_conflict(session, open_conflicts(session, CLI)[0].id, "keep_local", manager)
    session.commit()
    import_package(session, CLI, tmp_path / "b1.kpkg", PASS)
    session.commit()
    case = session.scalars(select(Case)).one()
    assert case.has_conflict is False

    with other.session() as b_session:
        b = World(b_session)
        moved = b.facts(name="Trần Thị Mỹ Linh", residence=PHUONG_5)
        b.record(moved, b.report(Status.APPROVED, "2023-07-20 10:00"))
        b_session.commit()
        export_package(b_session, CLI, tmp_path / "b2.kpkg", PASS)
    import_package(session, CLI, tmp_path / "b2.kpkg", PASS)
    session.commit()
    case = session.scalars(select(Case)).one()
    assert (case.full_name, case.residence_commune_id, case.has_conflict) == (
        "Trần Thị Mỹ Linh",
        world.tree.commune(PHU_TAM).id,
        True,
    )
    (view,) = open_conflicts(session, CLI)
    assert view.local_name == "Trần Thị Mỹ Linh"

    resolve_conflict(session, view.id, "keep_local", manager)
    session.commit()
    assert session.scalars(select(Case)).one().has_conflict is False


# -- refused packages: a clear message, nothing written ------------------------------------


@pytest.fixture
def package(session: Session, tmp_path: Path) -> Path:
    known_world(session)
    session.commit()
    return export_package(session, CLI, tmp_path / "goi.kpkg", PASS).path


def refused(other: Database, path: Path, passphrase: str = PASS) -> str:
    with other.session() as target, pytest.raises(PackageError) as caught:
        import_package(target, CLI, path, passphrase)
    with other.session() as target:
        assert count(target, Case) == 0 and count(target, Operator) == 0
    return str(caught.value)


def test_wrong_passphrase(package: Path, other: Database) -> None:
    assert "Sai mật khẩu" in refused(other, package, "mat-khau-khac")


def test_truncated(package: Path, other: Database, tmp_path: Path) -> None:
    cut = tmp_path / "cut.kpkg"
    cut.write_bytes(package.read_bytes()[:-40])
    assert "cắt ngắn" in refused(other, cut)


def test_tampered(package: Path, other: Database, tmp_path: Path) -> None:
    data = bytearray(package.read_bytes())
    data[-100] ^= 0x01
    bad = tmp_path / "bad.kpkg"
    bad.write_bytes(bytes(data))
    assert "bị sửa" in refused(other, bad)


def test_unknown_format_version(package: Path, other: Database, tmp_path: Path) -> None:
    data = package.read_bytes().replace(b'"format": 1', b'"format": 9', 1)
    future = tmp_path / "future.kpkg"
    future.write_bytes(data)
    message = refused(other, future)
    assert "phiên bản 9" in message


def with_kdf(package: Path, target: Path, **changes: object) -> Path:
    """A copy of `package` whose clear header asks for other key-derivation parameters."""
    data = package.read_bytes()
    start = len(MAGIC) + 4
    length = int.from_bytes(data[len(MAGIC) : start], "big")
    header = json.loads(data[start : start + length])
    header["kdf"].update(changes)
    crafted = json.dumps(header, sort_keys=True).encode("ascii")
    target.write_bytes(MAGIC + len(crafted).to_bytes(4, "big") + crafted + data[start + length :])
    return target


@pytest.mark.parametrize(
    "changes",
    [
        {"n": 2**30},  # 1 TiB of scrypt memory
        {"n": 2**24},  # 16 GiB: could be granted, then take minutes
        {"r": 2**20},
        {"p": 2**20},
        {"n": 3 * 2**14},  # not a power of two
        {"n": "32768"},
        {"salt": ""},
        {"salt": base64.b64encode(bytes(1000)).decode("ascii")},
    ],
)
def test_crafted_scrypt_parameters_are_refused_before_deriving(
    package: Path,
    other: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, object],
) -> None:
    derived: list[dict[str, object]] = []

    def spy(**kwargs: Any) -> Any:
        derived.append(kwargs)
        return Scrypt(**kwargs)

    monkeypatch.setattr(services.exchange.crypto, "Scrypt", spy)
    crafted = with_kdf(package, tmp_path / "crafted.kpkg", **changes)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    message = refused(other, crafted)
    assert "tham số mã hóa không hợp lệ" in message and "không phải do kichhoat tạo" in message
    assert derived == []
    assert time.monotonic() - started < 5
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 200 * 1024  # far below the gigabytes the header asked for


def test_out_of_memory_while_deriving_is_a_user_error(
    package: Path, other: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def starved(**kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(services.exchange.crypto, "Scrypt", starved)
    assert "Không đủ bộ nhớ" in refused(other, package)


def test_not_a_package(other: Database, tmp_path: Path) -> None:
    path = tmp_path / "anh.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a package at all")
    assert "không phải gói" in refused(other, path)


def test_other_campaign(other: Database, tmp_path: Path) -> None:
    path = tmp_path / "khac.kpkg"
    writer = PackageWriter(path, PASS)
    writer.write_line(
        {"type": "manifest", "format_version": 1, "campaign": "ha-noi-2024", "counts": {"cases": 0}}
    )
    writer.close({"type": "end"})
    assert "ha-noi-2024" in refused(other, path)


class _FullDisk:
    """A file on a disk that filled up: what was buffered cannot be written out, neither at
    the flush nor again when the file is closed."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def fileno(self) -> int:
        return int(self.real.fileno())

    def close(self) -> None:
        self.real.close()
        raise OSError(28, "No space left on device")


def test_a_full_disk_at_the_end_is_a_vietnamese_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "goi.kpkg"
    writer = PackageWriter(path, PASS)
    writer.write_line({"type": "manifest", "format_version": 1, "campaign": "x"})
    monkeypatch.setattr(writer, "file", _FullDisk(writer.file))
    with pytest.raises(UserError, match="ổ đĩa đã đầy"):
        writer.close({"type": "end"})
    assert list(tmp_path.iterdir()) == []


def test_passphrase_too_short(session: Session, tmp_path: Path) -> None:
    for short in ("ngan", "11-ky-tu-ab"):  # 4 and 11 characters
        with pytest.raises(UserError, match="ít nhất 12 ký tự") as caught:
            export_package(session, CLI, tmp_path / "x.kpkg", short)
        assert "Tạo mật khẩu" in str(caught.value) and "--generate-passphrase" in str(caught.value)
    assert not (tmp_path / "x.kpkg").exists()
    assert export_package(session, CLI, tmp_path / "x.kpkg", "12-ky-tu-abc").path.exists()
    assert MAGIC.startswith(b"KICHHOAT")


def test_a_package_from_before_the_12_character_minimum_still_opens(
    session: Session, other: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written by the earlier version: an 8-character passphrase, scrypt n = 2^15 (and
    2^16, a value within the accepted range that this version does not write)."""
    known_world(session)
    session.commit()
    monkeypatch.setattr(services.exchange.crypto, "MIN_PASSPHRASE", 8)
    for n in (2**15, 2**16):
        monkeypatch.setattr(services.exchange.crypto, "SCRYPT_N", n)
        path = export_package(session, CLI, tmp_path / f"cu-{n}.kpkg", "8-ky-tu!").path
        assert read_header(path)[0]["kdf"]["n"] == n
    monkeypatch.setattr(services.exchange.crypto, "MIN_PASSPHRASE", 12)
    monkeypatch.setattr(services.exchange.crypto, "SCRYPT_N", 2**15)
    for n in (2**15, 2**16):
        with other.session() as target:
            summary = import_package(target, CLI, tmp_path / f"cu-{n}.kpkg", "8-ky-tu!")
            target.commit()
        assert summary.new + summary.unchanged == 8


def test_a_package_written_before_events_had_uids_is_still_read(session: Session) -> None:
    """Body version 1: no uids, no claims; the case's facts became the first event's claim."""
    head = package_head()
    case = {
        "type": "case",
        "id_number": "094180000001",
        "level": 1,
        "full_name": "Lê Thị Hoa",
        "birth_date": "1980-01-01",
        "sex": "Nữ",
        "phone": None,
        "address": None,
        "residence": PHUONG_5,
        "help_reason": None,
        "notes": None,
        "created_at": "2023-07-20T01:00:00+00:00",
        "events": [
            {"kind": "status", "to": status, "at": at, "operator": "lan.nt", "point": "P1"}
            for status, at in (
                ("registered", "2023-07-20T01:00:00+00:00"),
                ("activated", "2023-07-22T03:00:00+00:00"),
            )
        ],
    }
    for expected in ((1, 0, 0), (0, 0, 1)):
        summary = merge_records(
            session, [*head, case], ImportSummary(path=Path("cu.kpkg")), body_version=1
        )
        session.commit()
        assert (summary.new, summary.updated, summary.unchanged) == expected
    stored = session.scalars(select(Case)).one()
    assert (stored.full_name, stored.status, stored.activated_on) == (
        "Lê Thị Hoa",
        "activated",
        date(2023, 7, 22),
    )
    events = sorted(stored.history, key=lambda e: e.changed_at)
    assert [e.fact_set is not None for e in events] == [True, False]
    assert len({e.uid for e in events}) == 2


def test_a_decisions_bookkeeping_is_not_shown_as_a_change() -> None:
    """The versions a decision saw (`fold.SEEN`) are not a change of the case's facts."""
    assert describe_changes(json.dumps({SEEN: ["0123456789abcdef"]})) == ()
    assert audit_changes(json.dumps({SEEN: ["0123456789abcdef"]})) == {}
