"""The application around the features: start-up, the main window and its tabs, the context
of a session, the crash dialog, help and the user guide, and the command line's parser with
what its commands share.

May use: `ui.campaigns`, `ui.cases`, `ui.counting`, `ui.desk`, `ui.documents`, `ui.exchange`,
`ui.outreach`, `ui.privacy`, `ui.security`, `ui.upkeep`, `ui.widgets`, any of `services`, Qt.
"""
