"""The report workbook for PC06: the plan's table extended with results, and its breakdowns.

One workbook, made with openpyxl, laid out as a Vietnamese administrative report:
the issuing body and the national motto on top, a title naming the campaign and the
day, the table with a province total row made of formulas, a place-and-date line and
a signature block. Every number comes from `services.counting.tally`, the same as `tally --json`.
No personal data: units, intake points and staff only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from services.campaigns.campaign import DEMO_DATA_WARNING, active_campaign, contains_demo_data
from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.common.files import saved_whole
from services.common.vntime import format_date, now_utc, today_vn
from services.counting.tally import (
    Tally,
    TallyBy,
    TallyRow,
    daily_by_unit,
    ordered_units,
    steps_recorded,
    tally,
)
from services.outreach.lists import Progress
from services.outreach.lists import progress as progress_of_outreach
from services.security.audit import AuditAction, write_audit
from services.security.audit_witness import (
    REPORT_KIND,
    ChainHead,
    current_heads,
    record_witness,
    report_footer,
)
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.export_cells import set_cell

FONT = "Times New Roman"
NUMBER = "#,##0"
PERCENT = "0.0%"
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")

SUMMARY = "Tổng hợp"
BY_DAY = "Theo ngày"
BY_COMMUNE = "Theo xã"
BY_POINT = "Theo điểm thu nhận"
OUTREACH = "Vận động"
BY_OPERATOR = "Theo cán bộ"


def put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 12,
    number_format: str | None = None,
    align: str | None = None,
    border: bool = False,
    fill: PatternFill | None = None,
    wrap: bool = False,
) -> Cell | MergedCell:
    """Write one cell. Only a `Formula` is a formula; any other text is written as text,
    without control characters (`services.spreadsheets.export_cells`), whatever the database holds."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(cell, MergedCell):  # covered by a merge: only its border and fill count
        if border:
            cell.border = BORDER
        if fill is not None:
            cell.fill = fill
        return cell
    if isinstance(value, Formula):
        cell.value = str(value)
    else:
        set_cell(cell, value)
    cell.font = Font(name=FONT, bold=bold, italic=italic, size=size)
    if number_format:
        cell.number_format = number_format
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if border:
        cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    return cell


class Formula(str):
    """A string meant as a formula (everything else that starts with `=` is written as text)."""


@dataclass
class ReportContext:
    as_of: date
    first_day: date
    last_day: date
    campaign_name: str
    plan_number: str
    plan_date: date
    issuing_body: str
    province_name: str
    recipient: str
    made_on: date
    demo_data: bool = False  # `demo` wrote synthetic cases here: the report says so
    # The audit chains' heads when the report was made, printed in its footer.
    audit_heads: Sequence[ChainHead] = ()
    heads_read_at: datetime | None = None

    @property
    def days_left(self) -> int:
        """Campaign days still to come after `as_of` (0 once the campaign is over)."""
        return max((self.last_day - self.as_of).days, 0)


def _needed_per_day(remaining: int, days_left: int) -> int:
    if remaining <= 0:
        return 0
    return -(-remaining // days_left) if days_left else remaining


def _place(province_name: str) -> str:
    return province_name.replace("Tỉnh ", "").replace("Thành phố ", "")


def _header_block(sheet: Worksheet, ctx: ReportContext, width: int) -> int:
    """The administrative header; returns the next free row."""
    left = max(3, width // 3)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=left)
    put(sheet, 1, 1, ctx.issuing_body.upper(), bold=True, align="center")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=left)
    put(sheet, 2, 1, "Số: …… /BC", align="center")
    right = left + 2
    sheet.merge_cells(start_row=1, start_column=right, end_row=1, end_column=width)
    put(sheet, 1, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align="center")
    sheet.merge_cells(start_row=2, start_column=right, end_row=2, end_column=width)
    motto = put(sheet, 2, right, "Độc lập - Tự do - Hạnh phúc", bold=True, align="center")
    motto.font = Font(name=FONT, bold=True, size=12, underline="single")
    sheet.merge_cells(start_row=3, start_column=right, end_row=3, end_column=width)
    put(
        sheet,
        3,
        right,
        f"{_place(ctx.province_name)}, ngày {ctx.made_on.day:02d} tháng {ctx.made_on.month:02d} "
        f"năm {ctx.made_on.year}",
        italic=True,
        align="center",
    )
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=width)
    put(
        sheet,
        5,
        1,
        "BÁO CÁO KẾT QUẢ THU NHẬN, KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ",
        bold=True,
        size=14,
        align="center",
    )
    sheet.merge_cells(start_row=6, start_column=1, end_row=6, end_column=width)
    put(
        sheet,
        6,
        1,
        f"{ctx.campaign_name} (Kế hoạch số {ctx.plan_number} ngày {format_date(ctx.plan_date)})",
        italic=True,
        align="center",
        wrap=True,
    )
    sheet.row_dimensions[6].height = 33
    sheet.merge_cells(start_row=7, start_column=1, end_row=7, end_column=width)
    put(
        sheet,
        7,
        1,
        f"Số liệu tính đến hết ngày {format_date(ctx.as_of)} (giờ Việt Nam); đợt cao điểm từ "
        f"{format_date(ctx.first_day)} đến {format_date(ctx.last_day)}, còn {ctx.days_left} ngày.",
        bold=True,
        align="center",
    )
    return 9


