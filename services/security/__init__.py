"""Who may do what and what was done: accounts and signing in, the table of permissions, the
session's actor, the tamper-evident audit log (its Vietnamese labels name every feature's
codes) and its witnesses, passphrases, the passwords of shared servers.

May use: `services.campaigns`, `services.cases`, `services.common`, `services.documents`,
`services.exchange`, `services.outreach`, `services.privacy`, `services.spreadsheets`,
`services.upkeep`, `models`.
"""
