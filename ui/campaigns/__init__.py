"""Campaigns in the window and on the command line: the builder dialog, switching campaign
files, `campaign new`, `units find`.

May use: `ui.security`, `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
