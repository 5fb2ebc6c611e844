"""Every worked example of shared/domain/COUNTING-EXAMPLES.md, driven as a manager does: sheets
through `records import`, corrections through `case correct`, decisions through `conflicts
decide`, packages through `package export|import`, figures from `tally --json` for every
campaign day and every grouping.

The commands run in this process (`ui.shell.cli.run_command`, what `main.py` calls) to keep the
suite fast; `test_cli.py` runs `main.py` as a process.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import services.exchange.crypto
from models.codes import OUTSIDE_PROVINCE
from services.cases.records import COLUMNS
from services.counting.tally import TallyBy, tally
from services.upkeep.database import open_database
from tests.factories import id_number_for
from tests.test_cli import SIGNED_IN, add_admin
from ui.shell.cli import parse_args, run_command

# Points of the examples: name, commune code.
POINTS = {
    "P7": ("Điểm thu nhận Phường 7", "31501"),
    "P8": ("Điểm thu nhận Phường 8", "31504"),
    "PKS": ("Điểm thu nhận TT Kế Sách", "31528"),
    "PLH": ("Điểm thu nhận xã Long Hưng", "31579"),
}
DAYS = [date(2023, 7, 18) + timedelta(days=i) for i in range(32)]
PASS = "mat-khau-cua-goi"
BIRTH = date(1985, 4, 2)
CITIZEN = id_number_for(BIRTH, "Nữ", 4242)
NAME = "Lâm Thị Kiều"


def cli(db: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_command(parse_args(["--db", f"sqlite:///{db}", *args]), out)
    return code, out.getvalue(), err.getvalue()


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code == 0, err
    return out + err


@dataclass(frozen=True)
class Row:
    level: int
    status: str  # as a sheet writes it
    moment: str  # dd/mm/yyyy HH:MM, Vietnam time
    point: str
    operator: str
    residence: str = "31501"
    reason: str = ""


def sheet(path: Path, *rows: Row) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        for row in rows:
            name, commune = POINTS[row.point]
            writer.writerow(
                [
                    CITIZEN,
                    NAME,
                    BIRTH.strftime("%d/%m/%Y"),
                    "Nữ",
                    "",
                    row.residence,
                    row.level,
                    row.status,
                    row.reason,
                    commune,
                    name,
                    row.moment,
                    row.operator,
                ]
            )
    return path


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    ok(path, "init")
    return add_admin(path)  # who signs in for the commands (see `quick_packages`)


@pytest.fixture
def new_db(empty: Path, tmp_path: Path) -> Any:
    made = iter(range(100))

    def make() -> Path:
        path = tmp_path / f"db-{next(made)}.sqlite3"
        shutil.copyfile(empty, path)
        return path

    return make


@pytest.fixture(autouse=True)
def quick_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # backups made by the purge
    monkeypatch.setenv("KICHHOAT_PASSPHRASE", PASS)
    for name, value in SIGNED_IN.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(services.exchange.crypto, "SCRYPT_N", 2**10)


def figures(db: Path) -> dict[tuple[str, date], dict[str, Any]]:
    """`tally --json` for every campaign day and every grouping: the function the command
    prints, in one session (the command itself is checked against it on the first day)."""
    found: dict[tuple[str, date], dict[str, Any]] = {}
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            for by in ("district", "commune", "point", "operator"):
                for day in DAYS:
                    found[(by, day)] = tally(session, day, TallyBy(by)).as_json()
    finally:
        database.dispose()
    for by in ("district", "point"):
        printed = json.loads(ok(db, "tally", "--json", "--by", by, "--as-of", str(DAYS[3])))
        assert printed == found[(by, DAYS[3])]
    return found


def row_of(data: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    return next(row for row in data["rows"] if row[key] == value)


def assert_counted(
    db: Path,
    *,
    day: date,
    level: int,
    commune: str | None,
    point: str,
    operator: str,
) -> None:
    """Exactly one activation, of `level`, on `day`: in `commune` (None: outside the province)
    and its district, credited to `point` and `operator`; nothing anywhere else, ever."""
    column = f"level{level}"
    all_figures = figures(db)
    for (by, as_of), data in all_figures.items():
        counted = int(as_of >= day)
        if by in ("district", "commune"):
            rows = {r["code"]: r for r in data["rows"]}
            for code, row in rows.items():
                if code == OUTSIDE_PROVINCE:
                    continue
                expected = 0
                if commune is not None and by == "commune" and code == commune:
                    expected = counted
                if commune is not None and by == "district" and code == DISTRICT[commune]:
                    expected = counted
                assert row[column] == expected, (by, as_of, code)
                assert row["activated"] == expected, (by, as_of, code)
        else:
            name = POINTS[point][0] if by == "point" else operator
            key_name = "name" if by == "point" else "code"
            for row in data["rows"]:
                expected = counted if row[key_name] == name else 0
                assert (row[column], row["activated"]) == (expected, expected), (by, as_of, row)
                assert row["activated_on_day"] == (expected if as_of == day else 0)
        inside = commune is not None
        assert data["total"][column] == (counted if inside else 0), (by, as_of)
        assert data["total"]["activated_on_day"] == (int(as_of == day) if inside else 0)
        outside = data["outside_province"]
        assert outside["level1"] == (0 if inside else counted), (by, as_of)


DISTRICT = {"31501": "941", "31504": "941", "31507": "941", "31528": "943", "31579": "944"}


def import_rows(db: Path, path: Path, *rows: Row) -> str:
    """`rows` written to the sheet `path` and imported by `records import`; what it said."""
    return ok(db, "records", "import", str(sheet(path, *rows)))


def example_1(db: Path, tmp_path: Path) -> None:
    import_rows(
        db,
        tmp_path / "vi-du-1.csv",
        Row(1, "Đã đăng ký", "18/07/2023 08:00", "P7", "a"),
        Row(1, "Đã duyệt", "19/07/2023 09:00", "P7", "a"),
        Row(1, "Đã kích hoạt", "20/07/2023 10:00", "P7", "a"),
    )


def test_example_1_a_plain_level_1_activation(new_db: Any, tmp_path: Path) -> None:
    db = new_db()
    example_1(db, tmp_path)
    assert_counted(db, day=date(2023, 7, 20), level=1, commune="31501", point="P7", operator="a")


def test_example_2_a_phone_correction_moves_nothing(new_db: Any, tmp_path: Path) -> None:
    db = new_db()
    example_1(db, tmp_path)
    ok(db, "case", "correct", "--id-number", CITIZEN, "--level", "1",
       "--phone", "0912345678", "--reason", "Công dân báo số điện thoại mới")  # fmt: skip
    assert_counted(db, day=date(2023, 7, 20), level=1, commune="31501", point="P7", operator="a")


def test_example_3_a_residence_correction_counts_elsewhere_from_the_same_day(
    new_db: Any, tmp_path: Path
) -> None:
    db = new_db()
    example_1(db, tmp_path)
    ok(db, "case", "correct", "--id-number", CITIZEN, "--level", "1",
       "--residence", "31507", "--reason", "Sửa nơi thường trú theo thẻ")  # fmt: skip
    assert_counted(db, day=date(2023, 7, 20), level=1, commune="31507", point="P7", operator="a")


def test_example_4_the_moment_is_moved_by_its_own_correction(new_db: Any, tmp_path: Path) -> None:
    db = new_db()
    example_1(db, tmp_path)
    code, _out, err = cli(db, "case", "correct", "--id-number", CITIZEN, "--level", "1",
                          "--activated-at", "19/07/2023 21:30",
                          "--reason", "")  # fmt: skip
    assert code == 1 and "lý do" in err  # the reason is required
    ok(db, "case", "correct", "--id-number", CITIZEN, "--level", "1",
       "--activated-at", "19/07/2023 21:30", "--reason", "Ghi nhầm giờ kích hoạt")  # fmt: skip
    assert_counted(db, day=date(2023, 7, 19), level=1, commune="31501", point="P7", operator="a")


@pytest.mark.parametrize("later_first", [False, True])
def test_example_5_the_earliest_activation_counts_whatever_the_order(
    new_db: Any, tmp_path: Path, later_first: bool
) -> None:
    db = new_db()
    first = sheet(
        tmp_path / "1.csv", Row(1, "Đã kích hoạt", "22/07/2023 14:00", "P8", "b", "31504")
    )
    second = sheet(
        tmp_path / "2.csv", Row(1, "Đã kích hoạt", "20/07/2023 09:00", "P7", "a", "31504")
    )
    for path in [second, first] if later_first else [first, second]:
        ok(db, "records", "import", str(path))
    assert_counted(db, day=date(2023, 7, 20), level=1, commune="31504", point="P7", operator="a")


@pytest.mark.parametrize("failure_first", [False, True])
def test_example_6_a_failure_after_the_activation_is_a_record(
    new_db: Any, tmp_path: Path, failure_first: bool
) -> None:
    db = new_db()
    rows = [
        Row(1, "Đã kích hoạt", "20/07/2023 10:00", "P8", "b", "31504"),
        Row(1, "Thất bại", "24/07/2023 11:00", "P8", "b", "31504", "Thuê bao không chính chủ"),
    ]
    output = import_rows(db, tmp_path / "6.csv", *(rows[::-1] if failure_first else rows))
    assert "mâu thuẫn" in output and "24/07/2023 11:00" in output
    assert_counted(db, day=date(2023, 7, 20), level=1, commune="31504", point="P8", operator="b")


def test_example_7_a_retaken_application_counts_where_it_was_retaken(
    new_db: Any, tmp_path: Path
) -> None:
    db = new_db()
    import_rows(
        db,
        tmp_path / "7.csv",
        Row(2, "Đã thu nhận hồ sơ", "18/07/2023 08:00", "P7", "a"),
        Row(2, "Thất bại", "18/07/2023 08:20", "P7", "a", reason="Không chụp được ảnh khuôn mặt"),
        Row(2, "Đã thu nhận hồ sơ", "19/07/2023 09:00", "PKS", "c"),
        Row(2, "Đã kích hoạt", "21/07/2023 10:00", "PKS", "c"),
    )
    assert_counted(db, day=date(2023, 7, 21), level=2, commune="31528", point="PKS", operator="c")


def test_example_8_level_2_counts_where_taken_and_is_credited_where_activated(
    new_db: Any, tmp_path: Path
) -> None:
    db = new_db()
    import_rows(
        db,
        tmp_path / "8.csv",
        Row(2, "Đã thu nhận hồ sơ", "19/07/2023 09:00", "PKS", "c"),
        Row(2, "Đã kích hoạt", "23/07/2023 16:00", "PLH", "b"),
    )
    assert_counted(db, day=date(2023, 7, 23), level=2, commune="31528", point="PLH", operator="b")


def test_example_9_outside_the_province_is_a_row_of_its_own(new_db: Any, tmp_path: Path) -> None:
    db = new_db()
    import_rows(
        db,
        tmp_path / "9.csv",
        Row(1, "Đã kích hoạt", "20/07/2023 10:00", "P7", "a", OUTSIDE_PROVINCE),
        Row(2, "Đã thu nhận hồ sơ", "20/07/2023 10:30", "P7", "a", OUTSIDE_PROVINCE),
        Row(2, "Đã kích hoạt", "24/07/2023 10:00", "P7", "a", OUTSIDE_PROVINCE),
    )
    on_25 = json.loads(ok(db, "tally", "--json", "--by", "commune", "--as-of", "2023-07-25"))
    assert on_25["outside_province"]["level1"] == 1
    assert row_of(on_25, "name", "Ngoài tỉnh")["level1"] == 1  # its own row, after the units
    assert (
        row_of(on_25, "code", "31501")["level2"] == 1
        and row_of(on_25, "code", "31501")["level1"] == 0
    )
    assert (on_25["total"]["level1"], on_25["total"]["level2"]) == (0, 1)
    by_district = json.loads(ok(db, "tally", "--json", "--as-of", "2023-07-25"))
    assert sum(r["level1"] for r in by_district["rows"] if r["code"] != OUTSIDE_PROVINCE) == 0
    by_point = json.loads(ok(db, "tally", "--json", "--by", "point", "--as-of", "2023-07-25"))
    p7 = row_of(by_point, "name", POINTS["P7"][0])
    assert (p7["level1"], p7["level2"]) == (1, 1)
    by_operator = json.loads(ok(db, "tally", "--json", "--by", "operator", "--as-of", "2023-07-25"))
    assert (
        row_of(by_operator, "code", "a")["level1"],
        row_of(by_operator, "code", "a")["level2"],
    ) == (1, 1)


def two_offline_points(new_db: Any, tmp_path: Path) -> tuple[Path, Path]:
    """Example 10's two packages: P7 registered with residence 31501, PKS activated with 31528."""
    packages = []
    for name, row in (
        ("A", Row(1, "Đã đăng ký", "18/07/2023 08:00", "P7", "a", "31501")),
        ("B", Row(1, "Đã kích hoạt", "21/07/2023 15:00", "PKS", "c", "31528")),
    ):
        db = new_db()
        import_rows(db, tmp_path / f"{name}.csv", row)
        ok(db, "package", "export", "--out", str(tmp_path / f"{name}.kpkg"))
        packages.append(tmp_path / f"{name}.kpkg")
    return packages[0], packages[1]


