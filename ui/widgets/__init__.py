"""Building blocks every screen uses: long work in the background with progress, file
dialogs, inline form errors, dialogs' button rows and columns of parts, running modal
dialogs, message boxes, an action done in one transaction or its refusal shown, lazy tables,
searchable combos, shortcuts, Qt's own strings in Vietnamese, the commune picker, passphrase
fields, the scanner catcher.

May use: any of `services`, Qt.
"""
