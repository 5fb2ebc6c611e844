"""Choosing a backup to restore: the copies the app made by itself, newest first.

The automatic copies and those made before a restore, a purge or an upgrade are listed with
their time (Vietnam time), kind and size at once; the number of cases in each is read from
the copy (read-only) in the background, one file at a time, and filled in as it comes, so a
folder of large backups never freezes the window. Enter restores the selected copy after a
confirmation; *Chọn tệp khác…* takes any backup file. An encrypted copy (the one the purge
makes) is listed as such, its cases not counted: its passphrase is asked after the choice
(`SecurityMenu.restore`).

The dialog only chooses and confirms: `chosen` holds the file once accepted, and the caller
restores it in the background (`SecurityMenu.restore`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from services.common.errors import UserError
from services.common.vntime import format_moment
from services.upkeep.backup import RestorePoint, check_backup, count_cases
from services.upkeep.encrypted_backup import is_encrypted_backup
from ui.widgets.background import BackgroundOp, Report
from ui.widgets.file_dialogs import ask_open_path
from ui.widgets.forms import stacked, wrapping_label
from ui.widgets.messages import messages

BACKUP_FILTER = "Bản sao lưu kichhoat (*.sqlite3 *.enc);;Mọi tệp (*)"
COLUMNS = ("Thời điểm", "Loại", "Dung lượng (MB)", "Số hồ sơ")
UNREADABLE = "không đọc được"
READING = "đang đọc…"
ENCRYPTED = "mã hóa"
ENCRYPTED_CASES = "số hồ sơ chưa biết: bản mã hóa, cần mật khẩu"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",")


def confirm_restore(parent: QWidget, name: str, when: str, cases: str) -> bool:
    return messages().confirm(
        parent,
        "Khôi phục dữ liệu",
        f"Khôi phục «{name}» (sao lưu lúc {when}, {cases})?\n\nDữ liệu hiện tại sẽ được thay "
        "bằng dữ liệu trong bản sao lưu; trước đó ứng dụng tự sao lưu dữ liệu hiện tại.",
    )


class RestoreDialog(QDialog):
    def __init__(
        self, points: list[RestorePoint], folder: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.points = points
        self.chosen: Path | None = None
        self.counts: dict[int, int | None] = {}
        self.closed = False
        self.setWindowTitle("Khôi phục từ bản sao lưu – kichhoat")
        explain = wrapping_label(
            "Các bản sao lưu ứng dụng tự tạo (mỗi 4 giờ và khi mở ứng dụng; trước khi khôi "
            "phục, xóa dữ liệu cá nhân hay nâng cấp), mới nhất ở trên. Chọn một bản rồi nhấn "
            "Enter. Dữ liệu hiện tại được sao lưu trước khi bị thay."
        )
        self._build_table(points)
        self.empty = wrapping_label(
            f"Chưa có bản sao lưu tự động nào trong «{folder}». Dùng «Chọn tệp khác…» để chọn "
            "một tệp sao lưu."
        )
        self.empty.setVisible(not points)
        buttons = self._build_buttons(points)

        stacked(self, explain, (self.table, 1), self.empty, buttons)
        self.restore_button.setDefault(True)  # once in the dialog: Enter restores
        self.resize(760, 460)
        if points:
            self.table.selectRow(0)
            self.table.setFocus()

        # One file at a time, in a pool of our own: the restore itself (on the shared pool)
        # never waits behind a queue of large files being counted.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.stop = threading.Event()  # closed: the counts still queued return at once
        for row, point in enumerate(points):
            if not point.encrypted:
                self._count(row, point.path)

    def _build_table(self, points: list[RestorePoint]) -> None:
        """One row per backup: its moment, kind, size, and its cases once counted."""
        self.table = QTableWidget(len(points), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Danh sách bản sao lưu")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, point in enumerate(points):
            count = ENCRYPTED if point.encrypted else READING
            cells = (format_moment(point.moment), point.kind, _megabytes(point.size), count)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(right)
                if column == 0:
                    item.setToolTip(str(point.path))
                self.table.setItem(row, column, item)
        self.table.doubleClicked.connect(lambda _index: self.accept())

    def _build_buttons(self, points: list[RestorePoint]) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton(
            "&Khôi phục bản đã chọn", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setEnabled(bool(points))
        other = buttons.addButton("Chọn &tệp khác…", QDialogButtonBox.ButtonRole.ActionRole)
        other.setAutoDefault(False)
        cancel = buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.restore_button.clicked.connect(self.accept)
        other.clicked.connect(self.choose_other)
        cancel.clicked.connect(self.reject)
        return buttons

    def _count(self, row: int, path: Path) -> None:
        stop = self.stop

        def work(_report: Report) -> int | None:
            return None if stop.is_set() else count_cases(path)

        def done(cases: int | None) -> None:
            self.counts[row] = cases
            if self.closed:
                return
            item = self.table.item(row, 3)
            if item is not None:
                item.setText(UNREADABLE if cases is None else _number(cases))

        def failed(_error: BaseException) -> None:
            done(None)

        BackgroundOp(self, work, done).failure(failed).run(self.pool)

    def wait_for_counts(self) -> None:
        """Block until every count has arrived (tests)."""
        self.pool.waitForDone()

    def _cases_text(self, row: int) -> str:
        if self.points[row].encrypted:
            return ENCRYPTED_CASES
        if row not in self.counts:
            return "số hồ sơ đang được đọc"
        cases = self.counts[row]
        return "không đọc được số hồ sơ" if cases is None else f"{_number(cases)} hồ sơ"

    def accept(self) -> None:
        """Restore the selected copy, once confirmed."""
        row = self.table.currentRow()
        if not 0 <= row < len(self.points):
            messages().info(self, "Chưa chọn bản sao lưu", "Chọn một bản sao lưu trong bảng.")
            return
        point = self.points[row]
        if not confirm_restore(
            self, point.path.name, format_moment(point.moment), self._cases_text(row)
        ):
            return
        self.chosen = point.path
        super().accept()

    def choose_other(self) -> None:
        path = ask_open_path(self, "Chọn bản sao lưu để khôi phục", BACKUP_FILTER)
        if path is None:
            return
        if is_encrypted_backup(path):
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            when, cases = format_moment(modified), ENCRYPTED_CASES
        else:
            try:
                info = check_backup(path)
            except UserError as error:
                messages().error(self, "Không khôi phục được", str(error))
                return
            when, cases = format_moment(info.modified), f"{_number(info.cases)} hồ sơ"
        if not confirm_restore(self, path.name, when, cases):
            return
        self.chosen = path
        super().accept()

    def done(self, result: int) -> None:
        self.closed = True
        self.stop.set()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.closed = True
        self.stop.set()
        super().closeEvent(event)


__all__ = ["BACKUP_FILTER", "RestoreDialog", "confirm_restore"]
