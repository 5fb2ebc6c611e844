"""Targets: setting, sharing among communes, checking sums, importing a plan-like sheet."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy.orm import Session

from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import UserError, ValidationError
from services.counting.targets import (
    ShareResult,
    ShareState,
    clear_target,
    district_shares,
    import_targets,
    largest_remainder,
    mismatches,
    name_key,
    parse_count,
    set_target,
    share_proportionally,
)
from tests.factories import CLI

CHAU_THANH = "942"
DAILY_HEADER = (
    "Chỉ tiêu thu nhận và kích hoạt trong ngày (Tính từ ngày 18/7/2023 đến ngày 18/8/2023)"
)
TOTAL_HEADER = "Chỉ tiêu thu nhận và kích hoạt (Mức 1+Mức 2)"
PLAN_ROWS: list[list[Any]] = [
    ["CHỈ TIÊU THU NHẬN VÀ KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ"],
    ["(Kèm theo Kế hoạch số 142/KH-UBND ngày 14/7/2023 của Ủy ban nhân dân tỉnh Sóc Trăng)"],
    [],
    ["TT", "Đơn vị", TOTAL_HEADER, DAILY_HEADER, "Ghi chú"],
    [1, "TP Sóc Trăng", "50.802", "1.539", None],
    [2, "TX Vĩnh Châu", "75.019", "2.273", None],
    [3, "TX Ngã Năm", 31364, 950, None],  # Excel number cells
    [4, "Châu Thành", "46.680", "1.415", None],
    [5, "Huyện Không Có", "1.000", "30", None],
    [6, "Kế Sách", "76.101", "2.306", "tăng so với năm trước"],
    [None, "Tỉnh Sóc Trăng", "576.903", "17.482", None],
    [],
    ["* Lưu ý:"],
    [None, "* Chỉ tiêu chỉ được tính khi công dân kích hoạt thành công.", None, None],
]


def target_of(session: Session, code: str) -> tuple[int | None, int | None]:
    unit = UnitTree.load(session).by_code[code]
    return unit.target_total, unit.target_daily


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("50.802", 50802),
        ("1.539", 1539),
        ("576.903", 576903),
        ("1.234.567", 1234567),
        ("50802", 50802),
        ("50 802", 50802),
        ("50,802", 50802),
        (" 950 ", 950),
        (31364, 31364),
        (31364.0, 31364),
        ("0", 0),
        ("", None),
        (None, None),
    ],
)
def test_numbers_written_the_vietnamese_way(written: Any, value: int | None) -> None:
    assert parse_count(written) == value


@pytest.mark.parametrize("written", ["1,5", "50.8", "-3", "abc", "5.0000", 50.802, True, "12.34.5"])
def test_fractions_and_words_are_refused_not_guessed(written: Any) -> None:
    with pytest.raises(ValidationError):
        parse_count(written)


# -- setting -------------------------------------------------------------------------------


def test_set_and_clear_a_target(session: Session) -> None:
    set_target(session, CLI, "31573", "1.200", "40")
    session.commit()
    assert target_of(session, "31573") == (1200, 40)
    set_target(session, CLI, "31573", 1300)
    session.commit()
    assert target_of(session, "31573") == (1300, None)
    assert clear_target(session, CLI, "31573")
    session.commit()
    assert target_of(session, "31573") == (None, None)
    assert not clear_target(session, CLI, "31573")


@pytest.mark.parametrize(
    ("total", "daily", "message"),
    [
        ("-1", None, "không được âm"),
        ("", None, "Thiếu chỉ tiêu"),
        ("10", "20", "lớn hơn chỉ tiêu cả đợt"),
        ("mười", None, "không phải số nguyên"),
    ],
)
def test_bad_targets_are_refused_in_vietnamese(
    session: Session, total: str, daily: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        set_target(session, CLI, "31573", total, daily)


def test_an_unknown_unit_is_refused(session: Session) -> None:
    with pytest.raises(UserError, match="Không có đơn vị mã"):
        set_target(session, CLI, "00000", 1)


# -- sharing -------------------------------------------------------------------------------


@given(
    st.integers(min_value=0, max_value=10_000_000),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=30),
)
def test_largest_remainder_always_adds_up(total: int, weights: list[int]) -> None:
    parts = largest_remainder(total, [float(w) for w in weights])
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)


def test_largest_remainder_gives_leftovers_to_the_biggest_remainders() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(100, [1, 2]) == [33, 67]


def share_chau_thanh(session: Session) -> tuple[ShareResult, UnitTree, list[UnitInfo]]:
    """Châu Thành's target shared among its communes (committed): the result, the tree
    read again, and the district's communes in it."""
    result = share_proportionally(session, CLI, CHAU_THANH)
    session.commit()
    tree = UnitTree.load(session)
    return result, tree, tree.children[tree.by_code[CHAU_THANH].id]


