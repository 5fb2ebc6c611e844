"""The unit tree of the campaign (province, districts, communes), held in memory: it is small."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Target, Unit
from services.campaigns.campaign import active_campaign
from services.campaigns.unit_catalog import unit_catalog
from services.common.errors import NotFoundError
from services.common.text import fold, quote_value


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    level: str
    parent_id: int | None
    sort_order: int
    target_total: int | None
    target_daily: int | None


class UnitTree:
    """Every unit of the active campaign, indexed by id and by code."""

    def __init__(self, units: list[UnitInfo]) -> None:
        self.units = sorted(units, key=lambda u: (u.sort_order, u.code))
        self.by_id = {u.id: u for u in self.units}
        self.by_code = {u.code: u for u in self.units}
        self.children: dict[int | None, list[UnitInfo]] = defaultdict(list)
        for unit in self.units:
            self.children[unit.parent_id].append(unit)

    @classmethod
    def load(cls, session: Session) -> UnitTree:
        campaign = active_campaign(session)
        rows = session.execute(
            select(Unit, Target.total, Target.daily)
            .outerjoin(Target, Target.unit_id == Unit.id)
            .where(Unit.campaign_id == campaign.id)
        ).all()
        return cls(
            [
                UnitInfo(
                    u.id, u.code, u.name, u.kind, u.level, u.parent_id, u.sort_order, total, daily
                )
                for u, total, daily in rows
            ]
        )

    @property
    def province(self) -> UnitInfo:
        return next(u for u in self.units if u.level == UnitLevel.PROVINCE.value)

    def at_level(self, level: UnitLevel) -> list[UnitInfo]:
        return [u for u in self.units if u.level == level.value]

    @property
    def has_districts(self) -> bool:
        return any(u.level == UnitLevel.DISTRICT.value for u in self.units)

    def commune(self, code: str) -> UnitInfo:
        unit = self.by_code.get(code.strip())
        if unit is None or unit.level != UnitLevel.COMMUNE.value:
            raise NotFoundError(
                f"Mã xã {quote_value(code.strip())} không có trong danh sách đơn vị hành chính "
                f"của đợt này.{self._old_code_hint(code.strip())}"
            )
        return unit

    def _old_code_hint(self, code: str) -> str:
        """On a campaign of the two-level map, what an old-map commune code became: cards and
        old lists still carry the communes as they stood before 1 July 2025."""
        if self.has_districts:
            return ""
        try:
            conversions = unit_catalog().convert(code)
        except NotFoundError:
            return ""
        here = [c for c in conversions if c.new.code in self.by_code]
        if not here:
            return ""
        old = here[0].old
        printed = old.name + (f", {old.district.name}" if old.district else "")
        if len(here) == 1 and here[0].certain:
            new = here[0].new
            return (
                f" Đó là mã theo địa giới cũ ({printed}): nay là {new.name}, mã {new.code}. "
                "Ghi mã xã mới."
            )
        names = " hoặc ".join(f"{c.new.name} (mã {c.new.code})" for c in here)
        return (
            f" Đó là mã theo địa giới cũ ({printed}): nay thuộc {names}: hỏi công dân nơi ở "
            "hiện nay rồi ghi mã xã mới."
        )

    def ancestor_at(self, unit_id: int, level: UnitLevel) -> UnitInfo | None:
        unit: UnitInfo | None = self.by_id[unit_id]
        while unit is not None and unit.level != level.value:
            unit = self.by_id.get(unit.parent_id) if unit.parent_id is not None else None
        return unit

    def full_name(self, unit_id: int) -> str:
        """«Xã Phú Tâm, Huyện Châu Thành»: the province left out."""
        parts = []
        unit: UnitInfo | None = self.by_id[unit_id]
        while unit is not None and unit.level != UnitLevel.PROVINCE.value:
            parts.append(unit.name)
            unit = self.by_id.get(unit.parent_id) if unit.parent_id is not None else None
        return ", ".join(parts)

    def search_communes(self, query: str) -> list[UnitInfo]:
        """Communes whose name or full name contains the folded query."""
        key = fold(query)
        return [
            u
            for u in self.at_level(UnitLevel.COMMUNE)
            if key in fold(self.full_name(u.id)) or key == u.code
        ]
