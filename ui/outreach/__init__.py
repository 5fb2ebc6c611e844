"""The Vận động tab: the review lists, appointments, imports, stops and slots, the day's
printing; `outreach ...` on the command line.

May use: `ui.cases`, `ui.security`, `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
