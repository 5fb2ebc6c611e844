"""The import dialog's headline: what else an import found besides its rejected rows."""

from __future__ import annotations

from services.cases.records import ImportSummary
from ui.cases.records_import import _headline


def test_nothing_else_found_says_so() -> None:
    assert _headline(ImportSummary()) == "Không có báo cáo mâu thuẫn hay hồ sơ chờ quyết định."


def test_rows_outside_the_period_alone_are_the_whole_headline() -> None:
    text = _headline(ImportSummary(outside_period=["Dòng 3: ngày 20/08/2023 ngoài kế hoạch"]))
    assert text == (
        "1 dòng ghi ngày ngoài thời gian kế hoạch: vẫn lưu theo ngày thực tế "
        "(xem thẻ Báo cáo mâu thuẫn)."
    )


def test_every_finding_is_told_in_order() -> None:
    summary = ImportSummary(records=["a", "b"], conflicts={"12"}, outside_period=["c", "d", "e"])
    text = _headline(summary)
    assert text.startswith("2 báo cáo mâu thuẫn với trạng thái của hồ sơ")
    assert text.index("1 hồ sơ có thông tin khác nhau") < text.index("3 dòng ghi ngày ngoài")
    assert "Không có báo cáo mâu thuẫn" not in text
