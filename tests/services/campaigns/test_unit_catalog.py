"""The shipped unit lists of both maps and the conversion between them (resources/units)."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from services.campaigns.unit_catalog import (
    UNIT_COLUMNS,
    Basis,
    Commune,
    Share,
    UnitCatalog,
    UnitMap,
    parse_unit_map,
    unit_catalog,
)
from services.common.errors import NotFoundError, ValidationError
from services.common.resources import resource_path

SOC_TRANG = "94"
CAN_THO_2025 = "92"
PRESETS = ("soc-trang-2023", "can-tho-2025-thu")


@pytest.fixture(scope="module")
def catalog() -> UnitCatalog:
    return unit_catalog()


def codes(communes: list[Commune]) -> list[str]:
    return [c.code for c in communes]


# -- the lists ------------------------------------------------------------------------------


def test_the_2023_map_has_63_provinces_and_the_2025_map_34(catalog: UnitCatalog) -> None:
    assert len(catalog.provinces(UnitMap.OLD)) == 63
    assert len(catalog.provinces(UnitMap.NEW)) == 34


def test_the_2025_map_has_3321_communes_and_no_districts(catalog: UnitCatalog) -> None:
    communes = catalog.communes(UnitMap.NEW)
    assert len(communes) == 3321
    assert all(c.district is None for c in communes)
    assert Counter(c.kind for c in communes).keys() == {"phường", "xã", "đặc khu"}


def test_every_province_of_both_maps_has_communes(catalog: UnitCatalog) -> None:
    for unit_map in UnitMap:
        for province in catalog.provinces(unit_map):
            assert catalog.communes(unit_map, province.code), (unit_map, province)


def test_codes_have_the_official_shape_and_are_unique(catalog: UnitCatalog) -> None:
    for unit_map in UnitMap:
        communes = catalog.communes(unit_map)
        assert len(set(codes(communes))) == len(communes)
        for commune in communes:
            assert re.fullmatch(r"\d{5}", commune.code)
            assert re.fullmatch(r"\d{2}", commune.province.code)
            if commune.district:
                assert re.fullmatch(r"\d{3}", commune.district.code)
            assert commune.name == commune.name.strip() and "  " not in commune.name


def test_the_files_are_nfc_utf8() -> None:
    import unicodedata

    for name in ("units-2023.csv", "units-2025.csv", "conversion-2023-2025.csv"):
        text = resource_path("units", name).read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, name


def test_the_2023_list_and_the_presets_share_one_column_layout() -> None:
    """UNIT_COLUMNS heads the national 2023 list and every shipped preset's units.csv."""
    headers = [resource_path("units", "units-2023.csv")]
    headers += [resource_path("presets", name, "units.csv") for name in PRESETS]
    for path in headers:
        with path.open(encoding="utf-8", newline="") as handle:
            assert tuple(next(csv.reader(handle))) == UNIT_COLUMNS, path


def test_soc_trang_2023_agrees_with_the_presets_list(catalog: UnitCatalog) -> None:
    """The preset's units.csv (the domain list soc-trang-2023-units.csv, row for row): its
    109 communes are in the shipped 2023 map with the same codes, names and districts."""
    with resource_path("presets", "soc-trang-2023", "units.csv").open(encoding="utf-8") as f:
        preset = list(csv.DictReader(f))
    shipped = {c.code: c for c in catalog.communes(UnitMap.OLD, SOC_TRANG)}
    assert len(preset) == len(shipped) == 109
    for row in preset:
        commune = shipped[row["commune_code"]]
        assert commune.district is not None
        assert (
            commune.province.code,
            commune.province.name,
            commune.district.code,
            commune.district.name,
            commune.district.kind,
            commune.name,
            commune.kind,
        ) == (
            row["province_code"],
            row["province_name"],
            row["district_code"],
            row["district_name"],
            row["district_kind"],
            row["commune_name"],
            row["commune_kind"],
        )


# -- the conversion -------------------------------------------------------------------------


def test_every_old_commune_converts_to_at_least_one_new_one(catalog: UnitCatalog) -> None:
    for commune in catalog.communes(UnitMap.OLD):
        links = catalog.convert(commune.code)
        assert links, commune
        assert all(link.new.map is UnitMap.NEW for link in links)


def test_every_new_commune_has_a_source_except_the_special_zones_created_new(
    catalog: UnitCatalog,
) -> None:
    without = {c.code for c in catalog.communes(UnitMap.NEW) if not catalog.sources(c.code)}
    assert without == catalog.created_new
    assert without == {"11948", "19742", "20333", "21548", "26732"}
    assert {catalog.commune(UnitMap.NEW, code).kind for code in without} == {"đặc khu"}


def test_each_old_province_goes_whole_into_one_new_province(catalog: UnitCatalog) -> None:
    """No province was split in 2025: a conversion row leading into another province is an
    error (one was, upstream: Tân Phú of An Giang sent to Đồng Tháp)."""
    into: dict[str, set[str]] = {}
    for old in catalog.communes(UnitMap.OLD):
        into.setdefault(old.province.code, set()).update(
            link.new.province.code for link in catalog.convert(old.code)
        )
    assert {code: len(new) for code, new in into.items()} == dict.fromkeys(into, 1)
    assert into[SOC_TRANG] == {CAN_THO_2025}
    (link,) = catalog.convert("30622")
    assert (link.new.code, link.new.name, link.new.province.code) == ("30604", "Xã Vĩnh An", "91")


def test_a_commune_going_whole_into_one_new_commune_is_certain(catalog: UnitCatalog) -> None:
    (link,) = catalog.convert("31498")  # Phường 5, Sóc Trăng city
    assert (link.new.code, link.new.name, link.share, link.basis) == (
        "31507",
        "Phường Sóc Trăng",
        Share.FULL,
        Basis.CODE,
    )
    assert link.certain
    assert link.new.province.code == CAN_THO_2025


