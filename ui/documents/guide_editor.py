"""Guide sheets of an intake point: edit the texts and links, see the sheet, print or save PDF."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.directory import list_points
from services.common.errors import UserError
from services.documents.guides import (
    FIELD_LABELS,
    LAYOUT_LABELS,
    GuideContent,
    GuideLayout,
    guide_problems,
    guide_sheet,
    load_guide,
    reset_guide,
    save_guide,
)
from services.documents.qr_links import DEFAULT_QR_DOMAINS, allowed_qr_domains
from services.documents.sheets import Sheet, render_image, write_pdf
from services.security.permissions import Action, allowed
from ui.documents.printing import ask_save_path, show_preview
from ui.shell.context import AppContext
from ui.widgets.dialogs import TALLEST_DIALOG
from ui.widgets.forms import button_row, error_label, show_error, wait_cursor, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.transactions import REFUSED, done_or_shown

GROUPS: list[tuple[str, list[str]]] = [
    ("Tiêu đề", ["title", "subtitle", "card_title", "bring_note"]),
    (
        "Mã QR và liên kết",
        [
            "activation_url",
            "activation_caption",
            "play_url",
            "play_caption",
            "appstore_url",
            "appstore_caption",
            "docs_url",
            "docs_caption",
            "qr_hint",
        ],
    ),
    ("Các bước", ["level1_title", "level1_steps", "activation_title", "activation_steps"]),
    (
        "Điểm thu nhận",
        ["point_label", "point_name", "point_address", "hours", "hotline_label", "hotline"],
    ),
]
PREVIEW_WIDTH = 470
VIEW_ONLY_NOTE = (
    "Tờ hướng dẫn của điểm thu nhận khác: bạn xem và in được, không sửa được. Nội dung của "
    "điểm khác do quản lý sửa."
)


class GuideDialog(QDialog):
    def __init__(
        self, context: AppContext, parent: QWidget | None = None, point_code: str | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Tờ hướng dẫn và mã QR")
        self.editors: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.saved: GuideContent | None = None
        self.qr_domains: tuple[str, ...] = DEFAULT_QR_DOMAINS  # read again with each point
        self._build_choosers()
        scroll = self._build_fields()
        self._build_preview()
        self.error = error_label()
        buttons = self._build_buttons()

        top = QFormLayout()
        top.addRow("Điểm thu nhận:", self.point_box)
        top.addRow("Khổ in:", self.layout_box)
        # Shown for another point's guide that this person may print but not edit.
        self.view_only_note = wrapping_label(VIEW_ONLY_NOTE)
        self.view_only_note.setObjectName("view_only_note")
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.view_only_note)
        left.addWidget(scroll, 1)
        left.addWidget(self.error)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.preview, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.update_preview)

        wanted = point_code or (context.point.code if context.point else None)
        index = self.point_box.findData(wanted) if wanted else -1
        if index >= 0:
            self.point_box.setCurrentIndex(index)
        self.point_box.currentIndexChanged.connect(self._point_changed)
        self.layout_box.currentIndexChanged.connect(self.update_preview)
        self.load_point()
        self.resize(1180, TALLEST_DIALOG)

    def _build_choosers(self) -> None:
        """The point whose guide this is (every point, or the default text) and the layout."""
        self.point_box = QComboBox()
        with self.context.database.session(read_only=True) as session:
            for point in list_points(session):
                self.point_box.addItem(f"{point.name} ({point.code})", point.code)
        if self.point_box.count() == 0:
            self.point_box.addItem("Chưa có điểm thu nhận: nội dung mặc định", None)
        self.layout_box = QComboBox()
        for layout, label in LAYOUT_LABELS.items():
            self.layout_box.addItem(label, layout.value)

    def _build_fields(self) -> QScrollArea:
        """One editor per text of the guide, in titled groups, scrolling."""
        form_panel = QWidget()
        form_layout = QVBoxLayout(form_panel)
        for title, names in GROUPS:
            group = QGroupBox(title)
            group_form = QFormLayout(group)
            for name in names:
                editor: QLineEdit | QPlainTextEdit
                if name.endswith("_steps"):
                    editor = QPlainTextEdit()
                    editor.setPlaceholderText("Mỗi bước một dòng")
                    editor.setTabChangesFocus(True)
                    editor.setFixedHeight(120)
                    editor.textChanged.connect(self.schedule_preview)
                else:
                    editor = QLineEdit()
                    editor.textChanged.connect(self.schedule_preview)
                if name in ("point_name", "point_address"):
                    editor.setPlaceholderText("Để trống: chừa dòng để viết tay")
                editor.setObjectName(name)
                self.editors[name] = editor
                group_form.addRow(FIELD_LABELS[name] + ":", editor)
            form_layout.addWidget(group)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_panel)
        scroll.setMinimumWidth(430)
        return scroll

    def _build_preview(self) -> None:
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_WIDTH, 300)
        # Ignored: the picture follows the label's size, never the other way round.
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setStyleSheet("background: #8a8f98; padding: 8px;")

    def _build_buttons(self) -> QHBoxLayout:
        self.save_button = QPushButton("Lưu nội dung")
        self.reset_button = QPushButton("Khôi phục mặc định")
        self.print_button = QPushButton("Xem trước khi in")
        self.pdf_button = QPushButton("Lưu PDF…")
        self.close_button = QPushButton("Đóng")
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(self.reset_to_defaults)
        self.print_button.clicked.connect(self.print_preview)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.close_button.clicked.connect(self.close)
        self.print_button.setDefault(True)
        return button_row(
            [self.save_button, self.reset_button],
            [self.print_button, self.pdf_button, self.close_button],
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.schedule_preview()

    # ------------------------------------------------------------------ state

    def point_code(self) -> str | None:
        data = self.point_box.currentData()
        return str(data) if data else None

    def layout_choice(self) -> GuideLayout:
        return GuideLayout(str(self.layout_box.currentData()))

    def set_layout(self, layout: GuideLayout) -> None:
        self.layout_box.setCurrentIndex(self.layout_box.findData(layout.value))

    def fill_form(self, content: GuideContent) -> None:
        for f in fields(GuideContent):
            value: Any = getattr(content, f.name)
            editor = self.editors[f.name]
            if isinstance(editor, QPlainTextEdit):
                editor.setPlainText("\n".join(value))
            else:
                editor.setText(str(value))
                editor.setCursorPosition(0)
        self.update_preview()

    def form_content(self) -> GuideContent:
        data: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QPlainTextEdit):
                data[name] = editor.toPlainText().splitlines()
            else:
                data[name] = editor.text()
        return GuideContent.from_dict(data)

    def load_point(self) -> None:
        code = self.point_code()
        with self.context.database.session(read_only=True) as session:
            content = load_guide(session, code)
            self.qr_domains = allowed_qr_domains(session)
        self.saved = content
        editable = code is not None and self.may_edit(code)
        self.save_button.setEnabled(editable)
        self.reset_button.setEnabled(editable)
        for editor in self.editors.values():
            editor.setReadOnly(not editable)
        self.view_only_note.setVisible(code is not None and not editable)
        self.fill_form(content)  # its preview shows the problems, or clears the last ones

    def may_edit(self, code: str) -> bool:
        """Their own point's guide, or any point's for a manager (`require_guide_edit`)."""
        own = self.context.point is not None and self.context.point.code == code
        return own or allowed(self.context.actor, Action.OTHER_POINTS_GUIDES)

    def _point_changed(self) -> None:
        self.load_point()

    def is_dirty(self) -> bool:
        return self.saved is not None and self.form_content() != self.saved

    # ------------------------------------------------------------------ preview

    def schedule_preview(self) -> None:
        self.timer.start()

    def current_sheet(self, *, check: bool) -> Sheet | None:
        content = self.form_content()
        problems = guide_problems(content, self.qr_domains)
        if problems:
            show_error(self.error, "\n".join(p.message for p in problems))
            field = problems[0].field
            if check:
                if field in self.editors:
                    self.editors[field].setFocus()
                return None
            # The last saved sheet, unless it too has a link off the allow-list: then none.
            if self.saved is None or guide_problems(self.saved, self.qr_domains):
                self.preview.clear()
                return None
            content = self.saved
        else:
            show_error(self.error, None)
        return guide_sheet(content, self.layout_choice())

    def update_preview(self) -> None:
        self.timer.stop()
        sheet = self.current_sheet(check=False)
        if sheet is None:
            return
        # The page fitted into the label, at the screen's real pixel density.
        room_w = max(100, self.preview.width() - 16)
        room_h = max(100, self.preview.height() - 16)
        dpi = min(room_w / (sheet.width_mm / 25.4), room_h / (sheet.height_mm / 25.4))
        ratio = self.devicePixelRatioF()
        image = render_image(sheet, dpi * ratio)
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(ratio)
        self.preview.setPixmap(pixmap)
        self.preview_image = image

    # ------------------------------------------------------------------ actions

    def save(self) -> bool:
        code = self.point_code()
        if code is None:
            return False
        content = self.form_content()
        problems = guide_problems(content, self.qr_domains)
        if problems:
            show_error(self.error, "\n".join(p.message for p in problems))
            if problems[0].field in self.editors:
                self.editors[problems[0].field].setFocus()
            return False
        saved = done_or_shown(self, self.context, "Không lưu được", save_guide, code, content)
        if saved is REFUSED:
            return False
        self.saved = content
        show_error(self.error, None)
        messages().info(self, "Đã lưu", "Đã lưu nội dung tờ hướng dẫn của điểm thu nhận này.")
        return True

    def reset_to_defaults(self) -> None:
        code = self.point_code()
        if code is None:
            return
        if not messages().confirm(
            self,
            "Khôi phục mặc định",
            "Bỏ mọi nội dung đã sửa của điểm này và dùng lại nội dung mặc định?",
        ):
            return
        content = done_or_shown(self, self.context, "Không khôi phục được", reset_guide, code)
        if content is REFUSED:
            return
        self.saved = content
        self.fill_form(content)

    def print_preview(self) -> None:
        sheet = self.current_sheet(check=True)
        if sheet is not None:
            show_preview(self, sheet)

    def save_pdf(self) -> None:
        sheet = self.current_sheet(check=True)
        if sheet is None:
            return
        suggested = f"huong-dan-vneid-{self.layout_choice().value}.pdf"
        path = ask_save_path(self, "Lưu tờ hướng dẫn thành PDF", suggested)
        if path is None:
            return
        try:
            with wait_cursor():
                written = write_pdf(sheet, path)
        except UserError as error:
            messages().error(self, "Không lưu được PDF", str(error))
            return
        messages().info(self, "Đã lưu PDF", f"Đã lưu tờ hướng dẫn vào «{written}».")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.is_dirty() and not messages().confirm(
            self, "Chưa lưu", "Nội dung đã sửa chưa được lưu. Đóng và bỏ các thay đổi?"
        ):
            event.ignore()
            return
        event.accept()
