"""Cases and their history: the events a case is made of (`recording`), the fold that makes
a case of them (`fold`), the case list's queries, one case in full, rebuilding after a
change of rules, cases from spreadsheets (`records import`) and synthetic demo cases.

May use: `services.campaigns`, `services.common`, `services.desk`, `services.outreach`,
`services.person`, `services.privacy`, `services.security`, `services.spreadsheets`, `models`.
"""
