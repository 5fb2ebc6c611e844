"""What several commands share: a QGuiApplication to paint PDFs with, and a confirmation."""

from __future__ import annotations

import os
import sys

from services.common.errors import UserError

_keep_alive: list[object] = []


def gui_application() -> None:
    """Painting needs a QGuiApplication (never widgets here); without a display, offscreen."""
    if (
        sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _keep_alive.append(QGuiApplication(["kichhoat"]))


def confirm(question: str, assume_yes: bool) -> None:
    """Go on only when told so: `--yes`, or «có» typed on a terminal; else `UserError`."""
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise UserError(
            f"{question} Chạy lệnh trong cửa sổ dòng lệnh để xác nhận, hoặc thêm --yes."
        )
    answer = input(f"{question} Gõ «có» để tiếp tục: ").strip().lower()
    if answer not in ("có", "co", "yes", "y"):
        raise UserError("Đã hủy; không thay đổi gì.")
