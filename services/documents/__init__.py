"""What is printed or handed over: the PC06 report workbook, the encrypted detail list,
guide sheets and their QR codes, citizen slips, documents of several pages, PDF files
written whole or not at all, and the font.

May use: `services.campaigns`, `services.cases`, `services.common`, `services.counting`,
`services.outreach`, `services.person`, `services.security`, `services.spreadsheets`, `models`.
"""
