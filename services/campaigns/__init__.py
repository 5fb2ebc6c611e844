"""Campaigns and places: the campaign of a database and its presets, the builder of a new
one, the campaign files this computer opened, the unit tree, the official unit catalog of
both maps, intake points and operators.

May use: `services.common`, `services.counting`, `services.security`, `services.upkeep`,
`models`.
"""
