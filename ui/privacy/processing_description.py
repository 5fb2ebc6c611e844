"""Quản trị → Mô tả hoạt động xử lý dữ liệu (administrators): the description for the
impact-assessment dossier, shown as it will print, saved as a PDF or printed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from services.common.errors import UserError
from services.common.vntime import today_vn
from services.documents.pages import Document, document_html
from services.privacy.processing_description import (
    installation_for,
    processing_description,
    write_processing_description,
)
from ui.documents.printing import show_document_preview
from ui.privacy.pdf_saving import save_pdf_in_one_transaction
from ui.shell.context import AppContext
from ui.widgets.dialogs import TALLEST_DIALOG
from ui.widgets.forms import button_row, stacked, wrapping_label
from ui.widgets.messages import messages


class ProcessingDescriptionDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Mô tả hoạt động xử lý dữ liệu cá nhân – kichhoat")
        self.installation = installation_for(
            context.database, context.settings_folder, context.settings.idle_lock_minutes
        )
        explain = wrapping_label(
            "Phần mềm lập mô tả này từ cài đặt và dữ liệu hiện có, để đưa vào hồ sơ đánh giá tác "
            "động xử lý dữ liệu cá nhân. Các mục «(đơn vị điền)» do đơn vị tự bổ sung."
        )
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        save = QPushButton("&Lưu PDF…")
        save.clicked.connect(self.save_pdf)
        print_button = QPushButton("&In…")
        print_button.clicked.connect(self.print_it)
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        stacked(self, explain, (self.view, 1), button_row(start=(save, print_button), end=(close,)))
        self.resize(1000, TALLEST_DIALOG)
        self.document: Document | None = None
        self.refresh()

    def refresh(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                self.document = processing_description(
                    session, self.context.signed_in(), self.installation
                )
        except UserError as error:
            messages().error(self, "Không lập được mô tả", str(error))
            return
        self.view.setHtml(document_html(self.document))

    def save_pdf(self) -> None:
        written = save_pdf_in_one_transaction(
            self,
            self.context,
            ("Lưu mô tả hoạt động xử lý", "Không lưu được"),
            f"mo-ta-xu-ly-du-lieu-{today_vn().isoformat()}.pdf",
            lambda session, actor, path: write_processing_description(
                session, actor, self.installation, path
            ),
        )
        if written is None:
            return
        messages().info(self, "Đã lưu", f"Đã lưu mô tả hoạt động xử lý dữ liệu:\n{written}")

    def print_it(self) -> None:
        if self.document is not None:
            show_document_preview(self, self.document)
