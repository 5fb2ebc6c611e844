"""A new campaign for any province on either map (`campaign new`, the builder window).

One database serves one campaign: the builder writes into a new or empty database the
campaign, its unit tree (the province's communes from the national lists, under their
districts on the 2023 map, directly under the province on the 2025 map) and, when a sheet
laid out like the plan's attachment is given, its targets. All of it in one transaction:
a refusal or a bad targets sheet leaves the database as it was.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Campaign, Case, Setting
from services.campaigns.campaign import MAP_SETTING, active_campaign, add_units
from services.campaigns.unit_catalog import UNIT_COLUMNS, UnitMap, unit_catalog
from services.campaigns.units import UnitTree
from services.common.errors import UserError, ValidationError
from services.common.text import clean_text, fold
from services.common.vntime import format_date
from services.counting.targets import TargetImport, import_targets
from services.security.permissions import Action, require
from services.security.session_context import Actor

MAPS = (2023, 2025)
DEFAULT_HOURS = (time(7, 0), time(21, 0))
TEXT_LENGTH = 300


@dataclass(frozen=True)
class CampaignSpec:
    """What the builder asks: the province on a map, the plan, its period and report."""

    province_code: str
    map_year: int
    name: str
    plan_number: str
    plan_date: date
    first_day: date
    last_day: date
    daily_start: time = DEFAULT_HOURS[0]
    daily_end: time = DEFAULT_HOURS[1]
    report_recipient: str = ""
    report_due_before: date | None = None
    min_age: int = 14
    code: str | None = None  # default: made from the province, the first day and the map


@dataclass
class BuildResult:
    campaign_code: str
    province_name: str
    communes: int
    districts: int
    targets: TargetImport | None = None
    notes: list[str] = field(default_factory=list)
    created: bool = True  # False: this very campaign was already there, nothing written


def parse_hours(text: str) -> tuple[time, time]:
    """`07:00-21:00` as the day's first and last hour of service."""
    found = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
    if found is None:
        raise ValidationError(
            f"Giờ làm việc «{text[:60]}» không đúng dạng: ghi như 07:00-21:00.", "hours"
        )
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValidationError(
            f"Giờ làm việc «{text[:60]}» có giờ không có thật (giờ 0-23, phút 0-59).", "hours"
        ) from None
    if start >= end:
        raise ValidationError("Giờ bắt đầu phải trước giờ kết thúc (ví dụ 07:00-21:00).", "hours")
    return start, end


def check_spec(spec: CampaignSpec) -> list[str]:
    """Refuses what cannot be a campaign; returns notes on what is odd but allowed."""
    if spec.map_year not in MAPS:
        raise ValidationError("Bản đồ hành chính phải là 2023 hoặc 2025.", "map")
    for label, value in (("Tên đợt", spec.name), ("Số kế hoạch", spec.plan_number)):
        if not clean_text(value, label, TEXT_LENGTH):
            raise ValidationError(f"Thiếu {label.lower()}.", "name")
    if spec.report_recipient:
        clean_text(spec.report_recipient, "Nơi nhận báo cáo", TEXT_LENGTH)
    if spec.first_day > spec.last_day:
        raise ValidationError(
            f"Ngày bắt đầu ({format_date(spec.first_day)}) sau ngày kết thúc "
            f"({format_date(spec.last_day)}).",
            "first_day",
        )
    if spec.daily_start >= spec.daily_end:
        raise ValidationError("Giờ bắt đầu phải trước giờ kết thúc.", "hours")
    notes = []
    if spec.plan_date > spec.first_day:
        notes.append(
            f"Ngày ký kế hoạch ({format_date(spec.plan_date)}) sau ngày bắt đầu đợt "
            f"({format_date(spec.first_day)})."
        )
    if spec.report_due_before is not None and spec.report_due_before <= spec.last_day:
        notes.append(
            f"Hạn báo cáo ({format_date(spec.report_due_before)}) không sau ngày cuối của đợt."
        )
    return notes


def campaign_code(province_name: str, map_year: int, first_day: date) -> str:
    """`can-tho-2026-2025map`-like: readable, and distinct per province, map and start."""
    words = re.findall(r"[a-z0-9]+", fold(province_name))
    words = [w for w in words if w not in ("tinh", "thanh", "pho")] or words
    return f"{'-'.join(words)}-{first_day:%Y%m%d}-bd{map_year}"


def refuse_if_in_use(session: Session, wanted: Campaign) -> bool:
    """The builder writes only into a new or empty database. True when the database already
    holds this very campaign (the same command run twice: nothing to do)."""
    existing = session.scalars(select(Campaign)).first()
    if existing is not None:
        if _same_campaign(existing, wanted):
            return True
        raise UserError(
            f"Cơ sở dữ liệu này đã dùng cho đợt «{existing.code}»; mỗi cơ sở dữ liệu chỉ phục vụ "
            "một đợt. Chọn một tệp cơ sở dữ liệu mới (--db) cho đợt mới: không có gì được ghi."
        )
    if session.scalar(select(func.count()).select_from(Case)):
        raise UserError("Cơ sở dữ liệu này đã có hồ sơ: chọn một tệp mới cho đợt mới.")
    return False


_COMPARED = (
    "code", "name", "plan_number", "plan_date", "province_name", "first_day", "last_day",
    "daily_start", "daily_end", "report_due_before", "report_recipient", "min_age",
)  # fmt: skip


def _same_campaign(existing: Campaign, wanted: Campaign) -> bool:
    return all(getattr(existing, name) == getattr(wanted, name) for name in _COMPARED)


