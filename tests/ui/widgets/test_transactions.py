"""A screen's action in one transaction: the service's answer, or its refusal shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from services.common.errors import UserError
from services.security.session_context import Actor
from ui.widgets.messages import RecordingMessages
from ui.widgets.transactions import REFUSED, done_or_shown

T = TypeVar("T")


class FakeContext:
    """Runs the work with no database; counts the transactions."""

    def __init__(self) -> None:
        self.transactions = 0

    def in_one_transaction(self, work: Callable[[Session, Actor], T]) -> T:
        self.transactions += 1
        return work(None, None)  # type: ignore[arg-type]  # the works here use neither


def test_what_the_service_returns_comes_back_and_nothing_is_shown(
    qtbot: QtBot, recorded: RecordingMessages
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    context = FakeContext()
    assert done_or_shown(parent, context, "Không lưu được", lambda _s, _a: 42) == 42
    assert done_or_shown(parent, context, "Không lưu được", lambda _s, _a: None) is None

    def label(_session: Session, _actor: Actor, code: str, *, upper: bool = False) -> str:
        return code.upper() if upper else code

    assert done_or_shown(parent, context, "Không lưu được", label, "pt-01", upper=True) == "PT-01"
    assert context.transactions == 3
    assert recorded.shown == []


def test_a_refusal_is_shown_under_the_title_and_told_apart_from_nothing(
    qtbot: QtBot, recorded: RecordingMessages
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def refuse(_session: Session, _actor: Actor) -> None:
        raise UserError("Tên đăng nhập đã có: chọn tên khác.")

    assert done_or_shown(parent, FakeContext(), "Không lưu được", refuse) is REFUSED
    assert recorded.shown == [("error", "Không lưu được", "Tên đăng nhập đã có: chọn tên khác.")]


def test_a_bug_is_not_taken_for_a_refusal(qtbot: QtBot, recorded: RecordingMessages) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def broken(_session: Session, _actor: Actor) -> None:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):  # a bug reaches the crash dialog
        done_or_shown(parent, FakeContext(), "Không lưu được", broken)
    assert recorded.shown == []