def test_a_split_commune_lists_every_new_commune_that_took_a_part(catalog: UnitCatalog) -> None:
    links = catalog.convert("00019")  # Phường Điện Biên, Ba Đình, Hà Nội
    assert sorted(link.new.code for link in links) == ["00004", "00070", "00190", "00226"]
    assert {link.share for link in links} == {Share.PARTIAL}
    assert not any(link.certain for link in links)


def test_phuong_9_renamed_phuong_1_before_the_merger(catalog: UnitCatalog) -> None:
    """In Sóc Trăng city, Phường 9 (31522) took in Phường 1 (31513) and its name before
    July 2025: both 2023 codes become Phường Phú Lợi."""
    for code in ("31513", "31522"):
        (link,) = catalog.convert(code)
        assert (link.new.code, link.new.name, link.share) == ("31510", "Phường Phú Lợi", Share.FULL)
    assert catalog.convert("31513")[0].basis is Basis.NAME
    assert catalog.convert("31522")[0].basis is Basis.CODE


def test_an_old_commune_merged_before_2025_without_heir_offers_its_districts_communes(
    catalog: UnitCatalog,
) -> None:
    candidates = [
        c
        for c in catalog.communes(UnitMap.OLD)
        if catalog.convert(c.code)[0].basis is Basis.DISTRICT
    ]
    assert candidates
    for old in candidates:
        links = catalog.convert(old.code)
        assert len(links) >= 2 and {link.share for link in links} == {Share.UNKNOWN}
        assert not any(link.certain for link in links)


def test_sources_are_the_conversion_read_backwards(catalog: UnitCatalog) -> None:
    sources = {link.old.code for link in catalog.sources("31510")}  # Phường Phú Lợi
    assert {"31510", "31513", "31516", "31519", "31522"} <= sources


# -- search ---------------------------------------------------------------------------------


def test_a_name_typed_without_diacritics_finds_the_commune(catalog: UnitCatalog) -> None:
    found = catalog.find("phu loi", UnitMap.NEW, CAN_THO_2025)
    assert codes(found) == ["31510"]
    assert codes(catalog.find("PHÚ LỢI", UnitMap.NEW, CAN_THO_2025)) == ["31510"]
    assert codes(catalog.find("thi tran chau thanh", UnitMap.OLD, SOC_TRANG)) == ["31569"]
    assert codes(catalog.find("xa ho dac kien", UnitMap.OLD)) == ["31570"]


def test_the_exact_name_comes_before_longer_ones(catalog: UnitCatalog) -> None:
    found = catalog.find("phuong 1", UnitMap.OLD, SOC_TRANG)
    assert [c.name for c in found[:3]] == ["Phường 1"] * 3
    assert found[0].code == "31513"
    assert "Phường 10" in [c.name for c in found[3:]]


def test_numbers_in_names_match_with_or_without_leading_zeros(catalog: UnitCatalog) -> None:
    """The 2023 list writes some wards "Phường 06" (Hồ Chí Minh city); people write 6."""
    sixes = {
        c.code for c in catalog.communes(UnitMap.OLD, "79") if c.name in ("Phường 06", "Phường 6")
    }
    assert any(catalog.commune(UnitMap.OLD, code).name == "Phường 06" for code in sixes)
    for typed in ("phuong 6", "Phường 06", "PHUONG 006"):
        assert set(codes(catalog.find(typed, UnitMap.OLD, "79"))) == sixes, typed


def test_a_code_finds_its_commune_on_each_map(catalog: UnitCatalog) -> None:
    both = catalog.find("31510")
    assert [(c.map, c.name) for c in both] == [
        (UnitMap.OLD, "Phường 2"),
        (UnitMap.NEW, "Phường Phú Lợi"),
    ]
    assert codes(catalog.find("31510", UnitMap.NEW)) == ["31510"]
    assert catalog.find("99999") == []


def test_the_province_filter_knows_which_map_has_that_province(catalog: UnitCatalog) -> None:
    assert {c.map for c in catalog.find("phuong", province=SOC_TRANG)} == {UnitMap.OLD}
    with pytest.raises(NotFoundError, match="Mã tỉnh «94» không có trên bản đồ 2025"):
        catalog.find("phuong", UnitMap.NEW, SOC_TRANG)
    with pytest.raises(NotFoundError, match="Mã tỉnh «00» không có trên bản đồ 2023 lẫn 2025"):
        catalog.find("phuong", province="00")


def test_empty_text_and_unknown_map_are_refused_in_vietnamese() -> None:
    with pytest.raises(ValidationError, match="Hãy gõ tên hoặc mã xã"):
        unit_catalog().find("  ")
    with pytest.raises(ValidationError, match="chọn 2023"):
        parse_unit_map("2024")
    assert parse_unit_map(" 2025 ") is UnitMap.NEW


def test_the_files_are_read_once() -> None:
    assert unit_catalog() is unit_catalog()


def test_the_sources_licences_ship_with_the_lists() -> None:
    """MIT asks for its notice in every copy: both sources are in the About dialog's list,
    with their licence text and a note in Vietnamese on what was taken."""
    from services.upkeep.about import bundled_components

    texts = {c.url: c.license_text() for c in bundled_components() if c.license == "MIT"}
    for url, holder in (
        ("https://github.com/thanglequoc/vietnamese-provinces-database", "Thang Le Quoc"),
        ("https://github.com/dvhcvn/20250701", "Copyright (c) 2025 dvhcvn"),
    ):
        assert holder in texts[url]
        assert "Permission is hereby granted" in texts[url]
        assert "Danh mục đơn vị hành chính đi kèm" in texts[url]
