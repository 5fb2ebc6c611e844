"""The user guide's screenshots, made from the app itself: `make docs`.

    QT_QPA_PLATFORM=offscreen python -m docs.make_screenshots [--out DIR] [--only NAME ...]

A throw-away SQLite database in a temporary folder gets the Sóc Trăng preset, synthetic
cases (`services.cases.demo`, seeded) and a few invented citizens and accounts recorded through
the services. The clock is fixed on a campaign day (`services.common.vntime.set_clock`), so a
rerun gives the same pictures. Each shot drives the real window or dialog, with the keys
the guide tells the reader to press, to the state its page describes, and saves a
1366x768 PNG in docs/guide/img/: offscreen windows have no frame, so a plain title bar is
drawn above each, and red boxes and numbers point at what the page talks about.

Widgets are found by the attribute names the code gives them; when one is missing, or a
key does not do what the guide says, the script stops and says which (the UI changed:
update the shot and the page that shows it). Every name is invented; no real person's
data is ever used. The app never imports this module (tests/test_docs.py checks it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QKeySequence, QPainter, QPen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from models.codes import FailureReason, PointKind, Role, Status
from services.campaigns.campaign import load_preset
from services.campaigns.directory import get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import CaseFacts, StatusReport, record_report
from services.common.vntime import set_clock, vn_to_utc
from services.desk.follow_up import add_contact
from services.security.accounts import create_operator
from services.security.session_context import Actor
from services.upkeep.database import Database, open_database
from services.upkeep.local_settings import LocalSettings

ROOT = Path(__file__).resolve().parent.parent
GUIDE_DIR = ROOT / "docs" / "guide"
IMAGE_DIR = GUIDE_DIR / "img"
PRESET = "soc-trang-2023"

SCREEN_W, SCREEN_H = 1366, 768
TITLE_H = 30
DESKTOP = QColor("#2f5d7c")
MARK = QColor("#d32f2f")

DEMO_CASES = 60_000
DEMO_SEED = 2023
PASSWORD = "Matkhau2023"  # noqa: S105 (the throw-away database's invented accounts)

# The campaign day the pictures show: Thursday 27/07/2023, the tenth day of the campaign.
TODAY = datetime(2023, 7, 27, 10, 30)
PHU_TAM = "31573"  # Xã Phú Tâm, Huyện Châu Thành
CHAU_THANH = "942"  # Huyện Châu Thành
WINDOWS_DATA = r"C:\Users\canbo\AppData\Local\kichhoat"
WINDOWS_DOCUMENTS = r"C:\Users\canbo\Documents\kichhoat"


class ScriptError(RuntimeError):
    """The app no longer looks the way a shot expects."""


def need(owner: object, path: str) -> Any:
    """`owner.a.b`, or a clear error naming what is missing."""
    found = owner
    for name in path.split("."):
        if not hasattr(found, name):
            raise ScriptError(
                f"{type(owner).__name__}.{path}: «{name}» không còn trong mã giao diện; "
                "sửa docs/make_screenshots.py và trang hướng dẫn tương ứng."
            )
        found = getattr(found, name)
    return found


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise ScriptError(f"Màn hình không như hướng dẫn mô tả: {what}")


# -- the invented world --------------------------------------------------------------------


class FixedClock:
    """`services.common.vntime`'s clock: a Vietnam wall-clock moment the script moves by hand."""

    def __init__(self, local: datetime) -> None:
        self.moment = vn_to_utc(local)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, local: datetime) -> None:
        self.moment = vn_to_utc(local)


