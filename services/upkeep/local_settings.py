"""Settings of this computer (not of the shared database): which database, which intake point.

Stored as JSON in the per-user data folder, written atomically so that a power cut
never leaves half a file. A broken file is reported, set aside, and defaults are used.

A shared server's password is never written there: the file keeps the address without it
and the password goes to the operating system's credential store
(services/security/server_passwords.py). In memory `db_url` is the whole address again. A file
written by an earlier version with the password in the address is rewritten without it
the first time it is read.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from services.common.errors import StorageError, ValidationError, os_reason
from services.common.text import POINT_CODE_LENGTH, USERNAME_LENGTH, clean_text
from services.security.server_passwords import complete_url, split_password, store_password
from services.upkeep.database import data_dir

SETTINGS_FILE = "settings.json"
SLIP_FORMATS = ("a6", "80mm")
DEFAULT_IDLE_LOCK_MINUTES = 10
MAX_IDLE_LOCK_MINUTES = 240  # four hours; 0 turns the lock off
PRINTER_NAME_LENGTH = 200


@dataclass
class LocalSettings:
    db_url: str | None = None  # None: SQLite in the data folder
    point_code: str | None = None  # this computer's intake point
    last_username: str | None = None
    slip_format: str = "a6"  # "a6" or "80mm" (the guides issue prints it)
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    printer_name: str | None = None  # the printer for citizen slips; None: the system default
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LocalSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        settings = cls(**values)
        minutes = settings.idle_lock_minutes
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not 0 <= minutes <= MAX_IDLE_LOCK_MINUTES
        ):
            settings.idle_lock_minutes = DEFAULT_IDLE_LOCK_MINUTES
        if settings.slip_format not in SLIP_FORMATS:
            settings.slip_format = "a6"
        if not isinstance(settings.printer_name, str) or not settings.printer_name.strip():
            settings.printer_name = None
        # A hand-edited or damaged file: a name that is not clean text is forgotten (the user
        # picks it again) rather than shown, printed or looked up with hidden characters.
        settings.point_code = _setting_text(settings.point_code, POINT_CODE_LENGTH)
        settings.last_username = _setting_text(settings.last_username, USERNAME_LENGTH)
        settings.printer_name = _setting_text(settings.printer_name, PRINTER_NAME_LENGTH)
        return settings


def _setting_text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return clean_text(value, "Cài đặt", limit) or None
    except ValidationError:
        return None


def settings_path(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / SETTINGS_FILE


def load_local_settings(folder: Path | None = None) -> tuple[LocalSettings, str | None]:
    """The settings, and a Vietnamese warning when the file was unreadable and set aside, or
    a server password found in it could not be moved to the credential store."""
    path = settings_path(folder)
    if not path.is_file():
        return LocalSettings(), None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        settings = LocalSettings.from_json(data)
    except (OSError, ValueError, TypeError) as error:
        broken = path.with_suffix(".json.hong")
        try:
            path.replace(broken)
        except OSError:
            broken = path
        return LocalSettings(), (
            f"Tệp cài đặt «{path}» bị hỏng ({type(error).__name__}) nên đã được đổi tên thành "
            f"«{broken.name}»; ứng dụng dùng cài đặt mặc định. Hãy chọn lại điểm thu nhận."
        )
    if not isinstance(settings.db_url, str) or not settings.db_url.strip():
        settings.db_url = None
        return settings, None
    if split_password(settings.db_url)[1] is not None:
        return settings, _move_password_out(settings, folder)
    settings.db_url = complete_url(settings.db_url)
    return settings, None


def _move_password_out(settings: LocalSettings, folder: Path | None) -> str | None:
    """A file of an earlier version kept the server's password: store it and write the file
    again without it (the settings in memory keep the whole address)."""
    try:
        why_not = save_local_settings(settings, folder)
    except StorageError as error:
        return f"Mật khẩu máy chủ cơ sở dữ liệu vẫn nằm trong tệp cài đặt: {error}"
    if why_not is None:
        return None
    return (
        f"Mật khẩu máy chủ cơ sở dữ liệu đã được xóa khỏi tệp cài đặt «{settings_path(folder)}» "
        f"nhưng không cất được vào kho mật khẩu: {why_not}. Lần khởi động sau, ứng dụng sẽ "
        "hỏi mật khẩu máy chủ (nhờ cán bộ kỹ thuật nếu không nhớ)."
    )


def save_local_settings(settings: LocalSettings, folder: Path | None = None) -> str | None:
    """Write the settings, the server's password to the credential store and the address
    without it to the file. None, or a Vietnamese reason why the password could not be
    stored (it is then in no file either: the window asks for it at the next start)."""
    path = settings_path(folder)
    data = asdict(settings)
    why_not = None
    if settings.db_url:
        data["db_url"], password = split_password(settings.db_url)
        if password is not None:
            why_not = store_password(settings.db_url, password)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=2)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(path)
    except OSError as error:
        raise StorageError(
            f"Không lưu được cài đặt vào «{path}»: {os_reason(error)}. Kiểm tra dung lượng ổ đĩa "
            "và quyền ghi thư mục dữ liệu."
        ) from error
    return why_not
