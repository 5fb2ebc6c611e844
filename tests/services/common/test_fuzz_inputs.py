"""Every parser of outside input, fed arbitrary text and bytes (hypothesis): it either
works or raises a clear `UserError`, and a refused file writes nothing."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.entities import AuditEntry, Case, CaseEvent, IntakePoint, Operator, Target
from services.cases.records import COLUMNS, import_records
from services.common.errors import UserError
from services.counting.targets import import_targets
from services.exchange.packages import export_package, import_package
from services.person.cccd import parse_card_qr
from services.upkeep.local_settings import LocalSettings, load_local_settings, settings_path
from tests.factories import CLI, known_world

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PASS = "mat-khau-goi-du-lieu"
# Excel cells cannot hold control characters (openpyxl refuses to write them).
CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=14)


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Case, CaseEvent, IntakePoint, Operator, Target, AuditEntry)
    )


def _attempt(session: Session, call: object) -> None:
    """Run `call`; a `UserError` must leave the database as it was."""
    before = counts(session)
    try:
        call()  # type: ignore[operator]
    except UserError as error:
        assert str(error).strip()
        session.rollback()
        assert counts(session) == before
    else:
        session.rollback()


@given(st.text(max_size=400))
def test_card_qr_text(text: str) -> None:
    try:
        card = parse_card_qr(text)
    except UserError as error:
        assert str(error).strip()
    else:
        assert len(card.id_number) == 12 and card.id_number.isdigit()


@given(
    st.lists(
        st.one_of(st.text(max_size=30), st.sampled_from(["094190012345", "15031990", "Nữ"])),
        min_size=1,
        max_size=12,
    )
)
def test_card_qr_shaped_text(parts: list[str]) -> None:
    with contextlib.suppress(UserError):
        parse_card_qr("|".join(parts))


def _csv_from(rows: list[list[str]]) -> bytes:
    header = ",".join(COLUMNS.values())
    body = "\n".join(",".join(cell.replace(",", " ") for cell in row) for row in rows)
    return f"{header}\n{body}\n".encode()


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=800).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.lists(st.text(max_size=14), max_size=13), max_size=5).map(_csv_from),
    ),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_record_imports(session: Session, tmp_path: Path, data: bytes, suffix: str) -> None:
    known_world(session)
    path = tmp_path / f"nhap{suffix}"
    path.write_bytes(data)
    _attempt(session, lambda: import_records(session, CLI, path, write_rejects=False))


@FUZZ
@given(
    cells=st.lists(
        st.lists(st.one_of(CELL_TEXT, st.integers(), st.none(), st.dates()), max_size=13),
        max_size=8,
    )
)
def test_xlsx_imports_of_arbitrary_cells(
    session: Session, tmp_path: Path, cells: list[list[object]]
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(COLUMNS.values()))
    for row in cells:
        sheet.append(row)
    path = tmp_path / "o.xlsx"
    workbook.save(path)
    _attempt(session, lambda: import_records(session, CLI, path, write_rejects=False))
    _attempt(session, lambda: import_targets(session, CLI, path))


@FUZZ
@given(data=st.binary(max_size=3000))
def test_packages_of_random_bytes(session: Session, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "rac.kpkg"
    path.write_bytes(data)
    _attempt(session, lambda: import_package(session, CLI, path, PASS))


@FUZZ
@given(
    position=st.integers(min_value=0),
    value=st.integers(min_value=1, max_value=255),
    cut=st.booleans(),
)
def test_corrupted_packages(
    session: Session, tmp_path: Path, position: int, value: int, cut: bool
) -> None:
    good = tmp_path / "goi.kpkg"
    if not good.exists():
        known_world(session)
        session.commit()
        export_package(session, CLI, good, PASS)
        session.commit()
    data = bytearray(good.read_bytes())
    where = position % len(data)
    if cut:
        data = data[:where]
    else:
        data[where] ^= value
    broken = tmp_path / "hong.kpkg"
    broken.write_bytes(bytes(data))
    _attempt(session, lambda: import_package(session, CLI, broken, PASS))


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=500),
        st.dictionaries(
            st.sampled_from(
                ["db_url", "point_code", "idle_lock_minutes", "slip_format", "extra", "x"]
            ),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=20),
                st.booleans(),
                st.lists(st.integers(), max_size=3),
            ),
        ).map(lambda d: json.dumps(d).encode()),
    )
)
def test_settings_files(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "cai-dat"
    folder.mkdir(exist_ok=True)
    settings_path(folder).write_bytes(data)
    loaded, warning = load_local_settings(folder)
    assert isinstance(loaded, LocalSettings)
    assert isinstance(loaded.idle_lock_minutes, int) and loaded.idle_lock_minutes >= 0
    assert loaded.slip_format in ("a6", "80mm")
    if warning is not None:
        assert not settings_path(folder).exists()  # set aside, defaults used


def test_a_zip_that_is_not_a_workbook(session: Session, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<không phải/>")
    path = tmp_path / "gia.xlsx"
    path.write_bytes(buffer.getvalue())
    _attempt(session, lambda: import_records(session, CLI, path, write_rejects=False))
