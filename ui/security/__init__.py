"""Signing in, the idle lock, the Quản trị menu, the audit viewer; `account ...`, `audit
verify`, `details`, `backup`, `restore`, `purge` and the doors of the command line.

May use: `ui.exchange`, `ui.privacy`, `ui.shell`, `ui.upkeep`, `ui.widgets`, any of `services`,
Qt.
"""
