"""Errors split the qutebrowser way: known ones whose text is fit to show a user, and bugs.

A `UserError` carries a Vietnamese message saying what is wrong and what to do.
Anything else that escapes a service is a bug.
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can understand and act on; `str(error)` is the Vietnamese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(UserError):
    """Input that breaks a rule (an ID number, a date, a phone number...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(UserError):
    """Something named by the user does not exist (a commune code, a case...)."""


class ConflictError(UserError):
    """The database changed under us (another point saved first), or a rule forbids the move."""


class StorageError(UserError):
    """The database or a file cannot be read or written (disk full, locked, missing)."""


class DatabaseBusyError(StorageError):
    """Another connection kept the database's write lock past the wait (SQLite): the work
    can be tried again once that connection's transaction (an import, say) is over."""
