"""Printing: the print preview of a sheet or a document, and the guide sheets' editor.

May use: `ui.shell`, `ui.widgets`, any of `services`, Qt.
"""
