"""`kichhoat --self-test`: the service steps (services/upkeep/selftest.py) plus the main window,
built offscreen, so that a fresh bundle or installation proves it can really start."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from services.common.version import APP_TITLE, APP_VERSION
from services.upkeep.logging_setup import setup_logging, stop_logging
from services.upkeep.selftest import SelfTest, SelfTestError, summary_line

log = logging.getLogger(__name__)


def _application() -> object:
    # No window may flash up on a counter PC: unless a platform was chosen, Qt draws offscreen.
    from PySide6.QtWidgets import QApplication

    from ui.shell.crash_dialog import route_qt_messages

    route_qt_messages()  # Qt's notes (offscreen has no window manager) go to the log
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_TITLE)
        app.setApplicationVersion(APP_VERSION)
    return QApplication.instance()


def _main_window(test: SelfTest) -> str:
    from PySide6.QtWidgets import QApplication

    from services.upkeep.local_settings import LocalSettings
    from ui.shell.context import AppContext, PointInfo
    from ui.shell.main_window import MainWindow
    from ui.widgets.qt_vietnamese import install_vietnamese

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_vietnamese(app)
    if test.point_id is None or test.point_code is None or test.point_commune_id is None:
        raise SelfTestError("chưa có điểm thu nhận")
    context = AppContext(
        database=test.db(),
        settings=LocalSettings(point_code=test.point_code),
        actor=test.actor,
        point=PointInfo(test.point_id, test.point_code, test.point_name, test.point_commune_id),
        settings_folder=test.folder / "settings",
    )
    window = MainWindow(context)
    try:
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        image = window.grab()
        if image.isNull() or window.tabs.count() < 3:
            raise SelfTestError("cửa sổ chính không vẽ được")
        tabs = window.tabs.count()
    finally:
        window.hide()
        window.deleteLater()
        app.processEvents()
    return f"{tabs} thẻ, nền {app.platformName()}"


def run_self_test(out: TextIO | None = None, folder: Path | None = None) -> int:
    """Run every step, print one line each and a summary; 0 only if all passed."""
    stream = out if out is not None else sys.stdout
    with tempfile.TemporaryDirectory(prefix="kichhoat-tu-kiem-tra-") as temporary:
        work = folder or Path(temporary)
        setup_logging(work / "logs")
        test = SelfTest(work, stream, sys.stderr)
        test.emit(f"{APP_TITLE} {APP_VERSION}: tự kiểm tra trong thư mục tạm {work}")
        try:
            test.step("Khởi động Qt", lambda: str(type(_application()).__name__))
            test.step("Mở cơ sở dữ liệu trong thư mục tạm", test.open_database)
            test.step("Chạy các bước nâng cấp cơ sở dữ liệu (Alembic)", test.migrate)
            test.step("Nạp bộ dữ liệu chiến dịch và hồ sơ mẫu", test.load_preset)
            test.step("Dựng cửa sổ chính (không hiển thị)", lambda: _main_window(test))
            test.step("Vẽ tờ hướng dẫn PDF", test.render_guide)
            test.step("Lập sổ báo cáo Excel", test.write_report)
            test.step("Kho mật khẩu của hệ điều hành (keyring)", test.credential_store)
        finally:
            test.close()
            stop_logging()
        test.emit(summary_line(test))
    return 0 if test.passed else 1
