"""How the case window names a report kept only in the history: a repeat or a contradiction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.cases.detail import HistoryEntry
from ui.cases.detail import _status_move


def kept(from_label: str, to_label: str) -> HistoryEntry:
    return HistoryEntry(
        kind="status",
        kind_label="Báo cáo",
        at=datetime(2023, 7, 20, 1, 30, tzinfo=UTC),
        operator_name="Trần Văn Minh",
        point_name="Điểm thu nhận Phú Tâm",
        from_label=from_label,
        to_label=to_label,
        failure_text=None,
        reason=None,
        changes=(),
        kept_as_record=True,
    )


@pytest.mark.parametrize(
    ("from_label", "to_label", "words"),
    [
        ("Đã đăng ký", "Đã đăng ký", "(lặp lại bước đã có: chỉ ghi nhận, không đổi hồ sơ)"),
        ("Đã kích hoạt", "Thất bại", "(mâu thuẫn với trạng thái đã có: chỉ ghi nhận"),
    ],
)
def test_a_report_kept_as_a_record_says_why(from_label: str, to_label: str, words: str) -> None:
    line = _status_move(kept(from_label, to_label))
    assert line.startswith(f"Báo cáo: {from_label} → {to_label} ") and line.endswith(")")
    assert words in line