def build_campaign(
    session: Session,
    actor: Actor,
    spec: CampaignSpec,
    unit_rows: Sequence[dict[str, str]],
    targets: Path | None = None,
) -> BuildResult:
    """Write the campaign described by `spec` with the units `unit_rows` (a preset's
    `units.csv` layout, one province). The caller commits; on any error it rolls back."""
    require(actor, Action.TARGETS)
    notes = check_spec(spec)
    if not unit_rows:
        raise UserError(f"Không có xã, phường nào của tỉnh mã {spec.province_code}.")
    province_name = unit_rows[0]["province_name"]
    campaign = Campaign(
        code=spec.code or campaign_code(province_name, spec.map_year, spec.first_day),
        name=clean_text(spec.name, "Tên đợt", TEXT_LENGTH),
        plan_number=clean_text(spec.plan_number, "Số kế hoạch", TEXT_LENGTH),
        plan_date=spec.plan_date,
        issuing_body=f"ỦY BAN NHÂN DÂN {province_name.upper()}",
        province_name=province_name,
        first_day=spec.first_day,
        last_day=spec.last_day,
        daily_start=spec.daily_start,
        daily_end=spec.daily_end,
        report_due_before=spec.report_due_before or spec.last_day,
        report_recipient=clean_text(spec.report_recipient, "Nơi nhận báo cáo", TEXT_LENGTH)
        or f"Phòng PC06, Công an {province_name}",
        min_age=spec.min_age,
    )
    if refuse_if_in_use(session, campaign):
        return BuildResult(
            campaign.code, province_name, len(unit_rows), _districts(unit_rows), created=False
        )
    session.add(campaign)
    session.flush()
    add_units(session, campaign, list(unit_rows))
    session.add(Setting(key=MAP_SETTING, value=str(spec.map_year)))
    session.flush()
    result = BuildResult(
        campaign.code,
        province_name,
        communes=len(unit_rows),
        districts=_districts(unit_rows),
        notes=notes,
    )
    if targets is not None:
        result.targets = import_targets(session, actor, targets)
    return result


def _districts(unit_rows: Sequence[dict[str, str]]) -> int:
    return len({row["district_code"] for row in unit_rows if row["district_code"]})


def campaign_map(session: Session) -> int:
    """The map the campaign was planned on: 2025 for a two-level tree (no districts)."""
    stored = session.get(Setting, MAP_SETTING)
    if stored is not None and stored.value.isdigit():
        return int(stored.value)
    return 2023


def province_unit_rows(map_year: int, province_code: str) -> list[dict[str, str]]:
    """The communes of one province from the national lists (`services.campaigns.unit_catalog`), in
    the preset `units.csv` layout: on the 2025 map the district columns are empty.
    Raises `NotFoundError` for a province code not on that map."""
    if map_year not in MAPS:
        raise UserError("Bản đồ hành chính phải là 2023 hoặc 2025.")
    rows = []
    for commune in unit_catalog().communes(UnitMap(str(map_year)), province_code):
        district = commune.district
        rows.append(
            {
                "province_code": commune.province.code,
                "province_name": commune.province.name,
                "district_code": district.code if district else "",
                "district_name": district.name if district else "",
                "district_kind": district.kind if district else "",
                "commune_code": commune.code,
                "commune_name": commune.name,
                "commune_kind": commune.kind,
            }
        )
    return rows


def provinces_of(map_year: int) -> list[tuple[str, str]]:
    """(code, name) of every province on that map, by code."""
    return [(p.code, p.name) for p in unit_catalog().provinces(UnitMap(str(map_year)))]


def write_preset(session: Session, folder: Path) -> None:
    """The campaign of this database as a preset (`init --preset NAME` loads it again):
    `campaign.json`, `units.csv` and `targets.csv` in `folder`, UTF-8, stable order."""
    campaign = active_campaign(session)
    tree = UnitTree.load(session)
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, object] = {
        "code": campaign.code,
        "name": campaign.name,
        "plan_number": campaign.plan_number,
        "plan_date": campaign.plan_date.isoformat(),
        "issuing_body": campaign.issuing_body,
        "province_name": campaign.province_name,
        "first_day": campaign.first_day.isoformat(),
        "last_day": campaign.last_day.isoformat(),
        "daily_start": f"{campaign.daily_start:%H:%M}",
        "daily_end": f"{campaign.daily_end:%H:%M}",
        "report_due_before": campaign.report_due_before.isoformat(),
        "report_recipient": campaign.report_recipient,
        "min_age": campaign.min_age,
        "map": campaign_map(session),
    }
    province = tree.province
    if province.target_total is not None:
        data["province_target"] = {"total": province.target_total, "daily": province.target_daily}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (folder / "campaign.json").write_text(text, encoding="utf-8")
    with (folder / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(UNIT_COLUMNS)
        for commune in tree.at_level(UnitLevel.COMMUNE):
            district = tree.ancestor_at(commune.id, UnitLevel.DISTRICT)
            writer.writerow(
                [province.code, province.name]
                + ([district.code, district.name, district.kind] if district else ["", "", ""])
                + [commune.code, commune.name, commune.kind]
            )
    with (folder / "targets.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["order", "district_code", "unit_as_written_in_plan",
                         "target_total_level1_plus_level2", "target_per_day"])  # fmt: skip
        level = UnitLevel.DISTRICT if tree.has_districts else UnitLevel.COMMUNE
        targeted = [u for u in tree.at_level(level) if u.target_total is not None]
        for order, unit in enumerate(targeted, start=1):
            daily = "" if unit.target_daily is None else unit.target_daily
            writer.writerow([order, unit.code, unit.name, unit.target_total, daily])
