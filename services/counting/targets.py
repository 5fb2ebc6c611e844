"""Targets (chỉ tiêu): set and clear them, share a district's among its communes, check the
communes' sum, and import them from a spreadsheet laid out like the plan's attachment.

Every function changes the session and flushes; the caller commits once per user action.

Sharing a district's target among its communes ("Chia theo tỉ lệ") uses a weight per
commune: explicit weights when given (for example a population column), otherwise the
communes' current targets when every commune has one and they add up to more than zero (so
pressing the button after the district's total changed, or after a commune was edited by
hand, rescales the split the district chose), otherwise equal shares. Parts are rounded
with the largest-remainder method (ties go to the commune listed first), so they add up
exactly to the district's total; the daily target is shared the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Target
from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import ConflictError, NotFoundError, UserError, ValidationError
from services.common.text import clean, fold, fold_key, quote_value
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.reader import Cell, cell_text, is_blank, read_rows

# Big enough for any province; small enough to catch a pasted ID number.
MAX_TARGET = 100_000_000


def _format(value: int) -> str:
    return f"{value:,}".replace(",", ".")


# -- numbers written the Vietnamese way ---------------------------------------------------

_PLAIN = re.compile(r"^\d+$")
_GROUPED_DOTS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_GROUPED_COMMAS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_GROUPED_SPACES = re.compile(r"^\d{1,3}(?: \d{3})+$")


def parse_count(value: Cell, what: str = "Chỉ tiêu") -> int | None:
    """A non-negative whole number as people write it: `50.802`, `50802`, `50 802`, 50802.0.

    Dots (and commas, from an English-locale Excel) group thousands; `None` for an empty
    cell. A fraction (`1,5`, or the number 50.802 that a spreadsheet read as a decimal)
    is refused rather than guessed.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{what} phải là một số nguyên, không phải {quote_value(value)}.")
    if isinstance(value, int | float):
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            raise ValidationError(
                f"{what} {quote_value(cell_text(value).replace('.', ','))} không phải số nguyên. Nếu bảng "
                "tính hiểu nhầm dấu chấm phân cách hàng nghìn thành dấu thập phân, định dạng ô "
                "là Văn bản (Text) rồi gõ lại, ví dụ 50.802."
            )
        number = int(value)
    else:
        text = clean(str(value)).replace("\u00a0", " ")
        if not text:
            return None
        negative = text.startswith("-")
        if negative:
            text = text[1:].strip()
        if _PLAIN.match(text):
            number = int(text)
        elif (
            _GROUPED_DOTS.match(text) or _GROUPED_COMMAS.match(text) or _GROUPED_SPACES.match(text)
        ):
            number = int(re.sub(r"[., ]", "", text))
        else:
            raise ValidationError(
                f"{what} {quote_value(text)} không phải số nguyên không âm (ví dụ: 50.802 hoặc 50802)."
            )
        number = -number if negative else number
    if number < 0:
        raise ValidationError(f"{what} không được âm (đang là {_format(number)}).")
    if number > MAX_TARGET:
        raise ValidationError(f"{what} {_format(number)} quá lớn: kiểm tra lại số đã nhập.")
    return number


# -- setting targets -----------------------------------------------------------------------


def _unit(tree: UnitTree, code: str) -> UnitInfo:
    unit = tree.by_code.get(code.strip())
    if unit is None:
        raise NotFoundError(
            f"Không có đơn vị mã {quote_value(code.strip())} trong danh sách của đợt này."
        )
    return unit


def _target_row(session: Session, unit_id: int) -> Target | None:
    return session.scalars(select(Target).where(Target.unit_id == unit_id)).first()


def _write(session: Session, unit_id: int, total: int, daily: int | None) -> None:
    row = _target_row(session, unit_id)
    if row is None:
        session.add(Target(unit_id=unit_id, total=total, daily=daily))
    else:
        row.total, row.daily = total, daily


def _check(total: Any, daily: Any) -> tuple[int, int | None]:
    checked_total = parse_count(total, "Chỉ tiêu")
    if checked_total is None:
        raise ValidationError("Thiếu chỉ tiêu: nhập một số nguyên không âm, ví dụ 50.802.")
    checked_daily = parse_count(daily, "Chỉ tiêu trong ngày")
    if checked_daily is not None and checked_daily > checked_total:
        raise ValidationError(
            f"Chỉ tiêu trong ngày ({_format(checked_daily)}) lớn hơn chỉ tiêu cả đợt "
            f"({_format(checked_total)}): kiểm tra lại."
        )
    return checked_total, checked_daily


