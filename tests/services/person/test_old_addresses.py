"""Old addresses printed on cards, matched to today's communes of a 2025-map campaign."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from services.campaigns.unit_catalog import Commune, UnitMap, unit_catalog
from services.campaigns.units import UnitTree
from services.person.old_addresses import match_old_address, old_provinces
from tests.shared_databases import preset_tree

HAMLETS = ["Ấp Một", "Khóm 3", "Số 12 đường 30/4", "Ấp Phú Hòa"]


@pytest.fixture(scope="module")
def can_tho(tmp_path_factory: pytest.TempPathFactory) -> UnitTree:
    return preset_tree(tmp_path_factory.mktemp("ct") / "ct.sqlite3", "can-tho-2025-thu")


def test_the_old_provinces_of_can_tho_are_can_tho_hau_giang_and_soc_trang(
    can_tho: UnitTree,
) -> None:
    assert old_provinces(can_tho) == {"92", "93", "94"}


def test_generated_old_cards_lead_to_the_communes_the_conversion_names(can_tho: UnitTree) -> None:
    catalog = unit_catalog()
    old = [c for code in ("92", "93", "94") for c in catalog.communes(UnitMap.OLD, code)]
    same_place = Counter((c.name, c.district.name if c.district else "") for c in old)
    rng = random.Random(17)
    checked = 0
    for commune in old:
        assert commune.district is not None
        if same_place[(commune.name, commune.district.name)] > 1:
            continue
        hamlet = rng.choice(HAMLETS)
        address = f"{hamlet}, {commune.name}, {commune.district.name}, {commune.province.name}"
        found = match_old_address(can_tho, address)
        links = catalog.convert(commune.code)
        assert {m.commune.code for m in found} == {link.new.code for link in links}, address
        assert all(m.old.code == commune.code for m in found)
        certain = len(links) == 1 and links[0].certain
        assert [m.certain for m in found] == [certain] * len(found)
        checked += 1
    assert checked > 250


def test_abbreviated_and_unaccented_addresses_still_match(can_tho: UnitTree) -> None:
    catalog = unit_catalog()
    phu_tam = catalog.commune(UnitMap.OLD, "31573")  # Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng
    expected = {link.new.code for link in catalog.convert(phu_tam.code)}
    for address in (
        "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Tỉnh Sóc Trăng",
        "ap phu hoa, x. phu tam, h. chau thanh, soc trang",
    ):
        assert {m.commune.code for m in match_old_address(can_tho, address)} == expected


def a_split_commune() -> Commune:
    """An old commune of Cần Thơ, Hậu Giang or Sóc Trăng split between new communes."""
    catalog = unit_catalog()
    return next(
        c
        for code in ("92", "93", "94")
        for c in catalog.communes(UnitMap.OLD, code)
        if len(catalog.convert(c.code)) > 1
    )


def test_a_split_commune_lists_every_candidate(can_tho: UnitTree) -> None:
    catalog = unit_catalog()
    split = a_split_commune()
    assert split.district is not None
    found = match_old_address(can_tho, f"{split.name}, {split.district.name}")
    assert len(found) == len(catalog.convert(split.code)) > 1
    assert not any(m.certain for m in found)


def test_an_address_from_elsewhere_proposes_nothing(can_tho: UnitTree) -> None:
    assert match_old_address(can_tho, "Phường Phúc Xá, Quận Ba Đình, Hà Nội") == []
    assert match_old_address(can_tho, "") == []
