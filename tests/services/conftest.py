"""Fixtures the service tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.upkeep.database import Database
from tests.shared_databases import other_point_database


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Database]:
    """A second intake point's database (SQLite), with the same campaign."""
    with other_point_database(tmp_path) as db:
        yield db
