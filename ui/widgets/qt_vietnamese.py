"""Vietnamese for Qt's own widgets (standard buttons, context menus, dialogs).

Qt ships no `qtbase_vi.qm`; rather than a binary file, a QTranslator that reads
a JSON table from `resources/translations/`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from services.common.resources import load_json


class JsonTranslator(QTranslator):
    def __init__(self, table: dict[str, dict[str, str]]) -> None:
        super().__init__()
        self.table = table

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None is a null QString: "no translation here", so Qt keeps its own text.
        # An empty string would be taken as a translation to nothing.
        return self.table.get(context, {}).get(source)

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name)
        return False


def install_vietnamese(app: QCoreApplication) -> JsonTranslator:
    """Set the Vietnamese locale (50.802; 18/07/2023) and install the translator."""
    QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
    table = {
        k: v for k, v in load_json("translations", "qt_vi.json").items() if not k.startswith("_")
    }
    translator = JsonTranslator(table)
    # Qt does not own an installed translator: without a reference kept here, Python
    # would collect it and the buttons would quietly turn back to English.
    _installed.append(translator)
    app.installTranslator(translator)
    return translator


_installed: list[JsonTranslator] = []
