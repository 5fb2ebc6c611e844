"""Unexpected errors: logged with their traceback, told to the user in Vietnamese, and the
window keeps running instead of vanishing.

`install_crash_handler()` sets `sys.excepthook` (errors in the GUI thread, including those
raised inside Qt slots, which PySide reports through it) and `threading.excepthook` (worker
threads: the message is posted to the GUI thread). The message goes through
`ui.widgets.messages`, so tests read it back instead of clicking.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from services.common.version import APP_TITLE
from services.upkeep.logging_setup import current_log_file, scrub
from ui.widgets.messages import messages

log = logging.getLogger("kichhoat.crash")
qt_log = logging.getLogger("qt")

CRASH_TITLE = "Đã xảy ra lỗi không mong muốn"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_text(error: BaseException, log_file: Path | None) -> str:
    """What happened, that saved data is safe, and where the log is; no personal data."""
    detail = scrub(str(error).strip().splitlines()[0][:200]) if str(error).strip() else ""
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    where = (
        f"Chi tiết kỹ thuật đã được ghi vào tệp nhật ký:\n{log_file}\n"
        "Nếu lỗi lặp lại, gửi tệp này cho bộ phận hỗ trợ (tệp không chứa số định danh hay "
        "số điện thoại của công dân)."
        if log_file
        else "Không ghi được tệp nhật ký trên máy này."
    )
    return (
        f"{APP_TITLE} gặp một lỗi chưa lường trước ({what}).\n\n"
        "Dữ liệu đã lưu vẫn an toàn: mỗi hồ sơ chỉ được ghi khi lưu xong trọn vẹn. Thao tác "
        "đang làm dở lúc xảy ra lỗi có thể chưa được lưu: hãy kiểm tra lại hồ sơ vừa nhập.\n\n"
        f"{where}\n\n"
        "Có thể tiếp tục làm việc. Nếu cửa sổ không phản hồi, hãy đóng rồi mở lại ứng dụng."
    )


class _GuiNotifier(QObject):
    """Lives in the GUI thread; a signal from a worker thread reaches it queued."""

    crashed = Signal(object)


class CrashHandler:
    def __init__(self, log_file: Callable[[], Path | None] = current_log_file) -> None:
        self.log_file = log_file
        self.showing = False
        self.shown = 0
        self.notifier = _GuiNotifier()
        self.notifier.crashed.connect(self.show)
        self.previous_hook: ExceptHook = sys.excepthook
        self.previous_thread_hook = threading.excepthook

    def handle(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        """`sys.excepthook`: log, then tell the user (Ctrl+C still stops the app)."""
        if issubclass(kind, KeyboardInterrupt | SystemExit):
            self.previous_hook(kind, error, trace)
            return
        log.critical("Unexpected error", exc_info=(kind, error, trace))
        if threading.current_thread() is threading.main_thread():
            self.show(error)
        else:
            self.notifier.crashed.emit(error)

    def handle_thread(self, hook: threading.ExceptHookArgs) -> None:
        """`threading.excepthook`: a worker thread died with an error."""
        if hook.exc_value is None or issubclass(hook.exc_type, SystemExit):
            return
        name = hook.thread.name if hook.thread else "?"
        log.critical(
            "Unexpected error in thread %s",
            name,
            exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback),
        )
        self.notifier.crashed.emit(hook.exc_value)

    def show(self, error: BaseException) -> None:
        if self.showing or QApplication.instance() is None:
            return  # one dialog at a time: an error while showing it is only logged
        self.showing = True
        try:
            self.shown += 1
            messages().error(
                QApplication.activeWindow(), CRASH_TITLE, crash_text(error, self.log_file())
            )
        except Exception:  # the dialog itself must never bring the app down
            log.exception("Could not show the error dialog")
        finally:
            self.showing = False

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self.previous_hook
        if threading.excepthook == self.handle_thread:
            threading.excepthook = self.previous_thread_hook


_installed: CrashHandler | None = None


def install_crash_handler() -> CrashHandler:
    """Catch every unexpected error from now on (needs the QApplication to exist)."""
    global _installed
    if _installed is not None:
        _installed.uninstall()
    handler = CrashHandler()
    sys.excepthook = handler.handle
    threading.excepthook = handler.handle_thread
    _installed = handler
    return handler


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(kind, logging.WARNING)
    qt_log.log(level, "%s", message)


def route_qt_messages() -> None:
    """Qt's own warnings go to the log instead of a console the counter PC does not have."""
    qInstallMessageHandler(_qt_message)
