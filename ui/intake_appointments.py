"""Today's appointments at this point, beside the desk's first step: who is expected and
when, and who has come (a scanned card checks its person in)."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from services.errors import UserError
from services.outreach import STATUS_LABELS
from services.outreach_desk import check_in_on_scan
from services.outreach_schedule import desk_appointments
from services.permissions import Action, allowed
from services.vntime import today_vn
from ui.context import AppContext

SHOWN = 8  # lines at most: the desk's first step must keep its room


class AppointmentsBox(QGroupBox):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Lịch hẹn hôm nay tại điểm", parent)
        self.context = context
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lines)
        self.refresh()

    def refresh(self) -> None:
        """Shown only when someone is expected here today."""
        actor = self.context.actor
        if actor is None or not allowed(actor, Action.OUTREACH):
            self.hide()
            return
        try:
            with self.context.database.session(read_only=True) as session:
                rows = desk_appointments(session, actor, today_vn())
        except UserError:
            self.hide()
            return
        if not rows:
            self.hide()
            return
        came = sum(1 for r in rows if r.status.value in ("came", "activated"))
        self.setTitle(f"Lịch hẹn hôm nay tại điểm: {len(rows)} người, đã đến {came}")
        text = [
            f"{r.start:%H:%M} {r.full_name} ({r.hamlet}) – {STATUS_LABELS[r.status]}"
            for r in rows[:SHOWN]
        ]
        if len(rows) > SHOWN:
            text.append(f"… và {len(rows) - SHOWN} người nữa (in danh sách ở thẻ Vận động)")
        self.lines.setText("\n".join(text))
        self.show()

    def check_in(self, id_number: str) -> str | None:
        """A card was scanned: check its person in; what to tell the clerk (or None)."""
        actor = self.context.actor
        if actor is None:
            return None
        try:
            with self.context.database.session() as session:
                said = check_in_on_scan(session, actor, id_number, today_vn())
                session.commit()
        except UserError as error:
            return f"Chưa ghi được người đến theo lịch hẹn: {error}"
        if said is not None:
            self.refresh()
        return said
