"""Printing a `Sheet` (or a `Document` of several pages) through Qt: the print preview
(with its print button), and the PDF path.

The dialogs come in through small replaceable functions so that tests never reach a printer:
`set_preview_runner(...)` swaps the preview, `set_save_path_asker(...)` the file dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from services.documents.pages import Document, paint_document
from services.documents.sheets import Sheet
from ui.widgets import file_dialogs
from ui.widgets.dialogs import TALLEST_DIALOG


def set_sheet_page(sheet: Sheet, printer: QPrinter) -> None:
    """The printer's page is exactly the sheet's (A6, 80 mm roll, A4...), as in the PDF."""
    layout = sheet.page_layout()
    layout.setMode(QPageLayout.Mode.FullPageMode)  # our layouts keep their own margins
    printer.setPageLayout(layout)
    printer.setFullPage(True)  # after: a new layout brings back the printer's margins


DEFAULT_PRINTER_TEXT = "Máy in mặc định"


def available_printers() -> list[str]:
    """The printers this computer knows, by name (none on a machine without a print system)."""
    return list(QPrinterInfo.availablePrinterNames())


def make_printer(sheet: Sheet, printer_name: str | None = None) -> QPrinter:
    """A printer set up for `sheet`: the named one when this computer has it, else the
    default (a printer removed since it was chosen must not stop the slip)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name and printer_name in available_printers():
        printer.setPrinterName(printer_name)
    printer.setDocName(sheet.title)
    set_sheet_page(sheet, printer)
    return printer


def paint_on_printer(sheet: Sheet, printer: QPrinter) -> None:
    # Choosing a printer in the print dialog brings back that printer's default paper
    # (Letter on many drivers, "Microsoft Print to PDF" too): set the sheet's page again.
    set_sheet_page(sheet, printer)
    painter = QPainter()
    if not painter.begin(printer):
        return  # the printer refused (cancelled, offline): Qt has told the user
    try:
        sheet.paint(painter, printer.paperRect(QPrinter.Unit.DevicePixel))
    finally:
        painter.end()


def preview_dialog(
    parent: QWidget | None, sheet: Sheet, printer_name: str | None = None
) -> QPrintPreviewDialog:
    """Qt's print preview of the sheet, titled in Vietnamese; its print button prints (on
    `printer_name` when given and present)."""
    printer = make_printer(sheet, printer_name)
    return _titled_preview(
        printer, parent, sheet.title, lambda target: paint_on_printer(sheet, target)
    )


def _titled_preview(
    printer: QPrinter,
    parent: QWidget | None,
    title: str,
    paint: Callable[[QPrinter], object],
) -> QPrintPreviewDialog:
    """Qt's print preview on `printer`, titled in Vietnamese; `paint` draws the pages."""
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Xem trước khi in: {title}")
    dialog.paintRequested.connect(paint)
    dialog.resize(900, TALLEST_DIALOG)
    dialog._printer = printer  # type: ignore[attr-defined]  # keep it alive with the dialog
    return dialog


PreviewRunner = Callable[[QWidget | None, Sheet], None]
# The same with the printer to use (citizen slips: this computer's setting).
PrinterPreviewRunner = Callable[[QWidget | None, Sheet, str | None], None]
SavePathAsker = Callable[[QWidget | None, str, str], Path | None]


def _run_preview(parent: QWidget | None, sheet: Sheet, printer_name: str | None = None) -> None:
    preview_dialog(parent, sheet, printer_name).exec()


def _ask_save_path(parent: QWidget | None, title: str, suggested: str) -> Path | None:
    return file_dialogs.ask_save_path(parent, title, suggested, "Tệp PDF (*.pdf)")


_preview: PreviewRunner = _run_preview
_ask: SavePathAsker = _ask_save_path


def show_preview(parent: QWidget | None, sheet: Sheet, printer_name: str | None = None) -> None:
    """The print preview; with `printer_name`, its print button uses that printer."""
    if printer_name is None:
        _preview(parent, sheet)
    else:
        _printer_preview(parent, sheet, printer_name)


_printer_preview: PrinterPreviewRunner = _run_preview


def set_printer_preview_runner(runner: PrinterPreviewRunner) -> PrinterPreviewRunner:
    """For tests: replace the preview used with a chosen printer; returns the previous one."""
    global _printer_preview
    previous, _printer_preview = _printer_preview, runner
    return previous


def ask_save_path(parent: QWidget | None, title: str, suggested: str) -> Path | None:
    return _ask(parent, title, suggested)


def set_preview_runner(runner: PreviewRunner) -> PreviewRunner:
    """For tests: replace the preview dialog; returns the previous runner."""
    global _preview
    previous, _preview = _preview, runner
    return previous


def set_save_path_asker(asker: SavePathAsker) -> SavePathAsker:
    """For tests: replace the file dialog; returns the previous asker."""
    global _ask
    previous, _ask = _ask, asker
    return previous


# -- documents of several pages (services.documents.pages) -----------------------------------------

DocumentPreviewRunner = Callable[[QWidget | None, Document], None]


def document_preview_dialog(parent: QWidget | None, document: Document) -> QPrintPreviewDialog:
    """Qt's print preview of an A4 document; its print button prints it."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(document.title)
    return _titled_preview(
        printer, parent, document.title, lambda target: paint_document(document, target)
    )


def _run_document_preview(parent: QWidget | None, document: Document) -> None:
    document_preview_dialog(parent, document).exec()


_document_preview: DocumentPreviewRunner = _run_document_preview


def show_document_preview(parent: QWidget | None, document: Document) -> None:
    _document_preview(parent, document)


def set_document_preview_runner(runner: DocumentPreviewRunner) -> DocumentPreviewRunner:
    """For tests: replace the document's print preview; returns the previous one."""
    global _document_preview
    previous, _document_preview = _document_preview, runner
    return previous
