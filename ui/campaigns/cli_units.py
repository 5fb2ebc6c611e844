"""`units find`: look up communes of the official unit lists (2023 and 2025 maps) and convert
an old-map commune to its new one(s). Reads only the shipped lists: no database, no sign-in."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from services.campaigns.unit_catalog import (
    Commune,
    Conversion,
    Share,
    UnitMap,
    parse_unit_map,
    unit_catalog,
)
from services.common.errors import NotFoundError, ValidationError
from services.common.text import quote_value
from ui.shell.cli_common import Command, option

EXIT_OK = 0
TEXT_LIMIT = 50  # lines printed without --json; the JSON holds every match
SHARE_WORDS = {Share.FULL: "toàn bộ", Share.PARTIAL: "một phần", Share.UNKNOWN: "có thể"}


UNIT_PARSERS = (
    Command(
        "units",
        "tra cứu đơn vị hành chính (bản đồ 2023 và 2025) và chuyển xã cũ sang xã mới",
        subcommands=(
            Command(
                "find",
                "tìm xã theo tên (có hoặc không dấu) hoặc theo mã",
                (
                    option(
                        "text", metavar="TÊN_HOẶC_MÃ", help="ví dụ: «phuong 1», «Phú Lợi», 31513"
                    ),
                    option("--map", metavar="2023|2025", help="chỉ tìm trên một bản đồ"),
                    option("--province", metavar="MÃ", help="chỉ tìm trong một tỉnh (mã 2 chữ số)"),
                    option("--json", action="store_true", help="in dạng JSON"),
                    option(
                        "--convert",
                        action="store_true",
                        help="với mỗi xã của bản đồ 2023: xã (các xã) mới trên bản đồ 2025",
                    ),
                ),
            ),
        ),
        dest="units_command",
    ),
)


def cmd_units(args: argparse.Namespace, out: TextIO) -> int:
    unit_map = parse_unit_map(args.map) if args.map else None
    if args.convert:
        if unit_map is UnitMap.NEW:
            raise ValidationError(
                "--convert chuyển xã của bản đồ 2023 sang bản đồ 2025: bỏ «--map 2025» "
                "hoặc dùng «--map 2023»."
            )
        unit_map = UnitMap.OLD
    catalog = unit_catalog()
    found = catalog.find(args.text, unit_map, args.province)
    if args.json:
        rows = [_commune_json(c, catalog.convert(c.code) if args.convert else None) for c in found]
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    if not found:
        raise NotFoundError(
            f"Không tìm thấy xã nào khớp {quote_value(args.text)}: thử gõ ít chữ hơn, "
            "bỏ «--province» hoặc «--map»."
        )
    for commune in found[:TEXT_LIMIT]:
        print(_commune_line(commune), file=out)
        if args.convert:
            for line in _conversion_lines(catalog.convert(commune.code)):
                print(line, file=out)
    if len(found) > TEXT_LIMIT:
        print(
            f"… và {len(found) - TEXT_LIMIT} xã khác: thu hẹp bằng «--province» hoặc dùng «--json».",
            file=sys.stderr,
        )
    return EXIT_OK


def _commune_line(commune: Commune) -> str:
    places = [commune.district.name] if commune.district else []
    places.append(commune.province.name)
    return f"{commune.code}  {commune.name} · {' · '.join(places)} (bản đồ {commune.map.value})"


def _conversion_lines(links: list[Conversion]) -> list[str]:
    lines = []
    if any(link.share is Share.UNKNOWN for link in links):
        lines.append(
            f"    sáp nhập trước năm 2025, chỉ biết huyện cũ: {len(links)} xã mới có thể, "
            "hỏi người dân để chọn"
        )
    elif len(links) > 1:
        lines.append(f"    được chia cho {len(links)} xã mới: hỏi người dân ở phần nào để chọn")
    for link in links:
        new = link.new
        lines.append(
            f"    → {new.code}  {new.name} · {new.province.name} ({SHARE_WORDS[link.share]})"
        )
    return lines


def _commune_json(commune: Commune, links: list[Conversion] | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "map": commune.map.value,
        "code": commune.code,
        "name": commune.name,
        "kind": commune.kind,
        "district": (
            {"code": commune.district.code, "name": commune.district.name}
            if commune.district
            else None
        ),
        "province": {"code": commune.province.code, "name": commune.province.name},
    }
    if links is not None:
        row["new"] = [
            {
                "code": link.new.code,
                "name": link.new.name,
                "kind": link.new.kind,
                "province": {"code": link.new.province.code, "name": link.new.province.name},
                "share": link.share.value,
                "basis": link.basis.value,
            }
            for link in links
        ]
    return row


UNIT_COMMANDS = {"units": cmd_units}
