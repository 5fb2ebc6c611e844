"""Outreach (vận động): the review lists of the commune teams, where each person stands,
importing them, appointments and slots, invitations and SMS, the desk's check-in, and the
lists in data packages.

May use: `services.campaigns`, `services.common`, `services.documents`, `services.person`,
`services.privacy`, `services.security`, `services.spreadsheets`, `models`.
"""
