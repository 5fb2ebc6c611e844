"""Step 1 of the guided flow: who is the citizen (a card scan, or typed), and earlier cases."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft, check_facts
from services.common.errors import UserError, ValidationError
from services.common.labels import LEVEL_LABELS
from services.common.vntime import format_date, format_moment, parse_date, today_vn
from services.desk.intake import CaseSummary
from services.person.address_match import best_commune, match_commune
from services.person.cccd import CardInfo
from services.person.id_number import FEMALE, MALE, decode_id_number
from services.person.old_addresses import OldAddressMatch, match_old_address
from ui.widgets.commune_picker import CommunePicker
from ui.widgets.forms import stacked, wrapping_label

ERROR_STYLE = "color: #b00020;"
FIELDS = ("id_number", "full_name", "birth_date", "sex", "phone", "address", "residence")
BIRTH_DATE_HINT = "ddmmyyyy hoặc dd/mm/yyyy"
DAY_AND_MONTH = re.compile(r"^\s*(\d{2})[/.-]?(\d{2})[/.-]?\s*$")


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _add_row(form: QFormLayout, label: str, widget: QWidget, *below: QWidget) -> None:
    """A row of the form: its caption (the buddy of `widget`), the widget, what goes under it."""
    box = QVBoxLayout()
    box.setSpacing(1)
    box.addWidget(widget)
    for extra in below:
        box.addWidget(extra)
    caption = QLabel(label)
    caption.setBuddy(widget)
    form.addRow(caption, box)


class IdentifyStep(QWidget):
    """The citizen's facts. `draft()` reads them; errors show under each field as typed.
    Typed by hand: the birth date as ddmmyyyy or dd/mm/yyyy (or only ddmm once the ID
    number gives the year), and the sex is proposed from the ID number's digits."""

    id_number_complete = Signal(str)
    edited = Signal()

    def __init__(self, tree: UnitTree, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = tree
        self.touched: set[str] = set()
        self._make_scan()
        self._make_fields(tree)
        facts_box = self._facts_box()
        existing_box = self._existing_box()
        self._lay_out(facts_box, existing_box)
        self._connect()

    def _make_scan(self) -> None:
        self.scan = QLineEdit()
        self.scan.setObjectName("scan")
        self.scan.setPlaceholderText(
            "Quét mã QR trên thẻ căn cước (máy quét tự nhấn Enter) hoặc gõ số định danh rồi Enter"
        )
        self.scan.setClearButtonEnabled(True)
        self.scan.setStyleSheet("font-size: 13pt; padding: 6px;")
        self.scan_message = wrapping_label()
        self.scan_message.hide()

    def _make_fields(self, tree: UnitTree) -> None:
        self.id_number = QLineEdit()
        self.id_number.setMaxLength(20)
        self.id_number.setPlaceholderText("12 chữ số")
        self.full_name = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText(BIRTH_DATE_HINT)
        self.birth_date.setMaxLength(10)
        self.sex = QComboBox()
        self.sex.addItems(["", MALE, FEMALE])
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("Số di động chính chủ, 10 chữ số")
        self.address = QLineEdit()
        self.address.setPlaceholderText("Địa chỉ thường trú như trên thẻ")
        self.commune = CommunePicker(tree)
        self.commune_hint = wrapping_label()
        self.commune_hint.setStyleSheet("color: #555;")
        self.errors = {name: error_label() for name in FIELDS}

    def _facts_box(self) -> QGroupBox:
        """The form: each field with its error line under it."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        errors = self.errors
        _add_row(form, "Số định &danh:", self.id_number, errors["id_number"])
        _add_row(form, "&Họ và tên:", self.full_name, errors["full_name"])
        _add_row(form, "Ngày &sinh:", self.birth_date, errors["birth_date"])
        _add_row(form, "&Giới tính:", self.sex, errors["sex"])
        _add_row(form, "Số đ&iện thoại:", self.phone, errors["phone"])
        _add_row(form, "Địa chỉ thường t&rú:", self.address, errors["address"])
        _add_row(
            form, "&Xã/phường thường trú:", self.commune, self.commune_hint, errors["residence"]
        )
        facts_box = QGroupBox("Thông tin công dân")
        facts_box.setLayout(form)
        return facts_box

    def _existing_box(self) -> QGroupBox:
        self.existing = wrapping_label("Chưa có hồ sơ nào của số định danh này.")
        self.existing.setTextFormat(Qt.TextFormat.RichText)
        self.existing.setAlignment(Qt.AlignmentFlag.AlignTop)
        existing_box = QGroupBox("Hồ sơ đã có")
        existing_layout = QVBoxLayout(existing_box)
        existing_layout.addWidget(self.existing)
        existing_layout.addStretch(1)
        return existing_box

    def _lay_out(self, facts_box: QGroupBox, existing_box: QGroupBox) -> None:
        scan_caption = QLabel("Q&uét thẻ:")
        scan_caption.setBuddy(self.scan)
        scan_row = QHBoxLayout()
        scan_row.addWidget(scan_caption)
        scan_row.addWidget(self.scan, 1)

        # The right column: the cases on record, and what the desk adds beside them
        # (today's appointments, `add_beside`).
        self.side = QVBoxLayout()
        self.side.addWidget(existing_box, 1)
        body = QHBoxLayout()
        body.addWidget(facts_box, 3)
        body.addLayout(self.side, 2)

        stacked(self, scan_row, self.scan_message, (body, 1))

    def _connect(self) -> None:
        for name, line in (
            ("id_number", self.id_number),
            ("full_name", self.full_name),
            ("birth_date", self.birth_date),
            ("phone", self.phone),
        ):
            line.textEdited.connect(lambda _text, n=name: self._edited(n))
        self.sex.activated.connect(lambda _i: self._edited("sex"))
        self.commune.commune_changed.connect(lambda _c: self._edited("residence"))
        self.address.textEdited.connect(self._address_edited)
        self.id_number.textChanged.connect(self._id_changed)
        self.birth_date.editingFinished.connect(self._tidy_birth_date)

    def add_beside(self, widget: QWidget) -> None:
        """A box under «Hồ sơ đã có», in the right column."""
        self.side.addWidget(widget)

    # -- reading and writing the form -------------------------------------------------

    def draft(self) -> FactsDraft:
        draft = FactsDraft(
            id_number=self.id_number.text(),
            full_name=self.full_name.text(),
            sex=self.sex.currentText(),
            phone=self.phone.text(),
            address=self.address.text(),
            residence_commune_id=self.commune.commune_id(),
            residence_outside=self.commune.is_outside(),
        )
        text = self._full_birth_date(self.birth_date.text().strip())
        if text:
            try:
                draft.birth_date = parse_date(text, "Ngày sinh")
            except ValidationError as error:
                draft.errors.append(ValidationError(error.message, "birth_date"))
        return draft

    def check(self, on_day: date | None = None, show_all: bool = True) -> bool:
        """Validate; show the errors (of every field, or only of touched ones)."""
        _facts, errors = check_facts(self.draft(), on_day or today_vn())
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field or "id_number", []).append(error.message)
        for name, label in self.errors.items():
            messages = by_field.get(name, [])
            visible = bool(messages) and (show_all or name in self.touched)
            label.setText(" ".join(messages))
            label.setVisible(visible)
        return not errors

    def apply_card(self, card: CardInfo) -> None:
        self.id_number.setText(card.id_number)
        self.full_name.setText(card.full_name)
        self.birth_date.setText(format_date(card.birth_date))
        self.sex.setCurrentText(card.sex)
        self.address.setText(card.address)
        self.touched.update({"id_number", "full_name", "birth_date", "sex"})
        self._match_address()
        self.check(show_all=False)

    def fill_from_case(self, case: CaseSummary) -> None:
        """A returning citizen: the facts as saved, for the fields still empty."""
        if not self.full_name.text().strip():
            self.full_name.setText(case.full_name)
        if not self.birth_date.text().strip():
            self.birth_date.setText(format_date(case.birth_date))
        if not self.sex.currentText():
            self.sex.setCurrentText(case.sex)
        if not self.phone.text().strip() and case.phone:
            self.phone.setText(case.phone)
        if not self.address.text().strip() and case.address:
            self.address.setText(case.address)
        if self.commune.chosen_id() is None:
            self.commune.set_residence(case.residence_commune_id)
            self.commune_hint.setText("Theo hồ sơ đã lưu.")

    def show_existing(self, cases: list[CaseSummary]) -> None:
        if not cases:
            self.existing.setText("Chưa có hồ sơ nào của số định danh này.")
            return
        lines = [
            f"<b>{LEVEL_LABELS[c.level]}</b>: {c.status_label}<br>"
            f"<span style='color:#555'>cập nhật {format_moment(c.updated_at)} tại {c.point_name}</span>"
            for c in cases
        ]
        self.existing.setText(
            "<br><br>".join(lines) + "<br><br>Tiếp tục từ hồ sơ này (không tạo hồ sơ mới)."
        )

    def clear(self) -> None:
        for line in (
            self.scan,
            self.id_number,
            self.full_name,
            self.birth_date,
            self.phone,
            self.address,
        ):
            line.clear()
        self.sex.setCurrentIndex(0)
        self.commune.set_commune(None)
        self.commune_hint.clear()
        self.scan_message.hide()
        self.touched.clear()
        self.show_existing([])
        for label in self.errors.values():
            label.hide()

    def has_input(self) -> bool:
        """Anything typed or chosen about a citizen (the scan field aside)."""
        lines = (self.id_number, self.full_name, self.birth_date, self.phone, self.address)
        commune_text = self.commune.currentText().strip()
        return (
            any(line.text().strip() for line in lines)
            or self.sex.currentIndex() > 0
            or self.commune.chosen_id() is not None
            or bool(commune_text)
        )

    def focus_field(self, line: QLineEdit) -> None:
        """Focus a field with its text selected: typing replaces what was filled in."""
        line.setFocus()
        line.selectAll()

    def focus_first_error(self) -> bool:
        """The first field shown in red gets the focus (a line's text selected, so typing
        replaces it); False when no field is red."""
        widgets: dict[str, QWidget] = {
            "id_number": self.id_number,
            "full_name": self.full_name,
            "birth_date": self.birth_date,
            "sex": self.sex,
            "phone": self.phone,
            "address": self.address,
            "residence": self.commune,
        }
        for name in FIELDS:
            if not self.errors[name].isHidden():
                widget = widgets[name]
                if isinstance(widget, QLineEdit):
                    self.focus_field(widget)
                else:
                    widget.setFocus()
                return True
        return False

    def show_scan_message(self, text: str, error: bool) -> None:
        self.scan_message.setText(text)
        self.scan_message.setStyleSheet(ERROR_STYLE if error else "color: #1b5e20;")
        self.scan_message.show()

    # -- reactions ------------------------------------------------------------------------

    def _edited(self, name: str) -> None:
        self.touched.add(name)
        self.check(show_all=False)
        self.edited.emit()

    def _year_from_id(self) -> int | None:
        try:
            return decode_id_number(self.id_number.text()).birth_year
        except UserError:
            return None

    def _full_birth_date(self, text: str) -> str:
        """ddmm alone, once the ID number gives the year: the whole date."""
        match = DAY_AND_MONTH.match(text)
        year = self._year_from_id() if match else None
        if match and year is not None:
            return f"{match.group(1)}/{match.group(2)}/{year}"
        return text

    def _tidy_birth_date(self) -> None:
        """Shown as dd/mm/yyyy once typed, whichever way it was typed."""
        text = self._full_birth_date(self.birth_date.text().strip())
        try:
            tidy = format_date(parse_date(text, "Ngày sinh"))
        except ValidationError:
            return
        if tidy != self.birth_date.text():
            self.birth_date.setText(tidy)
            self._edited("birth_date")

    def _propose_from_id(self) -> None:
        """Sex and birth year from the ID digits: the sex filled in when still empty, the
        year offered in the birth date's hint (typing ddmm is then enough)."""
        try:
            facts = decode_id_number(self.id_number.text())
        except UserError:
            self.birth_date.setPlaceholderText(BIRTH_DATE_HINT)
            return
        self.birth_date.setPlaceholderText(
            f"{BIRTH_DATE_HINT} – năm {facts.birth_year} theo số định danh (gõ ddmm là đủ)"
        )
        if self.sex.currentIndex() <= 0:
            self.sex.setCurrentText(facts.sex)

    def _address_edited(self, _text: str) -> None:
        self._match_address()

    def _match_address(self) -> None:
        address = self.address.text()
        # On the 2025 map an address naming its district is an old one (cards stay valid):
        # carried over by the conversion before today's names are tried.
        old = self._old_matches(address)
        if old and old[0].names_old_district:
            self._show_old_match(old)
            return
        best = best_commune(self.tree, address)
        if best is not None:
            self.commune.set_commune(best.id)
            self.commune_hint.setText(
                f"Tự nhận theo địa chỉ: {self.tree.full_name(best.id)}. Kiểm tra lại với công dân."
            )
            return
        if old:
            self._show_old_match(old)
            return
        matches = match_commune(self.tree, address)
        if matches:
            names = "; ".join(self.tree.full_name(m.commune.id) for m in matches[:3])
            self.commune_hint.setText(f"Có thể là: {names}. Chọn đúng xã trong danh sách.")
        elif address.strip():
            self.commune_hint.setText(
                "Không nhận ra xã trong địa chỉ: gõ tên xã để chọn trong danh sách."
            )

    def _old_matches(self, address: str) -> list[OldAddressMatch]:
        if self.tree.has_districts or not address.strip():
            return []
        return match_old_address(self.tree, address)

    def _show_old_match(self, found: list[OldAddressMatch]) -> None:
        """A two-level campaign: the card's old address carried over to today's commune(s)."""
        old = found[0].old
        printed = f"{old.name}, {old.district.name}" if old.district else old.name
        if len(found) == 1 and found[0].certain:
            self.commune.set_commune(found[0].commune.id)
            self.commune_hint.setText(
                f"Địa chỉ trên thẻ theo địa giới cũ ({printed}): nay là "
                f"{found[0].commune.name}. Kiểm tra lại với công dân."
            )
            return
        names = " hoặc ".join(m.commune.name for m in found[:4])
        self.commune_hint.setText(
            f"{printed} (địa giới cũ) nay thuộc {names}: hỏi công dân nơi ở hiện nay rồi chọn "
            "đúng xã trong danh sách."
        )

    def _id_changed(self, text: str) -> None:
        self._propose_from_id()
        compact = "".join(ch for ch in text if ch.isdigit())
        if len(compact) == 12 and compact == text.strip():
            self.id_number_complete.emit(compact)
