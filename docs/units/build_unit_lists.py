"""Rebuild resources/units/*.csv from the upstream files named in resources/units/PROVENANCE.md.

Usage (the four inputs taken with `git show COMMIT:PATH` from the upstream repositories):

    python -m docs.units.build_unit_lists UNITS_2023.sql UNITS_2025.sql SPLITS.json \
        MERGES.json resources/units

UNITS_2023.sql and UNITS_2025.sql: thanglequoc/vietnamese-provinces-database
postgresql/ImportData_vn_units.sql at tags v1.0.4.1 and v3.0.2; SPLITS.json, MERGES.json:
dvhcvn/20250701 mapping/splits.json and mapping/merges.json.

Not part of the program: it runs once, by hand, when the upstream data change.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.campaigns.unit_catalog import UNIT_COLUMNS

_INSERT = re.compile(r"\s*INSERT INTO (\w+)\s*\(")
_TUPLE = re.compile(r"\(((?:'(?:[^']|'')*'|[^()'])*)\)")
_FIELD = re.compile(r"\s*(?:'((?:[^']|'')*)'|([^,]*))\s*(?:,|$)")

PROVINCE_KINDS = ("Thành phố", "Tỉnh")
DISTRICT_KINDS = ("Thành phố", "Thị xã", "Quận", "Huyện")
COMMUNE_KINDS = ("Phường", "Xã", "Thị trấn", "Đặc khu")
# The GSO code list now in force gives these two communes other codes than the dispatch
# 1027/CTK-CSCL that the conversion was built from (see PROVENANCE.md).
RECODED_2025 = {"06970": "06978", "23737": "23938"}
# Pairs of the upstream conversion that the resolutions contradict, put right here.
# Xã Tân Phú (Châu Thành, An Giang) went whole into Xã Vĩnh An of An Giang (Resolution
# 1654/NQ-UBTVQH15, article 1, item 31), not into Xã Tân Phú Trung of Đồng Tháp.
CORRECTIONS = {"30622": ["30604"]}


def nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def sql_rows(path: Path) -> dict[str, list[list[str]]]:
    """The rows of the INSERT statements of a thanglequoc dump, by table."""
    rows: dict[str, list[list[str]]] = defaultdict(list)
    table = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _INSERT.match(line)
        if match:
            table, line = match.group(1), line.split("VALUES", 1)[1]
        for found in _TUPLE.finditer(line):
            text = found.group(1)
            fields = [
                (quoted.replace("''", "'") if quoted is not None else bare.strip())
                for quoted, bare in _FIELD.findall(text)
            ]
            rows[table].append([nfc(field) for field in fields[:8]])
    return rows


def unpadded(name: str) -> str:
    """ "Phường 06" (the 2023 spelling in some cities) -> "Phường 6" (the 2025 spelling)."""
    return re.sub(r"\b0+(\d)", r"\1", name)


def kind_of(full_name: str, kinds: tuple[str, ...]) -> str:
    for kind in kinds:
        if full_name.startswith(kind + " "):
            return kind.lower()
    raise ValueError(f"unknown kind: {full_name}")


def units_2023(rows: dict[str, list[list[str]]]) -> list[list[str]]:
    provinces = {p[0]: p for p in rows["provinces"]}
    districts = {d[0]: d for d in rows["districts"]}
    out = []
    for ward in rows["wards"]:
        district = districts[ward[6]]
        province = provinces[district[6]]
        out.append(
            [
                province[0],
                province[3],
                district[0],
                district[3],
                kind_of(district[3], DISTRICT_KINDS),
                ward[0],
                ward[3],
                kind_of(ward[3], COMMUNE_KINDS),
            ]
        )
    return sorted(out, key=lambda r: (r[0], r[2], r[5]))


def units_2025(rows: dict[str, list[list[str]]]) -> list[list[str]]:
    provinces = {p[0]: p for p in rows["provinces"]}
    out = [
        [w[6], provinces[w[6]][3], w[0], w[3], kind_of(w[3], COMMUNE_KINDS)] for w in rows["wards"]
    ]
    return sorted(out, key=lambda r: (r[0], r[2]))


def main(argv: list[str]) -> None:
    old_sql, new_sql, splits_json, merges_json, out_dir = map(Path, argv)
    old_rows, new_rows = sql_rows(old_sql), sql_rows(new_sql)
    old = units_2023(old_rows)
    new = units_2025(new_rows)
    splits: dict[str, Any] = json.loads(splits_json.read_text(encoding="utf-8"))
    merges: dict[str, Any] = json.loads(merges_json.read_text(encoding="utf-8"))
    conversion = build_conversion(old, new, splits, merges)
    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir / "units-2023.csv", UNIT_COLUMNS, old)
    write(out_dir / "units-2025.csv", UNITS_2025_HEADER, new)
    write(out_dir / "conversion-2023-2025.csv", CONVERSION_HEADER, conversion)


UNITS_2025_HEADER = [
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "commune_kind",
]
CONVERSION_HEADER = ["old_commune_code", "new_commune_code", "share", "basis"]


def build_conversion(
    old: list[list[str]],
    new: list[list[str]],
    splits: dict[str, Any],
    merges: dict[str, Any],
) -> list[list[str]]:
    """old 2023 commune -> new 2025 commune(s), through the 1 March 2025 list that the
    dvhcvn/20250701 conversion is keyed on (rules: resources/units/PROVENANCE.md)."""
    share = {
        (m["old_id"], RECODED_2025.get(c["level2_id"], c["level2_id"])): m["type"]
        for p in merges["data"]
        for c in p["level2s"]
        for m in c["merges"]
    }
    march: dict[str, list[str]] = {}  # code on 1 March 2025 -> new codes
    march_name: dict[str, str] = {}
    district_targets: dict[str, set[str]] = defaultdict(set)
    for province in splits["data"]:
        for unit in province["level3s"]:
            march[unit["level3_id"]] = CORRECTIONS.get(unit["level3_id"]) or [
                RECODED_2025.get(s["new_id"], s["new_id"]) for s in unit["splits"]
            ]
            march_name[unit["level3_id"]] = unpadded(nfc(unit["name"]))
        for district in province.get("level2s", []):
            district_targets[district["level2_id"]].update(s["new_id"] for s in district["splits"])
    districts = march_districts(old, list(march))
    for code, targets in march.items():
        for district in districts[code]:
            district_targets[district].update(targets)
    out: list[list[str]] = []
    for row in old:
        code, district, name = row[5], row[2], unpadded(row[6])
        heirs = [c for c, n in march_name.items() if n == name and district in districts[c]]
        if code in march:
            out += [[code, t, share.get((code, t), "full"), "code"] for t in march[code]]
        elif len(heirs) == 1:
            out += [[code, t, share.get((heirs[0], t), "full"), "name"] for t in march[heirs[0]]]
        else:
            out += [[code, t, "unknown", "district"] for t in sorted(district_targets[district])]
    new_codes = {row[2] for row in new}
    out += [["", c, "", "created"] for c in sorted(new_codes - {r[1] for r in out})]
    unknown = {r[1] for r in out} - new_codes
    if unknown:
        raise ValueError(f"conversion names codes missing from the 2025 list: {sorted(unknown)}")
    return out


def march_districts(old: list[list[str]], march_codes: list[str]) -> dict[str, set[str]]:
    """The 2023 district(s) of each code of 1 March 2025: its own when it existed in 2023,
    else (a code created in 2024–2025) those of its neighbours in code order, since the
    statistics office numbers a new commune within its district's range."""
    old_district = {row[5]: row[2] for row in old}
    ordered = sorted(old_district)
    found: dict[str, set[str]] = {}
    for code in march_codes:
        if code in old_district:
            found[code] = {old_district[code]}
        else:
            at = bisect.bisect_left(ordered, code)
            found[code] = {old_district[c] for c in ordered[max(at - 1, 0) : at + 1]}
    return found


def write(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
