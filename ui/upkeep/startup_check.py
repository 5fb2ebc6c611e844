"""At start-up, before the database is opened: is the SQLite file intact?

A file that fails its quick check, or is not a database at all, gets a clear message
and, when a good backup of it exists, the offer to restore the newest one. Nothing is
overwritten without the user's yes, and the broken file is renamed, never deleted.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from services.common.errors import UserError
from services.common.vntime import format_moment
from services.upkeep.backup import integrity_problem, newest_good_backup, replace_broken_file
from ui.widgets.messages import messages

TITLE = "Cơ sở dữ liệu bị hỏng"


def sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).expanduser()


def check_database_file(url: str, settings_folder: Path | None = None) -> bool:
    """True when the file is fine, missing (a new one will be made) or was restored."""
    path = sqlite_path(url)
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return True
    problem = integrity_problem(path, quick=True)
    if problem is None:
        return True
    backup = newest_good_backup(settings_folder, path)
    if backup is None:
        messages().error(
            None,
            TITLE,
            f"Tệp cơ sở dữ liệu «{path}» {problem}, và không tìm thấy bản sao lưu tự động nào "
            "còn tốt. Không có gì bị ghi đè. Hãy nhờ quản trị viên khôi phục từ bản sao lưu "
            "khác (lệnh «restore»), hoặc chọn cơ sở dữ liệu khác ở bước tiếp theo.",
        )
        return False
    if not messages().confirm(
        None,
        TITLE,
        f"Tệp cơ sở dữ liệu «{path}» {problem}.\n\nKhôi phục bản sao lưu tốt gần nhất, lúc "
        f"{format_moment(backup.modified)} ({backup.cases} hồ sơ)? Những gì ghi sau thời điểm "
        "đó sẽ không có. Tệp hỏng được giữ lại (đổi tên) để chuyên viên xem xét.\n\n"
        "Chọn «Không» để không thay đổi gì.",
    ):
        return False
    try:
        aside = replace_broken_file(path, backup.path)
    except (UserError, OSError) as error:
        messages().error(None, TITLE, f"Không khôi phục được: {error}. Không có gì bị ghi đè.")
        return False
    messages().info(
        None,
        "Đã khôi phục",
        f"Đã khôi phục từ «{backup.path.name}». Tệp hỏng được giữ lại với tên «{aside.name}».",
    )
    return True
