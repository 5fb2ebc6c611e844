"""The person and the card: the 12-digit ID number, the card's QR code, mobile numbers, who
is old enough to be helped, and an old address on a card matched to a commune of today.

May use: `services.campaigns`, `services.common`, `models`.
"""
