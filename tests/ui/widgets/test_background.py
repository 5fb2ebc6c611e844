"""Long work off the GUI thread: results and errors come back on the GUI thread, and the
worker keeps nothing of the caller's alive once it is done."""

from __future__ import annotations

import gc
import logging
import threading
import weakref
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from services.common.errors import UserError
from ui.widgets.background import BackgroundOp, Report, wait_for_background_work
from ui.widgets.messages import RecordingMessages

LOGGER = "ui.widgets.background"


class Owner:
    """Stands for the widget a work function usually closes over."""


def run(
    work: Callable[[Report], object], success: Callable[[object], None]
) -> BackgroundOp[object]:
    return BackgroundOp(None, work, success).run()


def failing(error: Exception) -> Callable[[Report], object]:
    """Work that raises `error`."""

    def work(report: Report) -> object:
        raise error

    return work


@pytest.fixture
def background_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What the background work logs, from INFO up."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def only_line(log: pytest.LogCaptureFixture) -> logging.LogRecord:
    [record] = [r for r in log.records if r.name == LOGGER]
    return record


def test_the_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    arrived: list[tuple[object, bool]] = []

    def work(report: Report) -> object:
        report(1, 2)
        return threading.current_thread() is threading.main_thread()

    op = run(
        work,
        lambda result: arrived.append(
            (result, threading.current_thread() is threading.main_thread())
        ),
    )
    qtbot.waitUntil(lambda: op.finished)
    assert arrived == [(False, True)]  # worked elsewhere, answered here


def test_a_user_error_is_shown_with_its_message(qtbot: QtBot, recorded: RecordingMessages) -> None:
    op = run(failing(UserError("Tệp bị cắt cụt: chép lại tệp rồi nhập lại.")), lambda result: None)
    qtbot.waitUntil(lambda: op.finished)
    assert recorded.shown == [
        ("error", "Không thực hiện được", "Tệp bị cắt cụt: chép lại tệp rồi nhập lại.")
    ]


def test_a_failure_handler_gets_the_error_instead(
    qtbot: QtBot, recorded: RecordingMessages
) -> None:
    caught: list[BaseException] = []

    work = failing(ValueError("hỏng"))
    op = BackgroundOp(None, work, lambda result: None).failure(caught.append).run()
    qtbot.waitUntil(lambda: op.finished)
    assert [str(e) for e in caught] == ["hỏng"] and recorded.shown == []


def test_nothing_of_the_caller_is_kept_once_done(qtbot: QtBot) -> None:
    owner = Owner()
    alive = weakref.ref(owner)

    def work(report: Report, owner: Owner = owner) -> object:
        raise RuntimeError(repr(owner))  # the traceback's frames hold the owner too

    ops = [BackgroundOp(None, work, lambda result: None).failure(lambda error: None).run()]
    qtbot.waitUntil(lambda: ops[0].finished)
    wait_for_background_work()
    del owner, work
    ops.clear()
    gc.collect()
    assert alive() is None


def test_a_bug_is_logged_with_its_traceback(
    qtbot: QtBot, recorded: RecordingMessages, background_log: pytest.LogCaptureFixture
) -> None:
    op = run(failing(ZeroDivisionError("chia cho không")), lambda result: None)
    qtbot.waitUntil(lambda: op.finished)
    record = only_line(background_log)
    assert record.levelno == logging.ERROR
    text = record.getMessage()
    assert "Traceback" in text and "in work" in text and "ZeroDivisionError: chia cho" in text
    assert recorded.shown[0][:2] == ("error", "Lỗi ngoài dự kiến")  # logged, then shown


def test_a_user_error_is_logged_without_a_traceback(
    qtbot: QtBot, recorded: RecordingMessages, background_log: pytest.LogCaptureFixture
) -> None:
    work = failing(UserError("Sai mật khẩu của gói."))
    op = BackgroundOp(None, work, lambda result: None).failure(lambda error: None).run()
    qtbot.waitUntil(lambda: op.finished)
    record = only_line(background_log)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert "Sai mật khẩu" in record.getMessage() and "Traceback" not in record.getMessage()
