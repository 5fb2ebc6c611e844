"""The dashboard's numbers, checked against the known world and against `tally`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from services.common.errors import NotFoundError
from services.counting.dashboard import (
    CampaignClock,
    ChildKind,
    Pace,
    Progress,
    dashboard,
    needed_per_day,
)
from services.counting.tally import TallyBy, tally
from services.counting.targets import set_target
from tests.factories import CLI, PHU_TAM, PHUONG_5, World, known_world

AS_OF = date(2023, 7, 25)


@pytest.fixture
def world(session: Session) -> World:
    return known_world(session)


def test_the_clock() -> None:
    clock = CampaignClock(date(2023, 7, 18), date(2023, 8, 18), AS_OF)
    assert (clock.campaign_days, clock.elapsed_days, clock.days_left) == (32, 8, 24)
    before = CampaignClock(date(2023, 7, 18), date(2023, 8, 18), date(2023, 7, 1))
    assert (before.elapsed_days, before.days_left) == (0, 32)
    last = CampaignClock(date(2023, 7, 18), date(2023, 8, 18), date(2023, 8, 18))
    assert (last.elapsed_days, last.days_left) == (32, 0)
    after = CampaignClock(date(2023, 7, 18), date(2023, 8, 18), date(2023, 9, 1))
    assert (after.elapsed_days, after.days_left) == (32, 0)
    assert needed_per_day(100, 3) == 34
    assert needed_per_day(100, 0) == 100
    assert needed_per_day(0, 5) == 0


def test_the_last_day_and_the_end() -> None:
    first, last = date(2023, 7, 18), date(2023, 8, 18)
    on_last = CampaignClock(first, last, last, today=last)
    assert (on_last.days_left, on_last.last_day_now, on_last.ended) == (0, True, False)
    passed = CampaignClock(first, last, last, today=date(2023, 8, 19))
    assert (passed.days_left, passed.last_day_now, passed.ended) == (0, False, True)
    assert CampaignClock(first, last, date(2023, 9, 1)).ended
    looking_back = CampaignClock(first, last, AS_OF, today=date(2023, 9, 1))
    assert (looking_back.days_left, looking_back.ended) == (24, False)

    def progress(clock: CampaignClock) -> Progress:
        return Progress(
            "941", "Thành phố Sóc Trăng", 900, 100, 10, 0, 5000, 200, None,
            clock.days_left, campaign_ended=clock.ended,
        )  # fmt: skip

    assert progress(on_last).needed_per_day == 4000  # everything, on the last day
    over = progress(passed)
    assert over.needed_per_day is None and over.remaining == 4000  # a shortfall, no rate


def test_province_headline(session: Session, world: World) -> None:
    board = dashboard(session, AS_OF)
    unit = board.unit
    assert (unit.name, unit.target_total, unit.target_daily) == ("Tỉnh Sóc Trăng", 576903, 17482)
    assert (unit.level1, unit.level2, unit.activated) == (3, 2, 5)
    assert (unit.level1_on_day, unit.level2_on_day, unit.on_day) == (2, 1, 3)
    assert unit.expected == pytest.approx(576903 * 8 / 32)
    assert unit.remaining == 576898
    assert unit.needed_per_day == -(-576898 // 24)
    assert unit.pace == Pace.BEHIND
    assert board.clock.days_left == 24
    assert [c.name for c in board.path] == ["Tỉnh Sóc Trăng"]


def test_province_children_are_the_districts_as_tally_counts_them(
    session: Session, world: World
) -> None:
    board = dashboard(session, AS_OF)
    assert board.child_kind == ChildKind.DISTRICT
    expected = tally(session, AS_OF, TallyBy.DISTRICT)
    assert [c.code for c in board.children] == [r.code for r in expected.rows]
    for child, row in zip(board.children, expected.rows, strict=True):
        assert (child.level1, child.level2, child.on_day) == (
            row.level1,
            row.level2,
            row.activated_on_day,
        )
        assert child.drillable
    city = next(c for c in board.children if c.code == "941")
    assert (city.activated, city.on_day, city.target_total) == (2, 2, 50802)


def test_the_daily_series_runs_from_the_first_day_to_the_chosen_one(
    session: Session, world: World
) -> None:
    board = dashboard(session, AS_OF)
    assert board.series[0].day == date(2023, 7, 18)
    assert board.series[-1].day == AS_OF
    by_day = {d.day: d.activated for d in board.series}
    assert by_day[date(2023, 7, 21)] == 1
    assert by_day[date(2023, 7, 24)] == 1
    assert by_day[date(2023, 7, 25)] == 3
    assert sum(by_day.values()) == 5
    assert board.series_target == 17482


def test_drill_to_a_district(session: Session, world: World) -> None:
    board = dashboard(session, AS_OF, "942")
    assert [c.name for c in board.path] == ["Tỉnh Sóc Trăng", "Huyện Châu Thành"]
    assert board.child_kind == ChildKind.COMMUNE
    assert (board.unit.activated, board.unit.target_total, board.unit.target_daily) == (
        2,
        46680,
        1415,
    )
    phu_tam = next(c for c in board.children if c.code == PHU_TAM)
    assert (phu_tam.level1, phu_tam.level2) == (1, 1)
    assert phu_tam.target_total is None and phu_tam.pace == Pace.NONE
    assert sum(c.activated for c in board.children) == 2
    assert {d.day: d.activated for d in board.series if d.activated} == {
        date(2023, 7, 21): 1,
        date(2023, 7, 24): 1,
    }
    assert board.series_target == 1415


def test_drill_to_a_commune_shows_its_points_without_targets(
    session: Session, world: World
) -> None:
    board = dashboard(session, AS_OF, PHUONG_5)
    assert [c.code for c in board.path] == [None, "941", PHUONG_5]
    assert board.child_kind == ChildKind.POINT
    assert board.unit.activated == 2
    assert [c.name for c in board.children] == ["Bưu điện Sóc Trăng"]
    point = board.children[0]
    # What the point took in: two level 1 (one lives in Phú Tâm) and one level 2.
    assert (point.level1, point.level2, point.target_total, point.pace) == (2, 1, None, Pace.NONE)
    assert not point.drillable


def test_a_commune_target_gives_it_a_pace(session: Session, world: World) -> None:
    set_target(session, CLI, PHUONG_5, 3, 1)
    session.commit()
    board = dashboard(session, AS_OF, "941")
    phuong_5 = next(c for c in board.children if c.code == PHUONG_5)
    # Expected 3 * 8 / 32 = 0.75 by 25/07; 2 activated: ahead.
    assert phuong_5.expected == pytest.approx(0.75)
    assert phuong_5.pace == Pace.ON_PLAN
    assert phuong_5.share_of_daily == 2


@pytest.mark.parametrize(
    ("activated", "pace"), [(100, Pace.ON_PLAN), (80, Pace.CLOSE), (79, Pace.BEHIND)]
)
def test_pace_thresholds(activated: int, pace: Pace) -> None:
    from services.counting.dashboard import Progress

    progress = Progress("x", "x", activated, 0, 0, 0, 400, None, 100.0, 10)
    assert progress.pace == pace


def test_an_unknown_unit(session: Session, world: World) -> None:
    with pytest.raises(NotFoundError):
        dashboard(session, AS_OF, "99999")
