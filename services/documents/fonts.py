"""The font of every printed sheet: Be Vietnam Pro, shipped in `resources/fonts/` (OFL 1.1).

Embedding it (QPdfWriter subsets it into the PDF; the printer gets it from Qt) is what makes
Vietnamese print the same on a counter PC with none of the right fonts installed.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QFontDatabase, QGuiApplication

from services.common.resources import resource_path

FONT_FILES = ("BeVietnamPro-Regular.ttf", "BeVietnamPro-Bold.ttf")
FALLBACK_FAMILY = "Sans Serif"


@cache
def print_family() -> str:
    """Register the shipped fonts once (needs a QGuiApplication) and return their family."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("print_family() needs a QGuiApplication")
    family = FALLBACK_FAMILY
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            family = families[0]
    return family
