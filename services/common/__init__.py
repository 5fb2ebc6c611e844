"""What every feature stands on: errors fit to show a user, text hygiene and folding for
search, time in Vietnam, the version, the shipped resources, the Vietnamese labels of stored
codes, and facts that never change once written.

May use: `models`.
"""
