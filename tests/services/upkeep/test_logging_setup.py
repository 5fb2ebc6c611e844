"""The log file: in the folder given, rotating, and never holding an ID or phone number."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from models.database import make_engine, sqlite_read_only_uri
from models.entities import Operator
from services.common.errors import StorageError
from services.upkeep.database import Database
from services.upkeep.logging_setup import (
    LOG_FILENAME,
    MASK,
    current_log_file,
    scrub,
    setup_logging,
    stop_logging,
)

NOW = datetime(2023, 7, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    yield folder
    stop_logging()


def test_id_and_phone_numbers_are_masked_in_the_file(log_folder: Path) -> None:
    path = setup_logging(log_folder)
    assert path == log_folder / LOG_FILENAME
    assert current_log_file() == path
    logger = logging.getLogger("kichhoat.test")
    logger.warning("Saved case %s, phone %s", "094085000101", "0912 345 678")
    logger.info("Import row: 079123456789;+84 912 345 678;0387-000-303;Phường 5")
    try:
        raise ValueError("duplicate 094190000202 / 84912000101")
    except ValueError:
        logger.exception("Could not save")
    stop_logging()
    written = path.read_text(encoding="utf-8")
    for secret in (
        "094085000101",
        "345 678",
        "079123456789",
        "912 345",
        "0387-000-303",
        "094190000202",
        "84912000101",
    ):
        assert secret not in written
    assert written.count(MASK) >= 7
    assert "Phường 5" in written  # the rest of the line stays readable
    assert "Traceback" in written and "ValueError" in written


def test_ordinary_numbers_stay() -> None:
    text = "2023-08-01 tally: 50.802 cases, 17482 a day, point P001, level 2, 12:30"
    assert scrub(text) == text


def test_a_folder_that_cannot_be_written_does_not_stop_the_app(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    try:
        assert setup_logging(blocked / "logs") is None
        assert current_log_file() is None
        logging.getLogger("kichhoat.test").warning("still fine")
    finally:
        stop_logging()


def test_the_file_rotates(log_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.upkeep.logging_setup.MAX_BYTES", 2_000)
    path = setup_logging(log_folder)
    assert path is not None
    for index in range(200):
        logging.getLogger("kichhoat.test").warning("line %d %s", index, "x" * 40)
    stop_logging()
    files = sorted(p.name for p in log_folder.iterdir())
    assert files[:2] == [LOG_FILENAME, f"{LOG_FILENAME}.1"]
    assert len(files) == 6  # the current file and five old ones


SECRET_NAME = "Trần Thị Bí Mật"
SECRET_USERNAME = "bimat.tran"


def test_database_errors_carry_no_bound_values(database: Database, log_folder: Path) -> None:
    """A driver error's text says which statement failed, never the values bound to it."""
    with database.session() as session:
        session.add(Operator(username=SECRET_USERNAME, full_name="Lê Văn A", created_at=NOW))
        session.commit()
    path = setup_logging(log_folder)
    assert path is not None
    with pytest.raises(StorageError) as caught, database.session() as session:
        session.add(Operator(username=SECRET_USERNAME, full_name=SECRET_NAME, created_at=NOW))
        session.flush()
    cause = caught.value.__cause__
    assert isinstance(cause, IntegrityError)
    assert "hide_parameters=True" in str(cause)  # SQLAlchemy's own words in place of them
    for secret in (SECRET_NAME, SECRET_USERNAME):
        assert secret not in str(caught.value)
    assert SECRET_NAME not in str(cause)
    try:
        raise caught.value
    except StorageError:
        logging.getLogger("kichhoat.test").exception("Could not save")
    stop_logging()
    written = path.read_text(encoding="utf-8")
    assert "IntegrityError" in written and SECRET_NAME not in written


@pytest.mark.parametrize(
    ("url", "read_only"),
    [
        ("sqlite:///{folder}/a.sqlite3", False),
        ("sqlite:///{folder}/a.sqlite3", True),
        ("postgresql+psycopg://kichhoat@127.0.0.1:1/khong_co", False),
    ],
)
def test_every_engine_hides_parameters(tmp_path: Path, url: str, read_only: bool) -> None:
    url = url.format(folder=tmp_path)
    uri = sqlite_read_only_uri(tmp_path / "a.sqlite3", immutable=False) if read_only else None
    engine = make_engine(url, read_only_uri=uri)
    try:
        assert engine.hide_parameters
    finally:
        engine.dispose()
