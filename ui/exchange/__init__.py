"""Data packages from the window (export and import in the background) and from the command
line, and the managers' conflicts dialog.

May use: `ui.security`, `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
