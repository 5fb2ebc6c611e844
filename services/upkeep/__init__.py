"""Keeping an installation well: opening and upgrading the database, backups (plain and
encrypted), the settings of this computer and of the database, the log, the first start,
the self-test and the About facts.

May use: `services.campaigns`, `services.cases`, `services.common`, `services.documents`,
`services.exchange`, `services.privacy`, `services.security`, `models`.
"""