@pytest.mark.parametrize("order", ["AB", "BA"])
def test_example_10_the_residence_recorded_first_counts_until_a_manager_decides(
    new_db: Any, tmp_path: Path, order: str
) -> None:
    a, b = two_offline_points(new_db, tmp_path)
    province = new_db()
    for name in order:
        ok(province, "package", "import", str(a if name == "A" else b))
    listed = json.loads(ok(province, "conflicts", "list", "--json"))
    assert [(c["id_number"], c["in_force"]["residence"]) for c in listed] == [(CITIZEN, "31501")]
    assert [o["residence"] for o in listed[0]["others"]] == ["31528"]
    assert_counted(
        province, day=date(2023, 7, 21), level=1, commune="31501", point="PKS", operator="c"
    )


def test_example_11_the_managers_decision_counts_and_travels(new_db: Any, tmp_path: Path) -> None:
    a, b = two_offline_points(new_db, tmp_path)
    province, other = new_db(), new_db()
    for path in (a, b):
        ok(province, "package", "import", str(path))
    ok(
        province,
        "conflicts",
        "decide",
        "--id-number",
        CITIZEN,
        "--level",
        "1",
        "--take",
        "1",
    )
    assert json.loads(ok(province, "conflicts", "list", "--json")) == []
    assert_counted(
        province, day=date(2023, 7, 21), level=1, commune="31528", point="PKS", operator="c"
    )
    # The decision is an event: another database that receives it, in any order, agrees.
    ok(province, "package", "export", "--out", str(tmp_path / "province.kpkg"))
    for path in (tmp_path / "province.kpkg", b, a):
        ok(other, "package", "import", str(path))
    assert figures(other) == figures(province)


