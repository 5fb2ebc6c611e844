"""Starting the window: the Qt application, Vietnamese, the database, the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from services.campaigns import ensure_campaign
from services.database import Database, open_database
from services.errors import UserError
from services.local_settings import load_local_settings
from services.version import APP_TITLE, APP_VERSION
from ui.context import AppContext
from ui.qt_vietnamese import install_vietnamese

DEFAULT_PRESET = "soc-trang-2023"


def open_for_window(url: str | None) -> Database:
    """Open (create, migrate, and on first start load the preset into) the database."""
    database = open_database(url)
    with database.session() as session:
        if ensure_campaign(session, DEFAULT_PRESET):
            session.commit()
    return database


def run_gui(url: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(APP_VERSION)
    install_vietnamese(app)
    try:
        database = open_for_window(url)
    except UserError as error:
        QMessageBox.critical(None, "Không mở được cơ sở dữ liệu", str(error))
        return 1
    from ui.main_window import MainWindow

    settings, _warning = load_local_settings()
    window = MainWindow(AppContext(database=database, settings=settings))
    window.resize(1280, 720)
    window.show()
    return app.exec()
