"""`units find`: the command line's contract (README "Units of both maps")."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import NOBODY, run
from ui.shell.cli import parse_args, run_command


def units(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_command(parse_args(["units", "find", *args]), out)
    return code, out.getvalue(), err.getvalue()


def units_json(*args: str) -> list[dict[str, Any]]:
    code, out, err = units(*args, "--json")
    assert code == 0, err
    data: list[dict[str, Any]] = json.loads(out)
    return data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            ("Phuong 9", "--map", "2023", "--province", "94"),
            {
                "map": "2023",
                "code": "31522",
                "name": "Phường 9",
                "kind": "phường",
                "district": {"code": "941", "name": "Thành phố Sóc Trăng"},
                "province": {"code": "94", "name": "Tỉnh Sóc Trăng"},
            },
            id="old-map",
        ),
        pytest.param(
            ("phu loi", "--map", "2025", "--province", "92"),
            {
                "map": "2025",
                "code": "31510",
                "name": "Phường Phú Lợi",
                "kind": "phường",
                "district": None,
                "province": {"code": "92", "name": "Thành phố Cần Thơ"},
            },
            id="new-map-has-no-district",
        ),
    ],
)
def test_json_shape(query: tuple[str, ...], expected: dict[str, Any]) -> None:
    (row,) = units_json(*query)
    assert row == expected


def test_json_convert_adds_the_new_communes() -> None:
    (row,) = units_json("31513", "--convert")
    assert row["map"] == "2023" and row["name"] == "Phường 1"
    assert row["new"] == [
        {
            "code": "31510",
            "name": "Phường Phú Lợi",
            "kind": "phường",
            "province": {"code": "92", "name": "Thành phố Cần Thơ"},
            "share": "full",
            "basis": "name",
        }
    ]


def test_convert_on_a_split_commune_lists_every_candidate() -> None:
    code, out, err = units("Phuong Dien Bien", "--province", "01", "--convert")
    assert code == 0, err
    assert "00019  Phường Điện Biên · Quận Ba Đình · Thành phố Hà Nội (bản đồ 2023)" in out
    assert "được chia cho 4 xã mới" in out
    for new in ("00004  Phường Ba Đình", "00070  Phường Hoàn Kiếm", "00190  Phường Ô Chợ Dừa"):
        assert f"→ {new} · Thành phố Hà Nội (một phần)" in out
    assert "→ 00226  Phường Văn Miếu - Quốc Tử Giám" in out
    (row,) = units_json("00019", "--convert")
    assert len(row["new"]) == 4 and {n["share"] for n in row["new"]} == {"partial"}


def test_convert_searches_the_old_map_only() -> None:
    rows = units_json("phu loi", "--convert")
    assert rows and {r["map"] for r in rows} == {"2023"}
    code, _out, err = units("phu loi", "--map", "2025", "--convert")
    assert code == 1 and "--convert chuyển xã của bản đồ 2023" in err


def test_text_lines_and_no_match() -> None:
    code, out, _err = units("31510", "--map", "2025")
    assert (code, out) == (0, "31510  Phường Phú Lợi · Thành phố Cần Thơ (bản đồ 2025)\n")
    code, out, err = units("khong co xa nay")
    assert code == 1 and out == ""
    assert "Lỗi: Không tìm thấy xã nào khớp «khong co xa nay»" in err
    assert units_json("khong co xa nay") == []


def test_bad_map_and_province_are_clear_errors() -> None:
    code, _out, err = units("phu loi", "--map", "2024")
    assert code == 1 and "Bản đồ «2024» không có" in err
    code, _out, err = units("phu loi", "--map", "2025", "--province", "94")
    assert code == 1 and "Mã tỉnh «94» không có trên bản đồ 2025" in err


def test_a_long_list_is_cut_in_text_and_whole_in_json() -> None:
    code, out, err = units("xa", "--map", "2025")
    assert code == 0
    assert len(out.splitlines()) == 50 and "xã khác" in err
    assert len(units_json("xa", "--map", "2025")) > 50


def test_needs_no_sign_in_and_no_database(tmp_path: Path) -> None:
    missing = tmp_path / "khong-co.sqlite3"
    result = run("units", "find", "soc trang", "--map", "2025", db=missing, env=NOBODY)
    assert "Phường Sóc Trăng" in result.stdout
    assert not missing.exists()