def test_example_12_packages_in_any_order_any_number_of_times(new_db: Any, tmp_path: Path) -> None:
    a, b = two_offline_points(new_db, tmp_path)
    first, second = new_db(), new_db()
    for path in (a, b, a, b, b):
        ok(first, "package", "import", str(path))
    for path in (b, a):
        ok(second, "package", "import", str(path))
    assert figures(first) == figures(second)


@pytest.mark.parametrize("order", ["AB", "BA"])
def test_a_status_correction_to_activated_moves_no_activation_recorded_elsewhere(
    new_db: Any, tmp_path: Path, order: str
) -> None:
    """Rule 3: the activation is the earliest that applied; a correction never moves it. At P7
    the clerk forgot to record the activation and corrects the status to activated (dated when
    corrected); PKS had recorded it on 19/07. Merged, the case counts on 19/07, for PKS and c."""
    a, b = new_db(), new_db()
    import_rows(a, tmp_path / "p7.csv", Row(1, "Đã đăng ký", "18/07/2023 08:00", "P7", "a"))
    ok(a, "case", "correct", "--id-number", CITIZEN, "--level", "1",
       "--status", "Đã kích hoạt", "--reason", "Quên ghi kích hoạt")  # fmt: skip
    import_rows(
        b,
        tmp_path / "pks.csv",
        Row(1, "Đã đăng ký", "18/07/2023 08:00", "P7", "a"),
        Row(1, "Đã kích hoạt", "19/07/2023 10:00", "PKS", "c"),
    )
    packages = {"A": tmp_path / "a.kpkg", "B": tmp_path / "b.kpkg"}
    ok(a, "package", "export", "--out", str(packages["A"]))
    ok(b, "package", "export", "--out", str(packages["B"]))
    province = new_db()
    for name in order:
        ok(province, "package", "import", str(packages[name]))
    assert_counted(
        province, day=date(2023, 7, 19), level=1, commune="31501", point="PKS", operator="c"
    )


