"""The lifecycle of a case, per level.

Level 1: registered -> approved -> activated.   Level 2: application taken -> activated.
Any step short of activation may end in failed (with a reason); a failed attempt may be
taken up again later (the citizen comes back with their own phone number). Activated is
final. Any other move is backwards and needs an explicit correction, which the history records.
"""

from __future__ import annotations

from models.codes import LEVEL1_STATUSES, LEVEL2_STATUSES, Status
from services.common.errors import ValidationError
from services.common.labels import LEVEL_LABELS, STATUS_LABELS

_FORWARD: dict[int, dict[Status, set[Status]]] = {
    1: {
        Status.REGISTERED: {Status.APPROVED, Status.ACTIVATED, Status.FAILED},
        Status.APPROVED: {Status.ACTIVATED, Status.FAILED},
        Status.FAILED: {Status.REGISTERED, Status.APPROVED, Status.ACTIVATED},
        Status.ACTIVATED: set(),
    },
    2: {
        Status.APPLICATION_TAKEN: {Status.ACTIVATED, Status.FAILED},
        Status.FAILED: {Status.APPLICATION_TAKEN, Status.ACTIVATED},
        Status.ACTIVATED: set(),
    },
}

# How far along a case is; used to pick the furthest of several reports of one case.
PROGRESS: dict[Status, int] = {
    Status.FAILED: 0,
    Status.REGISTERED: 1,
    Status.APPLICATION_TAKEN: 1,
    Status.APPROVED: 2,
    Status.ACTIVATED: 3,
}


def statuses_for(level: int) -> tuple[Status, ...]:
    return LEVEL1_STATUSES if level == 1 else LEVEL2_STATUSES


def check_status_for_level(status: Status, level: int) -> None:
    if status not in statuses_for(level):
        allowed = ", ".join(STATUS_LABELS[s] for s in statuses_for(level))
        raise ValidationError(
            f"Trạng thái «{STATUS_LABELS[status]}» không dùng cho {LEVEL_LABELS[level].lower()}: "
            f"chỉ có {allowed}.",
            "status",
        )


def is_forward(level: int, current: Status, new: Status) -> bool:
    """True when `current -> new` is a move the lifecycle allows without a correction."""
    return new in _FORWARD[level].get(current, set())


def check_forward(level: int, current: Status, new: Status) -> None:
    check_status_for_level(new, level)
    if current == new:
        return
    if not is_forward(level, current, new):
        raise ValidationError(
            f"Không thể chuyển từ «{STATUS_LABELS[current]}» về «{STATUS_LABELS[new]}»: trạng thái "
            "không được lùi. Nếu trạng thái trước ghi sai, hãy dùng chức năng sửa (có ghi lý do).",
            "status",
        )
