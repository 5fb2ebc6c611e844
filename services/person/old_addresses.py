"""Old addresses on cards, new communes in the campaign: the desk's proposal on the 2025 map.

Cards issued before 1 July 2025 stay valid and print the old three-level address
(`Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng`). On a campaign of the two-level
map the address is first matched to an old-map commune of the provinces that now make up
the campaign's province (`services.person.address_match`, same rules as on the old map), then
carried over by the official conversion (`services.campaigns.unit_catalog`): one new commune when
the old one went whole into it, several when it was split, and the desk asks which. The
operator always confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from models.codes import UnitLevel
from services.campaigns.unit_catalog import Commune, UnitMap, unit_catalog
from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import NotFoundError
from services.person.address_match import CommuneMatch, match_commune


@dataclass(frozen=True)
class OldAddressMatch:
    """A commune of the campaign an old address leads to; `old` names the commune the card
    prints, `certain` is False when that commune was split (or its fate is unknown)."""

    commune: UnitInfo
    old: Commune
    certain: bool
    score: int  # `address_match`'s: DISTRICT_NAMED and above when the district matched too

    @property
    def names_old_district(self) -> bool:
        """The address names the old commune's district: an old address for sure (the
        2025 map has no districts), whatever today's commune names it also matches."""
        return self.score >= DISTRICT_NAMED


# A commune matched by name (2 or 3) and its district by name (2 or 3): see address_match.
DISTRICT_NAMED = 4


@cache
def _old_tree(province_codes: frozenset[str]) -> tuple[UnitTree, dict[int, Commune]]:
    """The old-map communes of those provinces as a unit tree (ids are positions)."""
    catalog = unit_catalog()
    units: list[UnitInfo] = []
    commune_of: dict[int, Commune] = {}
    district_ids: dict[str, int] = {}
    for province_code in sorted(province_codes):
        province_id = len(units) + 1
        province = catalog.province(UnitMap.OLD, province_code)
        units.append(
            UnitInfo(
                province_id,
                province.code,
                province.name,
                "tỉnh",
                UnitLevel.PROVINCE.value,
                None,
                0,
                None,
                None,
            )
        )
        for commune in catalog.communes(UnitMap.OLD, province_code):
            assert commune.district is not None
            district_id = district_ids.get(commune.district.code)
            if district_id is None:
                district_id = district_ids[commune.district.code] = len(units) + 1
                units.append(
                    UnitInfo(
                        district_id,
                        commune.district.code,
                        commune.district.name,
                        commune.district.kind,
                        UnitLevel.DISTRICT.value,
                        province_id,
                        len(units),
                        None,
                        None,
                    )
                )
            commune_id = len(units) + 1
            units.append(
                UnitInfo(
                    commune_id,
                    commune.code,
                    commune.name,
                    commune.kind,
                    UnitLevel.COMMUNE.value,
                    district_id,
                    len(units),
                    None,
                    None,
                )
            )
            commune_of[commune_id] = commune
    return UnitTree(units), commune_of


def old_provinces(tree: UnitTree) -> frozenset[str]:
    """The old-map provinces whose communes went into the campaign's communes."""
    catalog = unit_catalog()
    found: set[str] = set()
    for unit in tree.at_level(UnitLevel.COMMUNE):
        try:
            found.update(link.old.province.code for link in catalog.sources(unit.code))
        except NotFoundError:
            continue  # a commune not on the 2025 list (a hand-made campaign)
    return frozenset(found)


def match_old_address(tree: UnitTree, address: str) -> list[OldAddressMatch]:
    """Communes of the campaign (a two-level tree) an old-map address leads to, best first:
    the best-scoring old communes, each carried over to its new commune(s)."""
    provinces = old_provinces(tree)
    if not provinces:
        return []
    old_tree, commune_of = _old_tree(provinces)
    matches: list[CommuneMatch] = match_commune(old_tree, address)
    if not matches:
        return []
    best = matches[0].score
    found: list[OldAddressMatch] = []
    seen: set[str] = set()
    for match in (m for m in matches if m.score == best):
        old = commune_of[match.commune.id]
        links = unit_catalog().convert(old.code)
        for link in links:
            unit = tree.by_code.get(link.new.code)
            if unit is not None and unit.code not in seen:
                seen.add(unit.code)
                found.append(OldAddressMatch(unit, old, link.certain and len(links) == 1, best))
    return found
