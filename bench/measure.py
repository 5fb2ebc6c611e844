"""One measurement, run in its own process so that its time and peak memory are its own.

    python -m bench.measure NAME DATABASE_URL [ARGS...]

Prints one JSON object: the samples in seconds (or the figure), the peak resident
memory of this process in MB, and anything else worth reporting.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.security.session_context import cli_actor

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

AS_OF = date(2023, 8, 10)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


# -- the measurements -------------------------------------------------------------------------


def tally_district(url: str, by: str = "") -> dict[str, Any]:
    """The tally by district (by commune on a two-level campaign, or as `by` says), warm."""
    from services.campaigns.units import UnitTree
    from services.counting.tally import TallyBy, tally
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
        grouping = (
            TallyBy(by) if by else TallyBy.DISTRICT if tree.has_districts else TallyBy.COMMUNE
        )
        tally(session, AS_OF, grouping, tree)  # warm
        ours = timed(lambda: tally(session, AS_OF, grouping, tree), 9)
    # The hand-written baseline: the same figures counted over the cases, as a tally did
    # before the counts were kept (and as `tally --verify` still does).
    unit = "u.parent_id" if grouping == TallyBy.DISTRICT else "c.counted_unit_id"
    join = "JOIN units u ON u.id = c.counted_unit_id " if grouping == TallyBy.DISTRICT else ""
    baseline: list[float] = []
    if url.startswith("sqlite"):
        raw = sqlite3.connect(sqlite_path(url))
        query = (
            f"SELECT {unit}, c.level, count(*), sum(c.activated_on = ?) FROM cases c "  # noqa: S608
            f"{join}WHERE c.activated_on <= ? GROUP BY {unit}, c.level"
        )
        day = AS_OF.isoformat()
        raw.execute(query, (day, day)).fetchall()
        baseline = timed(lambda: raw.execute(query, (day, day)).fetchall(), 9)
    else:
        pg = database.engine.raw_connection()
        cursor = pg.cursor()
        query = (
            f"SELECT {unit}, c.level, count(*), count(*) FILTER (WHERE c.activated_on = %s) "  # noqa: S608
            f"FROM cases c {join}WHERE c.activated_on <= %s GROUP BY {unit}, c.level"
        )

        def raw_pg() -> None:
            cursor.execute(query, (AS_OF, AS_OF))
            cursor.fetchall()

        raw_pg()
        baseline = timed(raw_pg, 5)
        pg.close()
    return {"samples": ours, "baseline": baseline, "by": grouping.value}


def dashboard_refresh(url: str) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from services.upkeep.database import open_database
    from services.upkeep.local_settings import LocalSettings
    from ui.counting.dashboard import DashboardPanel
    from ui.shell.context import AppContext

    app = QApplication([])
    database = open_database(url, migrate=False)
    panel = DashboardPanel(AppContext(database=database, settings=LocalSettings()))
    panel.resize(1366, 700)
    panel.show()
    panel.set_day(AS_OF)
    app.processEvents()

    def refresh() -> None:
        panel.refresh()
        panel.repaint()
        app.processEvents()

    refresh()
    return {"samples": timed(refresh, 7)}


def _manager() -> Any:
    from models.codes import Role
    from services.security.session_context import Actor

    return Actor(operator_id=1, username="bench", full_name="bench", role=Role.MANAGER)


def case_list_open(url: str) -> dict[str, Any]:
    from services.cases.queries import CaseFilter, count_cases, fetch_cases
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    actor = _manager()

    def first_page() -> None:
        with database.session() as session:
            fetch_cases(session, actor, CaseFilter(), None, 200)
            count_cases(session, actor, CaseFilter())

    first = timed(first_page, 1)
    samples = first + timed(first_page, 6)
    return {"samples": samples, "first": first[0]}


def case_list_search(url: str) -> dict[str, Any]:
    from services.cases.queries import CaseFilter, count_cases, fetch_cases
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    actor = _manager()
    queries = ["nguyen thi anh", "tran van", "thach thi sa ret", "le binh", "huynh ngoc lan"]
    samples = []
    for text in queries:

        def search(text: str = text) -> None:
            with database.session() as session:
                fetch_cases(session, actor, CaseFilter(text=text), None, 200)
                count_cases(session, actor, CaseFilter(text=text))

        samples += timed(search, 2)
    return {"samples": samples}


def save_case(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from models.codes import Role, Status
    from models.entities import Case
    from services.campaigns.directory import list_points
    from services.campaigns.units import UnitTree
    from services.cases.recording import FactsDraft
    from services.desk.intake import IntakeResult, save_intake
    from services.security.session_context import Actor
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        point = list_points(session)[0]
        commune = UnitTree.load(session).by_id[point.commune_id]
        # A second measurement on the same database (the city part) saves other numbers.
        first = 900_000 + (
            session.scalar(
                select(func.count()).select_from(Case).where(Case.id_number.like("0010709%"))
            )
            or 0
        )
    actor = Actor(1, "bench", "bench", Role.OPERATOR, point.id)
    birth = date(1970, 1, 1)
    samples = []
    for number in range(300):
        draft = FactsDraft(
            id_number=f"0010{70:02d}{first + number:06d}",
            full_name="Nguyễn Văn Đo Đạc",
            birth_date=birth,
            sex="Nam",
            phone="0912345678",
            residence_commune_id=commune.id,
        )
        start = time.perf_counter()
        with database.session() as session:
            save_intake(session, actor, draft, IntakeResult(1, Status.REGISTERED), consent=True)
            session.commit()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "samples": samples,
        "p50": samples[len(samples) // 2],
        "p99": samples[int(len(samples) * 0.99) - 1],
    }


def report(url: str) -> dict[str, Any]:
    import tempfile

    from services.documents.report import write_report
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    folder = Path(tempfile.mkdtemp())
    with database.session() as session:
        return {
            "samples": timed(
                lambda: write_report(session, cli_actor(), AS_OF, folder / "r.xlsx"), 3
            )
        }


def package_export(url: str, out: str) -> dict[str, Any]:
    from services.exchange.packages import export_package
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        samples = timed(
            lambda: export_package(session, cli_actor(), Path(out), "mat-khau-do-toc-do"), 1
        )
    return {"samples": samples, "size_mb": Path(out).stat().st_size / 1e6}


def package_import(url: str, package: str) -> dict[str, Any]:
    from services.exchange.packages import import_package
    from services.upkeep.database import open_database

    database = open_database(url)
    with database.session() as session:
        start = time.perf_counter()
        summary = import_package(session, cli_actor(), Path(package), "mat-khau-do-toc-do")
        session.commit()
        elapsed = time.perf_counter() - start
    return {"samples": [elapsed], "new": summary.new}


def _import_figures(summary: Any, elapsed: float, **more: Any) -> dict[str, Any]:
    """An import's figures: its time, the rows read and refused, rows per second, and `more`."""
    return {
        "samples": [elapsed],
        "rows": summary.rows_read,
        "rejected": len(summary.rejects),
        "rows_per_s": summary.rows_read / elapsed,
        **more,
    }