@dataclass(frozen=True)
class Citizen:
    """An invented citizen; the card QR says what a real card's QR would."""

    name: str
    birth: date
    sex: str
    tail: int
    phone: str | None
    hamlet: str = "Ấp Phú Hòa"

    @property
    def id_number(self) -> str:
        century = (self.birth.year // 100 - 19) * 2 + (1 if self.sex == "Nữ" else 0)
        return f"094{century}{self.birth.year % 100:02d}{self.tail:06d}"

    @property
    def address(self) -> str:
        return f"{self.hamlet}, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng"

    def card_qr(self) -> str:
        return (
            f"{self.id_number}||{self.name}|{self.birth:%d%m%Y}|{self.sex}|{self.address}|20052021"
        )


LINH = Citizen("Trần Thị Mỹ Linh", date(1990, 3, 15), "Nữ", 12345, "0912345678")
BINH = Citizen("Lê Văn Bình", date(1985, 9, 2), "Nam", 201, "0386000201", "Ấp Phú Thành A")
HAN = Citizen("Tô Thị Ngọc Hân", date(2001, 11, 20), "Nữ", 202, "0356000202")
HOA = Citizen("Sơn Thị Hoa", date(1972, 5, 8), "Nữ", 203, "0377000203", "Ấp Phú Thành B")
MAI = Citizen("Danh Thị Mai", date(1968, 1, 30), "Nữ", 204, "0868000204")
YEN = Citizen("Kim Thị Yến", date(1995, 6, 12), "Nữ", 205, "0393000205", "Ấp Phú Thành A")
TAI = Citizen("Lâm Văn Tài", date(1958, 12, 1), "Nam", 206, "0978000206")
SA_RET = Citizen("Thạch Thị Sa Rết", date(1980, 4, 22), "Nữ", 207, "0345000207", "Ấp Phú Thành B")
AN = Citizen("Nguyễn Văn An", date(1999, 2, 14), "Nam", 208, "0962000208")
HUNG = Citizen("Phạm Văn Hùng", date(1976, 8, 19), "Nam", 209, "0917000209")
BE_BA = Citizen("Huỳnh Thị Bé Ba", date(1963, 10, 5), "Nữ", 210, "0333000210")


@dataclass
class People:
    admin: Actor
    manager: Actor
    operator: Actor


class Stage:
    """The database, the signed-in context, and the main window once asked for."""

    def __init__(self, folder: Path, demo_cases: int) -> None:
        from ui.shell.context import AppContext, PointInfo

        self.folder = folder
        self.clock = FixedClock(TODAY.replace(hour=7))
        set_clock(self.clock)
        self.fresh = self._database("moi", people=False, demo_cases=0)
        self.database = self._database("du-lieu", people=True, demo_cases=demo_cases)
        self.clock.set(TODAY)
        settings = LocalSettings(point_code=self.point.code, idle_lock_minutes=0)
        self.context = AppContext(
            database=self.database,
            settings=settings,
            actor=self.people.operator,
            point=PointInfo(self.point.id, self.point.code, self.point.name, self.point.commune_id),
            settings_folder=folder,
        )
        self._window: Any = None

    # The database ------------------------------------------------------------------------

    def _database(self, name: str, *, people: bool, demo_cases: int) -> Database:
        database = open_database(f"sqlite:///{self.folder / name}.sqlite3", backups=self.folder)
        with database.session() as session:
            load_preset(session, PRESET)
            session.commit()
        if demo_cases:
            from services.cases.demo import generate_demo

            with database.session() as session:
                generate_demo(session, demo_cases, seed=DEMO_SEED)
                session.commit()
        if people:
            self._people(database)
        return database

    def _people(self, database: Database) -> None:
        with database.session() as session:
            tree = UnitTree.load(session)
            point, _ = get_or_create_point(
                session, tree.commune(PHU_TAM), "Công an xã Phú Tâm", PointKind.POLICE_ID_POINT
            )
            post, _ = get_or_create_point(
                session, tree.commune(PHU_TAM), "Bưu điện xã Phú Tâm", PointKind.POST_OFFICE
            )
            session.flush()
            made = self._accounts(session, point.id, post.id)
            self.people = People(made["lan.nt"], made["minh.tv"], made["tuan.lv"])
            self.point = point
            tuan, thu = made["tuan.lv"], made["thu.nh"]
            report = self._reporter(session, tree.commune(PHU_TAM).id, tuan, point.id)
            self._reports(report)
            self.clock.set(datetime(2023, 7, 26, 17, 10))
            add_contact(
                session, tuan, self.cases["tai"], "Đã gọi, hẹn sáng 27/7 quay lại kích hoạt"
            )
            session.commit()
        # The post office recorded the same card with another birth date (a typing slip there):
        # a conflict for a manager.
        self._conflict(database, HUNG, post.id, thu)

    @staticmethod
    def _accounts(session: Any, point_id: int, post_id: int) -> dict[str, Actor]:
        """The invented staff of Phú Tâm, each signed in at the police point."""
        made = {}
        for username, full_name, role, organisation in (
            ("lan.nt", "Nguyễn Thị Lan", Role.ADMIN, "Công an xã Phú Tâm"),
            ("minh.tv", "Trần Văn Minh", Role.MANAGER, "Công an huyện Châu Thành"),
            ("tuan.lv", "Lê Văn Tuấn", Role.OPERATOR, "Đoàn Thanh niên xã Phú Tâm"),
            ("thu.nh", "Ngô Hoài Thu", Role.OPERATOR, "Bưu điện xã Phú Tâm"),
        ):
            account = create_operator(
                session,
                username=username,
                full_name=full_name,
                password=PASSWORD,
                role=role,
                organisation=organisation,
                home_point_id=post_id if username == "thu.nh" else point_id,
            )
            session.flush()
            made[username] = Actor(account.id, username, full_name, role, point_id)
        return made

    def _reporter(
        self, session: Any, residence: int, tuan: Actor, point_id: int
    ) -> Callable[..., int]:
        """Record one status report of a citizen, on the stage's clock; the case's id."""

        def report(
            citizen: Citizen,
            status: Status,
            when: str,
            level: int = 1,
            by: Actor = tuan,
            at_point: int = point_id,
            reason: FailureReason | None = None,
            name: str | None = None,
        ) -> int:
            facts = CaseFacts(
                id_number=citizen.id_number,
                full_name=name or citizen.name,
                birth_date=citizen.birth,
                sex=citizen.sex,
                phone=citizen.phone,
                address=citizen.address,
                residence_commune_id=residence,
            )
            moment = vn_to_utc(datetime.fromisoformat(when))
            self.clock.moment = moment
            assert by.operator_id is not None
            result = record_report(
                session,
                facts,
                StatusReport(level, status, moment, by.operator_id, at_point, reason),
                consent=True,
            )
            session.flush()
            return result.case.id

        return report

    def _reports(self, report: Callable[..., int]) -> None:
        """The first days of the campaign at Phú Tâm, as the desk recorded them."""
        self.cases: dict[str, int] = {}
        report(SA_RET, Status.REGISTERED, "2023-07-24 08:10")
        report(SA_RET, Status.APPROVED, "2023-07-25 09:00")
        report(SA_RET, Status.ACTIVATED, "2023-07-25 15:20")
        self.cases["yen"] = report(YEN, Status.APPLICATION_TAKEN, "2023-07-24 09:30", level=2)
        report(HOA, Status.REGISTERED, "2023-07-25 08:40")
        report(HUNG, Status.REGISTERED, "2023-07-25 10:05")
        report(HUNG, Status.APPROVED, "2023-07-26 07:50")
        report(HUNG, Status.ACTIVATED, "2023-07-26 08:15")
        report(AN, Status.REGISTERED, "2023-07-25 14:30")
        report(AN, Status.APPROVED, "2023-07-26 09:10")
        report(AN, Status.ACTIVATED, "2023-07-26 16:45")
        self.cases["tai"] = report(TAI, Status.REGISTERED, "2023-07-25 16:00")
        report(TAI, Status.APPROVED, "2023-07-26 10:00")
        report(MAI, Status.FAILED, "2023-07-26 09:20", reason=FailureReason.NOT_OWN_NUMBER)
        report(BE_BA, Status.REGISTERED, "2023-07-26 08:00")
        report(BE_BA, Status.APPROVED, "2023-07-26 15:00")
        report(BE_BA, Status.ACTIVATED, "2023-07-27 08:05")

    def _case_of(self, session: Any, citizen: Citizen, level: int = 1) -> int:
        from services.cases.recording import find_case

        case = find_case(session, citizen.id_number, level)
        expect(case is not None, f"hồ sơ của {citizen.name}")
        assert case is not None
        return case.id

    def _conflict(self, database: Database, citizen: Citizen, point_id: int, by: Actor) -> None:
        with database.session() as session:
            tree = UnitTree.load(session)
            facts = CaseFacts(
                id_number=citizen.id_number,
                full_name=citizen.name,
                birth_date=citizen.birth.replace(day=citizen.birth.day + 1),
                sex=citizen.sex,
                phone=citizen.phone,
                address=citizen.address,
                residence_commune_id=tree.commune(PHU_TAM).id,
            )
            moment = vn_to_utc(datetime(2023, 7, 26, 14, 30))
            self.clock.moment = moment
            assert by.operator_id is not None
            record_report(
                session,
                facts,
                StatusReport(1, Status.APPROVED, moment, by.operator_id, point_id),
                consent=True,
            )
            session.commit()

    def case_id(self, citizen: Citizen, level: int = 1) -> int:
        with self.database.session() as session:
            return self._case_of(session, citizen, level)

    # The window --------------------------------------------------------------------------

    @property
    def window(self) -> Any:
        if self._window is None:
            from ui.shell.main_window import MainWindow

            window = MainWindow(self.context)
            window.resize(SCREEN_W, SCREEN_H - TITLE_H)
            window.show()
            activate(window)
            self._window = window
        return self._window

    def sign_in_as(self, actor: Actor) -> Any:
        """Hand the window to `actor` as «Đổi cán bộ» would (without the dialog)."""
        window = self.window
        if self.context.actor != actor:
            self.context.actor = actor
            need(window, "intake.start_over")()
            window.show_who()
            window.apply_role()
            window.refresh_all()
        window.statusBar().clearMessage()  # «Nhấn F9…» belongs to the picture after a save only
        activate(window)  # after a dialog: the keys go to the window again
        return window

    def sign_in_at_results(self, actor: Actor) -> Any:
        """`sign_in_as`, then the Kết quả tab: the window behind a dialog's picture, whatever
        tab the shots before it left open."""
        window = self.sign_in_as(actor)
        self.show_tab(need(window, "dashboard"))
        return window

    def show_tab(self, widget: QWidget) -> None:
        window = self.window
        tabs = need(window, "tabs")
        index = tabs.indexOf(widget)
        expect(index >= 0 and tabs.isTabVisible(index), f"thẻ {type(widget).__name__} hiện ra")
        press(window, f"Ctrl+{index + 1}")
        expect(tabs.currentWidget() is widget, f"Ctrl+{index + 1} mở thẻ {tabs.tabText(index)}")
        settle()

    def close(self) -> None:
        if self._window is not None:
            need(self._window, "security.idle.stop")()
            self._window.hide()
            self._window.deleteLater()
            self._window = None
        settle()
        self.database.dispose()
        self.fresh.dispose()
        set_clock(None)


# -- driving the widgets -------------------------------------------------------------------


def settle(ms: int = 0) -> None:
    from ui.widgets.background import wait_for_background_work

    app = QApplication.instance()
    assert app is not None
    for _ in range(3):
        app.processEvents()
    wait_for_background_work()
    if ms:
        QTest.qWait(ms)
    app.processEvents()


def activate(widget: QWidget) -> None:
    widget.activateWindow()
    widget.raise_()
    deadline = time.monotonic() + 5
    while QApplication.activeWindow() is not widget.window():
        QApplication.processEvents()
        if time.monotonic() > deadline:
            raise ScriptError(f"cửa sổ {widget.windowTitle()!r} không nhận được bàn phím")
        time.sleep(0.01)


def press(widget: QWidget, keys: str) -> None:
    """One key combination, as typed: to the widget with the focus in `widget`'s window."""
    sequence = QKeySequence(keys)
    expect(sequence.count() == 1, f"phím «{keys}»")
    combination = cast(Any, sequence)[0]  # a QKeyCombination (the stubs lack __getitem__)
    target = QApplication.focusWidget()
    if target is None or target.window() is not widget.window():
        target = widget
    QTest.keyClick(target, combination.key(), combination.keyboardModifiers())
    settle(KEYS_SETTLE_MS if keys.isdigit() else 0)


def type_text(widget: QWidget, text: str) -> None:
    """Key presses with the text of each character, as a keyboard or a USB scanner sends them
    (QTest.keyClicks knows ASCII only)."""
    for character in text:
        if character.isascii():
            QTest.keyClicks(widget, character)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character)
            QApplication.sendEvent(widget, event)


