"""Importing cases from a spreadsheet (managers): the window's `records import`.

Pick the file, import it in the background (the same `import_records` as the command
line, in one transaction: cancelling saves nothing), then read the summary: rows read,
new, updated, already present, rejected; the rejected rows with their reasons, the reports
kept only as records, the cases waiting for a manager's decision; and save the rejected
rows in the CSV the command line writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.units import UnitTree
from services.cases.records import (
    ImportSummary,
    Reject,
    estimate_rows,
    import_records,
    rejects_path,
    save_rejects,
    write_template,
)
from services.common.errors import UserError
from ui.shell.context import AppContext
from ui.widgets.background import BackgroundOp, CancelledError, Report
from ui.widgets.file_dialogs import ask_open_path, ask_save_path
from ui.widgets.forms import error_label, show_error, stacked, wrapping_label
from ui.widgets.lazy_model import column_title
from ui.widgets.messages import messages

SPREADSHEET_FILTER = "Bảng tính (*.xlsx *.csv);;Excel (*.xlsx);;CSV (*.csv);;Mọi tệp (*)"
REJECTS_FILTER = "Tệp CSV (*.csv)"
TEMPLATE_FILTER = "Excel (*.xlsx)"

Index = QModelIndex | QPersistentModelIndex


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def row_progress(report: Report, path: Path) -> Callable[[int], None]:
    """Progress by rows of the spreadsheet at `path`: 0 of its estimated rows is reported at
    once; the callback reports the rows done (past the estimate, the total follows them)."""
    total = estimate_rows(path)
    report(0, total)
    return lambda done: report(done, max(total, done))


class RejectsModel(QAbstractTableModel):
    """The rejected rows: the row number as the spreadsheet shows it, and the reason. A
    model, not a table widget: a bad file can have tens of thousands of them."""

    HEADERS = ("Dòng", "Lý do")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rejects: list[Reject] = []

    def set_rejects(self, rejects: list[Reject]) -> None:
        self.beginResetModel()
        self.rejects = list(rejects)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's name)
        return 0 if parent.isValid() else len(self.rejects)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's name)
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rejects):
            return None
        reject = self.rejects[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(reject.row) if index.column() == 0 else reject.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 (Qt's name)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        return column_title(self.HEADERS, section, orientation, role)


def _headline(summary: ImportSummary) -> str:
    """What else the import found besides the rejected rows, in a sentence or three."""
    notes = []
    if summary.records:
        notes.append(
            f"{_number(len(summary.records))} báo cáo mâu thuẫn với trạng thái của hồ sơ: "
            "giữ trong lịch sử, không đổi hồ sơ."
        )
    if summary.conflicts:
        notes.append(
            f"{_number(len(summary.conflicts))} hồ sơ có thông tin khác nhau giữa các báo "
            "cáo: chờ quản lý quyết định (Tệp → Mâu thuẫn thông tin)."
        )
    if summary.outside_period:
        notes.append(
            f"{_number(len(summary.outside_period))} dòng ghi ngày ngoài thời gian kế hoạch: "
            "vẫn lưu theo ngày thực tế (xem thẻ Báo cáo mâu thuẫn)."
        )
    return " ".join(notes) or "Không có báo cáo mâu thuẫn hay hồ sơ chờ quyết định."


class RecordsImportDialog(QDialog):
    """`imported` is emitted after each import that was saved (the window refreshes)."""

    imported = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.summary: ImportSummary | None = None
        self.source: Path | None = None
        self.op: BackgroundOp[ImportSummary] | None = None
        self.setWindowTitle("Nhập hồ sơ từ bảng tính – kichhoat")

        explain = wrapping_label(
            "Mỗi dòng của bảng tính (.xlsx hoặc .csv theo tệp mẫu) ghi trạng thái của một hồ sơ "
            "tại một thời điểm. Dòng hợp lệ được lưu, dòng lỗi được liệt kê kèm lý do; nhập lại "
            "cùng một tệp không thay đổi gì. Việc nhập được ghi vào nhật ký."
        )
        form = self._build_file_form()
        self.error = error_label()
        self._build_result_box()
        buttons = self._build_buttons()

        stacked(self, explain, form, self.error, (self.result_box, 1), buttons)
        self.import_button.setDefault(True)  # once in the dialog: Enter imports
        self.resize(860, self.sizeHint().height())  # grows when the results come

    def _build_file_form(self) -> QFormLayout:
        """The file's path, the button that chooses it and the one that saves the template."""
        self.path = QLineEdit()
        self.path.setPlaceholderText("Chọn tệp .xlsx hoặc .csv")
        self.path.setAccessibleName("Tệp bảng tính")
        choose = QPushButton("&Chọn tệp…")
        choose.clicked.connect(self.choose)
        template = QPushButton("Lưu tệp &mẫu…")
        template.setToolTip("Tệp Excel trống có sẵn các cột, danh sách chọn và mã xã")
        template.clicked.connect(self.save_template)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)
        where.addWidget(template)
        form = QFormLayout()
        file_label = QLabel("&Tệp:")
        file_label.setBuddy(self.path)
        form.addRow(file_label, where)
        return form

    def _build_result_box(self) -> None:
        """Hidden until an import ends: the counts, a headline, the lists in tabs."""
        self.result_box = QWidget()
        grid = self._build_counts()
        self.headline = wrapping_label()
        self._build_result_tabs()
        self.save_rejects_button = QPushButton("&Lưu danh sách dòng lỗi…")
        self.save_rejects_button.setToolTip(
            "Tệp CSV: số dòng, lý do và nội dung của từng dòng lỗi, để sửa rồi nhập lại"
        )
        self.save_rejects_button.clicked.connect(self.save_rejects)
        result_layout = QVBoxLayout(self.result_box)
        result_layout.setContentsMargins(0, 6, 0, 0)
        result_layout.addWidget(QLabel("<b>Kết quả lần nhập</b>"))
        result_layout.addLayout(grid)
        result_layout.addWidget(self.headline)
        result_layout.addWidget(self.tabs, 1)
        result_layout.addWidget(self.save_rejects_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.result_box.hide()

    def _build_counts(self) -> QGridLayout:
        """One bold figure per count, its title above it."""
        self.counts: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        for index, (key, title) in enumerate(
            (
                ("rows", "Số dòng đã đọc"),
                ("created", "Hồ sơ mới"),
                ("updated", "Hồ sơ cập nhật"),
                ("unchanged", "Đã có, không đổi"),
                ("rejected", "Dòng lỗi"),
            )
        ):
            value = QLabel("0")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = value.font()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.3)
            value.setFont(font)
            self.counts[key] = value
            grid.addWidget(QLabel(title), 0, index)
            grid.addWidget(value, 1, index)
        return grid

    def _build_result_tabs(self) -> None:
        """The rejected rows, the contradicting reports, the cases waiting for a decision."""
        self.rejects_model = RejectsModel(self)
        self.rejects = QTableView()
        self.rejects.setModel(self.rejects_model)
        self.rejects.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejects.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rejects.setWordWrap(True)
        self.rejects.verticalHeader().setVisible(False)
        header = self.rejects.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.records = QListWidget()
        self.records.setUniformItemSizes(True)
        self.records.setWordWrap(True)
        self.conflicts = QListWidget()
        self.conflicts.setUniformItemSizes(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.rejects, "Dòng lỗi")
        self.tabs.addTab(self.records, "Báo cáo mâu thuẫn")
        self.tabs.addTab(self.conflicts, "Hồ sơ chờ quyết định")

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("&Nhập", QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton("Đóng", QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.start)
        close.clicked.connect(self.reject)
        return buttons

    # -- the file ---------------------------------------------------------------------

    def choose(self) -> None:
        path = ask_open_path(self, "Chọn bảng tính hồ sơ để nhập", SPREADSHEET_FILTER)
        if path is not None:
            self.path.setText(str(path))
            show_error(self.error, None)

    def save_template(self) -> None:
        path = ask_save_path(self, "Lưu tệp mẫu nhập hồ sơ", "mau-nhap-ho-so.xlsx", TEMPLATE_FILTER)
        if path is None:
            return
        try:
            with self.context.database.session(read_only=True) as session:
                write_template(path, UnitTree.load(session))
        except UserError as error:
            messages().error(self, "Không lưu được tệp mẫu", str(error))
            return
        messages().info(self, "Đã lưu tệp mẫu", f"Đã lưu tệp mẫu nhập hồ sơ:\n{path}")

    # -- the import ---------------------------------------------------------------------

    def start(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.choose()
            text = self.path.text().strip()
        if not text:
            show_error(self.error, "Chọn tệp bảng tính cần nhập.")
            return
        path = Path(text)
        if not path.is_file():
            show_error(self.error, f"Không tìm thấy tệp «{path}». Chọn lại tệp.")
            return
        show_error(self.error, None)
        context = self.context

        def work(report: Report) -> ImportSummary:
            progress = row_progress(report, path)
            return context.in_one_transaction(
                lambda session, actor: import_records(
                    session, actor, path, progress=progress, write_rejects=False
                )
            )

        def done(summary: ImportSummary) -> None:
            self.source = path
            self.show_summary(summary)
            self.imported.emit()

        self.import_button.setEnabled(False)
        self.op = (
            BackgroundOp(self, work, done)
            .failure(self._failed)
            .with_progress(f"Đang nhập hồ sơ từ «{path.name}»…")
            .run()
        )

    def running(self) -> bool:
        return self.op is not None and not self.op.finished

    def reject(self) -> None:
        """Not while importing: the progress window's Hủy stops the import (nothing saved)."""
        if not self.running():
            super().reject()

    def _failed(self, error: BaseException) -> None:
        self.import_button.setEnabled(True)
        if isinstance(error, CancelledError):
            show_error(self.error, "Đã dừng theo yêu cầu; không hồ sơ nào được lưu.")
        elif isinstance(error, UserError):
            # Said once: the reader's refusals already say that nothing was saved.
            said = "được lưu" in str(error)
            show_error(self.error, str(error) if said else f"{error}\nKhông hồ sơ nào được lưu.")
        else:
            raise error  # a bug: the application's handler logs it and says so

    def show_summary(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.import_button.setEnabled(True)
        values = {
            "rows": summary.rows_read,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": len(summary.rejects),
        }
        for key, value in values.items():
            self.counts[key].setText(_number(value))
        self.counts["rejected"].setStyleSheet("color: #b00020;" if summary.rejects else "")
        self.headline.setText(_headline(summary))
        self._fill_result_tabs(summary)
        self.save_rejects_button.setEnabled(bool(summary.rejects))
        self.result_box.show()
        if self.height() < 600:
            self.resize(self.width(), 600)
        if summary.rejects:
            self.rejects.setFocus()

    def _fill_result_tabs(self, summary: ImportSummary) -> None:
        """Each list with its count in the tab's title; the first list with something shown."""
        self.rejects_model.set_rejects(summary.rejects)
        self.records.clear()
        self.records.addItems(summary.records + summary.outside_period)
        self.conflicts.clear()
        self.conflicts.addItems(
            [
                f"Hồ sơ {case}: các báo cáo ghi thông tin khác nhau, chờ quản lý quyết định."
                for case in sorted(summary.conflicts)
            ]
        )
        self.tabs.setTabText(0, f"Dòng lỗi ({_number(len(summary.rejects))})")
        self.tabs.setTabText(
            1,
            f"Báo cáo mâu thuẫn, ngày ngoài kế hoạch "
            f"({_number(len(summary.records) + len(summary.outside_period))})",
        )
        self.tabs.setTabText(2, f"Hồ sơ chờ quyết định ({_number(len(summary.conflicts))})")
        first_nonempty = next(
            (
                index
                for index, items in enumerate((summary.rejects, summary.records, summary.conflicts))
                if items
            ),
            0,
        )
        self.tabs.setCurrentIndex(first_nonempty)

    def save_rejects(self) -> None:
        summary = self.summary
        if summary is None or not summary.rejects:
            return
        suggested = rejects_path(self.source).name if self.source else "dong-loi.csv"
        path = ask_save_path(self, "Lưu danh sách dòng lỗi", suggested, REJECTS_FILTER)
        if path is None:
            return
        try:
            save_rejects(path, summary.rejects)
        except UserError as error:
            messages().error(self, "Không lưu được danh sách dòng lỗi", str(error))
            return
        messages().info(
            self,
            "Đã lưu danh sách dòng lỗi",
            f"Đã lưu {_number(len(summary.rejects))} dòng lỗi vào:\n{path}\nSửa các dòng này "
            "trong tệp gốc rồi nhập lại: dòng đã nhập sẽ không bị nhập hai lần.",
        )


__all__ = ["RecordsImportDialog", "RejectsModel"]
