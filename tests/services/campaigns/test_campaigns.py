"""The Sóc Trăng 2023 preset: the plan's dates, units, codes and targets."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Target, Unit
from services.campaigns.campaign import active_campaign, available_presets, load_preset
from services.campaigns.units import UnitTree
from services.common.errors import NotFoundError


def test_campaign_facts(session: Session) -> None:
    campaign = active_campaign(session)
    assert campaign.plan_number == "142/KH-UBND"
    assert campaign.plan_date == date(2023, 7, 14)
    assert (campaign.first_day, campaign.last_day) == (date(2023, 7, 18), date(2023, 8, 18))
    assert (campaign.daily_start, campaign.daily_end) == (time(7), time(21))
    assert campaign.report_due_before == date(2023, 8, 19)
    assert "PC06" in campaign.report_recipient and "294 Lê Hồng Phong" in campaign.report_recipient
    assert campaign.min_age == 14


def test_unit_tree(session: Session) -> None:
    tree = UnitTree.load(session)
    assert tree.province.code == "94"
    assert len(tree.at_level(UnitLevel.DISTRICT)) == 11
    assert len(tree.at_level(UnitLevel.COMMUNE)) == 109
    phu_tam = tree.commune("31573")
    assert phu_tam.name == "Xã Phú Tâm"
    district = tree.ancestor_at(phu_tam.id, UnitLevel.DISTRICT)
    assert district is not None and district.code == "942"
    assert tree.full_name(phu_tam.id) == "Xã Phú Tâm, Huyện Châu Thành"
    assert [u.code for u in tree.search_communes("phu tam")] == ["31573"]
    with pytest.raises(NotFoundError, match="99999"):
        tree.commune("99999")


def test_targets_as_the_plan_prints_them(session: Session) -> None:
    tree = UnitTree.load(session)
    vinh_chau = tree.by_code["950"]
    assert (vinh_chau.target_total, vinh_chau.target_daily) == (75019, 2273)
    districts = tree.at_level(UnitLevel.DISTRICT)
    assert sum(d.target_total or 0 for d in districts) == 576903
    assert sum(d.target_daily or 0 for d in districts) == 17480  # the plan's total row says 17,482
    assert (tree.province.target_total, tree.province.target_daily) == (576903, 17482)


def test_loading_twice_changes_nothing_and_keeps_edits(session: Session) -> None:
    target = session.scalars(select(Target).join(Unit).where(Unit.code == "941")).one()
    target.total = 51000  # a manager's edit
    session.commit()
    result = load_preset(session, "soc-trang-2023")
    assert not result.changed
    assert session.scalar(select(func.count()).select_from(Unit)) == 121
    assert session.scalars(select(Target).join(Unit).where(Unit.code == "941")).one().total == 51000


def test_presets_listed_and_unknown_refused(session: Session) -> None:
    assert "soc-trang-2023" in available_presets()
    with pytest.raises(NotFoundError):
        load_preset(session, "khong-co")
