"""What the outreach tab does beyond changing a status: give an appointment (Ctrl+H), import
a review list (Ctrl+Shift+R, managers) and print or export a day's appointments (Ctrl+P):
the schedule and invitations as PDF, the SMS file for the carriers (from a template kept
with the campaign) and the call sheet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy.orm import Session

from models.entities import Hamlet
from services.common.errors import UserError
from services.common.vntime import VN_TZ, format_date, today_vn
from services.documents.pages import write_document_pdf
from services.outreach.documents import save_template, saved_template, schedule_document
from services.outreach.list_import import OutreachImportSummary, import_outreach
from services.outreach.lists import EntryEdit, edit_entry, get_entry, hamlets_of
from services.outreach.schedule import (
    PLACEHOLDERS,
    SlotView,
    appoint,
    slots_of,
    sms_message,
    stops,
    write_call_sheet,
    write_sms,
)
from services.outreach.slips import write_invitations
from services.security.permissions import Action, PermissionDeniedError, allowed, require
from ui.cases.records_import import row_progress
from ui.outreach.panel import OutreachPanel
from ui.shell.context import AppContext
from ui.widgets.background import BackgroundOp, CancelledError, Report
from ui.widgets.file_dialogs import ask_open_path, ask_save_path
from ui.widgets.forms import accept_buttons, close_button, day_edit, day_of, stacked, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button

PDF = "Tệp PDF (*.pdf)"


def _stop_combo(context: AppContext, with_all: bool) -> QComboBox:
    combo = QComboBox()
    if with_all:
        combo.addItem("Mọi điểm hẹn", None)
    with context.database.session(read_only=True) as session:
        for code, name, kind, commune in stops(session):
            combo.addItem(f"{name} ({code}) – {kind}, {commune}", code)
    return combo


class AppointDialog(QDialog):
    """A stop, a day and one of its slots with room left; OK gives the appointment."""

    def __init__(self, context: AppContext, entry_id: int, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.entry_id = entry_id
        self.setWindowTitle(f"Hẹn lịch – {name}")
        self.stop = _stop_combo(context, with_all=False)
        self.day = day_edit(today_vn() + timedelta(days=1))
        self.slot = QComboBox()
        self.slot.setMinimumWidth(260)
        self.error = wrapping_label()
        self.error.setStyleSheet("color: #b00020;")
        self.stop.currentIndexChanged.connect(lambda _: self.load_slots())
        self.day.dateChanged.connect(lambda _: self.load_slots())
        form = QFormLayout()
        form.addRow("Điểm &hẹn:", self.stop)
        form.addRow("&Ngày:", self.day)
        form.addRow("&Khung giờ:", self.slot)
        buttons = accept_buttons(self, "Hẹn lịch", self.save, cancel_text="Hủy")
        stacked(self, form, self.error, buttons)
        if self.stop.count() == 0:
            self.error.setText(
                "Chưa có điểm hẹn nào. Quản lý lập điểm hẹn và khung giờ bằng nút «Điểm hẹn…» "
                "(Ctrl+K) ở thẻ Vận động, hoặc lệnh «outreach stop add» và «outreach slot add»."
            )
        self.load_slots()

    def load_slots(self) -> None:
        self.slot.clear()
        code = self.stop.currentData()
        if code is None:
            return
        with self.context.database.session(read_only=True) as session:
            found: list[SlotView] = slots_of(session, str(code), day_of(self.day))
        chosen = -1
        for slot in found:
            text = f"{slot.start:%H:%M}–{slot.end:%H:%M}, còn {slot.free}/{slot.capacity} chỗ"
            over = slot.has_ended()
            self.slot.addItem(
                text + (" (đã qua)" if over else "" if slot.free else " (đã đủ)"), slot
            )
            if over or not slot.free:
                item = self.slot.model().item(self.slot.count() - 1)  # type: ignore[attr-defined]
                item.setEnabled(False)
            elif chosen < 0:
                chosen = self.slot.count() - 1
        if not found:
            self.slot.addItem("(ngày này chưa có khung giờ)", None)
        # The first slot that can be given, so that Enter books it.
        self.slot.setCurrentIndex(max(chosen, 0))

    def save(self) -> None:
        slot = self.slot.currentData()
        code = self.stop.currentData()
        if not isinstance(slot, SlotView) or code is None:
            self.error.setText("Chọn điểm hẹn, ngày và một khung giờ còn chỗ.")
            return
        at = datetime.combine(slot.day, slot.start, tzinfo=VN_TZ)
        try:
            with self.context.database.session() as session:
                entry = get_entry(session, self.entry_id)
                appoint(
                    session,
                    self.context.signed_in(),
                    str(code),
                    at,
                    id_number=entry.id_number,
                    row_id=None if entry.id_number else entry.uid,
                )
                session.commit()
        except UserError as error:
            self.error.setText(str(error))
            return
        self.accept()


class EditDialog(QDialog):
    """F2: correct what is known of the chosen person, checked like an imported row."""

    def __init__(self, context: AppContext, entry_id: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.entry_id = entry_id
        self.setWindowTitle("Sửa thông tin người trong danh sách rà soát")
        with context.database.session(read_only=True) as session:
            entry = get_entry(session, entry_id)
            hamlet = session.get(Hamlet, entry.hamlet_id)
            birth = (
                entry.birth_date.strftime("%d/%m/%Y") if entry.birth_date else str(entry.birth_year)
            )
            hamlets = [name for _, name in hamlets_of(session, entry.commune_id)]
            values = (
                entry.full_name,
                birth,
                hamlet.name if hamlet else "",
                entry.sex or "",
                entry.phone or "",
                entry.address or "",
                entry.note or "",
            )
        self.fields = [QLineEdit(value) for value in values]
        # The commune's hamlets to pick from (a new name is kept as a new hamlet).
        picker = QCompleter(hamlets, self)
        picker.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        picker.setFilterMode(Qt.MatchFlag.MatchContains)
        self.fields[2].setCompleter(picker)
        form = QFormLayout()
        for label, field in zip(
            (
                "&Họ và tên:",
                "Ngày &sinh (hoặc năm):",
                "&Khóm/ấp:",
                "&Giới tính:",
                "Số đ&iện thoại:",
                "Địa &chỉ:",
                "Ghi ch&ú:",
            ),
            self.fields,
            strict=True,
        ):
            form.addRow(label, field)
        self.error = wrapping_label()
        self.error.setStyleSheet("color: #b00020;")
        buttons = accept_buttons(
            self, "Lưu", self.save, accept=QDialogButtonBox.StandardButton.Save, cancel_text="Hủy"
        )
        stacked(self, form, self.error, buttons)
        self.resize(520, self.sizeHint().height())

    def save(self) -> None:
        """Nothing typed is lost: a refused form stays as typed, with every problem said."""
        texts = [field.text() for field in self.fields]
        edit = EntryEdit(*texts)
        try:
            self.context.in_one_transaction(
                lambda session, actor: edit_entry(session, actor, self.entry_id, edit)
            )
        except UserError as error:
            self.error.setText(str(error))
            return
        self.accept()


class DayDialog(QDialog):
    """A day's appointments on paper and for the carriers (Ctrl+P on the outreach tab)."""

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        manager = allowed(context.actor, Action.OUTREACH_MANAGE)
        self.setWindowTitle(
            "Lịch hẹn trong ngày: in, nhắn tin, gọi điện"
            if manager
            else "Lịch hẹn trong ngày: danh sách hẹn, giấy mời"
        )
        self.day = day_edit(today_vn() + timedelta(days=1))
        self.stop = _stop_combo(context, with_all=True)
        with context.database.session(read_only=True) as session:
            template = saved_template(session)
        self.template = QPlainTextEdit(template)
        self.template.setFixedHeight(70)
        self.template.textChanged.connect(self.show_sample)
        self.sample = wrapping_label()
        self.outcome = wrapping_label()
        placeholders = ", ".join(f"{{{k}}} {v}" for k, v in PLACEHOLDERS.items())
        hint = wrapping_label(
            f"Mẫu tin nhắn (không dấu, tối đa 160 ký tự; chỗ điền: {placeholders}). Người từ "
            "chối, không đủ điều kiện, đã đến hoặc không muốn được liên lạc không được nhắn."
        )
        form = QFormLayout()
        form.addRow("&Ngày:", self.day)
        form.addRow("Điểm &hẹn:", self.stop)
        grid = QGridLayout()
        buttons = [
            ("Lưu &danh sách hẹn (PDF)", self.save_schedule, True),
            ("Lưu &giấy mời (PDF)", self.save_invitations, True),
            ("Lưu tệp tin nhắn &SMS (CSV)", self.save_sms, manager),
            ("Lưu danh sách &gọi điện", self.save_calls, manager),
        ]
        # The phone numbers leave in the SMS file and the call sheet: managers only, and
        # an operator is not shown what they may not do.
        shown = [(text, slot) for text, slot, for_all in buttons if for_all or manager]
        for index, (text, slot) in enumerate(shown):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            grid.addWidget(button, index // 2, index % 2)
        close = close_button(self, "Đóng")
        stacked(self, form, hint, self.template, self.sample, grid, self.outcome, close)
        for sms_part in (hint, self.template, self.sample):
            sms_part.setVisible(manager)
        self.resize(620, self.sizeHint().height())
        self.show_sample()

    def chosen(self) -> tuple[date, str | None]:
        code = self.stop.currentData()
        return day_of(self.day), None if code is None else str(code)

    def show_sample(self) -> None:
        sample = {"ten": "Nguyễn Văn An", "diem": "Nhà văn hóa ấp 3", "gio": "18:30"}
        sample |= {"dia_chi": "ấp 3", "ngay": "25/07"}
        try:
            text = sms_message(self.template.toPlainText(), sample)
        except UserError as error:
            self.sample.setText(f"<span style='color:#b00020'>{error}</span>")
            return
        self.sample.setText(f"Ví dụ ({len(text)} ký tự): {text}")

    def _save(
        self, title: str, name: str, filters: str, write: Callable[[Session, Path], str]
    ) -> None:
        """Ask where, `write(session, path)` in one transaction, say what was written."""
        path = ask_save_path(self, title, name, filters)
        if path is None:
            return
        try:
            with self.context.database.session() as session:
                said = write(session, path)
                session.commit()
        except UserError as error:
            messages().error(self, f"Chưa lưu được ({title.lower()})", str(error))
            return
        self.outcome.setText(said)

    def save_schedule(self) -> None:
        day, code = self.chosen()

        def write(session: Session, path: Path) -> str:
            written = write_document_pdf(schedule_document(session, day, code), path)
            return f"Đã lưu danh sách hẹn ngày {format_date(day)}: {written}"

        self._save("Lưu danh sách hẹn", f"lich-hen-{day:%Y-%m-%d}.pdf", PDF, write)

    def save_invitations(self) -> None:
        day, code = self.chosen()

        def write(session: Session, path: Path) -> str:
            count = write_invitations(session, self.context.signed_in(), day, path, code)
            return f"Đã lưu {count} giấy mời (8 giấy một trang A4, cắt rời): {path}"

        self._save("Lưu giấy mời", f"giay-moi-{day:%Y-%m-%d}.pdf", PDF, write)

    def save_sms(self) -> None:
        day, _ = self.chosen()

        def write(session: Session, path: Path) -> str:
            actor = self.context.signed_in()
            template = save_template(session, actor, self.template.toPlainText())
            count = write_sms(session, actor, day, path, template)
            return (
                f"Đã lưu {count} tin nhắn nhắc lịch ngày {format_date(day)} (cột phone, "
                f"message) vào {path}. Mẫu tin nhắn được giữ cho lần sau."
            )

        self._save("Lưu tệp tin nhắn", f"sms-{day:%Y-%m-%d}.csv", "Tệp CSV (*.csv)", write)

    def save_calls(self) -> None:
        def write(session: Session, path: Path) -> str:
            count = write_call_sheet(session, self.context.signed_in(), path)
            return f"Đã lưu danh sách gọi điện ({count} người): {path}"

        filters = "Bảng tính Excel (*.xlsx);;Tệp CSV (*.csv)"
        self._save("Lưu danh sách gọi điện", "goi-dien.xlsx", filters, write)


class OutreachActions:
    """The buttons under the list: appointment for everyone, import and the day's papers
    for managers (the papers' PDF for operators too; the phone files stay with managers)."""

    def __init__(self, panel: OutreachPanel) -> None:
        self.panel = panel
        self.context = panel.context
        self.op: BackgroundOp[OutreachImportSummary] | None = None
        self.dialog: QDialog | None = None
        row = panel.manager_row
        # In the row's order; each: its text, its key, its tooltip, what it does.
        buttons = tuple(
            action_button(panel, text, [key], tooltip, slot)
            for text, key, tooltip, slot in (
                ("Sửa thông tin…", "F2", "Sửa họ tên, ngày sinh, điện thoại…", self.edit),
                ("Hẹn lịch…", "Ctrl+H", "Hẹn giờ cho người đang chọn", self.appoint),
                (
                    "Lịch hẹn, giấy mời, SMS…",
                    "Ctrl+P",
                    "In danh sách hẹn và giấy mời của một ngày; xuất tin nhắn nhắc lịch",
                    self.open_day,
                ),
                (
                    "Điểm hẹn…",
                    "Ctrl+K",
                    "Lập điểm hẹn (điểm cố định, tổ lưu động) và khung giờ trong ngày",
                    self.open_stops,
                ),
                (
                    "Nhập danh sách…",
                    "Ctrl+Shift+R",
                    "Nhập danh sách rà soát từ bảng tính (Excel hoặc CSV) của tổ, đội",
                    self.import_list,
                ),
            )
        )
        for button in buttons:
            row.addWidget(button)
        (
            self.edit_button,
            self.appoint_button,
            self.day_button,
            self.stops_button,
            self.import_button,
        ) = buttons
        self.apply_role()

    def apply_role(self) -> None:
        actor = self.context.actor
        manager = allowed(actor, Action.OUTREACH_MANAGE)
        self.import_button.setVisible(manager)
        self.stops_button.setVisible(manager)
        papers = "Lịch hẹn, giấy mời, SMS…" if manager else "Lịch hẹn, giấy mời…"
        self.day_button.setText(f"{papers} (Ctrl+P)")
        self.day_button.setToolTip(
            "In danh sách hẹn và giấy mời của một ngày"
            + ("; xuất tin nhắn nhắc lịch" if manager else "")
            + " – phím tắt: Ctrl+P"
        )

    def appoint(self) -> None:
        entry = self.panel.chosen_entry()
        if entry is None:
            return
        dialog = AppointDialog(self.context, entry.id, entry.full_name, self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.panel.refresh)
        self.dialog = dialog
        dialog.open()

    def edit(self) -> None:
        entry = self.panel.chosen_entry()
        if entry is None:
            return
        dialog = EditDialog(self.context, entry.id, self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.panel.refresh)
        self.dialog = dialog
        dialog.open()

    def _refused(self, what: str) -> bool:
        """Whether the signed-in person may not manage outreach; if so, said to them (a key
        pressed for a manager's work did nothing)."""
        try:
            require(self.context.actor, Action.OUTREACH_MANAGE)
        except PermissionDeniedError as error:
            messages().error(self.panel, what, str(error))
            return True
        return False

    def open_stops(self) -> None:
        if self._refused("Điểm hẹn và khung giờ"):
            return
        from ui.outreach.stops import StopsDialog

        dialog = StopsDialog(self.context, self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def open_day(self) -> None:
        dialog = DayDialog(self.context, self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def import_list(self) -> None:
        if self._refused("Nhập danh sách rà soát"):
            return
        path = ask_open_path(
            self.panel,
            "Nhập danh sách rà soát",
            "Bảng tính (*.xlsx *.csv);;Tất cả tệp (*)",
        )
        if path is None:
            return
        context = self.context

        def work(report: Report) -> OutreachImportSummary:
            progress = row_progress(report, path)
            return context.in_one_transaction(
                lambda session, actor: import_outreach(
                    session, actor, path, source=path.name, progress=progress
                )
            )

        def done(summary: OutreachImportSummary) -> None:
            messages().info(self.panel, "Đã nhập danh sách rà soát", summary.describe())
            self.panel.refresh()

        def failed(error: BaseException) -> None:
            if isinstance(error, CancelledError):
                text = "Đã dừng theo yêu cầu; không ai được thêm vào danh sách."
            elif isinstance(error, UserError):
                text = f"{error}\nKhông ai được thêm vào danh sách."
            else:
                raise error
            messages().error(self.panel, "Chưa nhập được danh sách", text)

        self.op = (
            BackgroundOp(self.panel, work, done)
            .failure(failed)
            .with_progress(f"Đang nhập danh sách rà soát từ «{path.name}»…")
            .run()
        )
