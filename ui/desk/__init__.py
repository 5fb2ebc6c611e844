"""The intake desk: the guided flow's four steps (identify, check, guide, result), today's
appointments beside step 1, the citizen slip, the follow-up queue.

May use: `ui.cases`, `ui.documents`, `ui.privacy`, `ui.shell`, `ui.widgets`, any of `services`,
Qt.
"""
