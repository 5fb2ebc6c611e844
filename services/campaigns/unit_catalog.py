"""The official administrative units of Vietnam on both maps, read from `resources/units/`.

The 2023 map: 63 provinces, their districts and communes. The 2025 map: 34 provinces and
their communes, wards and special zones, no districts. The conversion: each old commune's
new commune(s). Provenance and column layout: resources/units/PROVENANCE.md. Pure: no Qt,
no database; the files are read once, on first use.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from services.common.errors import NotFoundError, ValidationError
from services.common.resources import resource_path
from services.common.text import clean, fold, quote_value

# The columns of a unit list with districts: the national list of the 2023 map
# (`units-2023.csv`) and, on either map, a preset's `units.csv` (its district columns empty
# on the 2025 map) are laid out alike.
UNIT_COLUMNS = (
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "district_kind",
    "commune_code",
    "commune_name",
    "commune_kind",
)


class UnitMap(StrEnum):
    OLD = "2023"  # three levels: province, district, commune
    NEW = "2025"  # two levels: province, commune (Resolution 202/2025/QH15)


class Share(StrEnum):
    """How much of an old commune went into a new one."""

    FULL = "full"
    PARTIAL = "partial"  # the old commune was split: the desk asks which part
    UNKNOWN = "unknown"  # the old commune disappeared before 2025: a candidate, the desk asks


class Basis(StrEnum):
    """Why the conversion names that new commune (resources/units/PROVENANCE.md)."""

    CODE = "code"  # the old code was still in force on 1 March 2025: the official conversion
    NAME = "name"  # merged before 2025 into the commune of its district that took its name
    DISTRICT = "district"  # merged before 2025: every new commune of its old district


@dataclass(frozen=True)
class Province:
    map: UnitMap
    code: str
    name: str


@dataclass(frozen=True)
class District:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Commune:
    map: UnitMap
    code: str
    name: str
    kind: str
    province: Province
    district: District | None  # None on the 2025 map


@dataclass(frozen=True)
class Conversion:
    """One new commune an old commune became (or may have become)."""

    old: Commune
    new: Commune
    share: Share
    basis: Basis

    @property
    def certain(self) -> bool:
        return self.share is Share.FULL


def _rows(name: str) -> list[dict[str, str]]:
    with resource_path("units", name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _name_key(name: str) -> str:
    """Folded words, numbers without leading zeros: "Phường 06" and "phuong 6" agree."""
    return " ".join(
        word.lstrip("0") or "0" if word.isdigit() else word for word in fold(name).split()
    )


class UnitCatalog:
    """Every commune of both maps, by map and code, and the conversion between them."""

    def __init__(
        self, communes: list[Commune], conversion: list[tuple[str, str, str, str]]
    ) -> None:
        self._by_code: dict[tuple[UnitMap, str], Commune] = {(c.map, c.code): c for c in communes}
        self._communes: dict[UnitMap, list[Commune]] = defaultdict(list)
        self._folded: dict[tuple[UnitMap, str], str] = {}
        for commune in communes:
            self._communes[commune.map].append(commune)
            self._folded[(commune.map, commune.code)] = _name_key(commune.name)
        self._provinces: dict[UnitMap, dict[str, Province]] = defaultdict(dict)
        for commune in communes:
            self._provinces[commune.map][commune.province.code] = commune.province
        self._forward: dict[str, list[Conversion]] = defaultdict(list)
        self._backward: dict[str, list[Conversion]] = defaultdict(list)
        self.created_new: frozenset[str] = frozenset(
            new for old, new, _share, basis in conversion if basis == "created"
        )
        for old, new, share, basis in conversion:
            if basis == "created":
                continue
            link = Conversion(
                self._by_code[(UnitMap.OLD, old)],
                self._by_code[(UnitMap.NEW, new)],
                Share(share),
                Basis(basis),
            )
            self._forward[old].append(link)
            self._backward[new].append(link)

    @classmethod
    def load(cls) -> UnitCatalog:
        communes = [_commune(row, UnitMap.OLD) for row in _rows("units-2023.csv")]
        communes += [_commune(row, UnitMap.NEW) for row in _rows("units-2025.csv")]
        conversion = [
            (r["old_commune_code"], r["new_commune_code"], r["share"], r["basis"])
            for r in _rows("conversion-2023-2025.csv")
        ]
        return cls(communes, conversion)

    def provinces(self, unit_map: UnitMap) -> list[Province]:
        return sorted(self._provinces[unit_map].values(), key=lambda p: p.code)

    def province(self, unit_map: UnitMap, code: str) -> Province:
        found = self._provinces[unit_map].get(clean(code).zfill(2))
        if found is None:
            raise NotFoundError(
                f"Mã tỉnh {quote_value(clean(code))} không có trên bản đồ {unit_map.value}: "
                "hãy dùng mã 2 chữ số của Cục Thống kê (ví dụ 94 cho Sóc Trăng trên bản đồ "
                "2023, 92 cho Cần Thơ trên bản đồ 2025)."
            )
        return found

    def communes(self, unit_map: UnitMap, province: str | None = None) -> list[Commune]:
        found = self._communes[unit_map]
        if province is not None:
            code = self.province(unit_map, province).code
            found = [c for c in found if c.province.code == code]
        return list(found)

    def commune(self, unit_map: UnitMap, code: str) -> Commune:
        found = self._by_code.get((unit_map, clean(code).zfill(5)))
        if found is None:
            raise NotFoundError(
                f"Mã xã {quote_value(clean(code))} không có trên bản đồ {unit_map.value}."
            )
        return found

    def find(
        self, text: str, unit_map: UnitMap | None = None, province: str | None = None
    ) -> list[Commune]:
        """Communes whose code is `text`, or whose name holds its words (typed with or without
        diacritics, the last word possibly unfinished); exact names first."""
        query = clean(text)
        if not query:
            raise ValidationError("Hãy gõ tên hoặc mã xã cần tìm.")
        if not query.isdigit():
            query = _name_key(query)
        maps = [unit_map] if unit_map else list(UnitMap)
        if province is not None and unit_map is None:
            maps = [m for m in maps if clean(province).zfill(2) in self._provinces[m]]
            if not maps:
                raise NotFoundError(
                    f"Mã tỉnh {quote_value(clean(province))} không có trên bản đồ 2023 lẫn 2025: "
                    "hãy dùng mã 2 chữ số của Cục Thống kê (ví dụ 94 cho Sóc Trăng, 92 cho Cần Thơ)."
                )
        found: list[tuple[int, Commune]] = []
        for each_map in maps:
            for commune in self.communes(each_map, province):
                rank = self._rank(query, commune)
                if rank is not None:
                    found.append((rank, commune))
        found.sort(key=lambda pair: (pair[0], pair[1].map, pair[1].province.code, pair[1].code))
        return [commune for _rank, commune in found]

    def _rank(self, query: str, commune: Commune) -> int | None:
        """0: the code or the whole name; 1: the name without its kind; 2: words of the name.
        `query` is cleaned text: digits (a code) or folded words."""
        if query.isdigit():
            return 0 if query.zfill(5) == commune.code else None
        wanted = query.split()
        words = self._folded[(commune.map, commune.code)].split()
        if wanted == words:
            return 0
        rest = len(words) - len(wanted)
        if rest > 0 and words[rest:] == wanted:
            return 1 if words[:rest] == _name_key(commune.kind).split() else 2
        return 2 if _holds(words, wanted) else None

    def convert(self, code: str) -> list[Conversion]:
        """The new commune(s) of an old-map commune: one when it went whole into one, several
        when it was split (`Share.PARTIAL`) or when only its district is known (`UNKNOWN`)."""
        old = self.commune(UnitMap.OLD, code)
        return list(self._forward[old.code])

    def sources(self, code: str) -> list[Conversion]:
        """The old communes that went (wholly or partly) into a new-map commune."""
        new = self.commune(UnitMap.NEW, code)
        return list(self._backward[new.code])


def _holds(words: list[str], wanted: list[str]) -> bool:
    """`wanted` appears in `words` as consecutive words, the last one possibly unfinished."""
    size = len(wanted)
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        if window[:-1] == wanted[:-1] and window[-1].startswith(wanted[-1]):
            return True
    return False


def _commune(row: dict[str, str], unit_map: UnitMap) -> Commune:
    """A commune of a catalog file; only the old map has districts."""
    district = None
    if unit_map == UnitMap.OLD:
        district = District(row["district_code"], row["district_name"], row["district_kind"])
    return Commune(
        unit_map,
        row["commune_code"],
        row["commune_name"],
        row["commune_kind"],
        Province(unit_map, row["province_code"], row["province_name"]),
        district,
    )


@cache
def unit_catalog() -> UnitCatalog:
    """The shipped catalog, read on first use and kept."""
    return UnitCatalog.load()


def parse_unit_map(text: str) -> UnitMap:
    try:
        return UnitMap(clean(text))
    except ValueError:
        raise ValidationError(
            f"Bản đồ {quote_value(text)} không có: chọn 2023 (63 tỉnh, có cấp huyện) hoặc 2025 "
            "(34 tỉnh, hai cấp)."
        ) from None
