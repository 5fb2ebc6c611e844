"""`make bench`: province scale, every figure against its limit.

Builds a database of synthetic cases with `demo` (600,000 by default), runs each
measurement several times in its own process, and prints a table: the median,
the goal, and where a limit can be measured in the same run, the hand-written
baseline on the same data and the ratio to it. Writes the table to
bench/last-run.md as well. Not part of `make test`: tests assert behaviour, never time.

    python -m bench.run [--records N] [--keep] [--only sqlite|postgresql|city] [--city]

The city part (`--city`, or `--only city`; PostgreSQL) loads a Hồ Chí Minh City campaign of
the 2025 map by COPY to 1,000,000 cases, measures, then loads on to --records and measures
again: the baseline column then holds the figure at 1,000,000 and the ratio the growth.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.common.labels import FAILURE_LABELS, STATUS_LABELS

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"


@dataclass
class Row:
    what: str
    figure: str
    goal: str
    baseline: str = ""
    ratio: str = ""
    verdict: str = ""


def python() -> str:
    return sys.executable


def run_main(*args: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        [python(), str(ROOT / "main.py"), *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - start


# `demo` needs an administrator signed in (README "Command line"): the bench makes one in
# each new database (the first account needs no sign-in) and passes it to the command.
BENCH_ADMIN = {"KICHHOAT_USER": "bench.admin", "KICHHOAT_PASSWORD": "bench-mat-khau-1"}


def add_bench_admin(url: str) -> dict[str, str]:
    """The first administrator of the new database at `url`; the environment to sign in."""
    run_main(
        "--db",
        url,
        "account",
        "create",
        BENCH_ADMIN["KICHHOAT_USER"],
        "--role",
        "admin",
        env={"KICHHOAT_PASSWORD": BENCH_ADMIN["KICHHOAT_PASSWORD"]},
    )
    return BENCH_ADMIN


def measure(name: str, url: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [python(), "-m", "bench.measure", name, url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if result.returncode:
        sys.exit(f"measurement {name} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def verdict(ok: bool) -> str:
    return "đạt" if ok else "CHƯA ĐẠT"


def timed_row(what: str, seconds: float, limit: float, goal: str) -> Row:
    """One time against its upper limit in seconds (`goal` says the limit to a reader)."""
    return Row(what, ms(seconds), goal, verdict=verdict(seconds <= limit))


def raw_insert_baseline(rows: int) -> float:
    """A raw sqlite3 executemany of `rows` case-sized rows into a bare table."""
    path = WORK / "raw.sqlite3"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, id_number TEXT, level INTEGER, name TEXT, "
        "birth TEXT, sex TEXT, phone TEXT, commune INTEGER, status TEXT, at TEXT)"
    )
    data = [
        (
            i,
            f"{94_000_000_000 + i:012d}",
            1,
            "Nguyễn Văn An",
            "1980-01-01",
            "Nam",
            "0912345678",
            1,
            "activated",
            "2023-07-20 01:00:00.000000",
        )
        for i in range(rows)
    ]
    start = time.perf_counter()
    connection.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?)", data)
    connection.commit()
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


IMPORT_HEADER = [
    "Số định danh",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Mã xã thường trú",
    "Mức",
    "Trạng thái",
    "Lý do thất bại",
    "Mã xã thu nhận",
    "Điểm thu nhận",
    "Thời điểm",
    "Cán bộ",
]


def write_import_csv(source: Path, out: Path) -> int:
    """The demo's cases, one row each at their current status, laid out as the template."""
    connection = sqlite3.connect(source)
    query = """
        SELECT c.id_number, c.full_name, c.birth_date, c.sex, c.phone, r.code, c.level,
               c.status, c.failure_reason, pc.code, p.name, c.updated_at, o.username,
               c.failure_note
        FROM cases c JOIN units r ON r.id = c.residence_commune_id
        JOIN intake_points p ON p.id = c.intake_point_id JOIN units pc ON pc.id = p.commune_id
        JOIN operators o ON o.id = c.operator_id
    """
    count = 0
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IMPORT_HEADER)
        for row in connection.execute(query):
            writer.writerow(import_row(row))
            count += 1
    connection.close()
    return count


