"""Counting by the plan's rules, with a database whose exact counts are known."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from services.tally import TallyBy, TallyRow, daily_series, tally
from tests.factories import KE_SACH, PHU_TAM, PHUONG_5, World

CHAU_THANH = "942"
TP_SOC_TRANG = "941"
KE_SACH_DISTRICT = "943"


@pytest.fixture
def world(session: Session) -> World:
    """Eight cases; what counts on 25/07/2023 is listed beside each."""
    w = World(session)
    # 1. Level 1, lives in Phú Tâm (942), taken in Phường 5 (941), activated 21/07: counts 942.
    a = w.facts(tail=1, residence=PHU_TAM)
    w.record(a, w.report(Status.REGISTERED, "2023-07-20 08:00", point="phuong_5"))
    w.record(a, w.report(Status.ACTIVATED, "2023-07-21 09:00", point="phuong_5"))
    # 2. Level 2 of the same person, taken in Phường 5, activated 25/07: counts 941, on the day.
    w.record(a, w.report(Status.APPLICATION_TAKEN, "2023-07-20 08:10", level=2, point="phuong_5"))
    w.record(a, w.report(Status.ACTIVATED, "2023-07-25 20:59", level=2, point="phuong_5"))
    # 3. Level 1, lives in Kế Sách (943), activated 25/07 at 23:30 local: counts 943, on the day.
    b = w.facts(tail=2, residence=KE_SACH, name="Lê Văn Bình", sex="Nam")
    w.record(b, w.report(Status.ACTIVATED, "2023-07-25 23:30"))
    # 4. Level 1, activated 26/07 at 00:05 local (25/07 17:05 UTC): not yet on 25/07.
    c = w.facts(tail=3, residence=KE_SACH, name="Thạch Thị Sa Rết")
    w.record(c, w.report(Status.ACTIVATED, "2023-07-26 00:05"))
    # 5. Level 1, only approved: never counts.
    d = w.facts(tail=4, residence=PHU_TAM, name="Sơn Thị Hoa")
    w.record(d, w.report(Status.APPROVED, "2023-07-22 10:00"))
    # 6. Level 1, failed: never counts.
    e = w.facts(tail=5, residence=PHU_TAM, name="Danh Thị Mai")
    w.record(e, w.report(Status.FAILED, "2023-07-22 10:00", reason=FailureReason.QR_SCAN))
    # 7. Level 2 taken in Phú Tâm for someone living in Phường 5, activated 24/07: counts 942.
    f = w.facts(tail=6, residence=PHUONG_5, name="Kim Thị Yến")
    w.record(f, w.report(Status.ACTIVATED, "2023-07-24 10:00", level=2))
    # 8. Level 1 by the other operator, lives in Phường 5, activated 25/07 07:00: counts 941.
    g = w.facts(tail=7, residence=PHUONG_5, name="Lâm Văn Tài", sex="Nam")
    report = w.report(Status.ACTIVATED, "2023-07-25 07:00", point="phuong_5")
    w.record(g, report.__class__(**{**report.__dict__, "operator_id": w.other_operator.id}))
    session.commit()
    return w


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
