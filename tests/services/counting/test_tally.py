"""Counting by the plan's rules, with a database whose exact counts are known."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from services.counting.tally import TallyBy, TallyRow, daily_series, tally
from tests.factories import PHU_TAM, PHUONG_5, World, known_world

CHAU_THANH = "942"
TP_SOC_TRANG = "941"
KE_SACH_DISTRICT = "943"


@pytest.fixture
def world(session: Session) -> World:
    return known_world(session)


def row(rows: list[TallyRow], code: str) -> TallyRow:
    return next(r for r in rows if r.code == code)


def test_by_district(session: Session, world: World) -> None:
    result = tally(session, date(2023, 7, 25), TallyBy.DISTRICT)
    assert [r.code for r in result.rows][:4] == ["941", "950", "948", "942"]  # the plan's order
    assert len(result.rows) == 11
    chau_thanh = row(result.rows, CHAU_THANH)
    assert (chau_thanh.level1, chau_thanh.level2, chau_thanh.activated_on_day) == (1, 1, 0)
    soc_trang = row(result.rows, TP_SOC_TRANG)
    assert (soc_trang.level1, soc_trang.level2, soc_trang.activated_on_day) == (1, 1, 2)
    ke_sach = row(result.rows, KE_SACH_DISTRICT)
    assert (ke_sach.level1, ke_sach.level2, ke_sach.activated_on_day) == (1, 0, 1)
    assert (ke_sach.target_total, ke_sach.target_daily) == (76101, 2306)
    total = result.total
    assert (total.level1, total.level2, total.activated, total.activated_on_day) == (3, 2, 5, 3)
    assert (total.code, total.target_total, total.target_daily) == (None, 576903, 17482)


def test_the_next_local_day_includes_the_activation_after_midnight(
    session: Session, world: World
) -> None:
    result = tally(session, date(2023, 7, 26), TallyBy.DISTRICT)
    ke_sach = row(result.rows, KE_SACH_DISTRICT)
    assert (ke_sach.level1, ke_sach.activated_on_day) == (2, 1)
    assert result.total.activated == 6


def test_before_anything_was_activated(session: Session, world: World) -> None:
    result = tally(session, date(2023, 7, 20), TallyBy.DISTRICT)
    assert result.total.activated == 0


def test_by_commune_has_every_commune_and_no_targets(session: Session, world: World) -> None:
    result = tally(session, date(2023, 7, 25), TallyBy.COMMUNE)
    assert len(result.rows) == 109
    phu_tam = row(result.rows, PHU_TAM)
    assert (phu_tam.level1, phu_tam.level2) == (1, 1)
    assert phu_tam.target_total is None and phu_tam.target_daily is None
    assert row(result.rows, PHUONG_5).activated == 2
    assert result.total.activated == 5


def test_by_point_and_by_operator(session: Session, world: World) -> None:
    by_point = tally(session, date(2023, 7, 25), TallyBy.POINT)
    phuong_5 = row(by_point.rows, world.point_phuong_5.code)
    assert (phuong_5.level1, phuong_5.level2) == (2, 1)
    phu_tam = row(by_point.rows, world.point_phu_tam.code)
    assert (phu_tam.level1, phu_tam.level2) == (1, 1)
    assert by_point.total.activated == 5
    by_operator = tally(session, date(2023, 7, 25), TallyBy.OPERATOR)
    assert row(by_operator.rows, "lan.nt").activated == 4
    assert row(by_operator.rows, "minh.tv").activated == 1


def test_json_shape(session: Session, world: World) -> None:
    data = tally(session, date(2023, 7, 25), TallyBy.DISTRICT).as_json()
    assert data["as_of"] == "2023-07-25" and data["by"] == "district"
    assert set(data["rows"][0]) == {
        "code",
        "name",
        "target_total",
        "target_daily",
        "level1",
        "level2",
        "activated",
        "activated_on_day",
    }
    assert data["total"]["code"] is None
    assert data["total"]["activated"] == data["total"]["level1"] + data["total"]["level2"]


def test_daily_series(session: Session, world: World) -> None:
    series = daily_series(session, date(2023, 7, 18), date(2023, 8, 18))
    assert series[date(2023, 7, 25)] == {1: 2, 2: 1}
    assert series[date(2023, 7, 26)] == {1: 1, 2: 0}
    assert sum(sum(v.values()) for v in series.values()) == 6