def import_row(row: tuple[Any, ...]) -> list[Any]:
    """One case as a row of the import template (dates and moments as a person types them)."""
    (
        id_number,
        name,
        birth,
        sex,
        phone,
        residence,
        level,
        status,
        reason,
        point_commune,
        point,
        updated,
        user,
        note,
    ) = row
    y, m, d = birth.split("-")
    local = datetime.fromisoformat(updated) + timedelta(hours=7)  # UTC -> Vietnam
    return [
        id_number,
        name,
        f"{d}/{m}/{y}",
        sex,
        phone or "",
        residence,
        level,
        STATUS_LABELS[status],
        (note or FAILURE_LABELS[reason]) if reason else "",
        point_commune,
        point,
        f"{local:%d/%m/%Y %H:%M}",
        user,
    ]


def desk_rows(url: str, prefix: str) -> list[Row]:
    """The figures a counter feels, the same on either backend."""
    rows: list[Row] = []
    save = measure("save_case", url)
    rows.append(
        Row(
            f"{prefix}saving one case (p50 / p99)",
            f"{ms(save['p50'])} / {ms(save['p99'])}",
            "p50 <= 3 ms, p99 <= 10 ms",
            verdict=verdict(save["p50"] <= 0.003 and save["p99"] <= 0.010),
        )
    )

    tally = measure("tally", url)
    base = statistics.median(tally["baseline"])
    rows.append(
        Row(
            f"{prefix}tally by district, one day (warm)",
            ms(tally["median"]),
            "<= 100 ms and <= 3x raw",
            ms(base),
            f"{tally['median'] / base:.1f}x",
            verdict(tally["median"] <= 0.1 and tally["median"] <= 3 * base),
        )
    )

    board = measure("dashboard", url)
    rows.append(timed_row(f"{prefix}whole dashboard refresh", board["median"], 0.25, "<= 250 ms"))

    opened = measure("case_list_open", url)
    searched = measure("case_list_search", url)
    memory = max(opened["peak_mb"], searched["peak_mb"])
    rows.append(
        Row(
            f"{prefix}case list: first rows / name search without diacritics / memory",
            f"{ms(opened['median'])} / {ms(searched['median'])} / {memory:.0f} MB",
            "<= 100 ms / <= 200 ms / <= 200 MB",
            verdict=verdict(
                opened["median"] <= 0.1 and searched["median"] <= 0.2 and memory <= 200
            ),
        )
    )

    report = measure("report", url)
    rows.append(timed_row(f"{prefix}PC06 report workbook", report["median"], 3, "<= 3 s"))
    return rows


def sqlite_rows(n: int, keep: bool) -> list[Row]:
    """Every figure on the embedded default: one SQLite file of `n` demo cases."""
    db = WORK / "bench.sqlite3"
    url = f"sqlite:///{db}"
    rows = build_province_rows(n, keep, db, url)
    print(f"database ready: {n} cases", file=sys.stderr)
    rows += desk_rows(url, "")
    rows += export_rows(n, url)
    rows.append(spreadsheet_import_row(db))
    rows += start_rows(url)
    return rows + sqlite_outreach_rows()


def build_province_rows(n: int, keep: bool, db: Path, url: str) -> list[Row]:
    """The demo of `n` cases (unless `keep` and it is there), against the raw insert."""
    if keep and db.exists():
        return []
    for path in WORK.glob("bench.sqlite3*"):
        path.unlink()
    admin = add_bench_admin(url)
    demo_time = run_main("--db", url, "demo", "--records", str(n), "--seed", "1", env=admin)
    baseline = raw_insert_baseline(n)
    return [
        Row(
            f"`demo --records {n}`",
            ms(demo_time),
            "<= 60 s",
            ms(baseline),
            f"{demo_time / baseline:.1f}x",
            verdict(demo_time <= 60),
        )
    ]


