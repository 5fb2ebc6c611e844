"""Vietnamese labels and the way back: status, failure reason, level."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.codes import FailureReason, HelpReason, PointKind, Role, Status
from services.common.errors import ValidationError
from services.common.labels import (
    FAILURE_LABELS,
    HELP_REASON_LABELS,
    LEVEL_LABELS,
    POINT_KIND_LABELS,
    ROLE_LABELS,
    STATUS_DESCRIPTIONS,
    STATUS_LABELS,
    parse_failure_reason,
    parse_level,
    parse_status,
)
from services.common.text import fold, fold_key


def test_every_code_has_a_vietnamese_label() -> None:
    assert set(STATUS_LABELS) == set(Status)
    assert set(STATUS_DESCRIPTIONS) == set(Status)
    assert set(FAILURE_LABELS) == set(FailureReason)
    assert set(ROLE_LABELS) == set(Role)
    assert set(POINT_KIND_LABELS) == set(PointKind)
    assert set(HELP_REASON_LABELS) == set(HelpReason)
    assert LEVEL_LABELS == {1: "Mức 1", 2: "Mức 2"}


def test_labels_are_distinct_after_folding() -> None:
    # Otherwise parsing a label could not tell two codes apart.
    for labels in (STATUS_LABELS, FAILURE_LABELS):
        keys = [fold_key(label) for label in labels.values()]
        assert len(set(keys)) == len(keys)


# --- parse_status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Đã đăng ký", Status.REGISTERED),
        ("đã đăng ký", Status.REGISTERED),
        ("DA DANG KY", Status.REGISTERED),
        ("Đã đăng ký, chờ duyệt", Status.REGISTERED),
        ("registered", Status.REGISTERED),
        ("Đã duyệt", Status.APPROVED),
        ("da duyet", Status.APPROVED),
        ("Đã duyệt, chờ kích hoạt", Status.APPROVED),
        ("Đã thu nhận hồ sơ", Status.APPLICATION_TAKEN),
        ("Đã thu nhận hồ sơ mức 2", Status.APPLICATION_TAKEN),
        ("application_taken", Status.APPLICATION_TAKEN),
        ("APPLICATION TAKEN", Status.APPLICATION_TAKEN),
        ("Đã kích hoạt", Status.ACTIVATED),
        ("  ĐÃ KÍCH HOẠT  ", Status.ACTIVATED),
        ("dakichhoat", Status.ACTIVATED),
        ("Thất bại", Status.FAILED),
        ("that bai", Status.FAILED),
        ("failed", Status.FAILED),
    ],
)
def test_parse_status(text: str, status: Status) -> None:
    parsed = parse_status(text)
    assert parsed is status


@pytest.mark.parametrize("text", ["", "Đã", "kích hoạt", "Chờ", "done", "Đã hủy"])
def test_parse_status_rejects_listing_the_labels(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_status(text)
    message = caught.value.message
    assert message.startswith("Trạng thái")
    assert "không hợp lệ" in message
    for label in STATUS_LABELS.values():
        assert label in message


def variants(label: str) -> st.SearchStrategy[str]:
    """The label as a person might type it: any case, with or without diacritics, spaced."""
    base = st.sampled_from(
        [label, fold(label), label.upper(), label.lower(), unicodedata.normalize("NFD", label)]
    )
    return st.tuples(base, st.sampled_from(["", " ", "  "])).map(lambda t: t[1] + t[0] + t[1])


@given(
    st.sampled_from(sorted(Status)).flatmap(
        lambda s: st.tuples(st.just(s), variants(STATUS_LABELS[s]))
    )
)
def test_any_spelling_of_a_status_label_parses(case: tuple[Status, str]) -> None:
    status, text = case
    assert parse_status(text) is status


# --- parse_failure_reason -----------------------------------------------------------------


@pytest.mark.parametrize(("reason", "label"), sorted(FAILURE_LABELS.items()))
def test_failure_labels_parse_back_without_a_note(reason: FailureReason, label: str) -> None:
    assert parse_failure_reason(label) == (reason, None)
    assert parse_failure_reason(fold(label).upper()) == (reason, None)
    assert parse_failure_reason(reason.value) == (reason, None)


@pytest.mark.parametrize(
    "text", ["Máy hết pin", "Mất sóng 4G", "  Quên mật khẩu  ", "Thuê bao không chính chủ nhà"]
)
def test_other_text_is_other_with_the_text_as_note(text: str) -> None:
    assert parse_failure_reason(text) == (FailureReason.OTHER, text.strip())


@given(st.text())
def test_parse_failure_reason_never_raises(text: str) -> None:
    reason, note = parse_failure_reason(text)
    assert isinstance(reason, FailureReason)
    if note is not None:
        assert reason is FailureReason.OTHER
        assert note == text.strip()


# --- parse_level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("1", 1),
        (" 2 ", 2),
        ("Mức 1", 1),
        ("mức 2", 2),
        ("MỨC 2", 2),
        ("muc 1", 1),
        ("Muc1", 1),
    ],
)
def test_parse_level(text: str, level: int) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["", "0", "3", "12", "Mức 3", "Mức", "một", "level 1"])
def test_parse_level_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_level(text)
    assert f"Mức «{text.strip()}» không hợp lệ" in caught.value.message
    assert "ghi 1 hoặc 2" in caught.value.message


@given(st.text())
def test_parse_level_fuzz(text: str) -> None:
    try:
        assert parse_level(text) in (1, 2)
    except ValidationError as error:
        assert "Mức" in error.message
