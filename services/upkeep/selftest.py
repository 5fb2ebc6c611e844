"""`kichhoat --self-test`: does this installation work? The steps without a window.

Run on a freshly built bundle (CI) or on a counter PC after installing: a database in a
temporary folder, the migrations, the campaign preset, a guide PDF and a report workbook,
each step printed with OK or LỖI. The window step lives in ui/upkeep/selftest.py, which runs these
steps around it. Nothing is written outside the temporary folder.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from models.codes import PointKind, Role, UnitLevel
from models.database import sqlite_url
from models.entities import Case, Operator
from models.migrate import current_revision, head_revision
from services.campaigns.campaign import active_campaign, ensure_campaign
from services.campaigns.units import UnitTree
from services.cases.demo import generate_demo
from services.security.session_context import Actor
from services.upkeep.database import Database, open_database
from services.upkeep.first_start import DEFAULT_PRESET, NewAdmin, NewPoint, complete_first_start

log = logging.getLogger(__name__)

OK = "OK"
FAILED = "LỖI"
DEMO_RECORDS = 40
ADMIN_USERNAME = "tu.kiem.tra"
ADMIN_NAME = "Cán bộ tự kiểm tra"


class SelfTestError(Exception):
    """A check that found something wrong (as opposed to a step that crashed)."""


@dataclass
class StepResult:
    title: str
    ok: bool
    detail: str = ""


@dataclass
class SelfTest:
    """The state the steps share, and the report they print to `out`."""

    folder: Path
    out: TextIO | None
    errors: TextIO | None = None  # tracebacks of failed steps (the log is in `folder`)
    database: Database | None = None
    actor: Actor | None = None
    point_id: int | None = None
    point_code: str | None = None
    point_name: str = ""
    point_commune_id: int | None = None
    results: list[StepResult] = field(default_factory=list)

    def emit(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out, flush=True)

    def step(self, title: str, work: Callable[[], str | None]) -> bool:
        """Run one step unless an earlier one failed; print `[OK] title` or `[LỖI] title: why`."""
        if not self.passed:
            self.results.append(StepResult(title, False, "bỏ qua vì bước trước bị lỗi"))
            self.emit(f"[{FAILED}] {title}: bỏ qua vì bước trước bị lỗi")
            return False
        try:
            detail = work() or ""
        except Exception as error:  # the self-test reports every failure, whatever it is
            log.error("Self-test step failed: %s\n%s", title, traceback.format_exc())
            if self.errors is not None:
                traceback.print_exc(file=self.errors)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            detail = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
            self.results.append(StepResult(title, False, detail))
            self.emit(f"[{FAILED}] {title}: {detail}")
            return False
        self.results.append(StepResult(title, True, detail))
        self.emit(f"[{OK}] {title}" + (f" ({detail})" if detail else ""))
        return True

    @property
    def passed(self) -> bool:
        return all(result.ok for result in self.results)

    def db(self) -> Database:
        if self.database is None:
            raise SelfTestError("chưa mở cơ sở dữ liệu")
        return self.database

    # -- the steps --------------------------------------------------------------------

    def open_database(self) -> str:
        path = self.folder / "tu-kiem-tra.sqlite3"
        self.database = open_database(
            sqlite_url(path), migrate=False, backups=self.folder / "backups"
        )
        return str(path)

    def migrate(self) -> str:
        from models.migrate import upgrade

        database = self.db()
        upgrade(database.engine)
        revision = current_revision(database.engine)
        if revision != head_revision():
            raise SelfTestError(f"lược đồ ở phiên bản {revision}, cần {head_revision()}")
        tables = set(inspect(database.engine).get_table_names())
        missing = {"campaigns", "units", "cases", "case_history", "operators"} - tables
        if missing:
            raise SelfTestError(f"thiếu bảng {', '.join(sorted(missing))}")
        return f"phiên bản lược đồ {revision}"

    def load_preset(self) -> str:
        with self.db().session() as session:
            ensure_campaign(session, DEFAULT_PRESET)
            communes = UnitTree.load(session).at_level(UnitLevel.COMMUNE)
            if not communes:
                raise SelfTestError("bộ dữ liệu không có xã, phường nào")
            point = complete_first_start(
                session,
                NewPoint("Điểm tự kiểm tra", PointKind.OTHER, communes[0].id),
                NewAdmin(ADMIN_USERNAME, ADMIN_NAME, f"{secrets.token_hex(12)}a1"),
            )
            session.flush()
            admin = session.scalars(
                select(Operator).where(Operator.username == ADMIN_USERNAME)
            ).one()
            generate_demo(session, DEMO_RECORDS, seed=1)
            session.commit()
            self.point_id, self.point_code = point.id, point.code
            self.point_name, self.point_commune_id = point.name, point.commune_id
            self.actor = Actor(admin.id, ADMIN_USERNAME, ADMIN_NAME, Role.ADMIN, point.id)
            campaign = active_campaign(session).code
            cases = session.scalar(select(func.count()).select_from(Case)) or 0
        if cases < 1:
            raise SelfTestError("không tạo được hồ sơ mẫu")
        return f"chiến dịch {campaign}; {len(communes)} xã, phường; {cases} hồ sơ mẫu"

    def render_guide(self) -> str:
        from services.documents.fonts import FALLBACK_FAMILY, print_family
        from services.documents.guides import GuideLayout, guide_sheet, load_guide
        from services.documents.sheets import write_pdf

        family = print_family()
        if family == FALLBACK_FAMILY:
            raise SelfTestError("không nạp được phông chữ Be Vietnam Pro đi kèm")
        with self.db().session() as session:
            content = load_guide(session, self.point_code)
        path = write_pdf(guide_sheet(content, GuideLayout.A4), self.folder / "huong-dan.pdf")
        data = path.read_bytes()
        if not data.startswith(b"%PDF") or len(data) < 10_000:
            raise SelfTestError("tệp tạo ra không phải một tờ PDF đầy đủ")
        return f"{len(data) // 1024} KB, phông {family}"

    def write_report(self) -> str:
        from services.documents.report import write_report

        if self.actor is None:
            raise SelfTestError("chưa có cán bộ để lập báo cáo")
        with self.db().session() as session:
            as_of = active_campaign(session).last_day
            path = write_report(
                session,
                self.actor,
                as_of,
                self.folder / "bao-cao.xlsx",
                witness_folder=self.folder,
            )
            session.commit()  # the export is recorded in the audit log
        workbook = load_workbook(path, read_only=True)
        try:
            sheets = workbook.sheetnames
        finally:
            workbook.close()
        if len(sheets) < 2:
            raise SelfTestError("sổ báo cáo thiếu trang")
        return f"{len(sheets)} trang"

    def credential_store(self) -> str:
        """keyring finds its stores through its package metadata: a bundle without it would
        find none and never remember a server's password. A computer without any store is
        no failure (the window then asks for the password)."""
        from importlib.metadata import entry_points

        from services.security.server_passwords import store_name

        if not list(entry_points(group="keyring.backends")):
            raise SelfTestError(
                "không tìm thấy các kho mật khẩu của thư viện keyring (bản đóng gói thiếu "
                "dữ liệu của keyring)"
            )
        return store_name()

    def close(self) -> None:
        if self.database is not None:
            self.database.dispose()
            self.database = None


def summary_line(test: SelfTest) -> str:
    failed = [result for result in test.results if not result.ok]
    if not failed:
        return f"Tự kiểm tra: {OK}, {len(test.results)} bước đều đạt."
    return f"Tự kiểm tra: {FAILED}, {len(failed)}/{len(test.results)} bước không đạt."
