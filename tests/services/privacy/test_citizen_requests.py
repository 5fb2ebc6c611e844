"""Citizens' requests about their data: logged with the legal due dates, answered, overdue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import RequestKind, RequestStatus, Role
from models.entities import AuditEntry, CitizenRequest
from services.common.errors import ConflictError, ValidationError
from services.common.vntime import set_clock
from services.privacy.requests import (
    DEADLINES,
    answer_request,
    due_date,
    list_requests,
    log_request,
    parse_request_kind,
    reply_due,
    request_alerts,
)
from services.security.audit import verify_chain
from services.security.audit_labels import describe_details
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from tests.factories import CLI, id_number_for

LINH = id_number_for(date(1990, 3, 15), "Nữ", 12345)
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)
MANAGER = Actor(1, "quan.ly", "Quản lý", Role.MANAGER, None)
OPERATOR = Actor(2, "lan.nt", "Lan", Role.OPERATOR, None)


@pytest.fixture(autouse=True)
def thursday() -> Iterator[None]:
    """Today is Thursday 10/12/2026, 09:00 in Vietnam."""
    set_clock(lambda: datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    yield
    set_clock(None)


def test_due_dates_follow_decree_356_article_5() -> None:
    monday = date(2026, 12, 7)
    # A reply within 2 working days: Monday -> Wednesday; Thursday -> Monday (no weekend).
    assert reply_due(monday) == date(2026, 12, 9)
    assert reply_due(date(2026, 12, 10)) == date(2026, 12, 14)
    # Done within 10 days (see, correct), 15 (restrict, object, withdraw), 20 (erase).
    assert due_date(monday, RequestKind.ACCESS) == date(2026, 12, 17)
    assert due_date(monday, RequestKind.CORRECT) == date(2026, 12, 17)
    assert due_date(monday, RequestKind.OBJECT) == date(2026, 12, 22)
    assert due_date(monday, RequestKind.ERASE) == date(2026, 12, 27)
    assert {kind: d.days for kind, d in DEADLINES.items()} == {
        RequestKind.ACCESS: 10,
        RequestKind.CORRECT: 10,
        RequestKind.ERASE: 20,
        RequestKind.RESTRICT: 15,
        RequestKind.OBJECT: 15,
        RequestKind.WITHDRAW: 15,
    }
    assert "Điều 5 Nghị định 356/2025/NĐ-CP" in DEADLINES[RequestKind.ERASE].basis


def test_kinds_are_read_from_words_codes_and_labels() -> None:
    assert parse_request_kind("xoa") is RequestKind.ERASE
    assert parse_request_kind("xóa") is RequestKind.ERASE
    assert parse_request_kind("han-che") is RequestKind.RESTRICT
    assert parse_request_kind("Phản đối xử lý") is RequestKind.OBJECT
    assert parse_request_kind("access") is RequestKind.ACCESS
    with pytest.raises(ValidationError, match=r"Loại yêu cầu «bay» không có.*xem"):
        parse_request_kind("bay")


def test_a_request_is_logged_with_its_due_dates_and_audited(session: Session) -> None:
    row = log_request(session, MANAGER, LINH, RequestKind.ERASE, date(2026, 12, 7), "Đơn viết tay")
    session.commit()
    assert (row.received_on, row.reply_due_on, row.due_on) == (
        date(2026, 12, 7),
        date(2026, 12, 9),
        date(2026, 12, 27),
    )
    assert row.is_open and row.id_number_masked == "094******345" and row.has_number
    assert row.received_by == "quan.ly" and row.kind_label == "Xóa dữ liệu"
    stored = session.get(CitizenRequest, row.id)
    assert stored is not None and stored.id_number == LINH  # held while open, to answer
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "request_received")).one()
    assert LINH not in entry.summary + entry.details and "094******345" in entry.summary
    assert "Loại yêu cầu: Xóa dữ liệu" in describe_details(entry.details)
    assert verify_chain(session).ok


def test_a_future_day_and_a_bad_number_are_refused(session: Session) -> None:
    with pytest.raises(ValidationError, match="sau hôm nay"):
        log_request(session, MANAGER, LINH, RequestKind.ACCESS, date(2026, 12, 11))
    with pytest.raises(ValidationError, match="12 chữ số"):
        log_request(session, MANAGER, "12345", RequestKind.ACCESS)
    assert session.scalars(select(CitizenRequest)).all() == []


def test_operators_may_not_handle_requests(session: Session) -> None:
    with pytest.raises(PermissionDeniedError, match="không có quyền xử lý yêu cầu"):
        log_request(session, OPERATOR, LINH, RequestKind.ACCESS)
    with pytest.raises(PermissionDeniedError):
        list_requests(session, OPERATOR)
    with pytest.raises(PermissionDeniedError):
        request_alerts(session, OPERATOR)
    row = log_request(session, MANAGER, LINH, RequestKind.ACCESS)
    session.commit()
    with pytest.raises(PermissionDeniedError):
        answer_request(session, OPERATOR, row.id)
    assert [e.action for e in session.scalars(select(AuditEntry))] == ["request_received"]


def test_overdue_and_due_soon_requests_are_counted_and_listed_first(session: Session) -> None:
    late = log_request(session, CLI, LINH, RequestKind.ACCESS, date(2026, 11, 20))  # due 30/11
    soon = log_request(session, CLI, BINH, RequestKind.CORRECT, date(2026, 12, 2))  # due 12/12
    later = log_request(session, CLI, BINH, RequestKind.ERASE, date(2026, 12, 9))  # due 29/12
    done = log_request(session, CLI, LINH, RequestKind.OBJECT, date(2026, 12, 1))
    answer_request(session, CLI, done.id, note="Đã ngừng gửi tin nhắn")
    session.commit()
    today = date(2026, 12, 10)
    alerts = request_alerts(session, CLI)
    assert (alerts.overdue, alerts.due_soon) == (1, 1)
    assert "1 yêu cầu của người dân đã quá hạn" in alerts.describe()
    rows = list_requests(session, CLI)
    assert [r.id for r in rows] == [late.id, soon.id, later.id, done.id]
    assert rows[0].overdue(today) and rows[0].describe_due(today) == "quá hạn 10 ngày"
    assert rows[1].due_soon(today) and rows[1].describe_due(today) == "còn 2 ngày"
    assert not rows[2].due_soon(today) and not rows[3].overdue(today)
    assert [r.id for r in list_requests(session, CLI, overdue_only=True)] == [late.id]
    assert [r.id for r in list_requests(session, CLI, open_only=True)] == [
        late.id,
        soon.id,
        later.id,
    ]


def test_answering_keeps_only_the_masked_number(session: Session) -> None:
    row = log_request(session, CLI, LINH, RequestKind.RESTRICT, date(2026, 12, 1))
    answered = answer_request(session, CLI, row.id, note="Đã ngừng xử lý cho mục đích khác")
    session.commit()
    assert answered.status == RequestStatus.ANSWERED and answered.answered_on == date(2026, 12, 10)
    assert answered.handled_by == CLI.username and not answered.has_number
    stored = session.get(CitizenRequest, row.id)
    assert stored is not None and stored.id_number is None
    assert stored.id_number_masked == "094******345"
    with pytest.raises(ConflictError, match="đã được trả lời ngày 10/12/2026"):
        answer_request(session, CLI, row.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "request_answered")).one()
    details = json.loads(entry.details)
    assert details["outcome"] == "answered" and details["late"] is False
    assert "Kết quả: Đã trả lời" in describe_details(entry.details)


def test_a_refusal_needs_its_reason(session: Session) -> None:
    row = log_request(session, CLI, LINH, RequestKind.ERASE, date(2026, 12, 1))
    with pytest.raises(ValidationError, match="lý do"):
        answer_request(session, CLI, row.id, refused=True)
    refused = answer_request(
        session, CLI, row.id, refused=True, note="Dữ liệu đang phục vụ hoạt động quản lý nhà nước"
    )
    assert refused.status == RequestStatus.REFUSED and refused.status_label.startswith("Từ chối")
    assert refused.note is not None and "quản lý nhà nước" in refused.note
