"""The log: a rotating file in the data folder, with personal data scrubbed from every line.

A log leaves the counter (it is attached to a support request), so no record may carry a
citizen's ID number or phone number, whatever code logged it: the filter masks them in the
formatted message and in the traceback text before the handler writes anything.
"""

from __future__ import annotations

import logging
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILENAME = "kichhoat.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

# 12-digit ID numbers (CCCD / personal ID), 9-digit old ID cards, and Vietnamese phone
# numbers in their usual spellings (0xxxxxxxxx, +84 / 84 prefix, spaces, dots or dashes).
# Any run of 9 or more digits is masked too: nothing the app logs legitimately needs one.
_PHONE = re.compile(r"(?<![\w])(?:\+?84|0)(?:[\s.\-]?\d){9}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
MASK = "[đã ẩn]"


def scrub(text: str) -> str:
    """`text` with ID numbers and phone numbers replaced by a mask."""
    return _LONG_DIGITS.sub(MASK, _PHONE.sub(MASK, text))


class PersonalDataFilter(logging.Filter):
    """Masks ID and phone numbers in a record; a record is never dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad %-format: keep the raw text, scrubbed
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


_handler: logging.Handler | None = None


def log_path(folder: Path) -> Path:
    return folder / LOG_FILENAME


def setup_logging(folder: Path | None = None, *, level: int = logging.INFO) -> Path | None:
    """Send the root logger to `folder/kichhoat.log` (default: the data folder's `logs`),
    1 MB per file, five old files kept. Returns the log file, or None when the folder cannot
    be written (the app still runs; records then go to stderr). Calling it again moves the
    log to the new folder."""
    global _handler
    if folder is None:
        from services.upkeep.database import data_dir  # late: keeps this module free of SQLAlchemy

        folder = data_dir() / "logs"
    root = logging.getLogger()
    root.setLevel(level)
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
        _handler = None
    path: Path | None = log_path(folder)
    handler: logging.Handler
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path,  # type: ignore[arg-type]
            maxBytes=MAX_BYTES,
            backupCount=BACKUP_COUNT,
            encoding="utf-8",
        )
    except OSError:
        path = None
        handler = logging.StreamHandler(sys.stderr) if sys.stderr else logging.NullHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    _handler = handler
    logging.captureWarnings(True)
    return path


def current_log_file() -> Path | None:
    """The file the log is written to, if any."""
    if isinstance(_handler, RotatingFileHandler):
        return Path(_handler.baseFilename)
    return None


def stop_logging() -> None:
    """Detach and close the handler `setup_logging` installed (tests, the self-test)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
    logging.captureWarnings(False)
