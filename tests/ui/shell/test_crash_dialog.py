"""An unexpected error is logged and told in Vietnamese; the window stays open."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from services.upkeep.logging_setup import setup_logging, stop_logging
from ui.shell.crash_dialog import CRASH_TITLE, CrashHandler, install_crash_handler
from ui.widgets.messages import RecordingMessages


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[CrashHandler]:
    setup_logging(tmp_path / "logs")
    installed = install_crash_handler()
    yield installed
    installed.uninstall()
    stop_logging()


def _raise() -> None:
    raise RuntimeError("bảng bị khóa khi lưu 094085000101, số 0912345678")


def test_an_error_shows_the_dialog_and_is_logged_without_personal_data(
    qtbot: QtBot, tmp_path: Path, recorded: RecordingMessages, handler: CrashHandler
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        _raise()
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert window.isVisible()  # the app keeps running
    [(kind, title, text)] = recorded.shown
    assert (kind, title) == ("error", CRASH_TITLE)
    log_file = tmp_path / "logs" / "kichhoat.log"
    assert str(log_file) in text
    assert "Dữ liệu đã lưu vẫn an toàn" in text
    assert "RuntimeError" in text
    assert "094085000101" not in text and "0912345678" not in text
    logged = log_file.read_text(encoding="utf-8")
    assert "Unexpected error" in logged and "Traceback" in logged and "_raise" in logged
    assert "094085000101" not in logged and "0912345678" not in logged


def test_an_error_in_a_qt_slot_reaches_the_hook(
    qtbot: QtBot, recorded: RecordingMessages, handler: CrashHandler
) -> None:
    QTimer.singleShot(0, _raise)
    qtbot.waitUntil(lambda: len(recorded.shown) == 1)
    assert recorded.shown[0][1] == CRASH_TITLE


def test_an_error_in_a_worker_thread_is_shown_on_the_gui_thread(
    qtbot: QtBot, recorded: RecordingMessages, handler: CrashHandler
) -> None:
    worker = threading.Thread(target=_raise, name="worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(recorded.shown) == 1)
    assert recorded.shown[0][1] == CRASH_TITLE


def test_uninstall_restores_the_previous_hooks(qtbot: QtBot) -> None:
    before, before_thread = sys.excepthook, threading.excepthook
    installed = install_crash_handler()
    assert sys.excepthook == installed.handle
    installed.uninstall()
    assert sys.excepthook is before and threading.excepthook is before_thread
