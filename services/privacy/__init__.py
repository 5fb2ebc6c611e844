"""Personal data under Law 91/2025: consent records, citizens' requests, everything held
about one person, retention and erasure (the purge), the description of the processing.

May use: `services.campaigns`, `services.cases`, `services.common`, `services.desk`,
`services.documents`, `services.exchange`, `services.outreach`, `services.person`,
`services.security`, `services.upkeep`, `models`.
"""
