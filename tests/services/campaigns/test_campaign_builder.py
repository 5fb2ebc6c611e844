"""The campaign builder: a campaign for a province on either map, in a new database only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models.codes import UnitLevel
from models.entities import Campaign, Target, Unit
from services.campaigns.builder import (
    CampaignSpec,
    build_campaign,
    campaign_map,
    check_spec,
    parse_hours,
)
from services.campaigns.campaign import load_preset
from services.campaigns.units import UnitTree
from services.common.errors import UserError, ValidationError
from services.counting.tally import TallyBy, tally
from services.upkeep.database import Database, open_database
from tests.factories import CLI

SPEC = CampaignSpec(
    province_code="77",
    map_year=2025,
    name="Cao điểm kích hoạt định danh điện tử (thử)",
    plan_number="01/KH-UBND",
    plan_date=date(2026, 3, 1),
    first_day=date(2026, 3, 10),
    last_day=date(2026, 4, 10),
    report_recipient="Phòng PC06, Công an tỉnh Thử",
)


def two_level_rows() -> list[dict[str, str]]:
    """A synthetic province of the 2025 map: communes directly under it."""
    names = [("phường", "Phường An Bình"), ("xã", "Xã Tân Hòa"), ("đặc khu", "Đặc khu Hòn Ngọc")]
    return [
        {
            "province_code": "77",
            "province_name": "Tỉnh Thử",
            "district_code": "",
            "district_name": "",
            "district_kind": "",
            "commune_code": f"9900{index}",
            "commune_name": name,
            "commune_kind": kind,
        }
        for index, (kind, name) in enumerate(names)
    ]


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    yield database
    database.dispose()


def targets_sheet(path: Path, rows: list[tuple[str, int, int]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["TT", "Đơn vị", "Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)",
                  "Chỉ tiêu thu nhận và kích hoạt trong ngày"])  # fmt: skip
    for index, (name, total, daily) in enumerate(rows, start=1):
        sheet.append([index, name, total, daily])
    book.save(path)
    return path


def test_a_two_level_campaign_tallies_one_row_per_commune(empty: Database) -> None:
    with empty.session() as session:
        result = build_campaign(session, CLI, SPEC, two_level_rows())
        session.commit()
    assert (result.communes, result.districts) == (3, 0)
    with empty.session(read_only=True) as session:
        tree = UnitTree.load(session)
        assert [u.parent_id for u in tree.at_level(UnitLevel.COMMUNE)] == [tree.province.id] * 3
        rows = tally(session, date(2026, 3, 20), TallyBy.COMMUNE).rows
        assert [r.code for r in rows] == ["99000", "99001", "99002"]
        with pytest.raises(UserError, match="hai cấp"):
            tally(session, date(2026, 3, 20), TallyBy.DISTRICT)
        assert campaign_map(session) == 2025
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.first_day, campaign.last_day) == (SPEC.first_day, SPEC.last_day)
        assert campaign.report_due_before == SPEC.last_day  # the default deadline
        assert campaign.province_name == "Tỉnh Thử"


def test_targets_of_communes_are_read_from_the_plan_layout(empty: Database, tmp_path: Path) -> None:
    sheet = targets_sheet(
        tmp_path / "chi-tieu.xlsx",
        [("Tỉnh Thử", 9000, 300), ("Phường An Bình", 5000, 160), ("Xã Tân Hòa", 4000, 140)],
    )
    with empty.session() as session:
        result = build_campaign(session, CLI, SPEC, two_level_rows(), sheet)
        session.commit()
    assert result.targets is not None and len(result.targets.written) == 3
    with empty.session(read_only=True) as session:
        tree = UnitTree.load(session)
        assert tree.province.target_total == 9000
        assert tree.by_code["99000"].target_total == 5000
        assert tree.by_code["99002"].target_total is None


def test_a_database_holding_a_campaign_is_refused_with_nothing_written(empty: Database) -> None:
    with empty.session() as session:
        load_preset(session, "soc-trang-2023")
        session.commit()
    with empty.session(read_only=True) as session:
        units_before = session.scalar(select(func.count()).select_from(Unit))
    with empty.session() as session, pytest.raises(UserError, match="đã dùng cho đợt"):
        build_campaign(session, CLI, SPEC, two_level_rows())
    with empty.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == units_before
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1


def test_a_bad_targets_sheet_leaves_the_database_empty(empty: Database, tmp_path: Path) -> None:
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with empty.session() as session, pytest.raises(UserError):
        build_campaign(session, CLI, SPEC, two_level_rows(), broken)
    with empty.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert session.scalar(select(func.count()).select_from(Target)) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_day": date(2026, 5, 1)}, "sau ngày kết thúc"),
        ({"daily_start": time(21), "daily_end": time(7)}, "Giờ bắt đầu"),
        ({"map_year": 2024}, "2023 hoặc 2025"),
        ({"name": "  "}, "Thiếu tên đợt"),
        ({"name": "Đợt\u202eảo"}, "Tên đợt"),
    ],
)
def test_impossible_campaigns_are_refused(change: dict[str, object], message: str) -> None:
    spec = CampaignSpec(**{**SPEC.__dict__, **change})
    with pytest.raises(ValidationError, match=message):
        check_spec(spec)


def test_odd_but_possible_dates_are_noted() -> None:
    spec = CampaignSpec(**{**SPEC.__dict__, "report_due_before": date(2026, 4, 1)})
    assert any("Hạn báo cáo" in note for note in check_spec(spec))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:00-21:00", (time(7), time(21))), (" 6:30 - 22:15 ", (time(6, 30), time(22, 15)))],
)
def test_hours_are_read(text: str, expected: tuple[time, time]) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize("text", ["7-21", "21:00-07:00", "25:00-26:00", "sáng"])
def test_bad_hours_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="Giờ"):
        parse_hours(text)


def test_the_report_of_a_two_level_campaign_has_no_district_column(
    empty: Database, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from services.documents.report import BY_COMMUNE, write_report

    with empty.session() as session:
        build_campaign(session, CLI, SPEC, two_level_rows())
        session.commit()
    with empty.session() as session:
        path = write_report(session, CLI, date(2026, 3, 20), tmp_path / "bao-cao.xlsx")
        session.commit()
    sheet = load_workbook(path)[BY_COMMUNE]
    texts = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value]
    assert "Xã, phường, đặc khu" in texts
    assert not any("Huyện" in text for text in texts)
    codes = [row[0] for row in sheet.iter_rows(values_only=True) if str(row[0]).startswith("990")]
    assert codes == ["99000", "99001", "99002"]


def test_packages_travel_between_two_databases_of_one_two_level_campaign(
    tmp_path: Path,
) -> None:
    from services.cases.demo import generate_demo
    from services.exchange.packages import export_package, import_package

    sides = []
    for name in ("diem-a", "tinh"):
        database = open_database(f"sqlite:///{tmp_path / name}.sqlite3")
        with database.session() as session:
            build_campaign(session, CLI, SPEC, two_level_rows())
            session.commit()
        sides.append(database)
    point, province = sides
    with point.session() as session:
        generate_demo(session, 300, seed=5)
        session.commit()
    package = tmp_path / "goi.kpkg"
    with point.session() as session:
        export_package(session, CLI, package, "mat-khau-du-dai-1", witness_folder=tmp_path)
        session.commit()
    with province.session() as session:
        summary = import_package(session, CLI, package, "mat-khau-du-dai-1")
        session.commit()
    assert (summary.new, summary.refused) == (300, 0)
    day = date(2026, 4, 10)
    with point.session(read_only=True) as a, province.session(read_only=True) as b:
        assert tally(a, day, TallyBy.COMMUNE).as_json() == tally(b, day, TallyBy.COMMUNE).as_json()
        assert tally(b, day, TallyBy.COMMUNE).total.activated > 0
    for database in sides:
        database.dispose()


def test_the_dashboard_of_a_two_level_campaign_drills_from_communes_to_points(
    empty: Database,
) -> None:
    from services.cases.demo import generate_demo
    from services.counting.dashboard import ChildKind, dashboard

    with empty.session() as session:
        build_campaign(session, CLI, SPEC, two_level_rows())
        generate_demo(session, 200, seed=3)
        session.commit()
    with empty.session(read_only=True) as session:
        top = dashboard(session, date(2026, 4, 10), today=date(2026, 4, 10))
        assert top.child_kind == ChildKind.COMMUNE
        assert [c.code for c in top.children] == ["99000", "99001", "99002"]
        commune = dashboard(session, date(2026, 4, 10), "99000", today=date(2026, 4, 10))
        assert commune.child_kind == ChildKind.POINT
        assert [c.name for c in commune.path][-1] == "Phường An Bình"