def _table_header(sheet: Worksheet, row: int, groups: Sequence[tuple[str, Sequence[str]]]) -> int:
    """Two header rows: a group title over its sub-columns, or one title merged down."""
    column = 1
    for title, subs in groups:
        if subs:
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row, end_column=column + len(subs) - 1
            )
            _header_cell(sheet, row, column, title)
            for offset, sub in enumerate(subs):
                _header_cell(sheet, row + 1, column + offset, sub)
                if offset:
                    put(sheet, row, column + offset, None, border=True, fill=HEADER_FILL)
            column += len(subs)
        else:
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row + 1, end_column=column
            )
            _header_cell(sheet, row, column, title)
            put(sheet, row + 1, column, None, border=True, fill=HEADER_FILL)
            column += 1
    sheet.row_dimensions[row].height = 32
    sheet.row_dimensions[row + 1].height = 32
    return row + 2


def _header_cell(sheet: Worksheet, row: int, column: int, title: str, *, wrap: bool = True) -> None:
    """One cell of a table's header: bold, centred, bordered, shaded."""
    put(
        sheet,
        row,
        column,
        title,
        bold=True,
        align="center",
        border=True,
        fill=HEADER_FILL,
        wrap=wrap,
    )


def _print_setup(sheet: Worksheet, header_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = header_rows
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True


SUMMARY_GROUPS: list[tuple[str, list[str]]] = [
    ("TT", []),
    ("Đơn vị", []),
    ("Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)", []),
    ("Chỉ tiêu trong ngày", []),
    ("Kết quả trong ngày", ["Mức 1", "Mức 2", "Tổng"]),
    ("Lũy kế từ đầu đợt", ["Mức 1", "Mức 2", "Tổng"]),
    ("Tỷ lệ đạt chỉ tiêu", []),
    ("Còn lại", []),
    ("Cần đạt mỗi ngày", []),
]
SUMMARY_WIDTHS = [6, 28, 16, 12, 10, 10, 11, 11, 11, 12, 11, 12, 12]


def _result_cells(
    sheet: Worksheet, row: int, first: int, tally_row: TallyRow, *, total: bool = False
) -> None:
    values = [
        tally_row.level1_on_day,
        tally_row.level2_on_day,
        tally_row.activated_on_day,
        tally_row.level1,
        tally_row.level2,
        tally_row.activated,
    ]
    _row_cells(sheet, row, values, lambda _column, _value: NUMBER, first=first, total=total)


def _row_cells(
    sheet: Worksheet,
    row: int,
    values: Sequence[Any],
    number_format: Callable[[int, Any], str | None],
    *,
    first: int = 1,
    total: bool = False,
) -> None:
    """A table row's cells from column `first`, bordered; each formatted as `number_format`
    says for its column and value; a total row bold and shaded."""
    for column, value in enumerate(values, start=first):
        put(
            sheet,
            row,
            column,
            value,
            number_format=number_format(column, value),
            border=True,
            bold=total,
            fill=TOTAL_FILL if total else None,
        )


def _total_cell(sheet: Worksheet, row: int, column: int, value: Any, number_format: str) -> None:
    """One cell of a total row: bold, bordered, shaded."""
    put(
        sheet,
        row,
        column,
        value,
        number_format=number_format,
        border=True,
        bold=True,
        fill=TOTAL_FILL,
    )


def _sum_cells(sheet: Worksheet, row: int, columns: range, first: int, last: int) -> None:
    """On a total row, a SUM formula over rows `first`..`last` in each of `columns`."""
    for column in columns:
        letter = get_column_letter(column)
        _total_cell(sheet, row, column, Formula(f"=SUM({letter}{first}:{letter}{last})"), NUMBER)


def _sheet_title(sheet: Worksheet, width: int, title: str) -> None:
    """The title on the first row, merged over the table's width."""
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    put(sheet, 1, 1, title, bold=True, size=13, align="center")


def _summary_sheet(sheet: Worksheet, ctx: ReportContext, result: Tally) -> None:
    width = len(SUMMARY_WIDTHS)
    row = _header_block(sheet, ctx, width)
    if ctx.demo_data:  # on the free row between the header and the title, in red
        sheet.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
        warning = put(sheet, 4, 1, DEMO_DATA_WARNING, bold=True, size=14, align="center")
        warning.font = Font(name=FONT, bold=True, size=14, color="C00000")
    header_row = row
    first_data = _table_header(sheet, row, SUMMARY_GROUPS)
    row = first_data
    for number, unit_row in enumerate(result.rows, start=1):
        _summary_unit_row(sheet, row, number, unit_row, ctx.days_left)
        row += 1
    _summary_total_row(sheet, row, result.total, first_data, ctx.days_left)
    row += 1
    _summary_outside_row(sheet, row, result.outside)
    row = _summary_notes(sheet, row + 2, result.total)
    _signature_block(sheet, row + 2, width, ctx)
    for index, column_width in enumerate(SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    sheet.freeze_panes = sheet.cell(row=first_data, column=3)
    _print_setup(sheet, f"{header_row}:{header_row + 1}")


def _summary_unit_row(
    sheet: Worksheet, row: int, number: int, unit_row: TallyRow, days_left: int
) -> None:
    """One unit of the summary: its targets, results, rate, what remains and what each day needs."""
    put(sheet, row, 1, number, align="center", border=True)
    put(sheet, row, 2, unit_row.name, border=True)
    put(sheet, row, 3, unit_row.target_total, number_format=NUMBER, border=True)
    put(sheet, row, 4, unit_row.target_daily, number_format=NUMBER, border=True)
    _result_cells(sheet, row, 5, unit_row)
    target = unit_row.target_total
    remaining = max((target or 0) - unit_row.activated, 0)
    put(
        sheet,
        row,
        11,
        unit_row.activated / target if target else None,
        number_format=PERCENT,
        border=True,
    )
    put(sheet, row, 12, remaining if target else None, number_format=NUMBER, border=True)
    put(
        sheet,
        row,
        13,
        _needed_per_day(remaining, days_left) if target else None,
        number_format=NUMBER,
        border=True,
    )


def _summary_total_row(
    sheet: Worksheet, row: int, total: TallyRow, first_data: int, days_left: int
) -> None:
    """The province's total row, made of formulas over the unit rows above it."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    put(
        sheet,
        row,
        1,
        f"Tổng cộng ({total.name})",
        bold=True,
        align="center",
        border=True,
        fill=TOTAL_FILL,
    )
    put(sheet, row, 2, None, border=True, fill=TOTAL_FILL)
    _sum_cells(sheet, row, range(3, 11), first_data, row - 1)
    _total_cell(sheet, row, 11, Formula(f"=IF(C{row}>0,J{row}/C{row},0)"), PERCENT)
    _total_cell(sheet, row, 12, Formula(f"=MAX(C{row}-J{row},0)"), NUMBER)
    needed = f"=IF(L{row}>0,ROUNDUP(L{row}/{days_left},0),0)" if days_left else f"=L{row}"
    _total_cell(sheet, row, 13, Formula(needed), NUMBER)
    sheet.row_dimensions[row].height = 20


def _summary_outside_row(sheet: Worksheet, row: int, outside: TallyRow) -> None:
    """Citizens living in another province: kept and shown, outside every unit and the total."""
    put(sheet, row, 1, None, border=True)
    put(sheet, row, 2, outside.name, italic=True, border=True)
    put(sheet, row, 3, None, border=True)
    put(sheet, row, 4, None, border=True)
    _result_cells(sheet, row, 5, outside)
    for column in range(11, 14):
        put(sheet, row, column, None, border=True)


def _summary_notes(sheet: Worksheet, row: int, total: TallyRow) -> int:
    """The notes under the table; returns the row of the last one."""
    put(
        sheet,
        row,
        1,
        "Ghi chú: Mức 1 tính theo nơi thường trú của công dân; mức 2 tính theo "
        "đơn vị nơi thu nhận hồ sơ dẫn đến kích hoạt; chỉ tính tài khoản đã kích hoạt thành "
        "công. Dòng «Ngoài tỉnh»: mức 1 của công dân thường trú ở tỉnh khác, không tính vào "
        "tổng cộng của tỉnh.",
        italic=True,
        size=11,
    )
    if total.target_daily is not None:
        row += 1
        plan_daily = f"{total.target_daily:,}".replace(",", ".")
        put(
            sheet,
            row,
            1,
            f"Chỉ tiêu trong ngày của {total.name} theo Kế hoạch: {plan_daily} (dòng tổng cộng "
            "ở trên cộng chỉ tiêu của các đơn vị).",
            italic=True,
            size=11,
        )
    return row


def _signature_block(sheet: Worksheet, row: int, width: int, ctx: ReportContext) -> None:
    """Who receives the report, the signer's place, and the audit footer below them."""
    put(sheet, row, 1, "Nơi nhận:", bold=True, italic=True, size=11)
    signer_column = 10
    sheet.merge_cells(start_row=row, start_column=signer_column, end_row=row, end_column=width)
    put(sheet, row, signer_column, "NGƯỜI LẬP BÁO CÁO", bold=True, align="center")
    put(sheet, row + 1, 1, f"- {ctx.recipient};", size=11)
    put(sheet, row + 2, 1, "- Lưu: VT.", size=11)
    sheet.merge_cells(
        start_row=row + 1, start_column=signer_column, end_row=row + 1, end_column=width
    )
    put(sheet, row + 1, signer_column, "(Ký, ghi rõ họ tên)", italic=True, align="center")
    _audit_footer(sheet, row + 7, ctx)


HEADS_PER_ROW = 3


def _audit_footer(sheet: Worksheet, row: int, ctx: ReportContext) -> None:
    """Below the signature: the audit chains' heads (`services.security.audit_witness`), small, so
    that a log rewritten after this report was printed disagrees with it."""
    title, note, cells = report_footer(ctx.audit_heads, ctx.heads_read_at or now_utc())
    put(sheet, row, 1, title, italic=True, size=9)
    if note:
        row += 1
        put(sheet, row, 1, note, italic=True, size=8)
    for index, text in enumerate(cells):
        if index % HEADS_PER_ROW == 0:
            row += 1
        put(sheet, row, 1 + (index % HEADS_PER_ROW) * 4, text, size=8)


def _by_day_sheet(sheet: Worksheet, ctx: ReportContext, session: Session, tree: UnitTree) -> None:
    days = [ctx.first_day + timedelta(days=i) for i in range((ctx.as_of - ctx.first_day).days + 1)]
    districts = (
        ordered_units(tree, UnitLevel.DISTRICT)
        if tree.has_districts
        else ordered_units(tree, UnitLevel.COMMUNE)
    )
    level = UnitLevel.DISTRICT if tree.has_districts else UnitLevel.COMMUNE
    per_day = daily_by_unit(session, tree, level, ctx.first_day, ctx.as_of)
    width = 3 + len(days)
    _sheet_title(
        sheet,
        max(width, 4),
        f"KẾT QUẢ KÍCH HOẠT THEO NGÀY, TỪ {format_date(ctx.first_day)} ĐẾN "
        f"{format_date(ctx.as_of)}",
    )
    header = 3
    _by_day_header(sheet, header, days)
    row = header + 1
    for number, unit in enumerate(districts, start=1):
        put(sheet, row, 1, number, align="center", border=True)
        put(sheet, row, 2, unit.name, border=True)
        put(sheet, row, 3, unit.target_daily, number_format=NUMBER, border=True)
        for offset, day in enumerate(days):
            put(
                sheet,
                row,
                4 + offset,
                per_day.get((day, unit.id), 0),
                number_format=NUMBER,
                border=True,
            )
        row += 1
    put(sheet, row, 2, "Tổng cộng", bold=True, border=True, fill=TOTAL_FILL)
    put(sheet, row, 1, None, border=True, fill=TOTAL_FILL)
    _sum_cells(sheet, row, range(3, 4 + len(days)), header + 1, row - 1)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 12
    for offset in range(len(days)):
        sheet.column_dimensions[get_column_letter(4 + offset)].width = 8
    sheet.freeze_panes = sheet.cell(row=header + 1, column=4)
    _print_setup(sheet, f"{header}:{header}")


def _by_day_header(sheet: Worksheet, header: int, days: Sequence[date]) -> None:
    """One header row: the unit's columns, then one column a day."""
    sheet.row_dimensions[header].height = 32
    for column, title in enumerate(["TT", "Đơn vị", "Chỉ tiêu trong ngày"], start=1):
        _header_cell(sheet, header, column, title)
    for offset, day in enumerate(days):
        _header_cell(sheet, header, 4 + offset, f"{day:%d/%m}", wrap=False)


def _breakdown_sheet(
    sheet: Worksheet,
    title: str,
    result: Tally,
    first_columns: list[tuple[str, Callable[[TallyRow], Any]]],
) -> None:
    groups: list[tuple[str, list[str]]] = [(name, []) for name, _ in first_columns]
    groups += [
        ("Kết quả trong ngày", ["Mức 1", "Mức 2", "Tổng"]),
        ("Lũy kế từ đầu đợt", ["Mức 1", "Mức 2", "Tổng"]),
        ("Tỷ lệ đạt chỉ tiêu", []),
    ]
    width = len(first_columns) + 7
    _sheet_title(sheet, width, f"{title} – TÍNH ĐẾN HẾT NGÀY {format_date(result.as_of)}")
    header = 3
    row = _table_header(sheet, header, groups)
    first_data = row
    for tally_row in result.rows:
        _breakdown_row(sheet, row, tally_row, first_columns, width)
        row += 1
    put(sheet, row, 1, "Tổng cộng", bold=True, border=True, fill=TOTAL_FILL)
    for column in range(2, len(first_columns) + 1):
        put(sheet, row, column, None, border=True, fill=TOTAL_FILL)
    _sum_cells(sheet, row, range(len(first_columns) + 1, width), first_data, row - 1)
    put(sheet, row, width, None, border=True, fill=TOTAL_FILL)
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    for index, (name, _) in enumerate(first_columns, start=1):
        wide = 30 if index == 2 else 24 if name.startswith("Huyện") else 12
        sheet.column_dimensions[get_column_letter(index)].width = wide
    sheet.freeze_panes = sheet.cell(row=first_data, column=3)
    _print_setup(sheet, f"{header}:{header + 1}")


def _breakdown_row(
    sheet: Worksheet,
    row: int,
    tally_row: TallyRow,
    first_columns: list[tuple[str, Callable[[TallyRow], Any]]],
    width: int,
) -> None:
    """One row of a breakdown: its own columns, the results, and the rate in the last column."""
    values = [getter(tally_row) for _, getter in first_columns]
    _row_cells(
        sheet, row, values, lambda _column, value: NUMBER if isinstance(value, int) else None
    )
    _result_cells(sheet, row, len(first_columns) + 1, tally_row)
    target = tally_row.target_total
    put(
        sheet,
        row,
        width,
        tally_row.activated / target if target else None,
        number_format=PERCENT,
        border=True,
    )


def _report_context(
    session: Session, as_of: date, heads: Sequence[ChainHead], heads_read_at: datetime
) -> ReportContext:
    """What the header and footer print: the active campaign's plan, the day, the chains' heads.
    A day before the campaign's first is refused: nothing can have been counted yet."""
    campaign = active_campaign(session)
    if as_of < campaign.first_day:
        raise UserError(
            f"Ngày tính đến {format_date(as_of)} trước ngày bắt đầu đợt "
            f"({format_date(campaign.first_day)}): chưa có số liệu để báo cáo. Chọn một ngày "
            f"từ {format_date(campaign.first_day)} trở đi."
        )
    return ReportContext(
        as_of=as_of,
        first_day=campaign.first_day,
        last_day=campaign.last_day,
        campaign_name=campaign.name,
        plan_number=campaign.plan_number,
        plan_date=campaign.plan_date,
        issuing_body=campaign.issuing_body,
        province_name=campaign.province_name,
        recipient=campaign.report_recipient,
        made_on=today_vn(),
        demo_data=contains_demo_data(session),
        audit_heads=heads,
        heads_read_at=heads_read_at,
    )


def build_report(
    session: Session,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
    heads: Sequence[ChainHead] | None = None,
) -> Workbook:
    """The workbook; its footer prints `heads` (by default the audit chains' heads now)."""
    heads_read_at = now_utc()
    if heads is None:
        heads = current_heads(session)
    ctx = _report_context(session, as_of, heads, heads_read_at)
    tree = UnitTree.load(session)
    steps = 5

    def step(done: int) -> None:
        if progress:
            progress(done, steps)

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SUMMARY
    by = TallyBy.DISTRICT if tree.has_districts else TallyBy.COMMUNE
    _summary_sheet(summary, ctx, tally(session, as_of, by, tree))
    step(1)
    _by_day_sheet(workbook.create_sheet(BY_DAY), ctx, session, tree)
    step(2)
    _commune_sheet(workbook.create_sheet(BY_COMMUNE), session, as_of, tree)
    step(3)
    # Activations are credited to whoever recorded them; what each point or operator
    # registered (level 1) or took (level 2) is shown beside them.
    for done, (name, title, grouping, code, who) in enumerate(_RECORDER_SHEETS, start=4):
        _recorder_sheet(
            workbook.create_sheet(name), session, as_of, tree, grouping, title, code, who
        )
        step(done)
    outreach = progress_of_outreach(session, "hamlet", as_of, tree)
    if outreach.rows:  # only where the teams keep review lists
        _outreach_sheet(workbook.create_sheet(OUTREACH), outreach, tree)
    return workbook


def _commune_sheet(sheet: Worksheet, session: Session, as_of: date, tree: UnitTree) -> None:
    """The breakdown by commune, with its district where the map still has districts."""
    communes = tally(session, as_of, TallyBy.COMMUNE, tree)
    district_name = {
        u.code: (tree.ancestor_at(u.id, UnitLevel.DISTRICT) or tree.province).name
        for u in tree.at_level(UnitLevel.COMMUNE)
    }
    columns: list[tuple[str, Callable[[TallyRow], object]]] = [
        ("Mã xã", lambda r: r.code),
        ("Xã, phường, thị trấn", lambda r: r.name),
        ("Huyện, thị xã, thành phố", lambda r: district_name.get(r.code or "", "")),
        ("Chỉ tiêu", lambda r: r.target_total),
    ]
    title = "KẾT QUẢ THEO XÃ, PHƯỜNG, THỊ TRẤN"
    if not tree.has_districts:  # the 2025 map: communes, wards and special zones, no district
        columns = [("Mã xã", columns[0][1]), ("Xã, phường, đặc khu", columns[1][1]), columns[3]]
        title = "KẾT QUẢ THEO XÃ, PHƯỜNG, ĐẶC KHU"
    _breakdown_sheet(sheet, title, communes, columns)


# The breakdowns by whoever recorded: sheet, title, grouping, code and name column titles.
_RECORDER_SHEETS = (
    (BY_POINT, "KẾT QUẢ THEO ĐIỂM THU NHẬN", TallyBy.POINT, "Mã điểm", "Điểm thu nhận"),
    (BY_OPERATOR, "KẾT QUẢ THEO CÁN BỘ", TallyBy.OPERATOR, "Tên đăng nhập", "Họ và tên"),
)


def _recorder_sheet(
    sheet: Worksheet,
    session: Session,
    as_of: date,
    tree: UnitTree,
    by: TallyBy,
    title: str,
    code_title: str,
    name_title: str,
) -> None:
    """The breakdown by intake point or operator, with the steps each one recorded beside it."""
    recorded = steps_recorded(session, as_of, by)
    _breakdown_sheet(
        sheet,
        title,
        tally(session, as_of, by, tree),
        [
            (code_title, lambda r: r.code),
            (name_title, lambda r: r.name),
            ("Đã đăng ký mức 1", lambda r: recorded.get(r.code or "", (0, 0))[0]),
            ("Đã thu nhận hồ sơ mức 2", lambda r: recorded.get(r.code or "", (0, 0))[1]),
        ],
    )


_OUTREACH_COLUMNS = (
    ("listed", "Danh sách rà soát"),
    ("notified", "Đã thông báo"),
    ("appointed", "Đã hẹn"),
    ("came", "Đã đến"),
    ("activated", "Đã kích hoạt"),
    ("had_account", "Đã có tài khoản"),
    ("refused", "Từ chối"),
    ("unreachable", "Không liên lạc được"),
    ("ineligible", "Không đủ điều kiện"),
    ("to_reach", "Còn phải vận động"),
)


def _outreach_sheet(sheet: Worksheet, result: Progress, tree: UnitTree) -> None:
    """The outreach per hamlet (services.outreach.lists.progress): most people still to reach
    first, where to send the mobile teams next."""
    width = 3 + len(_OUTREACH_COLUMNS) + 1
    _sheet_title(
        sheet,
        width,
        f"TIẾN ĐỘ VẬN ĐỘNG THEO KHÓM, ẤP – TÍNH ĐẾN HẾT NGÀY {format_date(result.as_of)}",
    )
    groups: list[tuple[str, list[str]]] = [("Mã xã", []), ("Xã", []), ("Khóm, ấp", [])]
    groups += [(label, []) for _, label in _OUTREACH_COLUMNS]
    groups.append(("Tỷ lệ đã kích hoạt", []))
    header = 3
    row = _table_header(sheet, header, groups)
    first_data = row
    for line in [*result.rows, result.total]:
        total = line is result.total
        commune = tree.by_code.get(line.code)
        cells: list[Any] = (
            ["Tổng cộng", None, None]
            if total
            else [line.code, commune.name if commune else "", line.name]
        )
        cells += [line.counts[key] for key, _ in _OUTREACH_COLUMNS]
        cells.append(line.converted)
        _row_cells(
            sheet,
            row,
            cells,
            lambda column, _value: PERCENT if column == width else NUMBER if column > 3 else None,
            total=total,
        )
        row += 1
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 20
    sheet.freeze_panes = sheet.cell(row=first_data, column=4)
    _print_setup(sheet, f"{header}:{header + 1}")


def write_report(
    session: Session,
    actor: Actor,
    as_of: date,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    audited: bool = True,
    witness_folder: Path | None = None,
) -> Path:
    """Build the workbook and save it atomically (a half-written file never replaces a good one).

    The audit chains' heads printed in its footer are recorded in this database's witness
    file (in `witness_folder`, by default the data folder). The export is logged in the
    audit (unless `audited` is False: a database opened read-only cannot take the entry);
    the caller commits."""
    require(actor, Action.REPORTS)
    if out.suffix.lower() != ".xlsx":  # a workbook opens where it is clicked only as .xlsx
        out = out.with_name(out.name + ".xlsx")
    heads = current_heads(session)
    workbook = build_report(session, as_of, progress, heads)
    advice = "Kiểm tra ổ đĩa còn chỗ, tệp không đang mở trong Excel, và quyền ghi thư mục."
    saved_whole(workbook, out, advice, what="tệp báo cáo")
    record_witness(session, REPORT_KIND, out.name, heads, witness_folder)
    if not audited:
        return out
    write_audit(
        session,
        actor,
        AuditAction.REPORT_EXPORT,
        f"Xuất báo cáo đến hết ngày {as_of:%d/%m/%Y} ra tệp {out.name}",
        {"as_of": as_of.isoformat(), "file": out.name},
    )
    return out
