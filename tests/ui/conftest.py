"""GUI fixtures: Qt in Vietnamese, as the app runs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ui.qt_vietnamese import JsonTranslator, install_vietnamese


@pytest.fixture(autouse=True)
def vietnamese(qapp: QApplication) -> Iterator[JsonTranslator]:
    translator = install_vietnamese(qapp)
    yield translator
    qapp.removeTranslator(translator)
