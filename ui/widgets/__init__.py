"""Building blocks every screen uses: long work in the background with progress, file
dialogs, inline form errors and dialogs' button rows, running modal dialogs, message boxes,
lazy tables, searchable combos, shortcuts, Qt's own strings in Vietnamese, the commune
picker, passphrase fields, the scanner catcher.

May use: any of `services`, Qt.
"""
