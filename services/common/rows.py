"""Plain rows read off stored records: a frozen dataclass whose fields carry the same names
as the record's attributes, so a screen never holds an ORM object."""

from dataclasses import fields
from typing import Any, TypeVar, cast

RowT = TypeVar("RowT")


def row_from(row_type: type[RowT], record: object, **computed: Any) -> RowT:
    """A `row_type` (a dataclass) whose fields are `record`'s attributes of the same name,
    except the ones given in `computed` (labels, values worked out from several columns)."""
    names = [field.name for field in fields(cast(Any, row_type)) if field.init]
    copied = {name: getattr(record, name) for name in names if name not in computed}
    return row_type(**copied, **computed)
