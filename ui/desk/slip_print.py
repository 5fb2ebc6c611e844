"""The citizen slip after a case is saved: one key, a preview, the printer (this computer's
choice in *Cài đặt*, else the default one).

The main window calls `print_slip(self, context, case_id)` (from F9 after a save).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from services.common.errors import UserError
from services.documents.sheets import Sheet
from services.documents.slips import slip_for_case, slip_sheet
from ui.documents.printing import show_preview
from ui.shell.context import AppContext
from ui.widgets.messages import messages


def slip_sheet_for_case(context: AppContext, case_id: int) -> Sheet:
    """The slip of the saved case, in this computer's slip size (A6 or 80 mm roll)."""
    with context.database.session(read_only=True) as session:
        slip = slip_for_case(session, case_id)
    return slip_sheet(slip, context.settings.slip_format)


def print_slip(parent: QWidget | None, context: AppContext, case_id: int) -> None:
    """Show the slip in the print preview, whose print button sends it to the printer."""
    try:
        sheet = slip_sheet_for_case(context, case_id)
    except UserError as error:
        messages().error(parent, "Không in được phiếu", str(error))
        return
    show_preview(parent, sheet, context.settings.printer_name)
