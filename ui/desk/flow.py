"""The guided case flow: identify, check, guide, result. Usable from start to end by keyboard.

Ctrl+Enter goes to the next step, Alt+Left back, Ctrl+S saves, Ctrl+N starts over.
A scan of a card QR anywhere in the window (any step, field, tab or dialog; see
`ui.widgets.scan_catcher` for what counts as a scan) brings the new citizen; with a case open and
not saved, the clerk chooses first (save it, drop it, or go back to it), and nothing of
the open case changes before that choice. Nothing typed is lost when validation fails
or the database refuses a save.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QWidget,
)
from sqlalchemy.orm import Session

from models.codes import Status
from services.campaigns.campaign import active_campaign, outside_period_note
from services.campaigns.units import UnitTree
from services.common.errors import ConflictError, DatabaseBusyError, UserError
from services.common.labels import STATUS_LABELS
from services.common.vntime import today_vn
from services.desk.intake import (
    CaseSummary,
    case_summary,
    next_statuses,
    person_cases,
    save_intake,
    takes_level2,
)
from services.person.cccd import CardInfo, CardQRError, parse_card_qr
from services.person.id_number import normalise_id_number
from services.privacy.consent import legal_basis
from services.upkeep.database import save_when_free
from ui.desk.appointments import AppointmentsBox
from ui.desk.check import CheckStep
from ui.desk.guide import GuideStep, default_path
from ui.desk.identify import ERROR_STYLE, IdentifyStep
from ui.desk.result import ResultStep
from ui.shell.context import AppContext
from ui.widgets.background import BackgroundOp, CancelledError, Report
from ui.widgets.forms import button_row, stacked, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.scan_catcher import ScanDetector

QUICK_WAIT_MS = 300  # a save tries this long for the write lock before waiting in the background
RETRY_WAIT_MS = 1000  # each try in the background: Hủy is heard within a second

STEP_TITLES = ("1. Nhận diện", "2. Kiểm tra", "3. Hướng dẫn", "4. Kết quả")
OK_STYLE = "color: #1b5e20; font-weight: 600;"
WAIT_STYLE = "color: #8a4b00; font-weight: 600;"


class IntakeFlow(QWidget):
    """One citizen at a time. Emits `case_saved(case_id)` after each successful save,
    `started_over` when the clerk starts a new citizen (Ctrl+N, or after a save), and
    `scan_arrived` when a card is scanned anywhere in the window (to bring the desk to
    the front)."""

    case_saved = Signal(int)
    started_over = Signal()
    scan_arrived = Signal()

    def __init__(
        self,
        context: AppContext,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        with context.database.session(read_only=True) as session:
            self.tree = UnitTree.load(session)
            campaign = active_campaign(session)
            self.period = (campaign.first_day, campaign.last_day)
        self.existing: list[CaseSummary] = []
        steps_bar = self._steps_bar()
        self._make_pages(context, open_url)
        self._make_notes()
        nav = self._nav_row()

        stacked(self, self.period_note, steps_bar, (self.pages, 1), self.banner, nav)

        self._connect()
        self._listen_for_scans()
        self.show_period_note()
        self._go(0)

    def _steps_bar(self) -> QHBoxLayout:
        self.step_labels = [QLabel(title) for title in STEP_TITLES]
        steps_bar = QHBoxLayout()
        for label in self.step_labels:
            bold = QFont(label.font())
            bold.setBold(True)  # the current step is bold: room for it, never "3. Hướng dẫ"
            label.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(label.text()) + 24)
            steps_bar.addWidget(label)
        steps_bar.addStretch(1)
        return steps_bar

    def _make_pages(self, context: AppContext, open_url: Callable[[QUrl], object]) -> None:
        self.identify = IdentifyStep(self.tree)
        self.appointments = AppointmentsBox(context)
        self.identify.add_beside(self.appointments)
        self.check_step = CheckStep()
        self.guide = GuideStep(open_url)
        self.result = ResultStep()
        self.pages = QStackedWidget()
        for page in (self.identify, self.check_step, self.guide, self.result):
            self.pages.addWidget(page)

    def _make_notes(self) -> None:
        """The note of a day outside the campaign, and the banner of what went wrong."""
        self.period_note = wrapping_label()
        self.period_note.setStyleSheet(
            "background: #fff4e5; color: #8a4b00; padding: 4px 6px; border-radius: 3px;"
        )
        self.period_note.hide()
        self.banner = QLabel()
        self.banner_is_error = False
        self.waiting_to_save = False
        self.waiting: BackgroundOp[tuple[int, str]] | None = None
        self.banner.setWordWrap(True)
        self.banner.hide()

    def _nav_row(self) -> QHBoxLayout:
        self.back_button = QPushButton("← &Quay lại")
        self.back_button.setToolTip("Bước trước (Alt+←)")
        self.next_button = QPushButton("&Tiếp →")
        self.next_button.setToolTip("Bước sau (Ctrl+Enter)")
        self.save_button = QPushButton("&Lưu hồ sơ")
        self.save_button.setToolTip("Lưu kết quả (Ctrl+S)")
        self.save_button.setDefault(False)
        self.new_button = QPushButton("Công dân &mới")
        self.new_button.setToolTip("Bỏ ca đang làm, bắt đầu ca mới (Ctrl+N)")
        return button_row([self.new_button], [self.back_button, self.next_button, self.save_button])

    def _connect(self) -> None:
        """The buttons, the keys (in the whole window) and the steps' signals."""
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.forward)
        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.start_over)
        for keys, slot in (
            ("Ctrl+Return", self.forward),
            ("Ctrl+Enter", self.forward),
            ("Alt+Left", self.back),
            ("Ctrl+S", self.save),
            ("Ctrl+O", self._open_site),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
        # The main window turns this off and offers Ctrl+N on every tab instead.
        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.new_shortcut.activated.connect(self.start_over)

        self.identify.scan.returnPressed.connect(self._scan_field_entered)
        self.identify.id_number_complete.connect(self._look_up)
        self.identify.edited.connect(self._clear_fixed_error)
        self.check_step.level_changed.connect(lambda _level: self._level_changed())
        self.check_step.consent.toggled.connect(lambda _ticked: self._clear_fixed_error())

    def _listen_for_scans(self) -> None:
        """A card scanned anywhere in the window comes to the desk."""
        self.detector = ScanDetector(self, self.window)
        self.detector.scanned.connect(self.receive_scan)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.detector)

    # -- navigation -------------------------------------------------------------------

    def _open_site(self) -> None:
        if self.step() == 2 and self.guide.open_site.isVisible():
            self.guide.open_site.click()

    def show_period_note(self) -> None:
        """A day outside the campaign's period is said on the desk, not saved silently."""
        note = outside_period_note(*self.period, today_vn())
        self.period_note.setText(note or "")
        self.period_note.setVisible(note is not None)

    def step(self) -> int:
        return self.pages.currentIndex()

    def _go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        for number, label in enumerate(self.step_labels):
            current = number == index
            label.setStyleSheet(
                "font-weight: 700; color: white; background: #1565c0; padding: 4px 10px;"
                if current
                else "color: #555; padding: 4px 10px;"
            )
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < 3)
        self.save_button.setVisible(index == 3)
        if index == 0:
            self.identify.scan.setFocus()
        elif index == 1:
            self.check_step.level1.setFocus()
        elif index == 2:
            self.guide.steps.setFocus()
            if self.guide.steps.count():
                self.guide.steps.setCurrentRow(0)
        else:
            self._offer_results()
            self.result.focus_results()

    def forward(self) -> None:
        index = self.step()
        if index == 0:
            if not self.identify.check():
                self._say("Kiểm tra lại các ô báo đỏ ở trên.", error=True)
                self.identify.focus_first_error()  # by keyboard, straight to what to fix
                return
            self._prefill_check()
        elif index == 1:
            if not self.check_step.check():
                self._say(self.check_step.missing_message(), error=True)
                return
            self._choose_guide()
        elif index >= 3:
            return
        self.banner.hide()
        self._go(index + 1)

    def back(self) -> None:
        if self.step() > 0:
            self._go(self.step() - 1)

    def start_over(self) -> None:
        """A new citizen from a clean desk (Ctrl+N, a change of operator, after a save)."""
        self._clear()
        self.banner.hide()
        self.started_over.emit()

    def _clear(self) -> None:
        self.show_period_note()
        self.appointments.refresh()  # a new operator, or the day's list moved on
        self.identify.clear()
        self.check_step.clear()
        self.result.clear()
        self.existing = []
        self._go(0)

    def has_unsaved(self) -> bool:
        """A case is open: past step 1, or something typed or chosen on it."""
        return self.step() > 0 or self.identify.has_input()

    # -- step 1: scans and look-ups ---------------------------------------------------------

    def receive_scan(self, text: str) -> None:
        """A card QR from the scanner, wherever it was typed: the new citizen, once the
        clerk has chosen what becomes of an open case."""
        if self.waiting_to_save:
            self._say("Đang chờ lưu ca trước: quét lại thẻ khi đã lưu xong.", error=False)
            return
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not self.window():
            messages().warning(
                modal,
                "Đang mở hộp thoại",
                f"Máy quét vừa đọc một thẻ căn cước khi hộp thoại «{modal.windowTitle()}» "
                "đang mở, nên thẻ chưa được nhận. Đóng hộp thoại rồi quét lại thẻ.",
            )
            return
        self.scan_arrived.emit()
        try:
            card = parse_card_qr(text)
        except CardQRError as error:
            if self.has_unsaved():
                self._say(
                    f"Mã QR vừa quét không đọc được, ca đang làm không thay đổi. {error}",
                    error=True,
                )
            else:
                self.identify.show_scan_message(str(error), error=True)
                self.identify.scan.setFocus()
            return
        if self.has_unsaved() and not self._make_way_for(card):
            return
        self.start_over()
        self._take_card(card)

    def _make_way_for(self, card: CardInfo) -> bool:
        """Ask what becomes of the open case; True when the desk may take the new card."""
        current = self.identify.id_number.text().strip()
        if current == card.id_number:
            self._say(
                f"Thẻ vừa quét là của {card.full_name}, công dân đang làm: tiếp tục ca này.",
                error=False,
            )
            return False
        name = self.identify.full_name.text().strip() or "công dân đang làm"
        can_save = self.step() == 3 and self.result.chosen() is not None
        choices = [("save", f"&Lưu ca của {name}")] if can_save else []
        choices += [("back", "&Quay lại ca đang làm"), ("discard", "&Bỏ ca đang làm")]
        text = (
            f"Máy quét vừa đọc thẻ của {card.full_name}, trong khi ca của {name} chưa được "
            "lưu. Chưa có gì của ca đang làm bị thay đổi.\n\n"
            + ("Lưu ca đang làm rồi nhận công dân mới, " if can_save else "")
            + "Quay lại ca đang làm (bỏ qua lần quét này), hoặc Bỏ ca đang làm (không lưu) "
            "để nhận công dân mới?"
        )
        choice = messages().choose(self, "Ca đang làm chưa lưu", text, choices, escape="back")
        if choice == "save":
            return self.save()
        if choice == "discard":
            return True
        self._say(
            f"Đã giữ nguyên ca của {name}; thẻ của {card.full_name} chưa được nhận.", error=False
        )
        return False

    def _take_card(self, card: CardInfo) -> None:
        self.identify.apply_card(card)
        listed = self.appointments.check_in(card.id_number)
        self.identify.show_scan_message(
            f"Đã đọc thẻ của {card.full_name}. Kiểm tra số điện thoại và xã thường trú."
            + (f"\n{listed}" if listed else ""),
            error=False,
        )
        self._look_up(card.id_number)
        self.identify.focus_field(self.identify.phone)

    def _scan_field_entered(self) -> None:
        text = self.identify.scan.text().strip()
        if not text:
            return
        if "|" in text:
            self.identify.scan.clear()
            self.receive_scan(text)
            return
        try:
            number = normalise_id_number(text)
        except UserError as error:
            self.identify.show_scan_message(str(error), error=True)
            return
        self.identify.scan.clear()
        self.identify.scan_message.hide()  # a refusal of what was typed before is fixed
        self.identify.id_number.setText(number)
        self.identify.touched.add("id_number")
        self.identify.check(show_all=False)
        self._look_up(number)
        self.identify.focus_field(self.identify.full_name)

    def _look_up(self, id_number: str) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                self.existing = person_cases(session, id_number)
        except UserError as error:
            self._say(str(error), error=True)
            return
        self.identify.show_existing(self.existing)
        if self.existing:
            self.identify.fill_from_case(self.existing[0])
            self.identify.check(show_all=False)

    def resume(self, case_id: int) -> None:
        """A returning citizen from the list or the follow-up queue: open at the result step."""
        try:
            with self.context.database.session(read_only=True) as session:
                case = case_summary(session, case_id)
        except UserError as error:
            self._say(str(error), error=True)
            return
        self._clear()
        self.banner.hide()
        self.identify.id_number.setText(case.id_number)
        self._look_up(case.id_number)
        self.check_step.set_level(case.level)
        self.check_step.set_help_reason(case.help_reason)
        self.check_step.mark_on_record()  # given when the case was first saved
        self._choose_guide()
        self._go(3)
        self._say(
            f"Tiếp tục hồ sơ mức {case.level} của {case.full_name}: chọn kết quả rồi Ctrl+S.",
            error=False,
        )

    # -- steps 2 to 4 -------------------------------------------------------------------

    def _case_for(self, level: int) -> CaseSummary | None:
        return next((c for c in self.existing if c.level == level), None)

    def _prefill_check(self) -> None:
        try:
            # Read for each citizen: an administrator may have changed it on another computer.
            with self.context.database.session(read_only=True) as session:
                self.check_step.set_basis(legal_basis(session))
        except UserError as error:
            self._say(str(error), error=True)
        open_cases = [c for c in self.existing if c.status != Status.ACTIVATED]
        if open_cases:
            self.check_step.set_level(open_cases[0].level)
            self.check_step.set_help_reason(open_cases[0].help_reason)
        elif self._case_for(1) is not None and self._case_for(2) is None:
            self.check_step.set_level(2)
        self._level_changed()

    def _point_takes_level2(self) -> bool:
        point = self.context.point
        if point is None:
            return False
        with self.context.database.session(read_only=True) as session:
            return takes_level2(session, point.id)

    def _level_changed(self) -> None:
        level = self.check_step.level()
        case = self._case_for(level)
        if level == 2 and not self._point_takes_level2() and case is None:
            self.check_step.set_referral(
                "Điểm này không phải điểm cấp căn cước: hướng dẫn công dân đến điểm cấp căn cước "
                "của Công an để nộp hồ sơ mức 2 (vẫn có thể ghi kết quả kích hoạt tại đây)."
            )
        else:
            self.check_step.set_referral(None)
        if case is not None:
            self.check_step.mark_on_record()  # every saved case carries consent
        else:
            self.check_step.clear_marked()

    def _choose_guide(self) -> None:
        level = self.check_step.level()
        case = self._case_for(level)
        self.guide.select(
            default_path(
                level,
                case.status if case else None,
                self._point_takes_level2(),
                self.check_step.help_reason(),
            )
        )

    def _offer_results(self) -> None:
        level = self.check_step.level()
        case = self._case_for(level)
        current = case.status if case else None
        allowed = next_statuses(level, current)
        if level == 2 and current is None and not self._point_takes_level2():
            allowed = [s for s in allowed if s != Status.APPLICATION_TAKEN]
        self.result.offer(level, current, allowed)

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> bool:
        """Save the open case (step 4); True when it was saved."""
        if self.step() != 3:
            self.forward()
            return False
        actor = self.context.actor
        if actor is None:
            self._say("Chưa đăng nhập: đăng nhập trước khi lưu hồ sơ.", error=True)
            return False
        level = self.check_step.level()
        result = self.result.result(level)
        if result is None:
            return False
        result.help_reason = self.check_step.help_reason()
        if not self.identify.check():
            self._go(0)
            self._say("Thông tin công dân chưa hợp lệ: sửa các ô báo đỏ rồi lưu lại.", error=True)
            self.identify.focus_first_error()
            return False
        draft, consent = self.identify.draft(), self.check_step.consent.isChecked()
        notice = self.check_step.notice_heard()

        def store(session: Session) -> tuple[int, str]:
            saved = save_intake(session, actor, draft, result, consent=consent, notice=notice)
            return saved.case.id, saved.case.full_name

        try:
            # A short wait for the write lock: a longer one waits in the background instead.
            with self.context.database.session(busy_wait_ms=QUICK_WAIT_MS) as session:
                stored = store(session)
                session.commit()
        except DatabaseBusyError:
            self._save_when_free(store, level, result.status)
            return False
        except UserError as error:
            self._refused(error)
            return False
        self._saved(stored, level, result.status)
        return True

    def _refused(self, error: UserError) -> None:
        self._say(f"Chưa lưu được: {error}", error=True)
        if isinstance(error, ConflictError):
            self._look_up(self.identify.draft().id_number.strip())  # the case as it stands
            self._offer_results()

    def _saved(self, stored: tuple[int, str], level: int, status: Status) -> None:
        case_id, name = stored
        self.start_over()
        self._say(
            f"Đã lưu: {name} – mức {level} – {STATUS_LABELS[status]}. Mời công dân tiếp theo.",
            error=False,
        )
        self.case_saved.emit(case_id)

    def _save_when_free(
        self, store: Callable[[Session], tuple[int, str]], level: int, status: Status
    ) -> None:
        """The database is held by a long import: the save waits in the background (the
        window keeps working, the case stays on screen, Hủy stops waiting)."""
        self.waiting_to_save = True
        self.setEnabled(False)
        self._say(
            "Đang chờ cơ sở dữ liệu: một việc lớn (nhập gói dữ liệu, nhập bảng tính) đang ghi "
            "vào tệp. Hồ sơ được lưu ngay khi việc đó xong; Hủy để thôi chờ (thông tin vẫn giữ).",
            error=False,
        )
        self.banner.setStyleSheet(WAIT_STYLE)
        database = self.context.database

        def work(report: Report) -> tuple[int, str]:
            return save_when_free(
                database, store, lambda attempt: report(attempt, 0), wait_ms=RETRY_WAIT_MS
            )

        def done(stored: tuple[int, str]) -> None:
            self._wait_over()
            self._saved(stored, level, status)

        def failed(error: BaseException) -> None:
            self._wait_over()
            if isinstance(error, CancelledError):
                self._say(
                    "Chưa lưu: đã thôi chờ cơ sở dữ liệu. Thông tin vẫn giữ; nhấn Ctrl+S để lưu "
                    "lại khi việc lớn đã xong.",
                    error=True,
                )
            elif isinstance(error, UserError):
                self._refused(error)
            else:
                raise error

        self.waiting = (
            BackgroundOp(self, work, done)
            .failure(failed)
            .with_progress("Đang chờ cơ sở dữ liệu để lưu hồ sơ…")
            .run()
        )

    def _wait_over(self) -> None:
        self.waiting_to_save = False
        self.setEnabled(True)

    def _clear_fixed_error(self) -> None:
        """The "check the red fields" banner (step 1) and the "consent is needed" one
        (step 2) go as soon as what they asked for is done."""
        if not (self.banner.isVisible() and self.banner_is_error):
            return
        if (self.step() == 0 and self.identify.check(show_all=False)) or (
            self.step() == 1 and self.check_step.consent.isChecked()
        ):
            self.banner.hide()

    def _say(self, text: str, error: bool) -> None:
        self.banner_is_error = error
        self.banner.setText(text)
        self.banner.setStyleSheet(ERROR_STYLE + " font-weight: 600;" if error else OK_STYLE)
        self.banner.show()
