"""Reading back the PDFs we write: page text, page size, and every QR code on the page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
import zxingcpp

POINTS_PER_MM = 72 / 25.4


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def pdf_page_count(path: Path) -> int:
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def pdf_page_size_mm(path: Path) -> tuple[float, float]:
    document = pdfium.PdfDocument(str(path))
    try:
        width, height = document[0].get_size()
        return round(width / POINTS_PER_MM, 1), round(height / POINTS_PER_MM, 1)
    finally:
        document.close()


def pdf_image_objects(path: Path) -> int:
    """Raster images on the first page (QR codes must be vector shapes, not bitmaps)."""
    document = pdfium.PdfDocument(str(path))
    try:
        page = document[0]
        return sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    finally:
        document.close()


def pdf_qr_codes(path: Path, dpi: int = 200) -> Counter[str]:
    """Every QR code found on the first page rendered at `dpi`, with how often each appears."""
    document = pdfium.PdfDocument(str(path))
    try:
        bitmap = document[0].render(scale=dpi / 72, grayscale=True)
        pixels = memoryview(bitmap.buffer).cast("B", (bitmap.height, bitmap.stride))
        found = zxingcpp.read_barcodes(
            pixels, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), try_rotate=False
        )
        return Counter(code.text for code in found)
    finally:
        document.close()
