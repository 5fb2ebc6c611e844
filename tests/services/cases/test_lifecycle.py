"""The lifecycle per level: which moves are forward, which need a correction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.codes import LEVEL1_STATUSES, LEVEL2_STATUSES, Status
from services.cases.lifecycle import (
    PROGRESS,
    check_forward,
    check_status_for_level,
    is_forward,
    statuses_for,
)
from services.common.errors import ValidationError
from services.common.labels import STATUS_LABELS

R, AP, T, AC, F = (
    Status.REGISTERED,
    Status.APPROVED,
    Status.APPLICATION_TAKEN,
    Status.ACTIVATED,
    Status.FAILED,
)

# Written out from the module's docstring and DOMAIN.md, move by move.
FORWARD = {
    1: {(R, AP), (R, AC), (R, F), (AP, AC), (AP, F), (F, R), (F, AP), (F, AC)},
    2: {(T, AC), (T, F), (F, T), (F, AC)},
}
MOVES = [
    (level, current, new)
    for level in (1, 2)
    for current in statuses_for(level)
    for new in statuses_for(level)
]


def test_statuses_for_each_level() -> None:
    assert statuses_for(1) == LEVEL1_STATUSES == (R, AP, AC, F)
    assert statuses_for(2) == LEVEL2_STATUSES == (T, AC, F)


@pytest.mark.parametrize(("level", "current", "new"), MOVES)
def test_is_forward_table(level: int, current: Status, new: Status) -> None:
    assert is_forward(level, current, new) == ((current, new) in FORWARD[level])


@pytest.mark.parametrize(("level", "current", "new"), MOVES)
def test_check_forward_agrees_with_is_forward(level: int, current: Status, new: Status) -> None:
    if current == new or (current, new) in FORWARD[level]:
        check_forward(level, current, new)
        return
    with pytest.raises(ValidationError) as caught:
        check_forward(level, current, new)
    message = caught.value.message
    assert caught.value.field == "status"
    assert f"«{STATUS_LABELS[current]}»" in message
    assert f"«{STATUS_LABELS[new]}»" in message
    assert "không được lùi" in message
    assert "sửa" in message


def test_activated_is_final() -> None:
    for level in (1, 2):
        for new in statuses_for(level):
            assert not is_forward(level, AC, new)
    with pytest.raises(ValidationError, match="Không thể chuyển từ «Đã kích hoạt» về «Thất bại»"):
        check_forward(1, AC, F)
    with pytest.raises(ValidationError, match="Không thể chuyển từ «Đã kích hoạt» về «Đã duyệt»"):
        check_forward(1, AC, AP)


def test_approved_cannot_go_back_to_registered() -> None:
    assert not is_forward(1, AP, R)
    with pytest.raises(ValidationError, match="«Đã duyệt» về «Đã đăng ký»"):
        check_forward(1, AP, R)


def test_a_failed_attempt_may_be_taken_up_again() -> None:
    check_forward(1, F, R)
    check_forward(1, F, AC)
    check_forward(2, F, T)
    check_forward(2, F, AC)


def test_same_status_is_not_an_error() -> None:
    for level in (1, 2):
        for status in statuses_for(level):
            check_forward(level, status, status)
            assert not is_forward(level, status, status)


@pytest.mark.parametrize(("level", "status"), [(1, T), (2, R), (2, AP)])
def test_status_of_the_other_level_is_rejected(level: int, status: Status) -> None:
    with pytest.raises(ValidationError) as caught:
        check_status_for_level(status, level)
    message = caught.value.message
    assert caught.value.field == "status"
    assert f"«{STATUS_LABELS[status]}» không dùng cho mức {level}" in message
    for allowed in statuses_for(level):
        assert STATUS_LABELS[allowed] in message
    with pytest.raises(ValidationError, match="không dùng cho"):
        check_forward(level, status, status)
    for current in statuses_for(level):
        with pytest.raises(ValidationError, match="không dùng cho"):
            check_forward(level, current, status)


def test_every_status_of_a_level_is_accepted_for_it() -> None:
    for level in (1, 2):
        for status in statuses_for(level):
            check_status_for_level(status, level)


LEVELS_AND_STATUSES = st.sampled_from([1, 2]).flatmap(
    lambda level: st.tuples(
        st.just(level), st.sampled_from(statuses_for(level)), st.sampled_from(statuses_for(level))
    )
)


@given(LEVELS_AND_STATUSES)
def test_forward_moves_make_progress_unless_they_fail(move: tuple[int, Status, Status]) -> None:
    level, current, new = move
    if is_forward(level, current, new):
        if new is F:
            assert current is not AC
        else:
            assert PROGRESS[new] > PROGRESS[current]


@pytest.mark.parametrize(
    ("level", "start"), [(level, status) for level in (1, 2) for status in statuses_for(level)]
)
def test_activation_is_reachable_from_every_status(level: int, start: Status) -> None:
    seen = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for new in statuses_for(level):
            if is_forward(level, current, new) and new not in seen:
                seen.add(new)
                frontier.append(new)
    assert AC in seen