def _audit_targets(session: Session, actor: Actor, summary: str, details: dict[str, Any]) -> None:
    write_audit(session, actor, AuditAction.TARGETS_CHANGED, summary, details)


def set_target(
    session: Session, actor: Actor, unit_code: str, total: Any, daily: Any = None
) -> UnitInfo:
    """Give a unit its target (total, and optionally per day); numbers may be text like 50.802."""
    require(actor, Action.TARGETS)
    unit = _unit(UnitTree.load(session), unit_code)
    checked_total, checked_daily = _check(total, daily)
    _write(session, unit.id, checked_total, checked_daily)
    session.flush()
    _audit_targets(
        session,
        actor,
        f"Chỉ tiêu {unit.name}: {_format(checked_total)}"
        + (f", {_format(checked_daily)}/ngày" if checked_daily is not None else ""),
        {
            "unit": unit.code,
            "before": [unit.target_total, unit.target_daily],
            "after": [checked_total, checked_daily],
        },
    )
    return unit


def clear_target(session: Session, actor: Actor, unit_code: str) -> bool:
    """Remove a unit's target; True when it had one."""
    require(actor, Action.TARGETS)
    unit = _unit(UnitTree.load(session), unit_code)
    row = _target_row(session, unit.id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _audit_targets(
        session,
        actor,
        f"Bỏ chỉ tiêu của {unit.name}",
        {"unit": unit.code, "before": [unit.target_total, unit.target_daily], "after": None},
    )
    return True


# -- sharing a district's target among its communes -------------------------------------


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Whole parts of `total` proportional to `weights`, adding up exactly to `total`."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1.0] * len(weights)
        weight_sum = float(len(weights))
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    short = total - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:short]:
        parts[i] += 1
    return parts


@dataclass
class ShareResult:
    district: UnitInfo
    parts: list[tuple[UnitInfo, int, int | None]]
    weighting: str  # how the weights were chosen, in Vietnamese
    # each commune's (total, daily) before the split, (None, None) without one: for undo
    before: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)


def share_proportionally(
    session: Session,
    actor: Actor,
    district_code: str,
    weights: Mapping[str, float] | None = None,
) -> ShareResult:
    """Share the district's target (total and daily) among its communes; see the module doc."""
    require(actor, Action.TARGETS)
    tree = UnitTree.load(session)
    district = _unit(tree, district_code)
    if district.level != UnitLevel.DISTRICT.value:
        raise ValidationError(f"«{district.name}» không phải đơn vị cấp huyện: không chia được.")
    if district.target_total is None:
        raise ValidationError(
            f"{district.name} chưa có chỉ tiêu: nhập chỉ tiêu của huyện trước rồi mới chia."
        )
    communes = tree.children[district.id]
    if not communes:
        raise ValidationError(f"{district.name} không có xã nào trong danh sách.")
    if weights is not None:
        missing = [c.name for c in communes if c.code not in weights]
        if missing:
            raise ValidationError("Thiếu trọng số cho: " + ", ".join(missing) + ".")
        chosen = [float(weights[c.code]) for c in communes]
        if any(w < 0 for w in chosen):
            raise ValidationError("Trọng số không được âm.")
        weighting = "theo trọng số đã cho"
    elif all(c.target_total is not None for c in communes) and any(
        c.target_total for c in communes
    ):
        chosen = [float(c.target_total or 0) for c in communes]
        weighting = "theo tỉ lệ chỉ tiêu hiện có của các xã"
    else:
        chosen = [1.0] * len(communes)
        weighting = "chia đều cho các xã"
    totals = largest_remainder(district.target_total, chosen)
    dailies: list[int | None] = (
        list(largest_remainder(district.target_daily, chosen))
        if district.target_daily is not None
        else [None] * len(communes)
    )
    parts = list(zip(communes, totals, dailies, strict=True))
    for commune, total, daily in parts:
        _write(session, commune.id, total, daily)
    session.flush()
    _audit_targets(
        session,
        actor,
        f"Chia chỉ tiêu của {district.name} cho {len(parts)} xã ({weighting})",
        {"district": district.code, "communes": {c.code: [t, d] for c, t, d in parts}},
    )
    before = {c.code: (c.target_total, c.target_daily) for c in communes}
    return ShareResult(district, parts, weighting, before)


