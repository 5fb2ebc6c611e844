"""The intake desk's service calls, one per user action of the guided flow, and the
follow-up queue of cases waiting for someone.

May use: `services.campaigns`, `services.cases`, `services.common`, `services.outreach`,
`services.person`, `services.privacy`, `services.security`, `models`.
"""
