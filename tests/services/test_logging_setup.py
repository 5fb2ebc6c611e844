"""The log file: in the folder given, rotating, and never holding an ID or phone number."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.logging_setup import (
    LOG_FILENAME,
    MASK,
    current_log_file,
    scrub,
    setup_logging,
    stop_logging,
)


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
    monkeypatch.setattr("services.logging_setup.MAX_BYTES", 2_000)
    path = setup_logging(log_folder)
    assert path is not None
    for index in range(200):
        logging.getLogger("kichhoat.test").warning("line %d %s", index, "x" * 40)
    stop_logging()
    files = sorted(p.name for p in log_folder.iterdir())
    assert files[:2] == [LOG_FILENAME, f"{LOG_FILENAME}.1"]
    assert len(files) == 6  # the current file and five old ones
