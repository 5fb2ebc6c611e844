"""The notice on personal data in full, large enough to read aloud: the version the desk
reads now, or the one a case's consent record names."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QScrollArea,
    QWidget,
)

from services.privacy.consent import BASIS_LABELS, LegalBasisSetting, Notice
from ui.widgets.forms import close_button, stacked, wrapping_label


def notice_html(notice: Notice, setting: LegalBasisSetting) -> str:
    """The paragraphs the citizen hears under `setting`, as rich text."""
    return "".join(
        f"<p>{escape(paragraph)}</p>"
        for paragraph in notice.text(setting.basis, setting.legal_reference)
    )


class NoticeDialog(QDialog):
    def __init__(
        self, notice: Notice, setting: LegalBasisSetting, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{notice.title} – {notice.label}")
        heading = QLabel(f"<b>{escape(notice.title)}</b>")
        about = wrapping_label(
            f"Văn bản {escape(notice.label)}. Căn cứ xử lý: "
            f"{escape(BASIS_LABELS[setting.basis])}"
            + (f" ({escape(setting.legal_reference)})" if setting.legal_reference else "")
            + "."
        )
        about.setStyleSheet("color: #555;")
        self.text = wrapping_label(notice_html(notice, setting))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setContentsMargins(10, 6, 10, 6)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.text.setFont(font)
        heading.setFont(font)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.text)
        buttons = close_button(self, "Đóng")
        stacked(self, heading, about, (scroll, 1), buttons)
        self.resize(760, 520)


__all__ = ["NoticeDialog", "notice_html"]
