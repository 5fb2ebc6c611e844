"""Make the synthetic preset of the 2025 map (`resources/presets/can-tho-2025-thu`).

    python -m docs.make_new_map_preset

Writes an invented targets sheet for the 103 communes of Cần Thơ city (2025 map) to
`tests/data/chi-tieu-can-tho-2025-thu.xlsx`, builds the campaign with the builder (as
`campaign new` does) from it in a temporary database, and writes that campaign as the
preset. Every figure is made up: the preset is for trying the app on the new map, never
for a report. `tests/services/campaigns/test_new_map_preset.py` builds it again and compares.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from services.campaigns.builder import (
    CampaignSpec,
    build_campaign,
    province_unit_rows,
    write_preset,
)
from services.security.session_context import cli_actor
from services.upkeep.database import open_database

ROOT = Path(__file__).resolve().parent.parent
SHEET = ROOT / "tests" / "data" / "chi-tieu-can-tho-2025-thu.xlsx"
PRESET = ROOT / "resources" / "presets" / "can-tho-2025-thu"
SPEC = CampaignSpec(
    province_code="92",
    map_year=2025,
    name="Cao điểm kích hoạt tài khoản định danh điện tử trên địa bàn thành phố Cần Thơ "
    "(DỮ LIỆU THỬ, không phải kế hoạch thật)",
    plan_number="00/KH-THU",
    plan_date=date(2026, 3, 2),
    first_day=date(2026, 3, 10),
    last_day=date(2026, 4, 10),
    report_recipient="Phòng PC06, Công an thành phố Cần Thơ (địa chỉ thử)",
    report_due_before=date(2026, 4, 11),
    code="can-tho-2025-thu",  # a preset's code is its folder's name (packages name it)
)
DAYS = (SPEC.last_day - SPEC.first_day).days + 1


def invented_target(code: str) -> int:
    """A made-up target, stable per commune code."""
    return 4000 + (int(code) * 37) % 9000


def write_sheet(path: Path) -> None:
    communes = province_unit_rows(SPEC.map_year, SPEC.province_code)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Chỉ tiêu"
    sheet.append(["CHỈ TIÊU THU NHẬN VÀ KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ (DỮ LIỆU THỬ)"])
    sheet.append(["(Số liệu tự đặt để dùng thử phần mềm trên bản đồ hành chính 2025)"])
    sheet.append([])
    sheet.append(["TT", "Đơn vị", "Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)",
                  "Chỉ tiêu thu nhận và kích hoạt trong ngày (Tính từ ngày 10/3/2026 đến "
                  "ngày 10/4/2026)", "Ghi chú"])  # fmt: skip
    totals = [invented_target(row["commune_code"]) for row in communes]
    dailies = [math.ceil(total / DAYS) for total in totals]
    sheet.append(["", "Thành phố Cần Thơ", sum(totals), sum(dailies), "Tổng"])
    for order, (row, total, daily) in enumerate(zip(communes, totals, dailies, strict=True), 1):
        sheet.append([order, row["commune_name"], total, daily, ""])
    book.properties.creator = "kichhoat"
    book.save(path)


def build_preset(sheet: Path, folder: Path) -> None:
    """The builder's campaign from `sheet`, written as a preset into `folder`."""
    with tempfile.TemporaryDirectory() as work:
        database = open_database(f"sqlite:///{Path(work) / 'preset.sqlite3'}")
        try:
            with database.session() as session:
                rows = province_unit_rows(SPEC.map_year, SPEC.province_code)
                result = build_campaign(session, cli_actor(), SPEC, rows, sheet)
                assert result.targets is not None and not result.targets.unmatched
                session.commit()
            with database.session(read_only=True) as session:
                write_preset(session, folder)
        finally:
            database.dispose()


def main() -> None:
    write_sheet(SHEET)
    build_preset(SHEET, PRESET)
    print(f"Đã ghi {SHEET.relative_to(ROOT)} và {PRESET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
