"""Tables in and out: the reader that trusts nothing in a file, what every sheet import
shares (the header row, the rejects), the cell writer that never writes a formula, and
Office encryption of a workbook.

May use: `services.common`, `models`.
"""
