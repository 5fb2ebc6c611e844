"""Printing a `Sheet` through Qt: the print preview (with its print button), and the PDF path.

The dialogs come in through small replaceable functions so that tests never reach a printer:
`set_preview_runner(...)` swaps the preview, `set_save_path_asker(...)` the file dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QWidget

from services.sheets import Sheet


def make_printer(sheet: Sheet) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(sheet.title)
    printer.setFullPage(True)  # our layouts keep their own margins
    printer.setPageLayout(
        QPageLayout(sheet.page_size(), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    return printer


def paint_on_printer(sheet: Sheet, printer: QPrinter) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        return  # the printer refused (cancelled, offline): Qt has told the user
    try:
        sheet.paint(painter, printer.paperRect(QPrinter.Unit.DevicePixel))
    finally:
        painter.end()


def preview_dialog(parent: QWidget | None, sheet: Sheet) -> QPrintPreviewDialog:
    """Qt's print preview of the sheet, titled in Vietnamese; its print button prints."""
    printer = make_printer(sheet)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Xem trước khi in: {sheet.title}")
    dialog.paintRequested.connect(lambda target: paint_on_printer(sheet, target))
    dialog.resize(900, 760)
    dialog._printer = printer  # type: ignore[attr-defined]  # keep it alive with the dialog
    return dialog


PreviewRunner = Callable[[QWidget | None, Sheet], None]
SavePathAsker = Callable[[QWidget | None, str, str], Path | None]


def _run_preview(parent: QWidget | None, sheet: Sheet) -> None:
    preview_dialog(parent, sheet).exec()


def _ask_save_path(parent: QWidget | None, title: str, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, "Tệp PDF (*.pdf)")
    return Path(name) if name else None


_preview: PreviewRunner = _run_preview
_ask: SavePathAsker = _ask_save_path


def show_preview(parent: QWidget | None, sheet: Sheet) -> None:
    _preview(parent, sheet)


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
