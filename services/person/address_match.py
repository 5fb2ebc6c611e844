"""Matching a permanent address, as printed on the card, to a commune of the unit list.

`Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng` -> Xã Phú Tâm (31573). Several
districts have a "Phường 1", so the district, when the address names it, decides.
The operator always confirms: this proposes, it never decides alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.codes import UnitLevel
from services.campaigns.units import UnitInfo, UnitTree
from services.common.text import fold

# Abbreviations seen on cards and forms, folded: "P.5" -> "phuong 5", "TX." -> "thi xa".
_ABBREVIATIONS = [
    (re.compile(r"^tp\.?\s*"), "thanh pho "),
    (re.compile(r"^tx\.?\s*"), "thi xa "),
    (re.compile(r"^tt\.?\s*"), "thi tran "),
    (re.compile(r"^h\.\s*"), "huyen "),
    (re.compile(r"^p\.\s*"), "phuong "),
    (re.compile(r"^x\.\s*"), "xa "),
    (re.compile(r"^q\.\s*"), "quan "),
]
_DISTRICT_KINDS = ("thanh pho", "thi xa", "huyen", "quan")
_COMMUNE_KINDS = ("thi tran", "phuong", "xa")
_KINDS = (*_DISTRICT_KINDS, *_COMMUNE_KINDS, "tinh")


def _kind(part: str) -> str | None:
    return next((k for k in _KINDS if part.startswith(k + " ")), None)


def _parts(address: str) -> list[str]:
    parts = []
    for raw in re.split(r"[,;\-–]", fold(address)):
        part = raw.strip()
        for pattern, replacement in _ABBREVIATIONS:
            part = pattern.sub(replacement, part)
        part = re.sub(r"\s+", " ", part).strip()
        if part:
            parts.append(part)
    return parts


def _bare(name: str) -> str:
    """The name without its kind: "xa phu tam" -> "phu tam"; "phuong 5" stays (a number alone is ambiguous)."""
    for kind in _KINDS:
        if name.startswith(kind + " "):
            rest = name[len(kind) + 1 :]
            return name if rest.isdigit() else rest
    return name


@dataclass(frozen=True)
class CommuneMatch:
    commune: UnitInfo
    score: int


def match_commune(tree: UnitTree, address: str) -> list[CommuneMatch]:
    """Candidate communes for an address, best first (empty when nothing matches)."""
    parts = _parts(address)
    if not parts:
        return []
    # A part written with a district's kind ("Huyện Châu Thành") names no commune, and
    # one with a commune's kind names no district.
    commune_parts = {p for p in parts if _kind(p) not in (*_DISTRICT_KINDS, "tinh")}
    district_parts = {p for p in parts if _kind(p) not in _COMMUNE_KINDS}
    commune_bare = {_bare(p) for p in commune_parts}
    district_bare = {_bare(p) for p in district_parts}
    found: list[CommuneMatch] = []
    for commune in tree.at_level(UnitLevel.COMMUNE):
        name = fold(commune.name)
        score = 0
        if name in commune_parts:
            score = 3
        elif _bare(name) != name and _bare(name) in commune_bare:
            score = 2
        if not score:
            continue
        district = tree.ancestor_at(commune.id, UnitLevel.DISTRICT)
        if district is not None:
            district_name = fold(district.name)
            if district_name in district_parts:
                score += 3
            elif _bare(district_name) in district_bare:
                score += 2
        found.append(CommuneMatch(commune, score))
    found.sort(key=lambda m: (-m.score, m.commune.sort_order))
    return found


def best_commune(tree: UnitTree, address: str) -> UnitInfo | None:
    """The single best match, or None when there is none or the best is a tie."""
    matches = match_commune(tree, address)
    if not matches:
        return None
    if len(matches) > 1 and matches[1].score == matches[0].score:
        return None
    return matches[0].commune
