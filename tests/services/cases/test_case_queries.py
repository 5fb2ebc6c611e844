"""The case list, the case detail and the follow-up queue, headless."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models.codes import FailureReason, Role, Status
from services.cases.demo import generate_demo
from services.cases.detail import case_detail, correct_opened_case, describe_changes
from services.cases.queries import (
    COUNT_LIMIT,
    CaseFilter,
    count_cases,
    fetch_cases,
    operator_choices,
    search_digits,
)
from services.cases.recording import Correction
from services.common.errors import ConflictError, NotFoundError, ValidationError
from services.common.vntime import today_vn
from services.desk.follow_up import (
    FollowUpKind,
    WorkingCalendar,
    add_contact,
    count_follow_up,
    follow_up_cases,
)
from services.security.session_context import Actor
from tests.factories import PHUONG_5, World, vn
from tests.shared_corrections import correct
from tests.shared_desk import operator_at_phu_tam


def manager(world: World) -> Actor:
    return Actor(world.other_operator.id, "minh.tv", "Trần Văn Minh", Role.MANAGER)


NAMES = {
    1: ("Nguyễn Thị Ánh", "Nữ"),
    2: ("Nguyễn Thị Anh Thư", "Nữ"),
    3: ("Trần Thị Ánh Nguyệt", "Nữ"),
    4: ("Lê Văn Đức", "Nam"),
}


@pytest.fixture
def world(session: Session) -> World:
    world = World(session)
    for tail, (name, sex) in NAMES.items():
        facts = world.facts(tail=tail, name=name, sex=sex, phone=f"091234567{tail}")
        world.record(facts, world.report(Status.REGISTERED, f"2023-07-2{tail} 08:00"))
    # One case at another point, for the operator's scope.
    other = world.facts(tail=9, name="Phạm Thị Ánh", residence=PHUONG_5, phone="0987654321")
    world.record(other, world.report(Status.REGISTERED, "2023-07-20 09:00", point="phuong_5"))
    return world


def names(session: Session, actor: Actor, case_filter: CaseFilter) -> list[str]:
    return sorted(row.full_name for row in fetch_cases(session, actor, case_filter))


def test_a_name_typed_without_diacritics_finds_the_person(session: Session, world: World) -> None:
    boss = manager(world)
    # The typed words start the name: "Anh Thư" also starts with "anh" (documented).
    assert names(session, boss, CaseFilter(text="nguyen thi anh")) == [
        "Nguyễn Thị Anh Thư",
        "Nguyễn Thị Ánh",
    ]
    assert names(session, boss, CaseFilter(text="  NGUYỄN   thị ánh ")) == [
        "Nguyễn Thị Anh Thư",
        "Nguyễn Thị Ánh",
    ]
    # A later word of the name matches too; a piece inside a word does not.
    assert names(session, boss, CaseFilter(text="thi anh")) == [
        "Nguyễn Thị Anh Thư",
        "Nguyễn Thị Ánh",
        "Phạm Thị Ánh",
        "Trần Thị Ánh Nguyệt",
    ]
    assert names(session, boss, CaseFilter(text="nguyet")) == ["Trần Thị Ánh Nguyệt"]
    assert names(session, boss, CaseFilter(text="duc")) == ["Lê Văn Đức"]  # đ -> d
    assert names(session, boss, CaseFilter(text="guyen")) == []
    assert names(session, boss, CaseFilter(text="50%_")) == []
    assert count_cases(session, boss, CaseFilter(text="nguyen thi anh")) == 2


def test_digits_search_the_id_number_and_the_phone(session: Session, world: World) -> None:
    boss = manager(world)
    first = fetch_cases(session, boss, CaseFilter(text="Lê Văn Đức"))[0]
    assert names(session, boss, CaseFilter(text=first.id_number[:9])) == ["Lê Văn Đức"]
    assert names(session, boss, CaseFilter(text="0912 345 674")) == ["Lê Văn Đức"]
    assert names(session, boss, CaseFilter(text="+84 912.345.674")) == ["Lê Văn Đức"]
    assert len(names(session, boss, CaseFilter(text="091234567"))) == 4
    assert search_digits("0912-345-678") == "0912345678"
    assert search_digits("Nguyễn 09") is None


def test_filters(session: Session, world: World) -> None:
    boss = manager(world)
    anh = fetch_cases(session, boss, CaseFilter(text="nguyen thi anh thu"))[0]
    by = world.other_operator.id
    at = vn("2023-07-25 10:00")
    correct(session, boss, (anh.id, 1), "Công an đã duyệt", by, status=Status.APPROVED, at=at)
    assert names(session, boss, CaseFilter(status=Status.APPROVED)) == ["Nguyễn Thị Anh Thư"]
    assert names(session, boss, CaseFilter(level=2)) == []
    assert len(names(session, boss, CaseFilter(level=1))) == 5
    assert names(session, boss, CaseFilter(operator_id=world.other_operator.id)) == []
    assert len(names(session, boss, CaseFilter(operator_id=world.operator.id))) == 5
    # The day is the Vietnam-local day of the last change, stamped when it was saved.
    assert names(session, boss, CaseFilter(day=date(2023, 7, 21))) == []
    assert len(names(session, boss, CaseFilter(day=today_vn()))) == 5


def test_an_operator_sees_only_their_point(session: Session, world: World) -> None:
    operator = operator_at_phu_tam(world)
    assert count_cases(session, operator, CaseFilter()) == 4
    assert "Phạm Thị Ánh" not in names(session, operator, CaseFilter(text="anh"))
    assert count_cases(session, manager(world), CaseFilter()) == 5
    other = fetch_cases(session, manager(world), CaseFilter(text="pham thi anh"))[0]
    with pytest.raises(NotFoundError):
        case_detail(session, other.id, operator)
    with pytest.raises(NotFoundError):
        add_contact(session, operator, other.id, "Đã gọi")
    nowhere = Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, None)
    assert count_cases(session, nowhere, CaseFilter()) == 0
    choices = [c.label for c in operator_choices(session, operator)]
    assert choices == ["Nguyễn Thị Lan (lan.nt)"]


def test_pages_follow_each_other_without_gaps_or_repeats(session: Session) -> None:
    generate_demo(session, 1200, seed=1)
    session.flush()
    boss = Actor(None, "cli:test", "cli:test", Role.ADMIN)
    seen: list[int] = []
    page = fetch_cases(session, boss, CaseFilter(), limit=500)
    while page:
        seen.extend(row.id for row in page)
        page = fetch_cases(session, boss, CaseFilter(), after=page[-1], limit=500)
    assert len(seen) == len(set(seen)) == count_cases(session, boss, CaseFilter()) == 1200
    every = fetch_cases(session, boss, CaseFilter(), limit=2000)
    assert [row.id for row in every] == seen
    moments = [row.updated_at for row in every]
    assert moments == sorted(moments, reverse=True)


def test_detail_tells_the_history_with_corrections(session: Session, world: World) -> None:
    boss = manager(world)
    row = fetch_cases(session, boss, CaseFilter(text="le van duc"))[0]
    correct(
        session,
        boss,
        (row.id, 1),
        "Công dân báo sai tên",
        world.other_operator.id,
        world.point_phuong_5.id,
        values={"full_name": "Lê Văn Đực", "phone": ""},
        status=Status.FAILED,
        failure_reason=FailureReason.NOT_OWN_NUMBER,
    )
    detail = case_detail(session, row.id, boss)
    assert detail.full_name == "Lê Văn Đực"
    assert detail.status_label == "Thất bại"
    assert detail.failure_text == "Thuê bao không chính chủ"
    assert detail.residence_name == "Xã Phú Tâm, Huyện Châu Thành"
    first, correction = detail.history
    assert (first.kind_label, first.to_label, first.operator_name) == (
        "Cập nhật trạng thái",
        "Đã đăng ký",
        "Nguyễn Thị Lan",
    )
    assert correction.kind_label == "Sửa hồ sơ"
    assert correction.reason == "Công dân báo sai tên"
    assert correction.point_name == "Bưu điện Sóc Trăng"
    assert correction.operator_name == "Trần Văn Minh"
    lines = {(c.label, c.before, c.after) for c in correction.changes}
    assert lines == {
        ("Họ và tên", "Lê Văn Đức", "Lê Văn Đực"),
        ("Số điện thoại", "0912345674", "(trống)"),
        ("Trạng thái", "Đã đăng ký", "Thất bại"),
    }
    with pytest.raises(ConflictError):  # the form was opened on version 1
        correct_opened_case(
            session,
            boss,
            row.id,
            1,
            Correction("Sửa lần nữa", world.other_operator.id, None, {"notes": "x"}),
        )


def test_changes_json_reads_in_vietnamese(session: Session, world: World) -> None:
    commune = world.tree.commune(PHUONG_5)
    lines = describe_changes(
        '{"birth_date": ["1990-03-15", "1991-03-15"], "residence_commune_id": [null, '
        + str(commune.id)
        + '], "help_reason": ["no_smartphone", null]}',
        world.tree,
    )
    assert [(c.label, c.before, c.after) for c in lines] == [
        ("Ngày sinh", "15/03/1990", "15/03/1991"),
        ("Nơi thường trú", "(trống)", "Phường 5, Thành phố Sóc Trăng"),
        ("Lý do cần hỗ trợ", "Không có điện thoại thông minh", "(trống)"),
    ]
    assert describe_changes("not json")[0].after == "(không đọc được nội dung thay đổi)"


def test_a_refused_correction_changes_nothing(session: Session, world: World) -> None:
    boss = manager(world)
    row = fetch_cases(session, boss, CaseFilter(text="le van duc"))[0]
    with pytest.raises(ValidationError, match="lý do"):
        correct_opened_case(
            session, boss, row.id, 1, Correction("", world.operator.id, None, {"notes": "x"})
        )
    assert len(case_detail(session, row.id).history) == 1


def test_working_days_skip_the_weekend() -> None:
    calendar = WorkingCalendar()
    friday, monday, wednesday = date(2023, 7, 21), date(2023, 7, 24), date(2023, 7, 19)
    assert calendar.add_working_days(friday, 1) == monday
    assert calendar.add_working_days(date(2023, 7, 22), 1) == monday  # Saturday
    assert calendar.add_working_days(wednesday, 3) == monday
    # On Tuesday 25/7, a registration up to Sunday is past its one working day.
    assert calendar.last_start_overdue_by(date(2023, 7, 25), 1) == date(2023, 7, 23)
    assert calendar.last_start_overdue_by(monday, 1) == date(2023, 7, 20)
    holiday = WorkingCalendar(holidays=frozenset({monday}))
    assert holiday.add_working_days(friday, 1) == date(2023, 7, 25)


def queue_world(session: Session) -> World:
    world = World(session)
    plan = [
        (1, 1, Status.REGISTERED, "2023-07-21 10:00"),  # Friday: due Monday, not late yet
        (2, 1, Status.REGISTERED, "2023-07-20 09:00"),  # Thursday: due Friday, late
        (3, 1, Status.APPROVED, "2023-07-22 15:00"),  # approved: call to activate
        (4, 2, Status.APPLICATION_TAKEN, "2023-07-19 08:00"),  # due Monday: listed, not late
        (5, 2, Status.APPLICATION_TAKEN, "2023-07-17 08:00"),  # due Thursday: late
        (6, 1, Status.ACTIVATED, "2023-07-18 08:00"),
    ]
    for tail, level, status, at in plan:
        world.record(
            world.facts(tail=tail, name=f"Người Thứ {tail}"), world.report(status, at, level)
        )
    failed = world.facts(tail=7, name="Người Thứ 7")
    world.record(
        failed,
        world.report(Status.FAILED, "2023-07-18 08:00", reason=FailureReason.QR_SCAN),
    )
    return world


MONDAY = date(2023, 7, 24)


def test_follow_up_queue_content_and_order(session: Session) -> None:
    world = queue_world(session)
    operator = operator_at_phu_tam(world)
    rows = follow_up_cases(session, operator, MONDAY)
    assert [(r.full_name, r.kind, r.overdue) for r in rows] == [
        ("Người Thứ 5", FollowUpKind.LEVEL2_PENDING, True),
        ("Người Thứ 4", FollowUpKind.LEVEL2_PENDING, False),
        ("Người Thứ 2", FollowUpKind.APPROVAL_OVERDUE, True),
        ("Người Thứ 3", FollowUpKind.AWAITING_ACTIVATION, False),
    ]
    assert count_follow_up(session, operator, MONDAY) == 4
    assert rows[0].due_on == date(2023, 7, 20)
    assert rows[0].phone == "0912345678"
    assert rows[3].due_on is None
    # On Tuesday the Friday registration is late too.
    assert count_follow_up(session, operator, date(2023, 7, 25)) == 5
    # Paging keeps the order.
    first = follow_up_cases(session, operator, MONDAY, limit=2)
    rest = follow_up_cases(session, operator, MONDAY, after=first[-1], limit=2)
    assert [r.case_id for r in first + rest] == [r.case_id for r in rows]


def test_contacts_are_noted_and_shown(session: Session) -> None:
    world = queue_world(session)
    operator = operator_at_phu_tam(world)
    row = follow_up_cases(session, operator, MONDAY)[0]
    assert row.last_contact is None
    add_contact(session, operator, row.case_id, "Không nghe máy", at=vn("2023-07-24 08:00"))
    add_contact(session, operator, row.case_id, " Hẹn  mai đến ", at=vn("2023-07-24 15:30"))
    again = follow_up_cases(session, operator, MONDAY)[0]
    assert again.contacts == 2
    assert again.last_contact is not None
    assert again.last_contact.note == "Hẹn mai đến"
    assert again.last_contact.operator_name == "Nguyễn Thị Lan"
    assert [c.note for c in case_detail(session, row.case_id).contacts] == [
        "Không nghe máy",
        "Hẹn mai đến",
    ]
    with pytest.raises(ValidationError):
        add_contact(session, operator, row.case_id, "   ")
    cli = Actor(None, "cli:x", "cli:x", Role.ADMIN)
    with pytest.raises(ValidationError):
        add_contact(session, cli, row.case_id, "Đã gọi")


def test_the_count_stops_past_its_limit_and_says_more_than(session: Session) -> None:
    generate_demo(session, 40, seed=2)
    session.flush()
    boss = Actor(None, "cli:test", "cli:test", Role.ADMIN)
    assert count_cases(session, boss, CaseFilter(), limit=None) == 40
    assert count_cases(session, boss, CaseFilter(), limit=39) == 40  # "more than 39"
    assert count_cases(session, boss, CaseFilter(), limit=10) == 11  # "more than 10"
    assert count_cases(session, boss, CaseFilter(), limit=40) == 40
    assert count_cases(session, boss, CaseFilter()) == 40  # COUNT_LIMIT is far above
    assert COUNT_LIMIT >= 10_000
