"""The synthetic preset of the 2025 map is what the builder makes from the sheet in tests/data,
and every province of both maps builds a campaign whose tally has one row per commune."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from docs.make_new_map_preset import PRESET, SHEET, build_preset
from services.campaigns.builder import (
    CampaignSpec,
    build_campaign,
    campaign_map,
    province_unit_rows,
    provinces_of,
)
from services.campaigns.campaign import load_preset
from services.campaigns.units import UnitTree
from services.counting.tally import TallyBy, tally
from services.upkeep.database import open_database
from tests.factories import CLI


def test_the_shipped_preset_is_the_builders_campaign_from_the_sheet(tmp_path: Path) -> None:
    build_preset(SHEET, tmp_path)
    for name in ("campaign.json", "units.csv", "targets.csv"):
        assert (tmp_path / name).read_bytes() == (PRESET / name).read_bytes(), name


def test_the_preset_loads_a_two_level_campaign_with_its_targets(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with database.session() as session:
        result = load_preset(session, "can-tho-2025-thu")
        session.commit()
    assert (result.units_added, result.targets_added) == (104, 104)
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
        assert not tree.has_districts
        assert campaign_map(session) == 2025
        rows = tally(session, date(2026, 3, 20), TallyBy.COMMUNE, tree).rows
        assert len(rows) == 103 and all(r.target_total for r in rows)
        assert tree.province.target_total == sum(r.target_total or 0 for r in rows)
    database.dispose()


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.mark.parametrize(
    ("map_year", "code"),
    [(year, code) for year in (2023, 2025) for code, _name in provinces_of(year)],
)
def test_every_province_of_both_maps_builds_a_campaign(
    map_year: int, code: str, empty_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "dot.sqlite3"
    shutil.copyfile(empty_template, path)
    database = open_database(f"sqlite:///{path}")
    rows = province_unit_rows(map_year, code)
    spec = CampaignSpec(code, map_year, "Đợt thử", "1/KH", date(2026, 1, 2), date(2026, 1, 5),
                        date(2026, 2, 5))  # fmt: skip
    with database.session() as session:
        build_campaign(session, CLI, spec, rows)
        session.commit()
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
        result = tally(session, date(2026, 1, 20), TallyBy.COMMUNE, tree)
        assert [r.code for r in result.rows] == [row["commune_code"] for row in rows]
        assert tree.has_districts == (map_year == 2023)
        if map_year == 2023:
            districts = tally(session, date(2026, 1, 20), TallyBy.DISTRICT, tree).rows
            assert len(districts) == len({row["district_code"] for row in rows})
    database.dispose()
