"""Personal data in the window: citizens' requests, the notice read aloud, the purge, the
description of the processing; `request ...` and `privacy description` on the command line.

May use: `ui.cases`, `ui.documents`, `ui.security`, `ui.shell`, `ui.widgets`, any of `services`,
Qt.
"""
