"""A user's action done in one transaction from a screen: what the service returns, or its
refusal shown in a message box (nothing written, the form keeps what was typed)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Concatenate, Final, ParamSpec, Protocol, TypeVar

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from services.common.errors import UserError
from services.security.session_context import Actor
from ui.widgets.messages import messages

T = TypeVar("T")
P = ParamSpec("P")


class Refused(Enum):
    """What `done_or_shown` gives back when the service refused (its message is shown)."""

    SHOWN = "shown"


REFUSED: Final = Refused.SHOWN


class Transactions(Protocol):
    """What runs the work: the window's context (`ui.shell.context.AppContext`)."""

    def in_one_transaction(self, work: Callable[[Session, Actor], T]) -> T: ...


def done_or_shown(
    parent: QWidget,
    context: Transactions,
    failure_title: str,
    service: Callable[Concatenate[Session, Actor, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T | Refused:
    """What `service(session, actor, *args, **kwargs)` returns, done by the signed-in person
    in one transaction; or, when it is refused (`UserError`), `REFUSED` once its message is
    shown under `failure_title`. A sentinel, not None, because some services return nothing."""
    try:
        return context.in_one_transaction(
            lambda session, actor: service(session, actor, *args, **kwargs)
        )
    except UserError as error:
        messages().error(parent, failure_title, str(error))
        return REFUSED
