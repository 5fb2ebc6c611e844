"""A plain row copies the record's same-named attributes; computed values take precedence."""

from dataclasses import dataclass, field
from types import SimpleNamespace

from services.common.rows import row_from


@dataclass(frozen=True)
class _Row:
    id: int
    name: str
    label: str
    derived: int = field(init=False, default=0)


def test_copies_same_named_attributes_and_takes_computed_ones() -> None:
    record = SimpleNamespace(id=7, name="Lò Văn A", label="cũ", other="bỏ qua")
    row = row_from(_Row, record, label="mới")
    assert row == _Row(id=7, name="Lò Văn A", label="mới")
    assert row.derived == 0
