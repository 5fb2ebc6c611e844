"""The correction form, one kind of correction at a time, each with a reason for the history:

1. the citizen's facts (a typo, a new phone): never moves the activation;
2. the status (a wrong step was recorded);
3. the activation moment (a wrong time was recorded): the figures of both days change.

A correction that breaks a rule leaves the form open with everything typed, and says why.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from PySide6.QtCore import QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from models.codes import FailureReason, Status
from services.campaigns.units import UnitTree
from services.cases.detail import CaseDetail, correct_opened_case, correct_opened_moment
from services.cases.lifecycle import statuses_for
from services.cases.recording import CORRECTABLE_FIELDS, Correction
from services.common.errors import UserError
from services.common.labels import FAILURE_LABELS, HELP_REASON_LABELS, STATUS_LABELS
from services.common.vntime import VN_TZ, format_date, local_day, vn_to_utc
from ui.shell.context import AppContext
from ui.widgets.commune_picker import CommunePicker
from ui.widgets.forms import button_row, qdate, stacked, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button, add_shortcuts

SEXES = ("Nam", "Nữ")
FACTS, STATUS, MOMENT = "facts", "status", "moment"
KINDS = {
    FACTS: (
        "1. Thông tin công dân (Alt+1)",
        "Sửa thông tin công dân (tên, ngày sinh, điện thoại, nơi thường trú...). Không làm đổi "
        "ngày kích hoạt; sửa nơi thường trú thì mức 1 được tính cho xã mới từ chính ngày kích "
        "hoạt.",
    ),
    STATUS: (
        "2. Trạng thái (Alt+2)",
        "Sửa trạng thái đã ghi sai (ví dụ ghi nhầm «Đã kích hoạt»). Lần sửa được ghi vào lịch "
        "sử cùng lý do.",
    ),
    MOMENT: (
        "3. Thời điểm kích hoạt (Alt+3)",
        "Chuyển lần kích hoạt sang thời điểm đúng (ghi nhầm giờ). Số liệu của ngày cũ và ngày "
        "mới đều thay đổi: báo cáo đã gửi cho hai ngày đó cần gửi lại.",
    ),
}
STATUS_ROWS = ("status", "failure_reason", "failure_note")


class CorrectionDialog(QDialog):
    saved = Signal()

    def __init__(self, context: AppContext, detail: CaseDetail, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.detail = detail
        self.setWindowTitle(f"Sửa hồ sơ – {detail.full_name} ({detail.level_label})")
        with context.database.session(read_only=True) as session:
            tree = UnitTree.load(session)
        self._build_fact_fields(detail, tree)
        self._build_status_fields(detail)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            "Bắt buộc: vì sao sửa (ví dụ: nhập sai dấu tên, công dân báo lại)"
        )
        kinds_row = self._build_kinds_row(detail)
        self.form = self._build_form()
        self.error = wrapping_label()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setVisible(False)
        buttons = self._build_buttons()

        stacked(self, kinds_row, self.kind_text, self.form, self.error, buttons)
        self.status.currentIndexChanged.connect(lambda _: self._status_changed())
        self._status_changed()
        self.set_kind(FACTS)
        self.setMinimumWidth(760)
        self.resize(760, self.sizeHint().height())
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_fact_fields(self, detail: CaseDetail, tree: UnitTree) -> None:
        """The citizen's facts, filled with what the case holds now."""
        self.id_number = QLineEdit(detail.id_number)
        self.full_name = QLineEdit(detail.full_name)
        self.birth_date = QDateEdit()
        self.birth_date.setDisplayFormat("dd/MM/yyyy")
        self.birth_date.setDate(qdate(detail.birth_date))
        self.sex = QComboBox()
        self.sex.addItems(SEXES)
        self.sex.setCurrentText(detail.sex)
        self.phone = QLineEdit(detail.phone or "")
        self.address = QLineEdit(detail.address or "")
        self.residence = CommunePicker(tree)
        self.residence.set_residence(detail.residence_commune_id)
        self.help_reason = QComboBox()
        self.help_reason.addItem("(không ghi)", None)
        for code, label in HELP_REASON_LABELS.items():
            self.help_reason.addItem(label, code)
        self.help_reason.setCurrentIndex(max(self.help_reason.findData(detail.help_reason), 0))
        self.notes = QLineEdit(detail.notes or "")

    def _build_status_fields(self, detail: CaseDetail) -> None:
        """The status, the failure's reason and note, and the activation moment."""
        self.status = QComboBox()
        for status in statuses_for(detail.level):
            self.status.addItem(STATUS_LABELS[status], status.value)
        self.status.setCurrentIndex(self.status.findData(detail.status))
        self.failure_reason = QComboBox()
        for code, label in FAILURE_LABELS.items():
            self.failure_reason.addItem(label, code)
        self.failure_reason.setCurrentIndex(
            max(self.failure_reason.findData(detail.failure_reason), 0)
        )
        self.failure_note = QLineEdit(detail.failure_note or "")
        self.failure_note.setPlaceholderText("Ghi rõ khi chọn «Lý do khác»")
        self.activated_at = QDateTimeEdit()
        self.activated_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        if detail.activated_at is not None:
            local = detail.activated_at.astimezone(VN_TZ)
            self.activated_at.setDateTime(QDateTime(qdate(local), QTime(local.hour, local.minute)))

    def _build_kinds_row(self, detail: CaseDetail) -> QHBoxLayout:
        """One radio button per kind of correction (Alt+1..3), and the text explaining it."""
        self.kind = FACTS
        self.kind_buttons: dict[str, QRadioButton] = {}
        self.kind_group = QButtonGroup(self)
        kinds_row = QHBoxLayout()
        kinds_row.addWidget(QLabel("Loại sửa:"))
        for number, (kind, (label, _explained)) in enumerate(KINDS.items(), start=1):
            # A shortcut, not a mnemonic: a mnemonic clicks after a delay and takes the focus.
            add_shortcuts(self, [f"Alt+{number}"], partial(self.choose_kind, kind))
            button = QRadioButton(label)
            self.kind_buttons[kind] = button
            self.kind_group.addButton(button)
            kinds_row.addWidget(button)
            button.toggled.connect(lambda on, k=kind: self._kind_toggled(on, k))
        kinds_row.addStretch(1)
        if detail.activated_at is None:
            self.kind_buttons[MOMENT].setEnabled(False)
            self.kind_buttons[MOMENT].setToolTip("Chỉ sửa được khi hồ sơ đã kích hoạt.")
        self.kind_text = wrapping_label()
        self.kind_text.setStyleSheet("background: #eef4fb; padding: 6px; border-radius: 3px;")
        return kinds_row

    def _build_form(self) -> QFormLayout:
        """Every field in one form; `set_kind` shows the rows of the chosen kind (the facts
        rows named as the service names the correctable facts, `CORRECTABLE_FIELDS`)."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._rows = {
            "id_number": ("Số &định danh:", self.id_number),
            "full_name": ("&Họ và tên:", self.full_name),
            "birth_date": ("&Ngày sinh:", self.birth_date),
            "sex": ("&Giới tính:", self.sex),
            "phone": ("Số điện t&hoại:", self.phone),
            "address": ("Đị&a chỉ:", self.address),
            "residence_commune_id": ("Nơi thường tr&ú:", self.residence),
            "help_reason": ("Lý do cần hỗ trợ:", self.help_reason),
            "notes": ("Ghi chú:", self.notes),
            "status": ("&Trạng thái:", self.status),
            "failure_reason": ("Lý do thất &bại:", self.failure_reason),
            "failure_note": ("Ghi rõ lý do thất bại:", self.failure_note),
            "activated_at": ("Thời điểm &kích hoạt đúng:", self.activated_at),
            "reason": ("&Lý do sửa (bắt buộc):", self.reason),
        }
        for label, widget in self._rows.values():
            form.addRow(label, widget)
        return form

    def _build_buttons(self) -> QHBoxLayout:
        save = action_button(
            self,
            "Lưu sửa đổi",
            ["Ctrl+S"],
            "Lưu các thay đổi cùng lý do vào lịch sử hồ sơ",
            self.save,
        )
        cancel = QPushButton("Hủy (Esc)")
        cancel.setToolTip("Đóng, không lưu – phím tắt: Esc")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        return button_row(end=[save, cancel])

    def choose_kind(self, kind: str) -> None:
        """From the keyboard: switch, and put the cursor in the kind's first field."""
        if not self.kind_buttons[kind].isEnabled():
            return
        self.set_kind(kind)
        first = {FACTS: self.full_name, STATUS: self.status, MOMENT: self.activated_at}[kind]
        first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _kind_toggled(self, on: bool, kind: str) -> None:
        if on and kind != self.kind:
            self.set_kind(kind)

    def set_kind(self, kind: str) -> None:
        """Show the fields of one kind of correction, and say what it does."""
        self.kind = kind
        self.kind_buttons[kind].setChecked(True)
        self.kind_text.setText(KINDS[kind][1])
        for name, (_label, widget) in self._rows.items():
            if name == "reason":
                continue
            visible = (
                name in CORRECTABLE_FIELDS
                if kind == FACTS
                else name in STATUS_ROWS
                if kind == STATUS
                else name == "activated_at"
            )
            self.form.setRowVisible(widget, visible)
        self.error.setVisible(False)
        self.adjustSize()

    def _status_changed(self) -> None:
        failed = self.status.currentData() == Status.FAILED.value
        self.failure_reason.setEnabled(failed)
        self.failure_note.setEnabled(failed)

    def correction(self) -> Correction:
        actor = self.context.actor
        assert actor is not None and actor.operator_id is not None
        born = self.birth_date.date().toPython()
        assert isinstance(born, date)
        if self.kind == FACTS:
            return Correction(
                reason=self.reason.text(),
                operator_id=actor.operator_id,
                intake_point_id=actor.point_id,
                values={
                    "id_number": self.id_number.text(),
                    "full_name": self.full_name.text(),
                    "birth_date": born,
                    "sex": self.sex.currentText(),
                    "phone": self.phone.text(),
                    "address": self.address.text(),
                    "residence_commune_id": self.residence.residence_value(),
                    "help_reason": self.help_reason.currentData(),
                    "notes": self.notes.text(),
                },
            )
        status = Status(self.status.currentData())
        failed = status == Status.FAILED
        return Correction(
            reason=self.reason.text(),
            operator_id=actor.operator_id,
            intake_point_id=actor.point_id,
            status=status,
            failure_reason=FailureReason(self.failure_reason.currentData()) if failed else None,
            failure_note=(self.failure_note.text().strip() or None) if failed else None,
        )

    def moment(self) -> datetime:
        local = self.activated_at.dateTime().toPython()
        assert isinstance(local, datetime)
        return vn_to_utc(local.replace(second=0, microsecond=0, tzinfo=None))

    def save(self) -> bool:
        """Write the correction in one transaction; on a refusal keep the form as typed."""
        actor = self.context.actor
        if actor is None or actor.operator_id is None:
            self._refused("Cần đăng nhập bằng tài khoản cán bộ để sửa hồ sơ.", None)
            return False
        try:
            with self.context.database.session() as session:
                if self.kind == MOMENT:
                    moment = self.moment()
                    correct_opened_moment(
                        session,
                        actor,
                        self.detail.id,
                        self.detail.version,
                        moment,
                        self.reason.text(),
                    )
                else:
                    correct_opened_case(
                        session, actor, self.detail.id, self.detail.version, self.correction()
                    )
                session.commit()
        except UserError as error:
            self._refused(str(error), getattr(error, "field", None))
            return False
        if self.kind == MOMENT and self.detail.activated_at is not None:
            before, after = local_day(self.detail.activated_at), local_day(moment)
            if before != after:
                messages().info(
                    self,
                    "Số liệu đã thay đổi",
                    f"Lần kích hoạt chuyển từ ngày {format_date(before)} sang ngày "
                    f"{format_date(after)}: số liệu của hai ngày này đã thay đổi. Báo cáo đã gửi "
                    "cho các ngày đó cần lập và gửi lại.",
                )
        self.saved.emit()
        self.accept()
        return True

    def _refused(self, text: str, field: str | None) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        messages().error(self, "Chưa sửa được hồ sơ", text)
        row = self._rows.get(field or "")
        if row is not None:
            row[1].setFocus(Qt.FocusReason.OtherFocusReason)
