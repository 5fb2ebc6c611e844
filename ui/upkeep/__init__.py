"""Keeping an installation well from the window: the first start's wizard, the start-up
check of the database file, settings, restoring a backup, the self-test, About.

May use: `ui.documents`, `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
