"""The unit tree of a campaign (`services/campaigns/units.py`): a commune code that is not the
campaign's is refused saying what to write instead, as `records import` and `case correct`
print it."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.campaigns.units import UnitTree
from services.common.errors import NotFoundError
from tests.shared_databases import open_with_preset
from tests.shared_records import record_row, write_sheet_csv
from tests.test_cli import run


@pytest.fixture(scope="module")
def new_map(tmp_path_factory: pytest.TempPathFactory) -> UnitTree:
    path = tmp_path_factory.mktemp("new-map") / "can-tho.sqlite3"
    database = open_with_preset(f"sqlite:///{path}", "can-tho-2025-thu")
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
    database.dispose()
    return tree


def test_an_old_map_code_on_a_new_map_campaign_names_its_new_commune(new_map: UnitTree) -> None:
    with pytest.raises(NotFoundError) as raised:
        new_map.commune("31501")  # Phường 7, TP Sóc Trăng, on the 2023 map
    message = str(raised.value)
    assert "«31501» không có trong danh sách" in message
    assert "địa giới cũ (Phường 7, Thành phố Sóc Trăng)" in message
    assert "nay là Phường Sóc Trăng, mã 31507" in message


def test_a_split_old_commune_lists_the_new_ones_to_ask_about(new_map: UnitTree) -> None:
    with pytest.raises(NotFoundError) as raised:
        new_map.commune("31126")  # Phường An Nghiệp, Ninh Kiều: gone before 2025
    message = str(raised.value)
    assert "địa giới cũ (Phường An Nghiệp, Quận Ninh Kiều)" in message
    assert "Phường Cái Khế (mã 31120)" in message and "Phường An Bình (mã 31150)" in message
    assert "hỏi công dân" in message


def test_a_code_of_no_map_says_only_that_it_is_not_the_campaigns(new_map: UnitTree) -> None:
    with pytest.raises(NotFoundError) as raised:
        new_map.commune("99999")
    assert str(raised.value) == (
        "Mã xã «99999» không có trong danh sách đơn vị hành chính của đợt này."
    )


def test_records_import_tells_the_new_code_of_an_old_one(tmp_path: Path) -> None:
    db = tmp_path / "can-tho.sqlite3"
    run("init", "--preset", "can-tho-2025-thu", db=db)
    run("account", "create", "quan.tri", "--role", "admin", db=db)
    sheet = write_sheet_csv(
        tmp_path / "ho-so.csv",
        [record_row(residence_code="31501", point_commune_code="31507", moment="12/03/2026 08:30")],
    )
    result = run("records", "import", str(sheet), db=db)
    assert "Dòng 2: Nơi thường trú: Mã xã «31501»" in result.stderr
    assert "nay là Phường Sóc Trăng, mã 31507" in result.stderr
