"""Long work off the GUI thread, Anki's QueryOp way.

    BackgroundOp(parent, work, on_success).failure(on_error).with_progress("Đang nhập...").run()

`work(report)` runs in a worker thread with its own database session (the caller
opens it inside `work`); `report(done, total)` moves the progress bar; the result
or the error comes back on the GUI thread. A `UserError` becomes its message (and a line
in the log); any other exception is a bug: logged with its traceback, then shown as such
(or handed to the failure handler), never swallowed.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from services.common.errors import UserError
from ui.widgets.messages import messages

log = logging.getLogger(__name__)

T = TypeVar("T")
Report = Callable[[int, int], None]


class CancelledError(Exception):
    """Raised inside `report` when the user pressed Hủy."""


class _Dispatcher(QObject):
    """The one object workers emit on, made on the GUI thread and never deleted.

    A worker never holds a QObject of its own: if the last reference to one were dropped
    on the worker thread, Qt would delete it there while the GUI thread may still be
    delivering its queued signals (memory corruption, an abort). Workers send their
    operation's number instead, and the GUI thread looks the operation up.
    """

    progress = Signal(int, int, int)
    done = Signal(int, object)
    failed = Signal(int, object, str)


_dispatcher: _Dispatcher | None = None
_running: dict[int, BackgroundOp[Any]] = {}
_numbers = itertools.count(1)


def _shared_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        connection = Qt.ConnectionType.QueuedConnection
        _dispatcher.progress.connect(_on_progress, connection)
        _dispatcher.done.connect(_on_done, connection)
        _dispatcher.failed.connect(_on_failed, connection)
    return _dispatcher


def _on_progress(number: int, done: int, total: int) -> None:
    op = _running.get(number)
    if op is not None:
        op._progress(done, total)


def _on_done(number: int, result: object) -> None:
    op = _running.pop(number, None)
    if op is not None:
        op._done(result)


def _on_failed(number: int, error: BaseException, trace: str) -> None:
    op = _running.pop(number, None)
    if op is not None:
        op._failed(error, trace)


def _run_in_worker(number: int, cancel: threading.Event, signals: _Dispatcher) -> None:
    """The worker thread's side. It takes the work from the registry and lets go of it
    before reporting: the work often closes over a widget, and a widget's last reference
    must never be dropped on this thread (Qt would delete it here)."""

    def report(done: int, total: int) -> None:
        if cancel.is_set():
            raise CancelledError
        signals.progress.emit(number, done, total)

    op = _running.get(number)
    work = op.work if op is not None else None
    del op
    if work is None:
        return
    try:
        result = work(report)
    except BaseException as error:
        work = None  # the traceback keeps this frame, and so its locals, alive
        trace = traceback.format_exc()
        traceback.clear_frames(error.__traceback__)  # the work's frames hold widgets too
        signals.failed.emit(number, error, trace)
    else:
        work = None
        signals.done.emit(number, result)


def wait_for_background_work(pool: QThreadPool | None = None) -> None:
    """Block until every worker has returned (the GUI tests, before their teardown)."""
    (pool or QThreadPool.globalInstance()).waitForDone()


class BackgroundOp(Generic[T]):
    def __init__(
        self, parent: QWidget | None, work: Callable[[Report], T], success: Callable[[T], None]
    ) -> None:
        self.parent = parent
        self.work = work
        self.success = success
        self.on_failure: Callable[[BaseException], None] | None = None
        self.label: str | None = None
        self.cancel = threading.Event()
        self.dialog: QProgressDialog | None = None
        self.finished = False

    def failure(self, handler: Callable[[BaseException], None]) -> BackgroundOp[T]:
        self.on_failure = handler
        return self

    def with_progress(self, label: str) -> BackgroundOp[T]:
        self.label = label
        return self

    def run(self, pool: QThreadPool | None = None) -> BackgroundOp[T]:
        if self.label is not None:
            dialog = QProgressDialog(self.label, "Hủy", 0, 0, self.parent)
            dialog.setWindowTitle("Đang xử lý")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(self.cancel.set)
            self.dialog = dialog
        signals = _shared_dispatcher()
        number = next(_numbers)
        _running[number] = self  # keeps self alive until the work is done
        cancel = self.cancel
        (pool or QThreadPool.globalInstance()).start(
            lambda: _run_in_worker(number, cancel, signals)
        )
        return self

    def _progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 0))
            self.dialog.setValue(min(done, total) if total else 0)

    def _close(self) -> None:
        self.finished = True
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None

    def _done(self, result: T) -> None:
        self._close()
        self.success(result)

    def _failed(self, error: BaseException, trace: str) -> None:
        self._close()
        if isinstance(error, UserError):
            log.info("Background work refused: %s", error)
        elif not isinstance(error, CancelledError):
            # The traceback as text: the error's own frames were cleared in the worker.
            log.error("Unexpected error in background work:\n%s", trace.rstrip())
        if self.on_failure is not None:
            self.on_failure(error)
            return
        if isinstance(error, CancelledError):
            messages().info(self.parent, "Đã hủy", "Đã dừng theo yêu cầu; không có gì được lưu.")
        elif isinstance(error, UserError):
            messages().error(self.parent, "Không thực hiện được", str(error))
        else:
            messages().error(
                self.parent,
                "Lỗi ngoài dự kiến",
                "Đã xảy ra lỗi ngoài dự kiến; dữ liệu đã lưu vẫn an toàn.\n\n"
                + trace.strip().splitlines()[-1],
            )
