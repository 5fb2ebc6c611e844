"""`campaign new`: a campaign for any province on either map, in a new or empty database
(services/campaigns/builder.py does the work, in one transaction)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from services.common.errors import UserError
from services.common.vntime import format_date, parse_iso_day
from ui.security.cli_sign_in import in_one_transaction
from ui.shell.cli_common import Command, option

EXIT_OK = 0


_NEW_CAMPAIGN = (
    option("--province", required=True, metavar="MÃ", help="mã tỉnh (2 chữ số)"),
    option(
        "--map",
        required=True,
        choices=["2023", "2025"],
        help="bản đồ hành chính: 2023 (tỉnh, huyện, xã) hoặc 2025 (tỉnh, xã; từ 01/7/2025)",
    ),
    option("--name", required=True, metavar="TÊN", help="tên đợt cao điểm"),
    option("--plan-number", required=True, metavar="SỐ", help="số kế hoạch (142/KH-UBND)"),
    option("--plan-date", required=True, metavar="DD/MM/YYYY", help="ngày ký kế hoạch"),
    option("--from", dest="first_day", required=True, metavar="YYYY-MM-DD"),
    option("--to", dest="last_day", required=True, metavar="YYYY-MM-DD"),
    option("--hours", default="07:00-21:00", metavar="HH:MM-HH:MM"),
    option("--report-to", default="", metavar="NƠI_NHẬN", help="nơi nhận báo cáo"),
    option(
        "--report-by", metavar="YYYY-MM-DD", help="hạn gửi báo cáo (mặc định: ngày cuối của đợt)"
    ),
    option(
        "--targets",
        type=Path,
        metavar="FILE.xlsx",
        help="bảng chỉ tiêu theo mẫu phụ lục của kế hoạch (cấp huyện hoặc cấp xã)",
    ),
)
CAMPAIGN_PARSERS = (
    Command(
        "campaign",
        "tạo đợt cao điểm mới cho một tỉnh (cơ sở dữ liệu mới)",
        subcommands=(
            Command(
                "new",
                "tạo đợt mới trong cơ sở dữ liệu mới hoặc trống (--db), với danh sách xã của tỉnh",
                _NEW_CAMPAIGN,
            ),
        ),
        dest="campaign_command",
    ),
)


def _vietnamese_day(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise UserError(
            f"Ngày ký kế hoạch «{text[:60]}» không đúng dạng ngày/tháng/năm (ví dụ 14/07/2023)."
        ) from None


def cmd_campaign(args: argparse.Namespace, out: TextIO) -> int:
    from services.campaigns.builder import (
        CampaignSpec,
        build_campaign,
        parse_hours,
        province_unit_rows,
    )

    start, end = parse_hours(args.hours)
    spec = CampaignSpec(
        province_code=args.province.strip(),
        map_year=int(args.map),
        name=args.name,
        plan_number=args.plan_number,
        plan_date=_vietnamese_day(args.plan_date),
        first_day=parse_iso_day(args.first_day),
        last_day=parse_iso_day(args.last_day),
        daily_start=start,
        daily_end=end,
        report_recipient=args.report_to,
        report_due_before=parse_iso_day(args.report_by) if args.report_by else None,
    )
    if args.targets is not None and not args.targets.is_file():
        raise UserError(f"Không tìm thấy tệp chỉ tiêu «{args.targets}».")
    rows = province_unit_rows(spec.map_year, spec.province_code)
    result = in_one_transaction(
        args, lambda session, actor: build_campaign(session, actor, spec, rows, args.targets)
    )
    if not result.created:
        print(
            f"Cơ sở dữ liệu đã có đúng đợt «{result.campaign_code}» này: không có gì thay đổi.",
            file=out,
        )
        return EXIT_OK
    levels = (
        f"{result.districts} huyện, {result.communes} xã/phường"
        if result.districts
        else f"{result.communes} xã/phường/đặc khu (không có cấp huyện)"
    )
    print(
        f"Đã tạo đợt «{result.campaign_code}» cho {result.province_name} (bản đồ {spec.map_year}"
        f"): {levels}; từ {format_date(spec.first_day)} đến {format_date(spec.last_day)}.",
        file=out,
    )
    if result.targets is not None:
        for line in result.targets.lines():
            print(line, file=out)
    for note in result.notes:
        print(f"Lưu ý: {note}", file=out)
    return EXIT_OK


CAMPAIGN_COMMANDS = {"campaign": cmd_campaign}
