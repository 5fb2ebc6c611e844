"""The campaign of this database, and the presets that set one up (`init --preset`)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Campaign, Setting, Target, Unit
from services.common.errors import NotFoundError, UserError
from services.common.resources import resource_path
from services.common.text import quote_value
from services.common.vntime import format_date

PRESETS_DIR = ("presets",)
# Set (never cleared) once `demo` has written into this database: its figures are test
# data, and every report and tally made from it says so.
DEMO_DATA_SETTING = "contains_demo_data"
DEMO_DATA_WARNING = "CÓ DỮ LIỆU THỬ (demo) – không dùng để báo cáo"
# The administrative map the campaign was planned on ("2023" or "2025"); absent: 2023.
MAP_SETTING = "campaign_map"


def available_presets() -> list[str]:
    folder = resource_path(*PRESETS_DIR)
    return sorted(p.name for p in folder.iterdir() if (p / "campaign.json").is_file())


def active_campaign(session: Session) -> Campaign:
    """The campaign this database serves; a database holds one."""
    campaign = session.scalars(select(Campaign).order_by(Campaign.id)).first()
    if campaign is None:
        raise UserError(
            "Cơ sở dữ liệu chưa có đợt cao điểm nào. Chạy «python main.py init --preset "
            "soc-trang-2023» (hoặc mở ứng dụng để tự khởi tạo)."
        )
    return campaign


def contains_demo_data(session: Session) -> bool:
    """Whether `demo` ever wrote synthetic cases into this database."""
    return session.get(Setting, DEMO_DATA_SETTING) is not None


def has_campaign(session: Session) -> bool:
    return session.scalars(select(Campaign.id)).first() is not None


def ensure_campaign(session: Session, preset: str) -> bool:
    """Load `preset` when the database has no campaign yet; True when it did."""
    if has_campaign(session):
        return False
    load_preset(session, preset)
    return True


@dataclass
class PresetResult:
    campaign_created: bool = False
    units_added: int = 0
    targets_added: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.campaign_created or bool(self.units_added or self.targets_added)


def _preset_dir(name: str) -> Path:
    folder = resource_path(*PRESETS_DIR, name)
    if not (folder / "campaign.json").is_file():
        known = ", ".join(available_presets()) or "(không có)"
        raise NotFoundError(f"Không có bộ dữ liệu mẫu {quote_value(name)}. Các bộ có sẵn: {known}.")
    return folder


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _campaign_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "plan_number": data["plan_number"],
        "plan_date": date.fromisoformat(data["plan_date"]),
        "issuing_body": data["issuing_body"],
        "province_name": data["province_name"],
        "first_day": date.fromisoformat(data["first_day"]),
        "last_day": date.fromisoformat(data["last_day"]),
        "daily_start": time.fromisoformat(data["daily_start"]),
        "daily_end": time.fromisoformat(data["daily_end"]),
        "report_due_before": date.fromisoformat(data["report_due_before"]),
        "report_recipient": data["report_recipient"],
        "min_age": int(data.get("min_age", 14)),
    }


def load_preset(session: Session, name: str) -> PresetResult:
    """Create the campaign, its unit tree and targets; adds only what is missing.

    Running it twice changes nothing, and it never overwrites what a manager
    has edited since (a target changed in the editor stays changed).
    """
    folder = _preset_dir(name)
    data = json.loads((folder / "campaign.json").read_text(encoding="utf-8"))
    result = PresetResult()
    existing = session.scalars(select(Campaign)).all()
    if existing and all(c.code != data["code"] for c in existing):
        raise UserError(
            f"Cơ sở dữ liệu này đã dùng cho đợt «{existing[0].code}»; mỗi cơ sở dữ liệu chỉ phục vụ "
            f"một đợt. Dùng tệp cơ sở dữ liệu khác (--db) cho «{data['code']}»."
        )
    campaign = next((c for c in existing if c.code == data["code"]), None)
    if campaign is None:
        campaign = Campaign(**_campaign_fields(data))
        session.add(campaign)
        session.flush()
        result.campaign_created = True

    if "map" in data and session.get(Setting, MAP_SETTING) is None:
        session.add(Setting(key=MAP_SETTING, value=json.dumps(int(data["map"]))))
    rows = _read_csv(folder / "units.csv")
    target_rows = _read_csv(folder / "targets.csv") if (folder / "targets.csv").is_file() else []
    target_order = {row["district_code"]: int(row["order"]) for row in target_rows}
    units, result.units_added = add_units(session, campaign, rows, target_order)

    targeted = set(session.scalars(select(Target.unit_id)))

    def ensure_target(unit: Unit, total: int, daily: int | None) -> None:
        if unit.id not in targeted:
            session.add(Target(unit_id=unit.id, total=total, daily=daily))
            targeted.add(unit.id)
            result.targets_added += 1

    for row in target_rows:
        unit = units.get(row["district_code"])
        if unit is None:
            result.notes.append(
                f"Chỉ tiêu cho đơn vị {row['district_code']} không có trong danh sách."
            )
            continue
        total_key = next(k for k in row if k.startswith("target_total"))
        daily_key = next((k for k in row if k.startswith("target_per_day")), None)
        daily = int(row[daily_key]) if daily_key and row[daily_key] else None
        ensure_target(unit, int(row[total_key]), daily)
    province_target = data.get("province_target")
    if province_target:
        province_unit = next(u for u in units.values() if u.level == UnitLevel.PROVINCE.value)
        ensure_target(province_unit, int(province_target["total"]), province_target.get("daily"))
    session.flush()
    return result


class _CampaignUnits:
    """The campaign's units by code, adding the ones asked for that it lacks."""

    def __init__(self, session: Session, campaign: Campaign) -> None:
        self.session = session
        self.campaign = campaign
        self.units = {
            u.code: u for u in session.scalars(select(Unit).where(Unit.campaign_id == campaign.id))
        }
        self.added = 0

    def ensure(
        self, code: str, name: str, kind: str, level: UnitLevel, parent: Unit | None, order: int
    ) -> Unit:
        unit = self.units.get(code)
        if unit is None:
            unit = Unit(
                campaign_id=self.campaign.id,
                code=code,
                name=name,
                kind=kind,
                level=level.value,
                parent_id=parent.id if parent else None,
                sort_order=order,
            )
            self.session.add(unit)
            self.session.flush()
            self.units[code] = unit
            self.added += 1
        return unit


