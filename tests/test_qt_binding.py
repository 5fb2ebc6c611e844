"""The Qt binding itself: a broken build must fail here, not abort the app at a counter."""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF


def test_void_methods_keep_none_alive() -> None:
    # PySide6 6.12.0 under Python 3.11 released a reference to None on every call of a
    # void method, so a long session (or one sheet of QR cards) ended in "deallocating None".
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        rect.setWidth(3.0)
    assert sys.getrefcount(None) >= before - 10