def test_share_a_district_equally_then_rescale(session: Session) -> None:
    result, tree, communes = share_chau_thanh(session)
    assert result.weighting == "chia đều cho các xã"
    assert sum(c.target_total or 0 for c in communes) == 46680
    assert sum(c.target_daily or 0 for c in communes) == 1415
    assert (
        max(c.target_total or 0 for c in communes) - min(c.target_total or 0 for c in communes) <= 1
    )
    share = next(s for s in district_shares(tree) if s.district.code == CHAU_THANH)
    assert share.state == ShareState.MATCH

    # The district's target changes: pressing again rescales by the communes' current split.
    set_target(session, CLI, communes[0].code, 10_000, 300)
    set_target(session, CLI, CHAU_THANH, 50_000, 1_500)
    session.commit()
    assert [s.district.code for s in mismatches(session)] == [CHAU_THANH]
    result, tree, communes = share_chau_thanh(session)
    assert result.weighting == "theo tỉ lệ chỉ tiêu hiện có của các xã"
    assert sum(c.target_total or 0 for c in communes) == 50_000
    assert sum(c.target_daily or 0 for c in communes) == 1_500
    assert communes[0].target_total == max(c.target_total or 0 for c in communes)
    assert mismatches(session) == []


def test_share_by_explicit_weights(session: Session) -> None:
    tree = UnitTree.load(session)
    communes = tree.children[tree.by_code[CHAU_THANH].id]
    weights = {c.code: (3.0 if i == 0 else 1.0) for i, c in enumerate(communes)}
    result = share_proportionally(session, CLI, CHAU_THANH, weights)
    totals = [total for _, total, _ in result.parts]
    assert sum(totals) == 46680
    assert totals[0] == pytest.approx(46680 * 3 / (len(communes) + 2), abs=1)


def test_a_partial_split_is_a_mismatch(session: Session) -> None:
    tree = UnitTree.load(session)
    first = tree.children[tree.by_code[CHAU_THANH].id][0]
    set_target(session, CLI, first.code, 46680, 1415)
    session.commit()
    share = next(s for s in mismatches(session) if s.district.code == CHAU_THANH)
    assert "xã chưa có chỉ tiêu" in share.describe()


def test_a_commune_cannot_be_shared(session: Session) -> None:
    with pytest.raises(ValidationError, match="không phải đơn vị cấp huyện"):
        share_proportionally(session, CLI, "31573")


# -- importing -----------------------------------------------------------------------------


def test_names_as_the_plan_writes_them() -> None:
    assert name_key("TP Sóc Trăng")[0] == name_key("Thành phố Sóc Trăng")[0] == "soctrang"
    assert name_key("TX. Vĩnh Châu")[0] == name_key("Thị xã Vĩnh Châu")[0] == "vinhchau"
    assert name_key("Châu Thành") == ("chauthanh", None)
    assert name_key("Thị trấn Châu Thành")[0] == "chauthanh"
    assert name_key("P.5") == name_key("Phường 5")


def test_import_a_sheet_like_the_plans_attachment(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "chi-tieu.xlsx", PLAN_ROWS)
    set_target(session, CLI, "941", 1, 1)  # overwritten by the import
    session.commit()
    result = import_targets(session, CLI, path)
    session.commit()
    assert target_of(session, "941") == (50802, 1539)
    assert target_of(session, "950") == (75019, 2273)
    assert target_of(session, "948") == (31364, 950)
    assert target_of(session, "942") == (46680, 1415)
    assert target_of(session, "943") == (76101, 2306)
    assert target_of(session, "94") == (576903, 17482)
    assert result.unmatched == [(9, "Huyện Không Có")]
    assert result.errors == []
    assert result.province is not None and result.province.total == 576903
    summary = "\n".join(result.lines())
    assert "Đã ghi chỉ tiêu cho 5 đơn vị." in summary
    assert "Dòng 9: «Huyện Không Có»" in summary
    assert "576.903" in summary


def test_import_communes_under_their_district_from_csv(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chi-tieu.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["tt", "ĐƠN VỊ", "chi tieu thu nhan va kich hoat (muc 1 + muc 2)",
                         "Chỉ tiêu trong ngày", "Ghi chú"])  # fmt: skip
        writer.writerow(["1", "Huyện Châu Thành", "46.680", "1.415", ""])
        writer.writerow(["1.1", "Xã Phú Tâm", "6.000", "182", ""])
        writer.writerow(["1.2", "Thị trấn Châu Thành", "7.000", "212", ""])
        writer.writerow(["1.3", "Phường 5", "1.000", "30", ""])  # not in Châu Thành
        writer.writerow(["1.4", "Xã Phú Tâm", "9.999", "1", ""])  # twice
        writer.writerow(["2", "Kế Sách", "76.101", "2,5", ""])  # a fraction
        writer.writerow(["3", "TP Sóc Trăng", "50.802", "1.539", ""])
        writer.writerow(["3.1", "Phường 5", "5.000", "150", ""])
    result = import_targets(session, CLI, path)
    session.commit()
    assert target_of(session, "31573") == (6000, 182)  # Xã Phú Tâm
    assert target_of(session, "31569") == (7000, 212)  # Thị trấn Châu Thành, not the district
    assert target_of(session, "942") == (46680, 1415)
    assert target_of(session, "31498") == (5000, 150)  # Phường 5 of TP Sóc Trăng
    assert target_of(session, "943") == (76101, 2306)  # the preset's, untouched
    assert result.unmatched == [(5, "Phường 5")]
    assert [row for row, _ in result.errors] == [6, 7]
    # Only some communes of each district have a target now.
    assert [s.district.code for s in result.mismatched] == ["941", "942"]


def test_a_sheet_without_the_columns_is_refused(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "khac.xlsx", [["Họ và tên", "Số định danh"], ["A", "1"]])
    with pytest.raises(UserError, match="Không tìm thấy dòng tiêu đề"):
        import_targets(session, CLI, path)
