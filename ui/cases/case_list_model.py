"""The case list as a lazy table: a page of rows at a time, newest change first."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex

from services.cases.queries import CaseRow
from services.common.vntime import format_moment
from ui.widgets.lazy_model import Column, LazyTableModel


def format_phone(phone: str | None) -> str:
    """`0912345678` as `0912 345 678`, easier to read out on a call."""
    if not phone:
        return ""
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}" if len(phone) == 10 else phone


CASE_COLUMNS: tuple[Column[CaseRow], ...] = (
    Column("Số định danh", lambda r: r.id_number),
    Column("Họ và tên", lambda r: r.full_name),
    Column("Mức", lambda r: r.level_label),
    Column("Trạng thái", lambda r: r.status_label),
    Column("Số điện thoại", lambda r: format_phone(r.phone)),
    Column("Cán bộ", lambda r: r.operator_name),
    Column("Cập nhật lúc", lambda r: format_moment(r.updated_at)),
    Column("Điểm thu nhận", lambda r: r.point_name),
)
POINT_COLUMN = len(CASE_COLUMNS) - 1


class CaseListModel(LazyTableModel[CaseRow]):
    def __init__(self) -> None:
        super().__init__(CASE_COLUMNS)

    def case_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.id if found is not None else None


class CaseRows(Protocol):
    """A table model whose rows are cases (the case list, the follow-up queue)."""

    def case_id(self, row: int) -> int | None: ...


def case_at(model: CaseRows, index: QModelIndex) -> int | None:
    """The case on `index`'s row; None for no row (or one not loaded yet)."""
    return model.case_id(index.row()) if index.isValid() else None