def undo_share(session: Session, actor: Actor, result: ShareResult) -> None:
    """Give the communes back the targets they had before `result`'s split (one audit
    entry). Refused when a commune's target was changed since: that change would be lost."""
    require(actor, Action.TARGETS)
    tree = UnitTree.load(session)
    changed = [
        commune.name
        for commune, total, daily in result.parts
        if (tree.by_code[commune.code].target_total, tree.by_code[commune.code].target_daily)
        != (total, daily)
    ]
    if changed:
        raise ConflictError(
            "Chỉ tiêu đã được sửa sau khi chia (" + ", ".join(changed) + "): không hoàn tác "
            "được. Sửa lại từng xã nếu cần."
        )
    for commune, _total, _daily in result.parts:
        total, daily = result.before.get(commune.code, (None, None))
        if total is None:
            row = _target_row(session, commune.id)
            if row is not None:
                session.delete(row)
        else:
            _write(session, commune.id, total, daily)
    session.flush()
    _audit_targets(
        session,
        actor,
        f"Hoàn tác chia chỉ tiêu của {result.district.name}: trả lại chỉ tiêu trước đó của "
        f"{len(result.parts)} xã",
        {
            "district": result.district.code,
            "communes": {
                c.code: list(result.before.get(c.code, (None, None))) for c, _, _ in result.parts
            },
            "undo": True,
        },
    )


# -- checking the communes' sum ------------------------------------------------------------


class ShareState(StrEnum):
    NOT_SHARED = "not_shared"  # no commune has a target yet
    MATCH = "match"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class DistrictShare:
    district: UnitInfo
    communes: int
    communes_with_target: int
    communes_total: int
    communes_daily: int

    @property
    def state(self) -> ShareState:
        if self.communes_with_target == 0:
            return ShareState.NOT_SHARED
        if (
            self.communes_with_target == self.communes
            and self.communes_total == self.district.target_total
            and (
                self.district.target_daily is None
                or self.communes_daily == self.district.target_daily
            )
        ):
            return ShareState.MATCH
        return ShareState.MISMATCH

    def describe(self) -> str:
        """One Vietnamese sentence on the state of the split."""
        if self.state == ShareState.NOT_SHARED:
            return "Chưa giao chỉ tiêu cho các xã."
        if self.state == ShareState.MATCH:
            return "Tổng các xã khớp chỉ tiêu của huyện."
        problems = []
        if self.communes_with_target < self.communes:
            problems.append(
                f"còn {self.communes - self.communes_with_target}/{self.communes} xã chưa có "
                "chỉ tiêu"
            )
        if self.communes_total != (self.district.target_total or 0):
            problems.append(
                f"tổng các xã {_format(self.communes_total)} ≠ chỉ tiêu huyện "
                f"{_format(self.district.target_total or 0)}"
            )
        daily = self.district.target_daily
        if daily is not None and self.communes_daily != daily:
            problems.append(
                f"tổng chỉ tiêu ngày của các xã {_format(self.communes_daily)} ≠ {_format(daily)}"
            )
        return "Lệch: " + "; ".join(problems) + "."


def district_shares(tree: UnitTree) -> list[DistrictShare]:
    """For every district, how its communes' targets add up against its own."""
    found = []
    for district in tree.at_level(UnitLevel.DISTRICT):
        communes = tree.children[district.id]
        with_target = [c for c in communes if c.target_total is not None]
        found.append(
            DistrictShare(
                district=district,
                communes=len(communes),
                communes_with_target=len(with_target),
                communes_total=sum(c.target_total or 0 for c in with_target),
                communes_daily=sum(c.target_daily or 0 for c in with_target),
            )
        )
    return found


def mismatches(session: Session) -> list[DistrictShare]:
    """Districts whose communes' targets do not add up to the district's."""
    return [s for s in district_shares(UnitTree.load(session)) if s.state == ShareState.MISMATCH]


# -- importing a plan-like sheet -----------------------------------------------------------

_KIND_PREFIXES: list[tuple[tuple[str, ...], UnitLevel]] = [
    (("thanh", "pho"), UnitLevel.DISTRICT),
    (("tp",), UnitLevel.DISTRICT),
    (("thi", "xa"), UnitLevel.DISTRICT),
    (("tx",), UnitLevel.DISTRICT),
    (("huyen",), UnitLevel.DISTRICT),
    (("h",), UnitLevel.DISTRICT),
    (("thi", "tran"), UnitLevel.COMMUNE),
    (("tt",), UnitLevel.COMMUNE),
    (("xa",), UnitLevel.COMMUNE),
    (("phuong",), UnitLevel.COMMUNE),
    (("p",), UnitLevel.COMMUNE),
]
_TOTAL_NAMES = {"tong", "tongcong", "cong", "toantinh", "tongtoantinh"}
_NAME_HEADER = "donvi"
_HEADER_ROWS = 10