def records_import(url: str, path: str) -> dict[str, Any]:
    from services.campaigns.campaign import ensure_campaign
    from services.cases.records import import_records
    from services.upkeep.database import open_database

    database = open_database(url)
    with database.session() as session:
        ensure_campaign(session, "soc-trang-2023")
        session.commit()
        start = time.perf_counter()
        summary = import_records(session, cli_actor(), Path(path), write_rejects=False)
        session.commit()
        elapsed = time.perf_counter() - start
    return _import_figures(
        summary,
        elapsed,
        saved=summary.saved,
        # A big file is read and checked by a second process (`services.cases.records`).
        reader_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def write_outreach_list(path: Path, communes: list[str], people: int) -> None:
    """A province's review lists: `people` invented persons over the communes, 8 hamlets
    each, half with an ID number, most with a phone (not timed)."""
    import csv
    import random

    from services.outreach.list_import import COLUMNS

    chance = random.Random(16)
    family = ["Nguyễn", "Trần", "Lê", "Thạch", "Lâm", "Sơn", "Danh", "Kim", "Huỳnh", "Phạm"]
    middle = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng"]
    given = ["An", "Bình", "Cường", "Dung", "Hoa", "Lan", "Mai", "Sa Rết", "Tài", "Yến"]
    prefixes = ["091", "094", "098", "097", "096", "090", "093", "086", "088", "070", "083"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS.values()))
        for n in range(people):
            year = chance.randint(1935, 2009)
            sex = chance.choice(["Nam", "Nữ"])
            century = (year // 100 - 19) * 2 + (1 if sex == "Nữ" else 0)
            number = f"094{century}{year % 100:02d}{n:06d}" if n % 2 == 0 else ""
            born = f"{chance.randint(1, 28):02d}/{chance.randint(1, 12):02d}/{year}"
            writer.writerow(
                [
                    number,
                    f"{chance.choice(family)} {chance.choice(middle)} {chance.choice(given)}",
                    born if n % 3 else str(year),
                    sex if n % 4 else "",
                    f"{chance.choice(prefixes)}{chance.randint(1_000_000, 9_999_999)}"
                    if n % 5
                    else "",
                    communes[n % len(communes)],
                    f"Ấp {n // len(communes) % 8 + 1}",
                    "",
                    "",
                ]
            )


def outreach_import(url: str, path: str, people: str = "200000") -> dict[str, Any]:
    """`outreach import` of a province's review lists into a database without any."""
    from models.codes import UnitLevel
    from services.campaigns.campaign import ensure_campaign
    from services.campaigns.units import UnitTree
    from services.outreach.list_import import import_outreach
    from services.upkeep.database import open_database

    database = open_database(url)
    with database.session() as session:
        ensure_campaign(session, "soc-trang-2023")
        session.commit()
        communes = [u.code for u in UnitTree.load(session).at_level(UnitLevel.COMMUNE)]
    write_outreach_list(Path(path), communes, int(people))
    with database.session() as session:
        start = time.perf_counter()
        summary = import_outreach(session, cli_actor(), Path(path), write_rejects=False)
        session.commit()
        elapsed = time.perf_counter() - start
    database.refresh_statistics_after_bulk_load()
    return _import_figures(summary, elapsed, added=summary.added)


def outreach_status(url: str, by: str = "hamlet") -> dict[str, Any]:
    """`outreach status` of the whole province, warm (the service the command calls)."""
    from services.campaigns.units import UnitTree
    from services.outreach.lists import progress
    from services.upkeep.database import open_database

    database = open_database(url)
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
        samples = timed(lambda: progress(session, by, tree=tree), 7)
        rows = len(progress(session, by, tree=tree).rows)
    return {"samples": samples, "rows": rows}


def detail_list(url: str, out: str) -> dict[str, Any]:
    from services.documents.detail_list import write_detail_list
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        start = time.perf_counter()
        write_detail_list(session, cli_actor(), Path(out), "mat-khau-do-toc-do")
        elapsed = time.perf_counter() - start
    return {"samples": [elapsed]}


def detail_list_baseline(url: str, out: str) -> dict[str, Any]:
    """The limit: a raw query of the same rows written by xlsxwriter in constant memory."""
    import xlsxwriter

    start = time.perf_counter()
    raw = sqlite3.connect(sqlite_path(url))
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("Danh sách chi tiết")
    rows = raw.execute(
        "SELECT c.id, c.id_number, c.full_name, c.birth_date, c.sex, c.phone, c.address, "
        "u.name, c.level, c.status, c.failure_reason, c.help_reason, p.name, o.full_name, "
        "c.created_at, c.activated_on FROM cases c JOIN units u ON u.id = c.residence_commune_id "
        "JOIN intake_points p ON p.id = c.intake_point_id "
        "JOIN operators o ON o.id = c.operator_id ORDER BY c.id"
    )
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    workbook.close()
    return {"samples": [time.perf_counter() - start]}


def _shown_since_launch(make_window: Callable[[QApplication], QWidget]) -> dict[str, Any]:
    """Seconds from the process's launch (`BENCH_T0`) to the window of `make_window` shown."""
    started = float(os.environ["BENCH_T0"])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    window = make_window(app)
    window.show()
    app.processEvents()
    return {"samples": [time.time() - started]}


def window_start(url: str) -> dict[str, Any]:
    """In-process part of the start-up measurement: imports, database, main window shown."""

    def main_window(app: QApplication) -> QWidget:
        from models.codes import Role
        from services.campaigns.directory import list_points
        from services.security.session_context import Actor
        from services.upkeep.database import open_database
        from services.upkeep.local_settings import LocalSettings
        from ui.shell.context import AppContext, PointInfo
        from ui.shell.main_window import MainWindow
        from ui.widgets.qt_vietnamese import install_vietnamese

        install_vietnamese(app)
        database = open_database(url)
        with database.session() as session:
            point = list_points(session)[0]
        context = AppContext(
            database=database,
            settings=LocalSettings(),
            actor=Actor(1, "bench", "bench", Role.OPERATOR, point.id),
            point=PointInfo(point.id, point.code, point.name, point.commune_id),
        )
        return MainWindow(context)

    return _shown_since_launch(main_window)


def bare_window(_url: str) -> dict[str, Any]:
    def empty_window(_app: QApplication) -> QWidget:
        from PySide6.QtWidgets import QMainWindow

        return QMainWindow()

    return _shown_since_launch(empty_window)


def concurrent_saves(url: str, workers: str = "16", cases: str = "150") -> dict[str, Any]:
    """WORKERS processes (intake points) saving at once on one server; then the check that
    every save an operator was told of is stored, and no citizen is stored twice."""
    from bench.saver import id_number, tail_for

    count, per_worker = int(workers), int(cases)
    round_ = _saver_round(url)  # a second measurement on this database: new numbers
    ours = {id_number(tail_for(w, n, round_)) for w in range(count) for n in range(per_worker)}
    processes = _start_savers(url, count, per_worker, round_)
    backends = _backend_pids(url)
    server_before = _cpu_seconds(backends)
    busy_before = _machine_busy_seconds()
    outputs = _run_savers(processes)
    machine_cpu = _machine_busy_seconds() - busy_before
    server_cpu = _cpu_seconds(backends) - server_before
    for process in processes:
        process.communicate("bye\n")
    if any(process.returncode for process in processes):
        raise RuntimeError("a saver failed")
    confirmed, elapsed, client_cpu = _saver_results(outputs)
    numbers = set(confirmed)
    stored = _stored_bench_numbers(url, ours)
    return {
        "samples": [elapsed],
        "saves": len(confirmed),
        "saves_per_s": len(confirmed) / elapsed,
        "lost": len(numbers - set(stored)),
        "twice": sum(n - 1 for n in stored.values()),
        "unconfirmed": len(set(stored) - numbers),
        # Where the time goes: CPU per save in the savers (Python, SQLAlchemy, psycopg)
        # and on the whole machine (the server's backends too), while saving.
        "client_cpu_ms": client_cpu / len(confirmed) * 1000,
        "machine_cpu_ms": machine_cpu / len(confirmed) * 1000,
        # The savers' own server processes (PostgreSQL backends), read from /proc: on a
        # shared machine the whole machine's CPU counts other people's work too.
        "server_cpu_ms": server_cpu / len(confirmed) * 1000 if backends else None,
    }


def _saver_round(url: str) -> int:
    """0 on a database the savers never saved in; 1 when an earlier measurement did (the
    city part measures twice), so that this one saves other ID numbers."""
    from sqlalchemy import select

    from models.entities import Case
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        earlier = session.scalar(select(Case.id).where(Case.id_number.like("002075%")).limit(1))
    database.dispose()
    return 0 if earlier is None else 1


def _start_savers(
    url: str, count: int, per_worker: int, round_: int
) -> list[subprocess.Popen[str]]:
    """`count` saver processes, each connected and waiting for the word to go."""
    root = Path(__file__).resolve().parent.parent
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.saver", url, str(n), str(per_worker), str(round_)],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        if ready != "READY":
            raise RuntimeError(f"a saver did not start: {ready!r}")
    return processes


def _run_savers(processes: list[subprocess.Popen[str]]) -> list[str]:
    """Start every saver at once; what each printed up to its DONE line."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = []
    for process in processes:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("DONE"):
                break
        outputs.append("".join(lines))
    return outputs


def _saver_results(outputs: list[str]) -> tuple[list[str], float, float]:
    """The ID numbers the savers confirmed, the time from the first start to the last end,
    and the savers' CPU seconds."""
    confirmed: list[str] = []
    starts, ends = [], []
    client_cpu = 0.0
    for out in outputs:
        for line in out.splitlines():
            word, *rest = line.split()
            if word == "SAVED":
                confirmed.append(rest[0])
            elif word == "DONE":
                starts.append(float(rest[0]))
                ends.append(float(rest[1]))
                client_cpu += float(rest[2])
    return confirmed, max(ends) - min(starts), client_cpu


def _stored_bench_numbers(url: str, ours: set[str]) -> Counter[str]:
    """How many times each of this measurement's ID numbers (`ours`) is stored."""
    from sqlalchemy import select

    from models.entities import Case
    from services.upkeep.database import open_database

    database = open_database(url, migrate=False)
    with database.session() as session:
        query = select(Case.id_number).where(Case.id_number.like("002075%"))
        stored = Counter(n for n in session.scalars(query) if n in ours)
    database.dispose()
    return stored


def _backend_pids(url: str) -> list[int]:
    """The server processes serving this database's other connections (the savers'), when
    the server runs on this machine."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        pids = list(
            connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
        )
    engine.dispose()
    return [pid for pid in pids if Path(f"/proc/{pid}/stat").exists()]


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU seconds spent on every core, idle and I/O wait excluded (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


MEASUREMENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "concurrent_saves": concurrent_saves,
    "tally": tally_district,
    "dashboard": dashboard_refresh,
    "case_list_open": case_list_open,
    "case_list_search": case_list_search,
    "save_case": save_case,
    "report": report,
    "package_export": package_export,
    "package_import": package_import,
    "records_import": records_import,
    "detail_list": detail_list,
    "detail_list_baseline": detail_list_baseline,
    "window_start": window_start,
    "outreach_import": outreach_import,
    "outreach_status": outreach_status,
    "bare_window": bare_window,
}


def main() -> None:
    name, url, *rest = sys.argv[1:]
    result = MEASUREMENTS[name](url, *rest)
    result["peak_mb"] = peak_mb()
    if result.get("samples"):
        result["median"] = statistics.median(result["samples"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