# The desk's scanner detector holds back fast keys that may begin a card QR and replays them
# once the rhythm breaks (ui/widgets/scan_catcher.py, 60 ms): wait that long after typing.
KEYS_SETTLE_MS = 150
# A line edit's clear button fades in and out (160 ms): the picture waits until it is done.
ANIMATION_MS = 200


def type_into(field: QWidget, text: str) -> None:
    field.setFocus()
    settle()
    type_text(field, text)
    settle(KEYS_SETTLE_MS)


# -- pictures -----------------------------------------------------------------------------


class Screen:
    """A 1366x768 picture of the desktop with windows drawn on it, and marks on those."""

    def __init__(self, background: QColor = DESKTOP) -> None:
        self.image = QImage(SCREEN_W, SCREEN_H, QImage.Format.Format_RGB32)
        self.image.fill(background)
        self.origins: dict[int, QPoint] = {}

    def window(self, widget: QWidget, at: QPoint | None = None) -> Screen:
        """Draw a top-level window with a title bar; centred on the screen unless `at`."""
        settle(ANIMATION_MS)
        picture = widget.grab().toImage()
        width, height = picture.width(), picture.height() + TITLE_H
        if at is None:  # centred; a window wider than the screen shows its left part
            at = QPoint(max(0, (SCREEN_W - width) // 2), max(0, (SCREEN_H - height) // 2))
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for spread in range(8, 0, -2):  # a soft shadow, so that a dialog stands out
            shade = QColor(0, 0, 0, 18)
            painter.fillRect(
                QRect(
                    at.x() - spread + 4,
                    at.y() - spread + 6,
                    width + 2 * spread,
                    height + 2 * spread,
                ),
                shade,
            )
        bar = QRect(at.x(), at.y(), width, TITLE_H)
        painter.fillRect(bar, QColor("#ffffff"))
        painter.setPen(QColor("#1f1f1f"))
        font = QFont(QApplication.font())
        font.setPointSizeF(font.pointSizeF() + 0.5)
        painter.setFont(font)
        painter.drawText(
            bar.adjusted(12, 0, -140, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            widget.windowTitle(),
        )
        glyphs = bar.adjusted(width - 138, 0, -8, 0)
        painter.drawText(glyphs, Qt.AlignmentFlag.AlignCenter, "—     ☐     ✕")
        painter.drawImage(at.x(), at.y() + TITLE_H, picture)
        painter.setPen(QPen(QColor("#8a8f98"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRect(at.x(), at.y(), width - 1, height - 1))
        painter.end()
        self.origins[id(widget)] = QPoint(at.x(), at.y() + TITLE_H)
        return self

    def popup(self, menu: QMenu, below: QRect) -> Screen:
        """A menu opened under `below` (screen coordinates of its title in the menu bar)."""
        picture = menu.grab().toImage()
        painter = QPainter(self.image)
        painter.fillRect(
            QRect(below.left() + 3, below.bottom() + 4, picture.width(), picture.height()),
            QColor(0, 0, 0, 40),
        )
        painter.drawImage(below.left(), below.bottom() + 1, picture)
        painter.end()
        self.origins[id(menu)] = QPoint(below.left(), below.bottom() + 1)
        return self

    def rect_of(self, widget: QWidget) -> QRect:
        top = widget.window()
        origin = self.origins.get(id(top))
        expect(origin is not None, f"cửa sổ của {type(widget).__name__} đã được vẽ")
        assert origin is not None
        corner = widget.mapTo(top, QPoint(0, 0)) if widget is not top else QPoint(0, 0)
        return QRect(origin + corner, widget.size())

    def united(self, first: QWidget, last: QWidget, pad: int = 3) -> QRect:
        """The box around two widgets and what lies between them (a row of filters)."""
        return self.rect_of(first).united(self.rect_of(last)).adjusted(-pad, -pad, pad, pad)

    def mark(self, widget: QWidget, number: int | None = None, pad: int = 3) -> Screen:
        """A red box around a widget, with a number to refer to from the text."""
        expect(widget.isVisible(), f"{type(widget).__name__} hiện trên màn hình")
        return self.mark_rect(self.rect_of(widget).adjusted(-pad, -pad, pad, pad), number)

    def mark_rect(self, rect: QRect, number: int | None = None) -> Screen:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(MARK, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 5, 5)
        if number is not None:
            # On the box's top-right corner, just outside it: text is left-aligned, so the
            # least of what the box holds is hidden there.
            radius = 11
            centre = QPoint(
                min(max(rect.right() + 4, radius + 1), SCREEN_W - radius - 1),
                min(max(rect.top() - 4, radius + 1), SCREEN_H - radius - 1),
            )
            painter.setBrush(MARK)
            painter.setPen(QPen(QColor("white"), 2))
            painter.drawEllipse(centre, radius, radius)
            font = QFont(QApplication.font())
            font.setBold(True)
            font.setPixelSize(14)
            painter.setFont(font)
            painter.drawText(
                QRect(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius),
                Qt.AlignmentFlag.AlignCenter,
                str(number),
            )
        painter.end()
        return self


def main_screen(stage: Stage) -> Screen:
    return Screen().window(stage.window, QPoint(0, 0))


def over_window(stage: Stage, dialog: QWidget) -> Screen:
    """The main window with a dialog in front of it."""
    dialog.show()
    settle()
    activate(dialog)
    return main_screen(stage).window(dialog)


@contextmanager
def dialog_of(widget: QWidget) -> Iterator[Any]:
    try:
        yield widget
    finally:
        widget.hide()
        widget.deleteLater()
        settle()


@contextmanager
def dialog_at_results(
    stage: Stage, actor: Actor, make: Callable[[Any, QWidget], QWidget]
) -> Iterator[Any]:
    """`make(context, window)`'s dialog over the window on its Kết quả tab, signed in as
    `actor` (`Stage.sign_in_at_results`); let go after the shot."""
    window = stage.sign_in_at_results(actor)
    with dialog_of(make(stage.context, window)) as dialog:
        yield dialog


# -- the shots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    name: str  # the file name without .png
    make: Callable[[Stage], Screen]

    @property
    def file_name(self) -> str:
        return f"{self.name}.png"


SHOTS: list[Shot] = []


def shot(name: str) -> Callable[[Callable[[Stage], Screen]], Callable[[Stage], Screen]]:
    def register(make: Callable[[Stage], Screen]) -> Callable[[Stage], Screen]:
        if any(existing.name == name for existing in SHOTS):
            raise ValueError(f"two shots named {name}")
        SHOTS.append(Shot(name, make))
        return make

    return register


# First start --------------------------------------------------------------------------------


def _wizard(stage: Stage) -> Any:
    from ui.upkeep.setup_wizard import FirstStartWizard

    wizard = FirstStartWizard(
        stage.fresh,
        LocalSettings(),
        settings_folder=stage.folder / "thiet-lap",
        local_url=stage.fresh.url,
    )
    # What a counter PC shows: the data folder of a Windows user, not this temporary one.
    need(wizard, "database_page.local_path").setText(rf"{WINDOWS_DATA}\kichhoat.sqlite3")
    wizard.show()
    activate(wizard)
    return wizard


@shot("thiet-lap-1-co-so-du-lieu")
def first_start_database(stage: Stage) -> Screen:
    with dialog_of(_wizard(stage)) as wizard:
        page = need(wizard, "database_page")
        expect(need(page, "local").isChecked(), "«Trên máy này» được chọn sẵn")
        screen = Screen().window(wizard)
        return screen.mark(need(page, "local"), 1).mark(
            wizard.button(wizard.WizardButton.NextButton), 2
        )


@shot("thiet-lap-2-diem-thu-nhan")
def first_start_point(stage: Stage) -> Screen:
    from services.common.labels import POINT_KIND_LABELS

    with dialog_of(_wizard(stage)) as wizard:
        wizard.next()
        settle()
        page = need(wizard, "point_page")
        expect(wizard.currentPage() is page, "bước 2 là điểm thu nhận")
        need(page, "new_point").setChecked(True)
        type_into(need(page, "name"), "Công an xã Phú Tâm")
        kind = need(page, "kind")
        kind.setCurrentIndex(kind.findText(POINT_KIND_LABELS[PointKind.POLICE_ID_POINT]))
        with stage.fresh.session() as session:
            commune = UnitTree.load(session).commune(PHU_TAM).id
        need(page, "commune").set_commune(commune)
        settle()
        screen = Screen().window(wizard)
        return (
            screen.mark(need(page, "name"), 1)
            .mark(kind, 2)
            .mark(need(page, "commune"), 3)
            .mark(wizard.button(wizard.WizardButton.NextButton), 4)
        )


@shot("thiet-lap-3-quan-tri")
def first_start_admin(stage: Stage) -> Screen:
    with dialog_of(_wizard(stage)) as wizard:
        wizard.next()
        page = need(wizard, "point_page")
        need(page, "new_point").setChecked(True)
        need(page, "name").setText("Công an xã Phú Tâm")
        with stage.fresh.session() as session:
            commune = UnitTree.load(session).commune(PHU_TAM).id
        need(page, "commune").set_commune(commune)
        wizard.next()
        settle()
        admin = need(wizard, "admin_page")
        expect(wizard.currentPage() is admin, "bước 3 là tài khoản quản trị")
        type_into(need(admin, "username"), "lan.nt")
        type_into(need(admin, "full_name"), "Nguyễn Thị Lan")
        type_into(need(admin, "organisation"), "Công an xã Phú Tâm")
        type_into(need(admin, "password"), PASSWORD)
        type_into(need(admin, "password_again"), PASSWORD)
        screen = Screen().window(wizard)
        return screen.mark(need(admin, "password"), 1).mark(
            wizard.button(wizard.WizardButton.FinishButton), 2
        )


@shot("dang-nhap")
def sign_in(stage: Stage) -> Screen:
    from ui.security.sign_in import SignInDialog

    assert stage.context.point is not None
    dialog = SignInDialog(stage.database, stage.context.point, "tuan.lv")
    with dialog_of(dialog):
        dialog.show()
        activate(dialog)
        type_into(need(dialog, "password"), PASSWORD)
        screen = Screen().window(dialog)
        return screen.mark(need(dialog, "username"), 1).mark(need(dialog, "password"), 2)


@shot("man-hinh-chinh")
def main_window(stage: Stage) -> Screen:
    window = stage.sign_in_as(stage.people.operator)
    stage.show_tab(need(window, "intake"))
    intake = need(window, "intake")
    intake.start_over()
    settle()
    screen = main_screen(stage)
    return (
        screen.mark(need(window, "tabs").tabBar(), 1)
        .mark(need(intake, "identify.scan"), 2)
        .mark(need(window, "who"), 3)
        .mark(need(window, "today"), 4)
    )


def _open_menu(stage: Stage, title: str) -> tuple[Screen, QMenu]:
    window = stage.window
    bar = window.menuBar()
    for action in bar.actions():
        if action.text().replace("&", "") == title:
            menu = action.menu()
            expect(isinstance(menu, QMenu), f"trình đơn «{title}»")
            assert isinstance(menu, QMenu)
            place = bar.actionGeometry(action)
            menu.popup(bar.mapToGlobal(place.bottomLeft()))
            settle()
            screen = main_screen(stage)
            under = QRect(screen.rect_of(bar).topLeft() + place.topLeft(), place.size())
            screen.mark_rect(under.adjusted(-1, -1, 1, 1))
            screen.popup(menu, under)
            return screen, menu
    raise ScriptError(f"không thấy trình đơn «{title}»")


def _menu_entry(screen: Screen, menu: QMenu, starts: str) -> QRect:
    for action in menu.actions():
        if action.isVisible() and action.text().replace("&", "").startswith(starts):
            place = menu.actionGeometry(action)
            return QRect(screen.origins[id(menu)] + place.topLeft(), place.size())
    raise ScriptError(f"không thấy mục «{starts}» trong trình đơn")


@shot("menu-tro-giup")
def help_menu(stage: Stage) -> Screen:
    stage.sign_in_as(stage.people.operator)
    screen, menu = _open_menu(stage, "Trợ giúp")
    try:
        screen.mark_rect(_menu_entry(screen, menu, "Hướng dẫn sử dụng"), 1)
        screen.mark_rect(_menu_entry(screen, menu, "Phím tắt"), 2)
    finally:
        menu.hide()
        settle()
    return screen


# A level-1 case --------------------------------------------------------------------------------


def _desk(stage: Stage, actor: Actor | None = None) -> Any:
    window = stage.sign_in_as(actor or stage.people.operator)
    intake = need(window, "intake")
    stage.show_tab(intake)
    intake.start_over()
    settle()
    expect(intake.step() == 0, "Thu nhận bắt đầu ở bước 1")
    return intake


def _scan(stage: Stage, citizen: Citizen, phone: bool = True) -> Any:
    """Scan the card as a USB scanner does (the QR's text typed, then Enter), type the phone."""
    intake = _desk(stage)
    identify = need(intake, "identify")
    scan = need(identify, "scan")
    expect(scan.hasFocus(), "ô quét thẻ có con trỏ ở bước 1")
    type_text(scan, citizen.card_qr())
    QTest.keyClick(QApplication.focusWidget() or scan, Qt.Key.Key_Return)
    settle(20)
    expect(
        need(identify, "full_name").text() == citizen.name,
        f"quét thẻ điền họ tên {citizen.name}",
    )
    if phone and citizen.phone:
        type_into(need(identify, "phone"), citizen.phone)
    return intake


def _next(stage: Stage, intake: Any, step: int) -> None:
    press(stage.window, "Ctrl+Return")
    expect(intake.step() == step, f"Ctrl+Enter sang bước {step + 1}")


def _check_step(stage: Stage, intake: Any, level: int, reason: str) -> None:
    from services.common.labels import HELP_REASON_LABELS

    check = need(intake, "check_step")
    check.set_level(level)
    for button in check.help_reasons.buttons():
        if button.text() == HELP_REASON_LABELS[reason]:
            button.setChecked(True)
    need(check, "own_phone").setChecked(True)
    need(check, "card_in_hand").setChecked(True)
    need(check, "consent").setChecked(True)
    settle()


def _pick(stage: Stage, intake: Any, status: Status, digit: str | None = None) -> None:
    """Step 4: the digit of a result picks it (the number shown before it); `digit` is the
    one the guide's text names, when it names one."""
    result = need(intake, "result")
    for button in need(result, "statuses").buttons():
        if button.property("status") == status.value:
            number = button.text().replace("&", "").split(".")[0]
            expect(digit is None or number == digit, f"«{button.text()}» là số {digit}")
            press(stage.window, number)
            expect(result.chosen() == status, f"phím {number} chọn kết quả «{button.text()}»")
            return
    raise ScriptError(f"bước 4 không có kết quả {status.value}")


def _tick_guide(intake: Any, count: int) -> None:
    steps = need(intake, "guide.steps")
    for row in range(count):
        steps.setCurrentRow(row)
        QTest.keyClick(steps, Qt.Key.Key_Space)
    steps.setCurrentRow(count)
    settle()
    expect(
        sum(steps.item(r).checkState() == Qt.CheckState.Checked for r in range(steps.count()))
        == count,
        "phím cách đánh dấu bước đã làm",
    )


@shot("muc1-buoc1-quet-the")
def level1_scan(stage: Stage) -> Screen:
    intake = _scan(stage, LINH)
    identify = need(intake, "identify")
    screen = main_screen(stage)
    return (
        screen.mark(need(identify, "scan"), 1)
        .mark(need(identify, "scan_message"), 2)
        .mark(need(identify, "phone"), 3)
        .mark(need(identify, "commune"), 4)
    )


@shot("muc1-buoc2-kiem-tra")
def level1_check(stage: Stage) -> Screen:
    from models.codes import HelpReason

    intake = _scan(stage, LINH)
    _next(stage, intake, 1)
    _check_step(stage, intake, 1, HelpReason.NO_SMARTPHONE)
    check = need(intake, "check_step")
    screen = main_screen(stage)
    return screen.mark(need(check, "level1"), 1).mark(need(check, "consent"), 2)


@shot("muc1-buoc3-huong-dan")
def level1_guide(stage: Stage) -> Screen:
    from models.codes import HelpReason

    intake = _scan(stage, LINH)
    _next(stage, intake, 1)
    _check_step(stage, intake, 1, HelpReason.NO_SMARTPHONE)
    _next(stage, intake, 2)
    expect(
        need(intake, "guide").current() == "level1_no_smartphone",
        "hướng dẫn đăng ký mức 1 trên thiết bị của điểm (công dân không có điện thoại thông minh)",
    )
    _tick_guide(intake, 3)
    screen = main_screen(stage)
    return screen.mark(need(intake, "guide.path"), 1).mark(need(intake, "guide.steps"), 2)


def _level1_result(stage: Stage) -> Any:
    from models.codes import HelpReason

    intake = _scan(stage, LINH)
    _next(stage, intake, 1)
    _check_step(stage, intake, 1, HelpReason.NO_SMARTPHONE)
    _next(stage, intake, 2)
    _tick_guide(intake, need(intake, "guide.steps").count())
    _next(stage, intake, 3)
    _pick(stage, intake, Status.REGISTERED, "1")
    return intake


@shot("muc1-buoc4-ket-qua")
def level1_result(stage: Stage) -> Screen:
    intake = _level1_result(stage)
    screen = main_screen(stage)
    return screen.mark(need(intake, "result.status_box"), 1).mark(need(intake, "save_button"), 2)


@shot("muc1-da-luu")
def level1_saved(stage: Stage) -> Screen:
    intake = _level1_result(stage)
    stage.clock.set(TODAY.replace(minute=42))
    press(stage.window, "Ctrl+S")
    expect(intake.step() == 0, "Ctrl+S lưu rồi về bước 1")
    banner = need(intake, "banner")
    expect(banner.text().startswith("Đã lưu"), "dòng báo «Đã lưu»")
    stage.clock.set(TODAY)
    screen = main_screen(stage)
    return screen.mark(banner, 1).mark(stage.window.statusBar(), 2)


@shot("phieu-cong-dan")
def citizen_slip(stage: Stage) -> Screen:
    from services.documents.sheets import Sheet
    from ui.documents import printing

    if need(stage.window, "last_saved_case") is None:
        level1_saved(stage)  # F9 prints the slip of the case saved last
    window = stage.sign_in_as(stage.people.operator)
    sheets: list[Sheet] = []
    previous = printing.set_preview_runner(lambda _parent, sheet: sheets.append(sheet))
    try:
        press(window, "F9")
    finally:
        printing.set_preview_runner(previous)
    expect(len(sheets) == 1, "F9 mở phiếu của công dân vừa lưu")
    dialog = printing.preview_dialog(window, sheets[0])
    dialog.resize(760, 680)
    with dialog_of(dialog):
        return over_window(stage, dialog)


# A level-2 case -----------------------------------------------------------------------------------


def _level2(stage: Stage, step: int) -> Any:
    from models.codes import HelpReason

    intake = _scan(stage, BINH)
    _next(stage, intake, 1)
    _check_step(stage, intake, 2, HelpReason.NO_SMARTPHONE)
    if step >= 2:
        _next(stage, intake, 2)
        expect(need(intake, "guide").current() == "level2_police", "hướng dẫn mức 2 tại điểm")
        _tick_guide(intake, 2 if step == 2 else 4)
    if step >= 3:
        _next(stage, intake, 3)
        _pick(stage, intake, Status.APPLICATION_TAKEN, "1")
    return intake


@shot("muc2-buoc2-kiem-tra")
def level2_check(stage: Stage) -> Screen:
    intake = _level2(stage, 1)
    check = need(intake, "check_step")
    screen = main_screen(stage)
    return screen.mark(need(check, "level2"), 1).mark(need(check, "consent"), 2)


@shot("muc2-buoc3-huong-dan")
def level2_guide(stage: Stage) -> Screen:
    intake = _level2(stage, 2)
    return main_screen(stage).mark(need(intake, "guide.steps"), 1)


@shot("muc2-buoc4-ket-qua")
def level2_result(stage: Stage) -> Screen:
    intake = _level2(stage, 3)
    screen = main_screen(stage)
    return screen.mark(need(intake, "result.status_box"), 1).mark(need(intake, "save_button"), 2)


def _resume_yen(stage: Stage) -> Any:
    window = stage.sign_in_as(stage.people.operator)
    follow_up = need(window, "follow_up")
    stage.show_tab(follow_up)
    model, table = need(follow_up, "model"), need(follow_up, "table")
    wanted = stage.case_id(YEN, level=2)
    for row in range(model.rowCount()):
        if model.case_id(row) == wanted:
            table.selectRow(row)
            break
    else:
        raise ScriptError("Kim Thị Yến không có trong danh sách Cần theo dõi")
    table.setFocus()
    press(window, "F4")
    intake = need(window, "intake")
    expect(window.tabs.currentWidget() is intake, "F4 mở hồ sơ ở thẻ Thu nhận")
    expect(intake.step() == 3, "F4 mở hồ sơ ở bước 4")
    return intake


@shot("kich-hoat-buoc3")
def activation_guide(stage: Stage) -> Screen:
    intake = _resume_yen(stage)
    press(stage.window, "Alt+Left")
    expect(intake.step() == 2, "Alt+← về bước 3")
    expect(need(intake, "guide").current() == "activation_web", "hướng dẫn kích hoạt trên web")
    _tick_guide(intake, 3)
    screen = main_screen(stage)
    return screen.mark(need(intake, "guide.open_site"), 1).mark(need(intake, "guide.steps"), 2)


@shot("muc2-kich-hoat")
def level2_activated(stage: Stage) -> Screen:
    intake = _resume_yen(stage)
    _pick(stage, intake, Status.ACTIVATED)
    screen = main_screen(stage)
    return (
        screen.mark(need(intake, "result.current"), 1)
        .mark(need(intake, "result.status_box"), 2)
        .mark(need(intake, "save_button"), 3)
    )


# A failed case ------------------------------------------------------------------------------------


@shot("that-bai-buoc4")
def failed_result(stage: Stage) -> Screen:
    from models.codes import HelpReason
    from services.common.labels import FAILURE_LABELS

    intake = _scan(stage, HAN)
    _next(stage, intake, 1)
    _check_step(stage, intake, 1, HelpReason.OTHER)
    _next(stage, intake, 2)
    _tick_guide(intake, 3)
    _next(stage, intake, 3)
    result = need(intake, "result")
    _pick(stage, intake, Status.FAILED)
    failure = need(result, "failure")
    failure.setCurrentIndex(failure.findText(FAILURE_LABELS[FailureReason.NOT_OWN_NUMBER]))
    type_into(
        need(result, "notes"), "Số đang dùng đứng tên chồng; hẹn quay lại khi đổi tên chủ thuê bao"
    )
    settle()
    screen = main_screen(stage)
    return (
        screen.mark(need(result, "status_box"), 1).mark(failure, 2).mark(need(result, "notes"), 3)
    )


@shot("that-bai-quay-lai")
def failed_returns(stage: Stage) -> Screen:
    intake = _desk(stage)
    identify = need(intake, "identify")
    type_into(need(identify, "scan"), MAI.id_number)
    press(stage.window, "Return")
    expect("Thất bại" in need(identify, "existing").text(), "hồ sơ thất bại hiện ở «Hồ sơ đã có»")
    screen = main_screen(stage)
    existing = need(identify, "existing")
    return screen.mark(existing.parentWidget(), 1).mark(need(identify, "id_number"), 2)


# The case list ------------------------------------------------------------------------------------


def _case_list(stage: Stage) -> Any:
    window = stage.sign_in_as(stage.people.operator)
    panel = need(window, "case_list")
    stage.show_tab(panel)
    panel.search.clear()
    panel.apply_filter()
    settle()
    return panel


def _select_case(panel: Any, case_id: int) -> None:
    for row in range(panel.model.rowCount()):
        if panel.model.case_id(row) == case_id:
            panel.table.selectRow(row)
            panel.table.setFocus()
            settle()
            return
    raise ScriptError(f"hồ sơ {case_id} không có trong danh sách")


@shot("danh-sach-ho-so")
def case_list(stage: Stage) -> Screen:
    panel = _case_list(stage)
    press(stage.window, "Ctrl+F")
    expect(panel.search.hasFocus(), "Ctrl+F đưa con trỏ vào ô tìm")
    type_into(panel.search, "lam van")
    panel.apply_filter()
    settle(300)
    _select_case(panel, stage.case_id(TAI))
    screen = main_screen(stage)
    return (
        screen.mark(panel.search, 1)
        .mark_rect(screen.united(panel.level, panel.operator), 2)
        .mark(panel.table, 3)
    )


@shot("chi-tiet-ho-so")
def case_detail(stage: Stage) -> Screen:
    panel = _case_list(stage)
    _select_case(panel, stage.case_id(TAI))
    press(stage.window, "Return")
    dialog = need(panel, "detail_dialog")
    expect(dialog is not None and dialog.isVisible(), "Enter mở chi tiết hồ sơ")
    with dialog_of(dialog):
        dialog.resize(1100, 640)
        screen = over_window(stage, dialog)
        return screen.mark(need(dialog, "history"), 1).mark(need(dialog, "edit_button"), 2)


@shot("sua-ho-so")
def case_correction(stage: Stage) -> Screen:
    panel = _case_list(stage)
    _select_case(panel, stage.case_id(TAI))
    press(stage.window, "Return")
    detail = need(panel, "detail_dialog")
    with dialog_of(detail):
        detail.resize(1100, 640)
        detail.show()
        activate(detail)
        press(detail, "Ctrl+E")
        form = need(detail, "correction_dialog")
        expect(form is not None and form.isVisible(), "Ctrl+E mở phần sửa hồ sơ")
        with dialog_of(form):
            activate(form)
            phone = need(form, "phone")
            phone.selectAll()
            type_into(phone, "0978000260")
            type_into(need(form, "reason"), "Công dân báo lại số điện thoại, ghi nhầm hai số cuối")
            screen = main_screen(stage).window(detail)
            screen.window(form)
            return screen.mark(phone, 1).mark(need(form, "reason"), 2)


# Follow-up ------------------------------------------------------------------------------------------


@shot("can-theo-doi")
def follow_up(stage: Stage) -> Screen:
    window = stage.sign_in_as(stage.people.operator)
    panel = need(window, "follow_up")
    stage.show_tab(panel)
    panel.refresh()
    wanted = stage.case_id(HOA)
    for row in range(panel.model.rowCount()):
        if panel.model.case_id(row) == wanted:
            panel.table.selectRow(row)
            break
    else:
        raise ScriptError("Sơn Thị Hoa không có trong danh sách Cần theo dõi")
    panel.note.setText("Đã gọi, công dân hẹn chiều nay quay lại")
    panel.table.setFocus()
    settle()
    screen = main_screen(stage)
    return screen.mark(panel.table, 1).mark(panel.note, 2)


# Results, targets, the report ---------------------------------------------------------------------


def _dashboard(stage: Stage, unit: str | None = None) -> Any:
    window = stage.sign_in_as(stage.people.manager)
    panel = need(window, "dashboard")
    stage.show_tab(panel)
    panel.set_day(TODAY.date())
    panel.go_to(unit)
    settle()
    expect(panel.board is not None, "bảng Kết quả đã đếm")
    return panel


@shot("ket-qua")
def dashboard(stage: Stage) -> Screen:
    panel = _dashboard(stage)
    screen = main_screen(stage)
    return (
        screen.mark(need(panel, "as_of"), 1)
        .mark(need(panel, "tile_day"), 2)
        .mark(need(panel, "tile_total"), 3)
        .mark(need(panel, "bar_scroll"), 4)
        .mark(need(panel, "line"), 5)
    )


@shot("ket-qua-huyen")
def dashboard_district(stage: Stage) -> Screen:
    panel = _dashboard(stage, CHAU_THANH)
    screen = main_screen(stage)
    buttons = need(panel, "path_buttons")
    expect(len(buttons) == 2, "đường dẫn Tỉnh › Huyện")
    return screen.mark(buttons[0], 1).mark(need(panel, "bar_scroll"), 2)


@shot("bao-cao-pc06")
def report(stage: Stage) -> Screen:
    panel = _dashboard(stage)
    screen = main_screen(stage)
    return screen.mark(need(panel, "as_of"), 1).mark(need(panel, "export_button"), 2)


@shot("chi-tieu")
def targets(stage: Stage) -> Screen:
    window = stage.sign_in_as(stage.people.manager)
    panel = need(window, "targets")
    stage.show_tab(panel)
    panel.select(CHAU_THANH)
    settle()
    screen = main_screen(stage)
    return (
        screen.mark(need(panel, "view"), 1)
        .mark(need(panel, "share_button"), 2)
        .mark(need(panel, "import_button"), 3)
    )


# Outreach ------------------------------------------------------------------------------------------

OUTREACH_LIST = [
    # Số định danh, Họ và tên, Ngày sinh, Giới tính, Số điện thoại, Mã xã, Khóm/ấp, Địa chỉ, Ghi chú
    (HOA.id_number, HOA.name, "08/05/1972", "Nữ", HOA.phone, PHU_TAM, "Ấp Phú Thành B", "", ""),
    ("", "Thạch Văn Sơn", "1949", "Nam", "", PHU_TAM, "Ấp Phú Thành B", "Nhà số 12", "Đi lại khó"),
    ("", "Lý Thị Thu", "1988", "Nữ", "0868111222", PHU_TAM, "Ấp Phú Thành B", "", ""),
    ("", "Danh Thị Sen", "1975", "Nữ", "0911222444", PHU_TAM, "Ấp Phú Hòa", "", ""),
    ("", "Trương Văn Lộc", "2002", "Nam", "0399333555", PHU_TAM, "Ấp Phú Hòa", "", "Làm ca đêm"),
    ("", "Kim Văn Út", "1968", "Nam", "", PHU_TAM, "Ấp Phú Thành A", "", ""),
    (MAI.id_number, MAI.name, "30/01/1968", "Nữ", MAI.phone, PHU_TAM, "Ấp Phú Hòa", "", ""),
]


def _outreach(stage: Stage) -> Any:
    """A review list of Phú Tâm, an evening stop at Ấp Phú Thành B, two appointments."""
    import csv
    from datetime import time as at_hour

    from models.codes import OutreachStatus, StopKind
    from services.common.vntime import VN_TZ
    from services.outreach.list_import import COLUMNS, import_outreach
    from services.outreach.lists import EntryFilter, list_entries, set_status
    from services.outreach.schedule import add_slots, add_stop, appoint

    window = stage.sign_in_as(stage.people.manager)
    panel = need(window, "outreach")
    with stage.database.session() as session:
        if not list_entries(session, stage.people.manager, EntryFilter(), limit=1):
            source = stage.folder / "ra-soat-phu-tam.csv"
            with source.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(list(COLUMNS.values()))
                writer.writerows(OUTREACH_LIST)
            manager = stage.people.manager
            import_outreach(session, manager, source, source="Đoàn Thanh niên xã Phú Tâm")
            add_stop(
                session,
                manager,
                "PT-PTB",
                "Tổ lưu động ấp Phú Thành B",
                StopKind.HAMLET,
                PHU_TAM,
                hamlet="Ấp Phú Thành B",
                address="Nhà văn hóa ấp Phú Thành B, xã Phú Tâm",
            )
            day = TODAY.date()
            add_slots(
                session, manager, "PT-PTB", day, at_hour(18, 0), at_hour(20, 0), 5, every_minutes=60
            )
            rows = {r.full_name: r for r in list_entries(session, manager, EntryFilter())}
            for name, hour in (("Thạch Văn Sơn", 18), ("Lý Thị Thu", 19)):
                at = datetime.combine(day, at_hour(hour, 0), tzinfo=VN_TZ)
                appoint(session, manager, "PT-PTB", at, row_id=rows[name].uid)
            set_status(session, manager, rows["Danh Thị Sen"].id, OutreachStatus.NOTIFIED)
            set_status(session, manager, rows["Kim Văn Út"].id, OutreachStatus.UNREACHABLE)
            session.commit()
    stage.show_tab(panel)
    panel.refresh()
    settle()
    return panel


# Guides and slips ---------------------------------------------------------------------------------


@shot("to-huong-dan")
def guide_sheets(stage: Stage) -> Screen:
    from ui.documents.guide_editor import GuideDialog

    with dialog_at_results(stage, stage.people.operator, GuideDialog) as dialog:
        dialog.resize(1240, 690)
        dialog.show()
        settle()
        need(dialog, "update_preview")()
        screen = over_window(stage, dialog)
        return (
            screen.mark(need(dialog, "layout_box"), 1)
            .mark(need(dialog, "editors")["point_address"], 2)
            .mark(need(dialog, "print_button"), 3)
            .mark(need(dialog, "pdf_button"), 4)
        )


# Packages ------------------------------------------------------------------------------------------


@shot("xuat-goi")
def export_package(stage: Stage) -> Screen:
    from ui.exchange.package_dialogs import ExportPackageDialog

    with dialog_at_results(stage, stage.people.manager, ExportPackageDialog) as dialog:
        need(dialog, "use_since").setChecked(True)
        need(dialog, "since").setDate(TODAY.date())
        need(dialog, "file").setText(
            rf"{WINDOWS_DOCUMENTS}\kichhoat-{stage.point.code}-20230727.kpkg"
        )
        need(dialog, "passphrase").setText("song-hau-2023")
        need(dialog, "again").setText("song-hau-2023")
        screen = over_window(stage, dialog)
        return (
            screen.mark(need(dialog, "point"), 1)
            .mark(need(dialog, "use_since"), 2)
            .mark(need(dialog, "file"), 3)
            .mark(need(dialog, "passphrase"), 4)
            .mark(need(dialog, "generate"), 5)
        )


@shot("nhap-goi")
def import_packages(stage: Stage) -> Screen:
    from ui.exchange.package_dialogs import ImportPackagesDialog

    with dialog_at_results(stage, stage.people.manager, ImportPackagesDialog) as dialog:
        files = need(dialog, "files")
        for code in ("9431573-02", "9431510-01"):
            files.addItem(rf"{WINDOWS_DOCUMENTS}\kichhoat-{code}-20230727.kpkg")
        need(dialog, "passphrase").setText("song-hau-2023")
        screen = over_window(stage, dialog)
        return screen.mark(files, 1).mark(need(dialog, "passphrase"), 2)


@shot("mau-thuan")
def conflicts(stage: Stage) -> Screen:
    from ui.exchange.conflicts_dialog import ConflictsDialog

    with dialog_at_results(stage, stage.people.manager, ConflictsDialog) as dialog:
        expect(len(need(dialog, "views")) >= 1, "có hồ sơ mâu thuẫn để quyết định")
        dialog.resize(1180, 420)
        screen = over_window(stage, dialog)
        buttons = list(need(dialog, "buttons").values())
        return screen.mark(need(dialog, "table"), 1).mark(buttons[0], 2).mark(buttons[-1], 3)


# Accounts and backups ----------------------------------------------------------------------------


@shot("menu-quan-tri")
def admin_menu(stage: Stage) -> Screen:
    stage.sign_in_at_results(stage.people.admin)
    screen, menu = _open_menu(stage, "Quản trị")
    try:
        screen.mark_rect(_menu_entry(screen, menu, "Đổi mật khẩu"), 1)
        screen.mark_rect(_menu_entry(screen, menu, "Tài khoản cán bộ"), 2)
        screen.mark_rect(_menu_entry(screen, menu, "Sao lưu dữ liệu"), 3)
    finally:
        menu.hide()
        settle()
    return screen


@shot("tai-khoan")
def accounts(stage: Stage) -> Screen:
    from ui.security.security_menu import AccountsDialog

    with dialog_at_results(stage, stage.people.admin, AccountsDialog) as dialog:
        dialog.resize(900, 640)
        table = need(dialog, "table")
        for row in range(table.rowCount()):
            if table.item(row, 0).text() == "tuan.lv":
                table.selectRow(row)
                table.scrollToItem(table.item(row, 0))
                break
        else:
            raise ScriptError("tuan.lv không có trong bảng tài khoản")
        type_into(need(dialog, "username"), "hoa.lt")
        type_into(need(dialog, "full_name"), "Lý Thị Hoa")
        need(dialog, "password").setText("Phutam2023")
        screen = over_window(stage, dialog)
        return screen.mark(table, 1).mark(need(dialog, "username"), 2).mark(need(dialog, "role"), 3)


@shot("doi-mat-khau")
def change_password(stage: Stage) -> Screen:
    from ui.security.security_menu import PasswordDialog

    with dialog_at_results(stage, stage.people.operator, PasswordDialog) as dialog:
        for name, text in (("current", PASSWORD), ("new", "Phutam2023"), ("again", "Phutam2023")):
            need(dialog, name).setText(text)
        return over_window(stage, dialog)


# Outreach (shot last: the dialogs above stand over the results tab) -------------------------------


@shot("van-dong")
def outreach_list(stage: Stage) -> Screen:
    panel = _outreach(stage)
    panel.inner.setCurrentIndex(0)
    panel.table.selectRow(0)
    panel.table.setFocus()
    settle()
    screen = main_screen(stage)
    actions = need(stage.window, "outreach_actions")
    return (
        screen.mark(need(panel, "commune"), 1)
        .mark(panel.table, 2)
        .mark(panel.move_buttons[0], 3)
        .mark(need(actions, "appoint_button"), 4)
        .mark(need(actions, "day_button"), 5)
    )


@shot("van-dong-tien-do")
def outreach_progress(stage: Stage) -> Screen:
    panel = _outreach(stage)
    panel.inner.setCurrentIndex(1)
    settle()
    screen = main_screen(stage)
    return screen.mark(need(panel, "by"), 1).mark(need(panel, "progress_table"), 2)


# -- running ---------------------------------------------------------------------------------------


def make_app() -> QApplication:
    from ui.widgets import messages
    from ui.widgets.qt_vietnamese import install_vietnamese

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setCursorFlashTime(0)  # a blinking caret would make every run differ
    install_vietnamese(app)
    messages.set_messages(messages.RecordingMessages())  # a message box would block
    return app


def run(out: Path, only: list[str] | None = None, demo_cases: int = DEMO_CASES) -> list[Path]:
    """Make the shots (all, or those named) into `out`; the paths written."""
    wanted = [s for s in SHOTS if only is None or s.name in only]
    unknown = set(only or []) - {s.name for s in SHOTS}
    if unknown:
        raise ScriptError(f"không có ảnh tên: {', '.join(sorted(unknown))}")
    app = make_app()
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="kichhoat-docs-"))
    written = []
    stage = Stage(folder, demo_cases)
    try:
        for item in wanted:
            started = time.monotonic()
            screen = item.make(stage)
            path = out / item.file_name
            if not screen.image.save(str(path)):
                raise ScriptError(f"không ghi được {path}")
            written.append(path)
            print(f"{item.file_name:32} {time.monotonic() - started:5.1f} s")
            settle()
    finally:
        stage.close()
        app.processEvents()
        shutil.rmtree(folder, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chụp ảnh màn hình cho hướng dẫn sử dụng.")
    parser.add_argument("--out", type=Path, default=IMAGE_DIR, help="thư mục ghi ảnh")
    parser.add_argument("--only", nargs="*", help="chỉ các ảnh này (tên không có .png)")
    parser.add_argument("--demo-cases", type=int, default=DEMO_CASES, help="số hồ sơ giả lập")
    parser.add_argument("--list", action="store_true", help="liệt kê tên các ảnh rồi thôi")
    args = parser.parse_args(argv)
    if args.list:
        for item in SHOTS:
            print(item.file_name)
        return 0
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        print("Chạy với QT_QPA_PLATFORM=offscreen (make docs làm sẵn).", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        written = run(args.out, args.only, args.demo_cases)
    except ScriptError as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} ảnh trong {args.out} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