def export_rows(n: int, url: str) -> list[Row]:
    """The encrypted detail list against a plain workbook, and a package out and in."""
    details = measure("detail_list", url, str(WORK / "chi-tiet.xlsx"))
    plain = measure("detail_list_baseline", url, str(WORK / "baseline.xlsx"))
    ratio = details["median"] / plain["median"]
    package = WORK / "all.kpkg"
    exported = measure("package_export", url, str(package))
    target = WORK / "merged.sqlite3"
    target.unlink(missing_ok=True)
    imported = measure("package_import", f"sqlite:///{target}", str(package))
    return [
        Row(
            f"encrypted detail list of {n} cases (time, peak memory)",
            f"{ms(details['median'])}, {details['peak_mb']:.0f} MB",
            "<= 1.3x baseline, <= 300 MB",
            f"{ms(plain['median'])}, {plain['peak_mb']:.0f} MB",
            f"{ratio:.1f}x",
            verdict(ratio <= 1.3 and details["peak_mb"] <= 300),
        ),
        Row(
            f"package export / import of {n} cases",
            f"{ms(exported['median'])} / {ms(imported['median'])}",
            "<= 60 s each",
            verdict=verdict(exported["median"] <= 60 and imported["median"] <= 60),
        ),
    ]


def spreadsheet_import_row(db: Path) -> Row:
    """The demo's cases written as a spreadsheet, imported into a fresh database."""
    sheet = WORK / "ho-so.csv"
    written = write_import_csv(db, sheet)
    fresh = WORK / "imported.sqlite3"
    fresh.unlink(missing_ok=True)
    records = measure("records_import", f"sqlite:///{fresh}", str(sheet))
    return Row(
        f"importing a {written}-row spreadsheet (CSV)",
        f"{records['rows_per_s']:,.0f} rows/s, {records['peak_mb']:.0f} MB "
        f"(+ {records['reader_peak_mb']:.0f} MB reading the file)",
        ">= 10,000 rows/s, memory bounded",
        verdict=verdict(records["rows_per_s"] >= 10_000 and records["peak_mb"] < 500),
    )


def start_rows(url: str) -> list[Row]:
    """The window's start against a bare window, and one command (`tally`)."""
    starts, bares = [], []
    for _ in range(5):
        env = {"BENCH_T0": repr(time.time())}
        starts.append(measure("window_start", url, env=env)["samples"][0])
        env = {"BENCH_T0": repr(time.time())}
        bares.append(measure("bare_window", url, env=env)["samples"][0])
    start, bare = statistics.median(starts), statistics.median(bares)
    tallies = [run_main("--db", url, "tally", "--as-of", "2023-08-10") for _ in range(5)]
    command = statistics.median(tallies)
    return [
        Row(
            "app start to a usable window",
            ms(start),
            "<= 1.0 s",
            ms(bare),
            f"{start / bare:.1f}x",
            verdict(start <= 1.0),
        ),
        timed_row("`tally` as a command", command, 1.0, "<= 1.0 s"),
    ]


def sqlite_outreach_rows() -> list[Row]:
    lists = WORK / "ra-soat.sqlite3"
    for path in WORK.glob("ra-soat.sqlite3*"):
        path.unlink()
    return outreach_rows(f"sqlite:///{lists}", "")


OUTREACH_PEOPLE = 200_000


def outreach_rows(url: str, prefix: str, people: int = OUTREACH_PEOPLE) -> list[Row]:
    """A province's review lists imported into a database of its own, then its progress."""
    sheet = WORK / "ra-soat.csv"
    imported = measure("outreach_import", url, str(sheet), str(people))
    rows = [
        Row(
            f"{prefix}importing a {imported['rows']}-person review list (CSV)",
            f"{imported['rows_per_s']:,.0f} rows/s, {imported['peak_mb']:.0f} MB",
            ">= 10,000 rows/s",
            verdict=verdict(imported["rows_per_s"] >= 10_000 and imported["rejected"] == 0),
        )
    ]
    for by in ("commune", "hamlet"):
        status = measure("outreach_status", url, by)
        what = f"{prefix}`outreach status --by {by}`, whole province ({status['rows']} rows)"
        rows.append(timed_row(what, status["median"], 0.2, "<= 200 ms"))
    return rows