def _district_order(rows: list[dict[str, str]], planned: dict[str, int]) -> dict[str, int]:
    """Each district's place: as planned, else after the planned ones in the order of `rows`."""
    order_of: dict[str, int] = {}
    for row in rows:
        code = row["district_code"]
        if code and code not in order_of:
            order_of[code] = planned.get(code, 1000 + len(order_of))
    return order_of


def add_units(
    session: Session,
    campaign: Campaign,
    rows: list[dict[str, str]],
    district_order: dict[str, int] | None = None,
) -> tuple[dict[str, Unit], int]:
    """The campaign's unit tree from rows laid out as a preset's `units.csv` (province,
    district, commune: code, name, kind; the district empty on the two-level map), adding
    only the units it lacks. Returns every unit by code, and how many were added.
    `district_order`: the districts' order in the plan (else their order in `rows`)."""
    tree = _CampaignUnits(session, campaign)
    order_of = _district_order(rows, district_order or {})
    for index, row in enumerate(rows):
        province = tree.ensure(
            row["province_code"], row["province_name"], "tỉnh", UnitLevel.PROVINCE, None, 0
        )
        parent = province
        if row["district_code"]:
            parent = tree.ensure(
                row["district_code"],
                row["district_name"],
                row["district_kind"],
                UnitLevel.DISTRICT,
                province,
                order_of[row["district_code"]],
            )
        tree.ensure(
            row["commune_code"],
            row["commune_name"],
            row["commune_kind"],
            UnitLevel.COMMUNE,
            parent,
            index,
        )
    return tree.units, tree.added


def outside_period_note(first_day: date, last_day: date, day: date) -> str | None:
    """What to tell the desk when `day` is outside the campaign's period (None inside it).
    A case is still recorded on the day it happened: the figures of the period's days do
    not include it, and the report says which days it covers."""
    period = f"từ {format_date(first_day)} đến {format_date(last_day)}"
    if day < first_day:
        return (
            f"Hôm nay ({format_date(day)}) chưa đến thời gian của kế hoạch ({period}). Hồ sơ "
            "vẫn được lưu theo ngày thực tế nhưng không tính vào số liệu các ngày của kế hoạch."
        )
    if day > last_day:
        return (
            f"Kế hoạch đã kết thúc ngày {format_date(last_day)} ({period}). Hồ sơ vẫn được "
            "lưu theo ngày thực tế nhưng không tính vào số liệu các ngày của kế hoạch."
        )
    return None
