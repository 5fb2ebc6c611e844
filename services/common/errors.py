"""Errors split the qutebrowser way: known ones whose text is fit to show a user, and bugs.

A `UserError` carries a Vietnamese message saying what is wrong and what to do.
Anything else that escapes a service is a bug.
"""

from __future__ import annotations

import errno
import logging


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


# What the operating system's reasons say, in Vietnamese (its own words are English).
_OS_REASONS: dict[int, str] = {
    getattr(errno, name): text
    for name, text in (
        ("ENOSPC", "ổ đĩa đã đầy"),
        ("EDQUOT", "đã hết hạn mức dung lượng được dùng"),
        ("EACCES", "không có quyền ghi hoặc đọc ở đó"),
        ("EPERM", "hệ điều hành không cho phép thao tác này"),
        ("EROFS", "ổ đĩa chỉ cho đọc"),
        ("ENOENT", "không có tệp hoặc thư mục đó"),
        ("ENOTDIR", "một phần của đường dẫn là tệp, không phải thư mục"),
        ("EEXIST", "đã có một tệp hoặc thư mục trùng tên ở đó"),
        ("EISDIR", "đó là một thư mục, không phải tệp"),
        ("EBUSY", "tệp đang được chương trình khác dùng"),
        ("ENAMETOOLONG", "tên tệp hoặc đường dẫn quá dài"),
        ("EIO", "lỗi đọc/ghi của ổ đĩa (ổ có thể hỏng hoặc đã bị rút ra)"),
    )
    if hasattr(errno, name)  # not every system names every reason
}


def os_reason(error: OSError) -> str:
    """Why the operating system refused, in Vietnamese; an unknown reason keeps the system's
    own words with its error number, so that support can look it up."""
    if error.errno in _OS_REASONS:
        return _OS_REASONS[error.errno]
    own = error.strerror or type(error).__name__
    return f"lỗi hệ thống: {own}" + (f" (mã {error.errno})" if error.errno else "")


def failure_reason(error: BaseException) -> str:
    """Why an operation failed, for a message: the operating system's reasons in Vietnamese
    (`os_reason`), any other error (SQLite's, say) in its own words, which support looks up."""
    return os_reason(error) if isinstance(error, OSError) else str(error)


# SQLite's own words (English) for a file that cannot be used, said in Vietnamese; the
# original goes to the log, where support reads it.
_SQLITE_REASONS = (
    ("malformed", "tệp bị hỏng: cấu trúc bên trong không đúng (tệp bị cắt ngắn hoặc ghi dở)"),
    ("not a database", "không phải tệp cơ sở dữ liệu SQLite (hoặc đã bị mã hóa, ghi đè)"),
    ("file is encrypted", "không phải tệp cơ sở dữ liệu SQLite (hoặc đã bị mã hóa, ghi đè)"),
    ("unable to open", "không mở được tệp"),
    ("locked", "tệp đang bị một chương trình khác giữ: đóng chương trình đó rồi thử lại"),
    ("busy", "tệp đang bị một chương trình khác giữ: đóng chương trình đó rồi thử lại"),
    ("disk i/o", "lỗi đọc ổ đĩa (ổ hỏng hoặc bị rút ra)"),
    ("no such table", "thiếu bảng dữ liệu"),
)


def sqlite_reason(error: Exception) -> str:
    """What SQLite's error means, in Vietnamese (its English text is logged)."""
    logging.getLogger(__name__).info("SQLite refused a file: %s", error)
    text = str(error).lower()
    return next(
        (said for key, said in _SQLITE_REASONS if key in text),
        "tệp bị hỏng, SQLite không đọc được",
    )
