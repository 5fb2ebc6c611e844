"""The desk on a 2025-map campaign: a card's old address proposes today's commune."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from services.campaigns.unit_catalog import unit_catalog
from services.campaigns.units import UnitTree
from tests.services.person.test_old_addresses import (  # noqa: F401 (can_tho: a fixture)
    a_split_commune,
    can_tho,
)
from tests.ui.hands import type_into
from ui.desk.identify import IdentifyStep


@pytest.fixture
def step(qtbot: QtBot, can_tho: UnitTree) -> IdentifyStep:  # noqa: F811 (the imported fixture)
    widget = IdentifyStep(can_tho)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_whole_old_commune_is_proposed_as_its_new_one(qtbot: QtBot, step: IdentifyStep) -> None:
    [link] = unit_catalog().convert("31573")  # Xã Phú Tâm, Huyện Châu Thành (Sóc Trăng)
    type_into(qtbot, step.address, "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng")
    assert step.commune.commune_id() == step.tree.by_code[link.new.code].id
    assert "theo địa giới cũ" in step.commune_hint.text()
    assert f"nay là {link.new.name}" in step.commune_hint.text()


def test_a_split_old_commune_lists_its_candidates_and_chooses_none(
    qtbot: QtBot, step: IdentifyStep
) -> None:
    catalog = unit_catalog()
    split = a_split_commune()
    assert split.district is not None
    type_into(qtbot, step.address, f"{split.name}, {split.district.name}")
    assert step.commune.commune_id() is None
    hint = step.commune_hint.text()
    assert "hỏi công dân" in hint
    assert all(link.new.name in hint for link in catalog.convert(split.code)[:4])


def test_a_new_card_address_is_matched_to_todays_commune(qtbot: QtBot, step: IdentifyStep) -> None:
    ninh_kieu = step.tree.by_code["31135"]  # Phường Ninh Kiều, Thành phố Cần Thơ (2025 map)
    type_into(qtbot, step.address, "Khu vực 2, Phường Ninh Kiều, Thành phố Cần Thơ")
    assert step.commune.commune_id() == ninh_kieu.id
    assert step.commune_hint.text().startswith("Tự nhận theo địa chỉ")
