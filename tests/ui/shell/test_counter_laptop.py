"""The big dialogs open whole on the counter laptop: 1366×768, less Windows' taskbar
(40 px) and a title bar (about 32 px), leaves about 696 px for a dialog's content; one
taller has its buttons under the taskbar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.upkeep.database import Database
from tests.ui.screens import lan_context, one_case
from ui.cases.detail import CaseDetailDialog
from ui.documents.guide_editor import GuideDialog
from ui.documents.printing import preview_dialog
from ui.privacy.processing_description import ProcessingDescriptionDialog

ROOM = 768 - 40 - 32


@pytest.mark.parametrize("which", ["guides", "case", "description", "preview"])
def test_a_big_dialog_opens_within_the_laptops_screen(
    qtbot: QtBot, database: Database, tmp_path: Path, which: str
) -> None:
    context, _world = lan_context(database, Role.ADMIN, settings_folder=tmp_path)
    dialog: QDialog
    if which == "guides":
        dialog = GuideDialog(context)
    elif which == "case":
        dialog = CaseDetailDialog(context, one_case(database, Status.APPROVED, "2023-07-20 08:30"))
    elif which == "description":
        dialog = ProcessingDescriptionDialog(context)
    else:
        editor = GuideDialog(context)
        qtbot.addWidget(editor)
        sheet = editor.current_sheet(check=True)
        assert sheet is not None
        dialog = preview_dialog(None, sheet)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.height() <= ROOM, (which, dialog.height())