@pytest.mark.parametrize("package_first", [False, True])
def test_an_operator_is_named_the_same_whatever_arrives_first(
    new_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package_first: bool
) -> None:
    """`tally --by operator` (and the report's sheet by operator) names each operator: a sheet
    names only the username, the package from the point where the account was made carries
    the full name; the province shows the full name whether the sheet or the package came
    first."""
    point = new_db()
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-can-bo-1\n"))
    ok(point, "account", "create", "a", "--role", "operator", "--name", "Nguyễn Thị Lan",
       "--password-stdin")  # fmt: skip
    import_rows(point, tmp_path / "p7.csv", Row(1, "Đã kích hoạt", "20/07/2023 10:00", "P7", "a"))
    package = tmp_path / "p7.kpkg"
    ok(point, "package", "export", "--out", str(package))
    province = new_db()
    other = sheet(tmp_path / "tinh.csv", Row(2, "Đã kích hoạt", "21/07/2023 10:00", "P7", "a"))
    steps = [["package", "import", str(package)], ["records", "import", str(other)]]
    for step in steps if package_first else steps[::-1]:
        ok(province, *step)
    rows = json.loads(ok(province, "tally", "--json", "--by", "operator", "--as-of", "2023-07-31"))
    assert [(r["code"], r["name"], r["activated"]) for r in rows["rows"] if r["activated"]] == [
        ("a", "Nguyễn Thị Lan", 2)
    ]


