"""Long work off the GUI thread, Anki's QueryOp way.

    BackgroundOp(parent, work, on_success).failure(on_error).with_progress("Đang nhập...").run()

`work(report)` runs in a worker thread with its own database session (the caller
opens it inside `work`); `report(done, total)` moves the progress bar; the result
or the error comes back on the GUI thread. A `UserError` becomes its message; any
other exception is a bug and is shown as such, never swallowed.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from services.errors import UserError
from ui.messages import messages

T = TypeVar("T")
Report = Callable[[int, int], None]


class CancelledError(Exception):
    """Raised inside `report` when the user pressed Hủy."""


class _Signals(QObject):
    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object, str)


class _Runner(QRunnable):
    def __init__(
        self, work: Callable[[Report], Any], signals: _Signals, cancel: threading.Event
    ) -> None:
        super().__init__()
        self.work = work
        self.signals = signals
        self.cancel = cancel

    def run(self) -> None:
        def report(done: int, total: int) -> None:
            if self.cancel.is_set():
                raise CancelledError
            self.signals.progress.emit(done, total)

        try:
            result = self.work(report)
        except BaseException as error:
            self.signals.failed.emit(error, traceback.format_exc())
        else:
            self.signals.done.emit(result)


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
        self.signals = _Signals()
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
        self.signals.progress.connect(self._progress)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        # Keep self alive until the work is done.
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self.work, self.signals, self.cancel))
        return self

    def _progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 0))
            self.dialog.setValue(min(done, total) if total else 0)

    def _close(self) -> None:
        self.finished = True
        _running.discard(self)
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None

    def _done(self, result: T) -> None:
        self._close()
        self.success(result)

    def _failed(self, error: BaseException, trace: str) -> None:
        self._close()
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


_running: set[BackgroundOp[Any]] = set()
