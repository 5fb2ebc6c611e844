"""Data packages between intake points: the encrypted container, export, the merge that
gives the same result in any order, and the conflicts a merge finds (decided by managers).

May use: `services.campaigns`, `services.cases`, `services.common`, `services.outreach`,
`services.person`, `services.privacy`, `services.security`, `models`.
"""