def test_an_activation_before_the_campaign_counts_on_its_own_day_and_is_said_so(
    new_db: Any, tmp_path: Path
) -> None:
    """A sheet's activation dated the day before the campaign's first is saved and counted on
    its day (`tally` counts every day up to `as_of`): the import says it is counted there,
    not that it is left out."""
    db = new_db()
    said = import_rows(
        db, tmp_path / "som.csv", Row(1, "Đã kích hoạt", "17/07/2023 10:00", "P7", "a")
    )
    assert "1 dòng ghi ngày ngoài thời gian kế hoạch" in said
    assert "không tính" not in said and "vẫn lưu và tính theo ngày thực tế" in said
    counted = json.loads(ok(db, "tally", "--json", "--as-of", "2023-07-18"))
    assert (counted["total"]["level1"], counted["total"]["activated_on_day"]) == (1, 0)


def test_after_the_purge_nobody_is_counted_twice(new_db: Any, tmp_path: Path) -> None:
    db = new_db()
    example_1(db, tmp_path)
    before = figures(db)
    ok(db, "purge", "--yes")
    code, _out, err = cli(db, "records", "import", str(tmp_path / "vi-du-1.csv"))
    assert code == 1 and "đã được xóa" in err and "đếm hai lần" in err
    assert figures(db) == before
