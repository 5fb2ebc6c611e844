"""The application's version, one place for the CLI, the About dialog and packages."""

APP_VERSION = "0.1.0"
APP_TITLE = "kichhoat"
