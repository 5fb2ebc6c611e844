"""What every feature stands on: errors fit to show a user, text hygiene and folding for
search, time in Vietnam, the version, the shipped resources, the Vietnamese labels of stored
codes, facts that never change once written, plain rows read off records, the settings kept
in the database, and files written whole or not at all.

May use: `models`.
"""