PG_BENCH_ENV = "KICHHOAT_BENCH_PG"
PG_DATABASE = "kichhoat_bench"
SAVERS, SAVES_EACH = 16, 150


def _pg_admin(server: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(server, isolation_level="AUTOCOMMIT")


def fresh_pg_database(server: str, database: str = PG_DATABASE) -> str | None:
    """Drop and create the benchmark's own database next to `server`'s; None if unreachable."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    engine = _pg_admin(server)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    except DBAPIError as error:
        print(f"PostgreSQL not reachable: {error.orig}", file=sys.stderr)
        return None
    finally:
        engine.dispose()
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def drop_pg_database(server: str, database: str = PG_DATABASE) -> None:
    from sqlalchemy import text

    engine = _pg_admin(server)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()


def postgresql_rows(server: str | None, n: int) -> list[Row]:
    """The shared server: the province's cases on PostgreSQL, and 16 points saving at once."""
    url = fresh_pg_database(server) if server else None
    if url is None:
        return [Row("PostgreSQL", "no server reachable: not measured", "", verdict="-")]
    assert server is not None
    rows: list[Row] = []
    admin = add_bench_admin(url)
    demo_time = run_main("--db", url, "demo", "--records", str(n), "--seed", "1", env=admin)
    rows.append(
        Row(
            f"PostgreSQL: `demo --records {n}`",
            ms(demo_time),
            "<= 60 s",
            verdict=verdict(demo_time <= 60),
        )
    )
    print(f"PostgreSQL database ready: {n} cases", file=sys.stderr)
    rows += desk_rows(url, "PostgreSQL: ")
    together = measure("concurrent_saves", url, str(SAVERS), str(SAVES_EACH))
    safe = together["lost"] == 0 and together["twice"] == 0 and together["unconfirmed"] == 0
    rows.append(
        Row(
            f"PostgreSQL: {SAVERS} processes saving cases at once",
            f"{together['saves_per_s']:,.0f} saves/s ({together['saves']} saves); "
            f"lost {together['lost']}, twice {together['twice']}; CPU per save "
            f"{together['machine_cpu_ms']:.1f} ms, {together['client_cpu_ms']:.1f} of it "
            "in the savers",
            ">= 500 saves/s, nothing lost, nothing twice",
            verdict=verdict(together["saves_per_s"] >= 500 and safe),
        )
    )
    drop_pg_database(server)
    return rows


CITY_DATABASE = "kichhoat_city"
CITY_KEEP_ENV = "KICHHOAT_BENCH_CITY_KEEP"  # set: the city database stays for --city-reuse
CITY_STEP = 1_000_000  # the city's figures are measured here first, then at --records
CITY_SAVERS, CITY_SAVES_EACH = 32, 100
# A campaign of the 2025 map's largest city (Hồ Chí Minh City: 168 communes and wards).
CITY_CAMPAIGN = (
    "campaign", "new", "--province", "79", "--map", "2025",
    "--name", "Đợt thử tải thành phố", "--plan-number", "01/KH-THU",
    "--plan-date", "01/07/2023", "--from", "2023-07-18", "--to", "2023-08-31",
)  # fmt: skip


def _vacuum_analyze(url: str) -> None:
    from sqlalchemy import text

    engine = _pg_admin(url)
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def city_figures(url: str, load_seconds: float) -> dict[str, tuple[float, str]]:
    """Every city figure at the database's present size: (seconds for the goal, as shown)."""
    loaded = "-" if math.isnan(load_seconds) else ms(load_seconds)  # NaN: not loaded here
    found: dict[str, tuple[float, str]] = {"load": (load_seconds, loaded)}
    tally = measure("tally", url)
    found["tally"] = (tally["median"], f"{ms(tally['median'])} (by {tally['by']})")
    found["dashboard"] = (measure("dashboard", url)["median"], "")
    found["case_list"] = (measure("case_list_open", url)["median"], "")
    found["search"] = (measure("case_list_search", url)["median"], "")
    found["report"] = (measure("report", url)["median"], "")
    save = measure("save_case", url)
    found["save_p50"] = (save["p50"], "")
    found["save_p99"] = (save["p99"], "")
    together = measure("concurrent_saves", url, str(CITY_SAVERS), str(CITY_SAVES_EACH))
    server_ms = together["server_cpu_ms"]
    if server_ms is None:  # a server on another machine: what this one spent beyond the savers
        server_ms = together["machine_cpu_ms"] - together["client_cpu_ms"]
    safe = together["lost"] == 0 and together["twice"] == 0 and together["unconfirmed"] == 0
    found["savers"] = (
        server_ms / 1000 if safe else float("inf"),
        f"{together['saves_per_s']:,.0f} saves/s; lost {together['lost']}, twice "
        f"{together['twice']}; server CPU {server_ms:.1f} ms per save",
    )
    verify = run_main("--db", url, "tally", "--verify")
    found["verify"] = (verify, ms(verify))
    return {k: (v, shown or ms(v)) for k, (v, shown) in found.items()}


CITY_GOALS = {  # name: (what, goal as shown, limit in seconds)
    "load": ("load by COPY (`demo`, indexes built after)", "<= 20 min at 10,000,000", 1200),
    "tally": ("tally by commune, one day (warm)", "<= 100 ms, <= 1.2x at 1,000,000", 0.1),
    "dashboard": ("whole dashboard refresh", "<= 250 ms", 0.25),
    "case_list": ("case list: first page", "<= 100 ms", 0.1),
    "search": ("case list: name search without diacritics", "<= 200 ms", 0.2),
    "report": ("PC06 report workbook", "<= 3 s", 3),
    "save_p50": ("desk save p50", "<= 3 ms", 0.003),
    "save_p99": ("desk save p99", "<= 10 ms", 0.010),
    "savers": (
        f"{CITY_SAVERS} processes saving at once",
        "nothing lost or twice; server CPU <= 1.5 ms per save",
        0.0015,
    ),
    "verify": ("`tally --verify` (full recount)", "<= 60 s", 60),
}


def _city_url(server: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=CITY_DATABASE).render_as_string(hide_password=False)


def _city_size(url: str) -> int:
    from sqlalchemy import func, select

    from models.entities import Case
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        size = session.scalar(select(func.count()).select_from(Case)) or 0
    database.dispose()
    return size


def _said(size: int, figures: dict[str, tuple[float, str]]) -> None:
    """Each size's figures on stderr as soon as they are measured: a later failure (or a
    stopped run) loses none of them."""
    shown = {name: shown for name, (_, shown) in figures.items()}
    print(f"city figures at {size}: {json.dumps(shown, ensure_ascii=False)}", file=sys.stderr)


def city_rows(server: str | None, n: int, reuse: bool = False) -> list[Row]:
    """The city on the shared server: a 2025-map campaign of Hồ Chí Minh City loaded to
    1,000,000 cases, every figure measured, then (when `n` is larger) loaded on to `n` and
    measured again; the ratio of each figure at `n` to the one at 1,000,000. With `reuse`,
    the city database an earlier run kept (`KICHHOAT_BENCH_CITY_KEEP`) is measured as it is,
    without loading."""
    measured: dict[int, dict[str, tuple[float, str]]] | None = None
    if server is not None:
        measured = _kept_city_figures(server) if reuse else _loaded_city_figures(server, n)
    if measured is None:
        return [Row("City", "no PostgreSQL server reachable: not measured", "", verdict="-")]
    return _city_table(sorted(measured), measured)


def _kept_city_figures(server: str) -> dict[int, dict[str, tuple[float, str]]]:
    url = _city_url(server)
    size = _city_size(url)
    figures = city_figures(url, math.nan)
    _said(size, figures)
    return {size: figures}


def _loaded_city_figures(server: str, n: int) -> dict[int, dict[str, tuple[float, str]]] | None:
    """The city loaded to 1,000,000 cases and then to `n`, measured at each size; None when
    the server cannot be reached."""
    url = fresh_pg_database(server, CITY_DATABASE)
    if url is None:
        return None
    run_main("--db", url, *CITY_CAMPAIGN)
    admin = add_bench_admin(url)
    measured: dict[int, dict[str, tuple[float, str]]] = {}
    loaded = 0
    for size in [min(n, CITY_STEP)] + ([n] if n > CITY_STEP else []):
        start = time.perf_counter()
        more = str(size - loaded)
        run_main("--db", url, "demo", "--records", more, "--seed", str(size), env=admin)
        load = time.perf_counter() - start
        loaded = size
        _vacuum_analyze(url)
        print(f"city database ready: {size} cases in {load:.0f} s", file=sys.stderr)
        measured[size] = city_figures(url, load)
        _said(size, measured[size])
    if not os.environ.get(CITY_KEEP_ENV):
        drop_pg_database(server, CITY_DATABASE)
    return measured


def _city_table(sizes: list[int], measured: dict[int, dict[str, tuple[float, str]]]) -> list[Row]:
    first, last = measured[sizes[0]], measured[sizes[-1]]
    rows = []
    for name, (what, goal, limit) in CITY_GOALS.items():
        value, shown = last[name]
        ok = value <= limit
        ratio = ""
        if len(sizes) > 1:
            ratio = f"{value / first[name][0]:.2f}x" if first[name][0] else ""
            if name == "tally":
                ok = ok and value <= 1.2 * first[name][0]
        rows.append(
            Row(
                f"City, {sizes[-1]:,} cases: {what}",
                shown,
                goal,
                first[name][1] if len(sizes) > 1 else "",
                ratio,
                "-" if math.isnan(value) else verdict(ok),  # NaN: not loaded (a kept database)
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="kichhoat benchmark")
    parser.add_argument("--records", type=int, default=600_000)
    parser.add_argument("--keep", action="store_true", help="reuse bench/work if present")
    parser.add_argument(
        "--pg",
        default=os.environ.get(PG_BENCH_ENV) or os.environ.get("KICHHOAT_TEST_PG"),
        help=f"a PostgreSQL URL whose role may create databases (default: ${PG_BENCH_ENV}, "
        "then $KICHHOAT_TEST_PG); the PostgreSQL part is skipped without one",
    )
    parser.add_argument(
        "--only",
        choices=["sqlite", "postgresql", "outreach", "city"],
        help="run one part only",
    )
    parser.add_argument(
        "--city",
        action="store_true",
        help="add the city part (PostgreSQL, opt-in): measured at 1,000,000 cases, then at "
        "--records when larger (10,000,000 takes about an hour here)",
    )
    parser.add_argument(
        "--city-reuse",
        action="store_true",
        help="measure the city database kept by an earlier run (KICHHOAT_BENCH_CITY_KEEP=1) "
        "as it is, without loading",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    n = args.records
    rows: list[Row] = []
    if args.only == "outreach":
        rows += sqlite_outreach_rows()
    if args.only in (None, "sqlite"):
        rows += sqlite_rows(n, args.keep)
    if args.only in (None, "postgresql"):
        rows += postgresql_rows(args.pg, n)
    if args.only == "city" or (args.city and args.only is None):
        rows += city_rows(args.pg, n, reuse=args.city_reuse)

    table = ["| what | figure | goal | baseline | ratio | verdict |", "|---|---|---|---|---|---|"]
    table += [
        f"| {r.what} | {r.figure} | {r.goal} | {r.baseline} | {r.ratio} | {r.verdict} |"
        for r in rows
    ]
    machine = (
        f"{platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {n} cases, {time.strftime('%Y-%m-%d')}"
    )
    text = "\n".join(table) + f"\n\nMachine: {machine}\n"
    print(text)
    if args.only not in ("outreach", "city"):  # a part alone does not replace the full table
        (ROOT / "bench" / "last-run.md").write_text(text, encoding="utf-8")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
