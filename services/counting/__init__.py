"""Counting by the plan's rules: the tally, the dashboard's figures, targets and their
share among communes, and the check of the counts the database keeps against a recount.

May use: `services.campaigns`, `services.common`, `services.security`, `services.spreadsheets`,
`models`.
"""
