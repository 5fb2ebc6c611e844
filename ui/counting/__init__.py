"""The figures on screen: the dashboard with its charts, and the targets editor.

May use: `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
