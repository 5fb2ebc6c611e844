"""The outreach rules on their own, for any input: status moves and their fold, matching keys,
the SMS text (length, no diacritics)."""

from __future__ import annotations

import itertools
import unicodedata
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.codes import OutreachStatus
from services.common.errors import ValidationError
from services.outreach.lists import (
    MANUAL_MOVES,
    NOT_TO_CONTACT,
    PROGRESS_COLUMNS,
    STATUS_LABELS,
    automatic_target,
    check_manual_move,
    entry_uid,
    fold_status,
    parse_outreach_status,
)
from services.outreach.schedule import (
    DEFAULT_TEMPLATE,
    SMS_LENGTH,
    Appointed,
    ascii_text,
    check_template,
    reachable,
    sms_message,
    sms_phone,
)

S = OutreachStatus
statuses = st.sampled_from(list(OutreachStatus))
# Vietnamese letters, with every diacritic, spaces and a little punctuation.
VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " .,-/"), max_size=120
)


def test_every_status_has_a_label_and_moves() -> None:
    assert set(STATUS_LABELS) == set(OutreachStatus) == set(MANUAL_MOVES)
    assert all(parse_outreach_status(label) == status for status, label in STATUS_LABELS.items())
    assert parse_outreach_status("da thong bao") == S.NOTIFIED
    with pytest.raises(ValidationError, match="không hợp lệ"):
        parse_outreach_status("đã chuyển đi")


@given(current=statuses, target=statuses)
def test_came_and_activated_are_never_set_by_hand(
    current: OutreachStatus, target: OutreachStatus
) -> None:
    if target in (S.CAME, S.ACTIVATED) or current in (S.CAME, S.ACTIVATED):
        with pytest.raises(ValidationError):
            check_manual_move(current, target)
    elif target in MANUAL_MOVES[current]:
        check_manual_move(current, target)


@given(current=statuses, activated=st.booleans())
def test_the_desk_moves_people_forward_only(current: OutreachStatus, activated: bool) -> None:
    target = automatic_target(current, activated)
    if current in (S.ACTIVATED, S.HAD_ACCOUNT):
        assert target is None
    elif activated:
        assert target == S.ACTIVATED
    else:
        assert target == (None if current == S.CAME else S.CAME)
    # Applied twice, the second time moves nothing.
    if target is not None:
        assert automatic_target(target, activated) is None


moments = st.datetimes(
    min_value=datetime(2023, 7, 1), max_value=datetime(2023, 9, 1), timezones=st.just(UTC)
)
events = st.lists(
    st.tuples(moments, st.text("0123456789abcdef", min_size=32, max_size=32), statuses).map(
        lambda e: (e[0], e[1], e[2].value)
    ),
    max_size=12,
    unique_by=lambda e: e[1],
)


@given(history=events, order=st.randoms())
def test_the_fold_does_not_depend_on_the_order_events_arrive_in(
    history: list[tuple[datetime, str, str]], order: object
) -> None:
    shuffled = list(history)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fold_status(shuffled) == fold_status(history)
    if history:
        assert fold_status(history).value == max(history)[2]
    else:
        assert fold_status(history) == S.NOT_CONTACTED


def test_progress_columns_form_a_funnel() -> None:
    order = ["notified", "appointed", "came", "activated"]
    for wider, narrower in itertools.pairwise(order):
        assert PROGRESS_COLUMNS[narrower] < PROGRESS_COLUMNS[wider]
    # Nobody who refused, is out of scope or came already gets a reminder.
    assert {S.REFUSED, S.INELIGIBLE, S.CAME, S.ACTIVATED, S.HAD_ACCOUNT} == NOT_TO_CONTACT


@given(name=vietnamese_text.filter(str.strip))
def test_a_name_without_number_is_the_same_entry_however_it_is_typed(name: str) -> None:
    upper = unicodedata.normalize("NFD", name.upper())
    assert entry_uid(None, "31573", "Ấp 3", name, 1990) == entry_uid(
        None, "31573", "ap 3", upper, 1990
    )
    # An ID number names one person whatever the list says beside it.
    assert entry_uid("094190000001", "31573", "Ấp 3", name, 1990) == entry_uid(
        "094190000001", "31498", "Khóm 1", "Ai Khác", 1950
    )


@given(
    name=vietnamese_text,
    place=vietnamese_text,
    address=vietnamese_text,
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    template=st.sampled_from(
        [
            DEFAULT_TEMPLATE,
            "Kính mời ông/bà {ten} đến {diem} ({dia_chi}) lúc {gio} ngày {ngay}.",
            "{ten} {ten} {ten} {diem} {dia_chi} {gio} {ngay} " * 3,
        ]
    ),
)
def test_every_sms_is_ascii_without_diacritics_and_at_most_160_characters(
    name: str, place: str, address: str, hour: int, minute: int, template: str
) -> None:
    values = {
        "ten": name,
        "diem": place,
        "dia_chi": address,
        "gio": f"{hour:02d}:{minute:02d}",
        "ngay": "25/07",
    }
    message = sms_message(template, values)
    assert message.isascii() and len(message) <= SMS_LENGTH
    assert message == unicodedata.normalize("NFD", message)  # nothing left to decompose
    assert "\n" not in message
    if len(sms_message(template, {**values, "ten": "A"})) < SMS_LENGTH - 40:
        assert f"{hour:02d}:{minute:02d}" in message  # the time survives any shortening


def test_ascii_text_keeps_the_letters_and_maps_d() -> None:
    assert ascii_text("Đoàn Thị Ánh  Nguyệt") == "Doan Thi Anh Nguyet"
    assert sms_phone("0912345678") == "84912345678"


def test_a_template_with_an_unknown_placeholder_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"\{ho_ten\}"):
        check_template("Mời {ho_ten} đến {diem}")
    with pytest.raises(ValidationError, match="hỏng"):
        check_template("Mời {ten đến")


def _appointed(status: OutreachStatus, phone: str | None, do_not_contact: bool) -> Appointed:
    day = datetime(2023, 7, 25).date()
    return Appointed(
        1, "A", "A", None, day, time(18), time(19), "X", None, phone, "Ấp", status, do_not_contact
    )


@given(status=statuses, phone=st.sampled_from([None, "0912345678"]), opt_out=st.booleans())
def test_reminders_go_only_to_who_may_be_contacted(
    status: OutreachStatus, phone: str | None, opt_out: bool
) -> None:
    allowed = reachable(_appointed(status, phone, opt_out))
    assert allowed == (phone is not None and not opt_out and status not in NOT_TO_CONTACT)


def test_moments_in_the_fold_break_ties_by_uid() -> None:
    at = datetime(2023, 7, 25, tzinfo=UTC)
    history = [(at, "b" * 32, "notified"), (at, "a" * 32, "refused")]
    assert fold_status(history) == S.NOTIFIED
    assert fold_status([*history, (at + timedelta(microseconds=1), "0" * 32, "refused")]) == (
        S.REFUSED
    )
