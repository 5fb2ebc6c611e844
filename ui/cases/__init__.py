"""Cases in the window: the case list and its lazy model, one case in full, the correction
form, importing records; `case correct` on the command line.

May use: `ui.privacy`, `ui.security`, `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
