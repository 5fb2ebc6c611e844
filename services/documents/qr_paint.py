"""QR codes drawn as vector shapes from the QR matrix: sharp at any printer resolution.

Error correction Q (a quarter of the symbol may be lost: smudges, a cheap inkjet, a crease)
and the quiet zone of 4 modules that the standard asks for, drawn white around the code.
"""

from __future__ import annotations

from functools import lru_cache

import qrcode
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath

QUIET_ZONE = 4  # modules


@lru_cache(maxsize=64)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules, without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def qr_path(data: str, rect: QRectF) -> QPainterPath:
    """The dark modules as one outline inside `rect` (a square; the quiet zone included).

    One path filled at once (non-zero winding): touching modules join without the hairline
    seams that separately filled squares show in anti-aliased viewers.
    """
    matrix = qr_matrix(data)
    count = len(matrix) + 2 * QUIET_ZONE
    module = min(rect.width(), rect.height()) / count
    left = rect.x() + (rect.width() - module * count) / 2 + QUIET_ZONE * module
    top = rect.y() + (rect.height() - module * count) / 2 + QUIET_ZONE * module
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            path.addRect(
                QRectF(left + start * module, top + row * module, (column - start) * module, module)
            )
    return path


def paint_qr(painter: QPainter, rect: QRectF, data: str) -> None:
    """A square QR code centred in `rect`, on white, with its quiet zone."""
    side = min(rect.width(), rect.height())
    square = QRectF(
        rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side
    )
    painter.save()
    painter.fillRect(square, QColor("white"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    painter.drawPath(qr_path(data, square))
    painter.restore()