def name_key(name: str) -> tuple[str, UnitLevel | None]:
    """A unit name folded, with its kind prefix taken off: ("soctrang", DISTRICT) for
    "TP Sóc Trăng"; the level is None when the name carries no prefix."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    for prefix, level in _KIND_PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            return "".join(words[len(prefix) :]), level
    return "".join(words), None


def _daily_header(text: str) -> bool:
    key = fold_key(re.sub(r"\(.*?\)", " ", text))
    return key.startswith("chitieu") and key.endswith("trongngay")


def _find_header(rows: list[tuple[int, list[Cell]]]) -> tuple[int, dict[str, int]] | None:
    for number, cells in rows:
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            text = cell_text(cell)
            key = fold_key(text)
            if key == _NAME_HEADER and "name" not in found:
                found["name"] = index
            elif key == "tt" and "order" not in found:
                found["order"] = index
            elif key.startswith("chitieu"):
                if _daily_header(text):
                    found.setdefault("daily", index)
                else:
                    found.setdefault("total", index)
        if "name" in found and "total" in found:
            return number, found
    return None


@dataclass
class ImportedTarget:
    row: int
    unit: UnitInfo
    total: int
    daily: int | None


@dataclass
class TargetImport:
    written: list[ImportedTarget] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row, name as written)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row, message)
    mismatched: list[DistrictShare] = field(default_factory=list)

    @property
    def province(self) -> ImportedTarget | None:
        return next(
            (t for t in self.written if t.unit.level == UnitLevel.PROVINCE.value),
            None,
        )

    def lines(self) -> list[str]:
        """The summary in Vietnamese, one line per fact."""
        units = [t for t in self.written if t.unit.level != UnitLevel.PROVINCE.value]
        lines = [f"Đã ghi chỉ tiêu cho {len(units)} đơn vị."]
        if self.province is not None:
            lines.append(
                f"Chỉ tiêu toàn tỉnh (dòng tổng): {_format(self.province.total)}"
                + (
                    f", {_format(self.province.daily)} mỗi ngày."
                    if self.province.daily is not None
                    else "."
                )
            )
        if self.unmatched:
            lines.append(
                f"{len(self.unmatched)} tên không khớp đơn vị nào trong danh sách (không ghi):"
            )
            lines.extend(f"  Dòng {row}: {quote_value(name)}" for row, name in self.unmatched)
        if self.errors:
            lines.append(f"{len(self.errors)} dòng có lỗi (không ghi):")
            lines.extend(f"  Dòng {row}: {message}" for row, message in self.errors)
        for share in self.mismatched:
            lines.append(f"{share.district.name}: {share.describe()}")
        return lines


class _Matcher:
    """Names as the plan writes them to units; a name matching none or several is unmatched."""

    def __init__(self, tree: UnitTree) -> None:
        self.tree = tree
        self.districts = self._index(tree.at_level(UnitLevel.DISTRICT))
        self.communes_of: dict[int, dict[str, list[UnitInfo]]] = {
            d.id: self._index(tree.children[d.id]) for d in tree.at_level(UnitLevel.DISTRICT)
        }
        self.all_communes = self._index(tree.at_level(UnitLevel.COMMUNE))
        self.province_key = fold_key(tree.province.name)

    @staticmethod
    def _index(units: list[UnitInfo]) -> dict[str, list[UnitInfo]]:
        index: dict[str, list[UnitInfo]] = {}
        for unit in units:
            index.setdefault(name_key(unit.name)[0], []).append(unit)
        return index

    def is_total(self, name: str) -> bool:
        key = fold_key(name)
        return key in _TOTAL_NAMES or key == self.province_key

    def match(self, name: str, district: UnitInfo | None) -> UnitInfo | None:
        key, level = name_key(name)
        if level != UnitLevel.COMMUNE:
            found = self.districts.get(key, [])
            if len(found) == 1:
                return found[0]
        if level == UnitLevel.DISTRICT:
            return None
        communes = (
            self.communes_of.get(district.id, {}) if district is not None else self.all_communes
        )
        found = communes.get(key, [])
        # Without a district above it, a commune name must be unique in the province.
        return found[0] if len(found) == 1 else None


_Row = tuple[int, list[Cell]]


def _table_body(path: Path) -> tuple[dict[str, int], Iterator[_Row]]:
    """The columns the header names (found in the first ten rows), and the rows below it."""
    rows = read_rows(path)
    head: list[_Row] = []
    for number, cells in rows:
        head.append((number, cells))
        if len(head) >= _HEADER_ROWS:
            break
    found = _find_header(head)
    if found is None:
        raise UserError(
            f"Không tìm thấy dòng tiêu đề trong 10 dòng đầu của «{path.name}»: cần các cột "
            "«Đơn vị» và «Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)» (cột «Chỉ tiêu … trong "
            "ngày» nếu có), như bảng phân bổ chỉ tiêu kèm theo kế hoạch."
        )
    header_row, columns = found

    def body() -> Iterator[_Row]:
        yield from (item for item in head if item[0] > header_row)
        yield from rows

    return columns, body()


def _read_targets(
    tree: UnitTree, matcher: _Matcher, columns: dict[str, int], body: Iterable[_Row]
) -> tuple[TargetImport, dict[int, ImportedTarget]]:
    """Each row's unit and numbers, by unit id; unmatched names and bad rows in the result.

    A district row sets the district that the commune names below it are looked up in."""

    def cell(cells: list[Cell], key: str) -> Cell:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    result = TargetImport()
    chosen: dict[int, ImportedTarget] = {}
    district: UnitInfo | None = None
    for number, cells in body:
        if is_blank(cells):
            continue
        name = cell_text(cell(cells, "name"))
        raw_total, raw_daily = cell(cells, "total"), cell(cells, "daily")
        has_numbers = cell_text(raw_total) != "" or cell_text(raw_daily) != ""
        if not name:
            if has_numbers:
                result.errors.append((number, "Có chỉ tiêu nhưng thiếu tên đơn vị."))
            continue
        unit = tree.province if matcher.is_total(name) else matcher.match(name, district)
        if unit is None:
            if has_numbers:  # a note under the table ("* Lưu ý: ...") is not a unit
                result.unmatched.append((number, name))
            continue
        if unit.level == UnitLevel.DISTRICT.value:
            district = unit
        if not has_numbers:
            continue
        try:
            total, daily = _check(raw_total, raw_daily)
        except ValidationError as error:
            result.errors.append((number, f"{name}: {error}"))
            continue
        if unit.id in chosen:
            result.errors.append(
                (
                    number,
                    f"{quote_value(name)} trùng đơn vị với dòng {chosen[unit.id].row}; bỏ qua dòng này.",
                )
            )
            continue
        chosen[unit.id] = ImportedTarget(number, unit, total, daily)
    return result, chosen


def import_targets(session: Session, actor: Actor, path: Path) -> TargetImport:
    """Read a sheet laid out like the plan's attachment and write the targets it gives.

    Columns (header in one of the first ten rows; case, diacritics and spaces ignored):
    `Đơn vị`, `Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)` and, optionally,
    `Chỉ tiêu ... trong ngày` (matched by its first and last words), `TT`, `Ghi chú`.
    District names as the plan writes them (`TP Sóc Trăng`, `TX Vĩnh Châu`, `Châu Thành`);
    communes listed under their district; a total row (`Tỉnh Sóc Trăng`, `Tổng`) gives the
    province's own target. Unmatched names and bad numbers are reported, not written.
    """
    require(actor, Action.TARGETS)
    tree = UnitTree.load(session)
    matcher = _Matcher(tree)
    columns, body = _table_body(path)
    result, chosen = _read_targets(tree, matcher, columns, body)

    for target in chosen.values():
        _write(session, target.unit.id, target.total, target.daily)
    session.flush()
    result.written = sorted(chosen.values(), key=lambda t: t.row)
    write_audit(
        session,
        actor,
        AuditAction.TARGETS_IMPORT,
        f"Nhập chỉ tiêu từ tệp {path.name}: {len(result.written)} đơn vị",
        {"file": path.name, "units": {t.unit.code: [t.total, t.daily] for t in result.written}},
    )
    result.mismatched = [
        s for s in district_shares(UnitTree.load(session)) if s.state == ShareState.MISMATCH
    ]
    return result
