"""Today's appointments at this point, beside the desk's first step: who is expected and
when, and who has come (a scanned card checks its person in)."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from models.codes import OutreachStatus
from models.entities import Case
from services.common.errors import UserError
from services.common.vntime import today_vn
from services.outreach.desk import check_in_on_scan
from services.outreach.lists import STATUS_LABELS, candidates_for_case, confirm_match
from services.outreach.schedule import desk_appointments
from services.security.permissions import Action, allowed
from ui.shell.context import AppContext
from ui.widgets.forms import wrapping_label
from ui.widgets.messages import messages

SHOWN = 8  # lines at most: the desk's first step must keep its room
MATCHES_OFFERED = 3  # more would not fit as buttons; the name, year and commune narrow it


class AppointmentsBox(QGroupBox):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Lịch hẹn hôm nay tại điểm", parent)
        self.context = context
        self.lines = wrapping_label()
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

    def offer_matches(self, case_id: int) -> str | None:
        """After a save: listed people without an ID number who may be this citizen (same
        name without diacritics, birth year, commune) are shown to the clerk, who confirms
        one or none; what was done, or None when nobody was offered."""
        actor = self.context.actor
        if actor is None or not allowed(actor, Action.OUTREACH):
            return None
        with self.context.database.session(read_only=True) as session:
            candidates = candidates_for_case(session, case_id)[:MATCHES_OFFERED]
            case = session.get(Case, case_id)
            id_number = case.id_number if case is not None else None
        if not candidates or id_number is None:
            return None
        choices = [
            (str(c.entry_id), f"&{i} {c.full_name}, sinh {c.birth}, {c.hamlet}")
            for i, c in enumerate(candidates, start=1)
        ]
        choices.append(("none", "&Không phải người nào ở trên"))
        text = (
            "Công dân vừa lưu có thể là người trong danh sách rà soát chưa có số định danh "
            "(cùng họ tên, năm sinh và xã). Hỏi lại công dân, rồi chọn đúng người để danh sách "
            "ghi nhận đã đến; không chắc thì chọn «Không phải»."
        )
        choice = messages().choose(
            self, "Có thể là người trong danh sách rà soát", text, choices, escape="none"
        )
        if choice == "none":
            return None
        try:
            with self.context.database.session() as session:
                entry = confirm_match(session, actor, int(choice), id_number)
                session.commit()
                status = STATUS_LABELS[OutreachStatus(entry.status)]
                said = f"Đã ghi {entry.full_name} trong danh sách rà soát: {status}."
        except UserError as error:
            messages().error(self, "Chưa ghi được vào danh sách rà soát", str(error))
            return None
        self.refresh()
        return said

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
