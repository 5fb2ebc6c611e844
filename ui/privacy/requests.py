"""Citizens' requests about their data (managers and administrators): the list with its due
dates, a new request, everything held about one person, their copy as a PDF, a correction
through the case's own correction form, and the erasure of that person.

`RequestsBanner` sits above the tabs of the main window and says, to those who handle
requests, how many are overdue or due soon, with a button to the list.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from models.codes import RequestKind
from services.cases.detail import case_detail
from services.common.errors import UserError
from services.common.vntime import format_date, today_vn
from services.documents.pages import document_html
from services.privacy.person_data import (
    PersonData,
    erase_person,
    export_person_pdf,
    find_person,
    look_up_person,
    person_document,
)
from services.privacy.requests import (
    DEADLINES,
    REPLY_WORKING_DAYS,
    REQUEST_KIND_LABELS,
    RequestRow,
    answer_request,
    list_requests,
    log_request,
    request_alerts,
    request_id_number,
)
from services.security.permissions import Action, allowed
from ui.privacy.pdf_saving import save_pdf_in_one_transaction
from ui.shell.context import AppContext
from ui.widgets.dialogs import TALLEST_DIALOG, exposed, run_dialog
from ui.widgets.forms import button_row, day_edit, error_label, show_error, stacked, wrapping_label
from ui.widgets.messages import messages

COLUMNS = (
    "Số",
    "Loại yêu cầu",
    "Số định danh",
    "Ngày nhận",
    "Hạn phản hồi",
    "Hạn thực hiện",
    "Tình trạng",
    "Người xử lý",
    "Ghi chú",
)
OVERDUE_COLOUR = "#fde2e1"
DUE_SOON_COLOUR = "#fff3cd"


def _status_text(row: RequestRow, today: date) -> str:
    if row.is_open:
        return f"{row.status_label}, {row.describe_due(today)}"
    answered = format_date(row.answered_on) if row.answered_on else ""
    return f"{row.status_label} {answered}".strip()


def _explanation() -> QLabel:
    """The deadlines of a request, and the colours of those late or nearly so."""
    periods = ", ".join(
        f"{REQUEST_KIND_LABELS[k].lower()} {d.days} ngày" for k, d in DEADLINES.items()
    )
    explain = wrapping_label(
        f"Mỗi yêu cầu được phản hồi trong {REPLY_WORKING_DAYS} ngày làm việc và thực hiện "
        f"trong: {periods} (Điều 5 Nghị định 356/2025/NĐ-CP). Yêu cầu quá hạn tô đỏ, sắp "
        "đến hạn tô vàng."
    )
    return explain


class RequestsDialog(QDialog):
    """Quản trị → Yêu cầu của người dân."""

    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[RequestRow] = []
        self.person_dialog: PersonDataDialog | None = None
        self.setWindowTitle("Yêu cầu của người dân về dữ liệu cá nhân – kichhoat")
        explain = _explanation()
        self.open_only = QCheckBox("Chỉ hiện yêu cầu &chưa trả lời")
        self.open_only.toggled.connect(self.reload)
        self._build_table()
        actions = self._build_answer_row()
        self.error = error_label()

        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.open_only)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(self._new_request_box())
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        layout.addLayout(button_row(end=[close]))
        self.resize(1180, 680)
        self.reload()

    def _build_table(self) -> None:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self.look_up_selected)

    def _build_answer_row(self) -> QHBoxLayout:
        """Look up the chosen request's person; answer or refuse it with a note."""
        self.answer_note = QLineEdit()
        self.answer_note.setPlaceholderText("Đã làm gì, hoặc lý do từ chối")
        self.answer_note.setAccessibleName("Ghi chú khi trả lời")
        look = QPushButton("&Tra cứu dữ liệu…")
        look.setToolTip("Mọi dữ liệu đang lưu về người gửi yêu cầu: xem, xuất PDF, sửa, xóa")
        look.clicked.connect(self.look_up_selected)
        done = QPushButton("Đã t&rả lời")
        done.clicked.connect(lambda: self.answer_selected(refused=False))
        refuse = QPushButton("Từ chố&i")
        refuse.clicked.connect(lambda: self.answer_selected(refused=True))
        actions = QHBoxLayout()
        actions.addWidget(look)
        actions.addWidget(QLabel("Ghi chú:"))
        actions.addWidget(self.answer_note, 1)
        actions.addWidget(done)
        actions.addWidget(refuse)
        return actions

    def _new_request_box(self) -> QGroupBox:
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText("12 chữ số trên thẻ căn cước")
        self.id_number.setMaxLength(20)
        self.kind = QComboBox()
        for kind in RequestKind:
            self.kind.addItem(REQUEST_KIND_LABELS[kind], kind.value)
        self.received = day_edit(today_vn())
        self.note = QLineEdit()
        self.note.setPlaceholderText("Ví dụ: đơn viết tay, nhận tại quầy (không ghi họ tên, SĐT)")
        self.new_error = error_label()
        log = QPushButton("&Ghi nhận yêu cầu")
        log.clicked.connect(self.log_new)
        look = QPushButton("Tra cứu &số này…")
        look.clicked.connect(self.look_up_typed)
        form = QFormLayout()
        form.addRow("Số định &danh:", self.id_number)
        form.addRow("&Loại yêu cầu:", self.kind)
        form.addRow("&Ngày nhận:", self.received)
        form.addRow("Ghi ch&ú:", self.note)
        box = QGroupBox("Ghi nhận yêu cầu mới")
        stacked(box, form, self.new_error, button_row([log, look]))
        return box

    def reload(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                self.rows = list_requests(
                    session, self.context.signed_in(), open_only=self.open_only.isChecked()
                )
        except UserError as error:
            show_error(self.error, str(error))
            return
        today = today_vn()
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            cells = (
                str(row.id),
                row.kind_label,
                row.id_number_masked,
                format_date(row.received_on),
                format_date(row.reply_due_on),
                format_date(row.due_on),
                _status_text(row, today),
                row.handled_by or "",
                (row.note or "").replace("\n", " / "),
            )
            colour = (
                OVERDUE_COLOUR
                if row.overdue(today)
                else DUE_SOON_COLOUR
                if row.due_soon(today)
                else None
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if colour is not None:
                    item.setBackground(QColor(colour))
                self.table.setItem(index, column, item)
        if self.rows and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self) -> RequestRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def log_new(self) -> None:
        picked = self.received.date().toPython()
        received = picked if isinstance(picked, date) else None
        try:
            row = self.context.in_one_transaction(
                lambda session, actor: log_request(
                    session,
                    actor,
                    self.id_number.text(),
                    RequestKind(self.kind.currentData()),
                    received,
                    self.note.text(),
                )
            )
        except UserError as error:
            show_error(self.new_error, str(error))
            return
        show_error(self.new_error, None)
        self.note.clear()
        self.id_number.clear()  # no full number left on screen
        self.reload()
        self._select(row.id)
        self.changed.emit()
        messages().info(
            self,
            "Đã ghi nhận yêu cầu",
            f"Yêu cầu số {row.id} ({row.kind_label.lower()}) của {row.id_number_masked}: phản "
            f"hồi trước hết ngày {format_date(row.reply_due_on)}, thực hiện trước hết ngày "
            f"{format_date(row.due_on)}.",
        )

    def _select(self, request_id: int) -> None:
        for index, row in enumerate(self.rows):
            if row.id == request_id:
                self.table.selectRow(index)

    def answer_selected(self, *, refused: bool) -> None:
        row = self.selected()
        if row is None or not row.is_open:
            show_error(self.error, "Chọn một yêu cầu chưa trả lời trong bảng.")
            return
        try:
            self.context.in_one_transaction(
                lambda session, actor: answer_request(
                    session, actor, row.id, refused=refused, note=self.answer_note.text()
                )
            )
        except UserError as error:
            show_error(self.error, str(error))
            return
        show_error(self.error, None)
        self.answer_note.clear()
        self.reload()
        self.changed.emit()

    def look_up_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.has_number:
            show_error(
                self.error,
                f"Yêu cầu số {row.id} đã trả lời nên chỉ còn số định danh đã che "
                f"({row.id_number_masked}). Gõ số đầy đủ vào ô «Số định danh» bên dưới rồi "
                "bấm «Tra cứu số này».",
            )
            return
        self._open_person(None, row.id)

    def look_up_typed(self) -> None:
        self._open_person(self.id_number.text(), None)

    def _open_person(self, id_number: str | None, request_id: int | None) -> None:
        try:
            with self.context.database.session() as session:
                actor = self.context.signed_in()
                number = (
                    request_id_number(session, actor, request_id)
                    if request_id is not None
                    else id_number or ""
                )
                data = look_up_person(session, actor, number)
                session.commit()
        except UserError as error:
            show_error(self.error if request_id else self.new_error, str(error))
            return
        dialog = PersonDataDialog(self.context, data, request_id, self)
        with exposed(self, "person_dialog", dialog):
            dialog.exec()
        self.reload()
        self.changed.emit()


class PersonDataDialog(QDialog):
    """Everything held about one person, as their copy shows it, and what can be done."""

    def __init__(
        self,
        context: AppContext,
        data: PersonData,
        request_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.data = data
        self.request_id = request_id
        self.setWindowTitle(f"Dữ liệu của công dân {data.masked} – kichhoat")
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.cases = QComboBox()
        self.cases.setAccessibleName("Hồ sơ cần sửa")
        self.export_button = QPushButton("&Xuất PDF cho công dân…")
        self.export_button.clicked.connect(self.export)
        self.correct_button = QPushButton("&Sửa hồ sơ…")
        self.correct_button.setToolTip("Mở hộp sửa hồ sơ (có ghi lý do) cho hồ sơ đã chọn")
        self.correct_button.clicked.connect(self.correct)
        self.erase_button = QPushButton("Xó&a dữ liệu của người này…")
        self.erase_button.setToolTip(
            "Xóa họ tên, ngày sinh (giữ năm), số định danh, điện thoại, địa chỉ, ghi chú; "
            "số liệu thống kê giữ nguyên"
        )
        self.erase_button.clicked.connect(self.erase)
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        actions = [self.export_button, self.cases, self.correct_button, self.erase_button]
        stacked(self, (self.view, 1), button_row(actions, [close]))
        self.resize(1000, TALLEST_DIALOG)
        self.show_data(data)

    def show_data(self, data: PersonData) -> None:
        self.data = data
        self.view.setHtml(document_html(person_document(data)))
        self.cases.clear()
        for case in data.cases:
            self.cases.addItem(case.detail.level_label, case.detail.id)
        has_cases = bool(data.cases)
        for widget in (self.cases, self.correct_button):
            widget.setEnabled(has_cases)
        # A person only on a review list has data to erase too.
        self.erase_button.setEnabled(has_cases or bool(data.listed))

    def reload(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                self.show_data(find_person(session, self.context.signed_in(), self.data.id_number))
        except UserError as error:
            messages().error(self, "Không đọc được dữ liệu", str(error))

    def export(self) -> None:
        result = save_pdf_in_one_transaction(
            self,
            self.context,
            ("Lưu dữ liệu cho công dân", "Không xuất được"),
            f"du-lieu-ca-nhan-{self.data.masked[-3:]}.pdf",
            lambda session, actor, path: export_person_pdf(
                session, actor, self.data.id_number, path, self.request_id
            ),
        )
        if result is None:
            return
        self.request_id = None  # answered now
        messages().info(
            self,
            "Đã xuất dữ liệu cho công dân",
            f"Đã ghi {result.cases} hồ sơ vào:\n{result.path}\n\nYêu cầu số "
            f"{result.request_id} được ghi là đã trả lời. Tệp có dữ liệu cá nhân: in hoặc giao "
            "cho công dân rồi xóa khỏi máy.",
        )
        self.reload()

    def correct(self) -> None:
        from ui.cases.correction import CorrectionDialog

        case_id = self.cases.currentData()
        if not isinstance(case_id, int):
            return
        try:
            with self.context.database.session(read_only=True) as session:
                detail = case_detail(session, case_id, self.context.signed_in())
        except UserError as error:
            messages().error(self, "Không mở được hồ sơ", str(error))
            return
        run_dialog(CorrectionDialog(self.context, detail, self))
        self.reload()

    def erase(self) -> None:
        data = self.data
        question = (
            f"Xóa vĩnh viễn dữ liệu cá nhân của {data.masked} ({len(data.cases)} hồ sơ"
            + (f", {len(data.listed)} người trong danh sách rà soát" if data.listed else "")
            + ")?\n\n"
            "Họ tên, số định danh, điện thoại, địa chỉ, ghi chú và nội dung các lần sửa, liên hệ "
            "bị xóa; ngày sinh chỉ giữ năm. Số liệu thống kê và báo cáo giữ nguyên. Không hoàn "
            "tác được. Các bản sao lưu làm trước vẫn còn dữ liệu này đến khi được thay."
        )
        if not messages().confirm(self, "Xóa dữ liệu của công dân", question):
            return
        try:
            result = erase_person(
                self.context.database, self.context.signed_in(), data.id_number, self.request_id
            )
        except UserError as error:
            messages().error(self, "Không xóa được", str(error))
            return
        self.request_id = None
        messages().info(
            self,
            "Đã xóa dữ liệu của công dân",
            result.describe(),
        )
        self.reload()


class RequestsBanner(QFrame):
    """Above the tabs, for those who handle requests: how many are overdue or due soon."""

    open_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("requestsBanner")
        self.setStyleSheet(
            "#requestsBanner { background: #fde2e1; border: 1px solid #d9534f; border-radius: 4px; }"
        )
        self.text = wrapping_label()
        self.button = QPushButton("Mở danh sách yêu cầu…")
        self.button.clicked.connect(self.open_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.hide()

    def refresh(self) -> None:
        actor = self.context.actor
        if not allowed(actor, Action.CITIZEN_REQUESTS) or actor is None:
            self.hide()
            return
        try:
            with self.context.database.session(read_only=True) as session:
                alerts = request_alerts(session, actor)
        except UserError:
            self.hide()  # a banner never stops the window
            return
        if not alerts.any:
            self.hide()
            return
        self.text.setText(
            f"<b>{alerts.describe()}.</b> Trả lời đúng hạn theo Điều 5 Nghị định 356/2025/NĐ-CP."
        )
        self.show()
