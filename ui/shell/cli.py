"""The command line: a thin front-end over the services, for administrators and scripts.

`python main.py [--db URL] COMMAND ...`; see README.md for the contract. Nothing
here imports Qt widgets, and only `guide`, `slip`, `request export` and `privacy
description` import QtGui (lazily, to paint their PDF): the other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy.orm import Session

from services.campaigns.campaign import (
    DEMO_DATA_WARNING,
    available_presets,
    contains_demo_data,
    ensure_campaign,
    load_preset,
)
from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.common.version import APP_TITLE, APP_VERSION
from services.common.vntime import parse_iso_day, today_vn
from services.counting.tally import Tally, TallyBy, tally
from services.security.accounts import SignInError
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from services.spreadsheets.reader import UnreadableFileError
from services.upkeep.database import READ_ONLY_NOTE, Database
from ui.campaigns.cli_campaigns import CAMPAIGN_COMMANDS, CAMPAIGN_PARSERS
from ui.campaigns.cli_units import UNIT_COMMANDS, UNIT_PARSERS
from ui.cases.cli_cases import CASE_COMMANDS, CASE_PARSERS
from ui.exchange.cli_packages import PACKAGE_PARSERS, cmd_package
from ui.outreach.cli_outreach import OUTREACH_COMMANDS, OUTREACH_PARSERS
from ui.privacy.cli_requests import REQUEST_COMMANDS, REQUEST_PARSERS
from ui.security.cli_accounts import ACCOUNT_COMMANDS, ACCOUNT_PARSERS
from ui.security.cli_security import SECURITY_COMMANDS, SECURITY_PARSERS
from ui.security.cli_sign_in import SignInRequiredError, acting, admit, in_one_transaction
from ui.shell.cli_common import Command, OneOf, add_commands, option
from ui.shell.cli_common import gui_application as _gui_application
from ui.shell.cli_database import open_for_command

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_UNREADABLE = 2
EXIT_SIGN_IN = 3  # not signed in: no or wrong credentials, a locked or disabled account
EXIT_FORBIDDEN = 4  # signed in, but the role does not allow the command
EXIT_INTERRUPTED = 130
DEFAULT_PRESET = "soc-trang-2023"

T = TypeVar("T")

_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không hiểu được: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lựa chọn %(value)r không hợp lệ (chọn một trong %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected at most one argument": "chỉ nhận nhiều nhất một giá trị",
    "ignored explicit argument %r": "không nhận giá trị %r",
    "not allowed with argument %s": "không dùng cùng lúc với %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn %(option)s chưa rõ: có thể là %(matches)s (gõ đủ tên tùy chọn)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "không có lệnh %(parser_name)r (chọn một trong %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
}


def _vietnamese_argparse() -> None:
    """argparse's own words in Vietnamese (it looks them up through gettext)."""

    def translate(message: str) -> str:
        return _ARGPARSE_VI.get(message, message)

    argparse._ = translate  # type: ignore[attr-defined]


def _preset_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        metavar="BỘ_DỮ_LIỆU",
        help=f"bộ dữ liệu của đợt (có sẵn: {', '.join(available_presets())})",
    )


_TALLY = (
    option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="đếm đến hết ngày này, giờ Việt Nam (mặc định: hôm nay)",
    ),
    option(
        "--by",
        choices=[b.value for b in TallyBy],
        help="gộp theo huyện, xã, điểm thu nhận hay cán bộ (mặc định: huyện; xã khi đợt theo "
        "bản đồ hai cấp)",
    ),
    option("--json", action="store_true", help="in kết quả dạng JSON"),
    OneOf(
        (
            option(
                "--verify",
                action="store_true",
                help="so số đếm cơ sở dữ liệu duy trì với số đếm lại toàn bộ hồ sơ, từng đơn vị, "
                "điểm, cán bộ và ngày; khác nhau thì in chỗ khác và thoát mã 1",
            ),
            option(
                "--rebuild",
                action="store_true",
                help="tính lại toàn bộ số đếm duy trì từ hồ sơ (sau khi --verify báo khác nhau)",
            ),
        )
    ),
)
_GUIDE = (
    option(
        "--layout",
        metavar="a4|a5|cards",
        help="áp phích A4 (a4), tờ A5 (a5) hoặc 8 thẻ cắt rời trên khổ A4 (cards); bắt buộc khi in",
    ),
    option("--out", type=Path, metavar="FILE.pdf", help="tệp PDF; bắt buộc khi in"),
    option(
        "--point",
        metavar="MÃ",
        help="mã điểm thu nhận: dùng tên, địa chỉ và nội dung đã sửa của điểm đó "
        "(không ghi: nội dung mặc định, chừa chỗ ghi tên điểm)",
    ),
)
_SLIP = (
    option("--id-number", required=True, metavar="SỐ", help="số định danh 12 chữ số"),
    option("--level", required=True, metavar="1|2", help="mức tài khoản của hồ sơ"),
    option("--out", required=True, type=Path, metavar="FILE.pdf"),
    option(
        "--format",
        metavar="a6|80mm",
        help="khổ phiếu (mặc định: theo cài đặt của máy này, ban đầu là a6)",
    ),
)
_DEMO = (
    option("--records", type=int, required=True, metavar="N"),
    option("--seed", type=int, metavar="S"),
    option(
        "--force",
        action="store_true",
        help="thêm cả khi cơ sở dữ liệu đã có hồ sơ thật (báo cáo sẽ ghi rõ có dữ liệu thử)",
    ),
)
_RECORDS = (
    Command(
        "template",
        "ghi tệp mẫu .xlsx để nhập hồ sơ",
        (option("--out", required=True, type=Path, metavar="FILE.xlsx"),),
    ),
    Command(
        "import",
        "nhập hồ sơ từ tệp .xlsx hoặc .csv",
        (option("file", type=Path, metavar="FILE"),),
    ),
)
_ALLOW_DOMAIN = Command(
    "allow-domain",
    "thêm một tên miền vào danh sách trang được phép in mã QR (quản trị viên)",
    (option("domain", metavar="TÊN_MIỀN", help="ví dụ: cand.com.vn"),),
)
_CORE_PARSERS = (
    Command("init", "tạo hoặc nâng cấp cơ sở dữ liệu và nạp bộ dữ liệu mẫu", (_preset_option,)),
    Command("records", "nhập hồ sơ từ bảng tính", subcommands=_RECORDS, dest="records_command"),
    Command("tally", "đếm kết quả kích hoạt theo quy tắc của kế hoạch", _TALLY),
    Command(
        "report",
        "lập bảng tính báo cáo kết quả gửi PC06",
        (
            option(
                "--as-of",
                metavar="YYYY-MM-DD",
                required=True,
                help="số liệu tính đến hết ngày này (giờ Việt Nam)",
            ),
            option("--out", required=True, type=Path, metavar="FILE.xlsx"),
        ),
    ),
    Command(
        "guide",
        "in tờ hướng dẫn có mã QR ra tệp PDF (không mở cửa sổ); guide allow-domain: "
        "cho phép thêm tên miền cho mã QR",
        _GUIDE,
        subcommands=(_ALLOW_DOMAIN,),
        dest="guide_command",
        required=False,
    ),
    Command("slip", "in phiếu hướng dẫn cho công dân ra tệp PDF", _SLIP),
    Command("demo", "thêm hồ sơ giả lập để dùng thử", _DEMO),
)
# Every command, in the order `--help` lists them.
PARSERS = (
    *_CORE_PARSERS,
    *PACKAGE_PARSERS,
    *CASE_PARSERS,
    *SECURITY_PARSERS,
    *ACCOUNT_PARSERS,
    *REQUEST_PARSERS,
    *CAMPAIGN_PARSERS,
    *UNIT_PARSERS,
    *OUTREACH_PARSERS,
)


def build_parser() -> argparse.ArgumentParser:
    _vietnamese_argparse()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="địa chỉ cơ sở dữ liệu SQLAlchemy (mặc định: biến KICHHOAT_DB, rồi SQLite trong "
        "thư mục dữ liệu của người dùng)",
    )
    parser = argparse.ArgumentParser(
        prog="kichhoat",
        description="Bàn làm việc cho điểm thu nhận: đăng ký, kích hoạt tài khoản định danh "
        "điện tử. Không có lệnh: mở cửa sổ ứng dụng.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{APP_TITLE} {APP_VERSION}",
        help="in phiên bản rồi thoát",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="tự kiểm tra bản cài đặt (cơ sở dữ liệu tạm, nâng cấp, bộ dữ liệu, cửa sổ, PDF, "
        "báo cáo) rồi thoát; mã thoát 0 nếu mọi bước đều đạt",
    )
    commands = parser.add_subparsers(dest="command", metavar="LỆNH")
    add_commands(commands, common, PARSERS)
    return parser


def _ensure_campaign(database: Database) -> None:
    """A database with no campaign yet gets the default preset's."""
    with database.session() as session:
        if ensure_campaign(session, DEFAULT_PRESET):
            session.commit()


def import_file(args: argparse.Namespace, work: Callable[[Session, Actor, Path], T]) -> T:
    """`work` on the file `args.file` (refused when there is none), in one transaction of a
    database that has a campaign (the default preset's when it had none yet)."""
    path: Path = args.file
    if not path.is_file():
        raise UnreadableFileError(f"Không tìm thấy tệp «{path}».")
    _ensure_campaign(open_for_command(args))
    return in_one_transaction(args, lambda session, actor: work(session, actor, path))


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    database = open_for_command(args)
    with database.session() as session:
        result = load_preset(session, args.preset)
        session.commit()
    if result.changed:
        parts = []
        if result.campaign_created:
            parts.append(f"tạo đợt «{args.preset}»")
        parts.append(f"thêm {result.units_added} đơn vị, {result.targets_added} chỉ tiêu")
        print("Đã " + ", ".join(parts) + ".", file=out)
    else:
        print(
            f"Cơ sở dữ liệu đã có đủ dữ liệu của «{args.preset}»: không có gì thay đổi.", file=out
        )
    for note in result.notes:
        print(note, file=out)
    return EXIT_OK


def cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from services.cases.records import write_template

    database = open_for_command(args)
    _ensure_campaign(database)
    with database.session(read_only=True) as session:
        write_template(args.out, UnitTree.load(session))
    print(f"Đã ghi tệp mẫu {args.out}.", file=out)
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    from services.cases.records import import_records

    summary = import_file(args, import_records)
    for reject in summary.rejects:
        print(f"Dòng {reject.row}: {reject.reason}", file=sys.stderr)
    for record in summary.records:
        print(record, file=sys.stderr)
    for line in summary.outside_period:
        print(line, file=sys.stderr)
    for case in sorted(summary.conflicts):
        print(
            f"Hồ sơ {case}: các báo cáo ghi thông tin khác nhau, chờ quản lý quyết định.",
            file=sys.stderr,
        )
    print(summary.describe(), file=out)
    return EXIT_OK


def _format_table(result: Tally) -> str:
    headers = ["Mã", "Đơn vị", "Chỉ tiêu", "CT ngày", "Mức 1", "Mức 2", "Cộng dồn", "Trong ngày"]
    body = [
        [
            row.code or "",
            row.name,
            "" if row.target_total is None else f"{row.target_total:,}".replace(",", "."),
            "" if row.target_daily is None else f"{row.target_daily:,}".replace(",", "."),
            str(row.level1),
            str(row.level2),
            str(row.activated),
            str(row.activated_on_day),
        ]
        for row in [
            *result.rows,
            result.total,
            *([result.outside] if result.outside.activated else []),
        ]
    ]
    total_line = len(result.rows)
    body[total_line][1] = f"Tổng: {body[total_line][1]}"
    widths = [max(len(r[i]) for r in [headers, *body]) for i in range(len(headers))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in [headers, *body]
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(total_line + 2, "-" * len(lines[0]))
    return f"Kết quả kích hoạt đến hết ngày {result.as_of:%d/%m/%Y}\n" + "\n".join(lines)


def _count_check(args: argparse.Namespace, out: TextIO) -> int:
    from services.counting.count_check import rebuild, verify

    if args.rebuild:
        database = open_for_command(args)
        with database.session() as session:
            check = rebuild(session)
            session.commit()
        print("Đã tính lại số đếm duy trì từ hồ sơ.", file=out)
    else:
        database = open_for_command(args, reading=True)
        with database.session(read_only=True) as session:
            check = verify(session)
    for name in check.missing_triggers:
        print(
            f"Thiếu trigger {name} trên bảng cases: số đếm không còn tự cập nhật. "
            "Chạy «tally --rebuild» để đặt lại và tính lại.",
            file=out,
        )
    for difference in check.differences:
        print(f"Khác nhau: {difference.describe()}", file=out)
    if not check.agrees:
        if not args.rebuild:
            print(
                f"Số đếm duy trì KHÔNG khớp số đếm lại ({len(check.differences)} chỗ khác). "
                "Chạy «tally --rebuild» để tính lại từ hồ sơ.",
                file=out,
            )
        return EXIT_ERROR
    activations = f"{check.activations:,}".replace(",", ".")
    print(
        f"Khớp: số đếm duy trì bằng số đếm lại toàn bộ hồ sơ ({activations} lượt kích hoạt), "
        "từng đơn vị, điểm, cán bộ và ngày.",
        file=out,
    )
    return EXIT_OK


def cmd_tally(args: argparse.Namespace, out: TextIO) -> int:
    if args.verify or args.rebuild:
        return _count_check(args, out)
    as_of = parse_iso_day(args.as_of) if args.as_of else today_vn()
    database = open_for_command(args, reading=True)
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
        default = TallyBy.DISTRICT if tree.has_districts else TallyBy.COMMUNE
        result = tally(session, as_of, TallyBy(args.by) if args.by else default, tree)
        demo_data = contains_demo_data(session)
    if demo_data:
        print(f"Cảnh báo: {DEMO_DATA_WARNING}.", file=sys.stderr)
    if args.json:
        json.dump(result.as_json(), out, ensure_ascii=False)
        out.write("\n")
    else:
        print(_format_table(result), file=out)
    return EXIT_OK


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from services.documents.report import write_report

    as_of = parse_iso_day(args.as_of)
    database = open_for_command(args, reading=True)
    with database.session(read_only=database.read_only) as session:
        path = write_report(session, acting(args), as_of, args.out, audited=not database.read_only)
        session.commit()
    print(f"Đã ghi báo cáo đến hết ngày {as_of:%d/%m/%Y}: {path}", file=out)
    if database.read_only:
        print(READ_ONLY_NOTE, file=sys.stderr)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from services.cases.demo import ensure_demo_allowed, generate_demo

    if args.records < 0:
        raise UserError("Số hồ sơ (--records) phải là số không âm.")
    database = open_for_command(args)
    _ensure_campaign(database)
    with database.session() as session:
        ensure_demo_allowed(session, force=args.force)
        result = generate_demo(
            session, args.records, args.seed, actor=acting(args), forced=args.force
        )
        session.commit()
    database.refresh_statistics_after_bulk_load()
    print(
        f"Đã thêm {result.cases} hồ sơ giả lập ({result.events} mốc trạng thái, "
        f"{result.points} điểm thu nhận, {result.operators} cán bộ; seed={result.seed}). "
        "Cơ sở dữ liệu được đánh dấu là có dữ liệu thử: báo cáo và tally sẽ ghi rõ điều này.",
        file=out,
    )
    return EXIT_OK


def cmd_guide_allow_domain(args: argparse.Namespace, out: TextIO) -> int:
    from services.documents.qr_links import allow_qr_domain, allowed_qr_domains, normalise_domain

    domain = normalise_domain(args.domain)
    database = open_for_command(args)
    with database.session() as session:
        added = allow_qr_domain(session, acting(args), domain)
        session.commit()
        domains = allowed_qr_domains(session)
    if added:
        print(f"Đã cho phép in mã QR trỏ tới {domain} (và các tên miền con).", file=out)
    else:
        print(f"Tên miền {domain} đã có trong danh sách.", file=out)
    print(f"Các tên miền được phép: {', '.join(domains)}", file=out)
    return EXIT_OK


def cmd_guide(args: argparse.Namespace, out: TextIO) -> int:
    if args.guide_command == "allow-domain":
        return cmd_guide_allow_domain(args, out)
    from services.documents.guides import guide_sheet, load_guide, parse_layout, printable_guide

    if not args.layout or not args.out:
        raise UserError("Lệnh guide cần --layout và --out (ví dụ: guide --layout a4 --out a.pdf).")
    layout = parse_layout(args.layout)
    if args.point:
        database = open_for_command(args)
        with database.session(read_only=True) as session:
            # A link stored off the allow-list is refused here, never printed.
            content = printable_guide(session, load_guide(session, args.point))
    else:
        from services.documents.guides import default_guide

        content = default_guide()
    _gui_application()
    from services.documents.sheets import write_pdf

    path = write_pdf(guide_sheet(content, layout), args.out)
    print(f"Đã ghi tờ hướng dẫn ({layout.value}): {path}", file=out)
    return EXIT_OK


def cmd_slip(args: argparse.Namespace, out: TextIO) -> int:
    from services.common.labels import parse_level
    from services.documents.slips import parse_slip_format, slip_for_id_number, slip_sheet

    level = parse_level(args.level)
    if args.format:
        slip_format = parse_slip_format(args.format)
    else:
        from services.upkeep.local_settings import load_local_settings

        slip_format = load_local_settings()[0].slip_format
    database = open_for_command(args)
    with database.session(read_only=True) as session:
        slip = slip_for_id_number(session, args.id_number, level)
    _gui_application()
    from services.documents.sheets import write_pdf

    path = write_pdf(slip_sheet(slip, slip_format), args.out)
    print(f"Đã ghi phiếu cho công dân (khổ {slip_format}): {path}", file=out)
    return EXIT_OK


def cmd_records(args: argparse.Namespace, out: TextIO) -> int:
    if args.records_command == "template":
        return cmd_template(args, out)
    return cmd_import(args, out)


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "init": cmd_init,
    "records": cmd_records,
    "tally": cmd_tally,
    "report": cmd_report,
    "demo": cmd_demo,
    "guide": cmd_guide,
    "slip": cmd_slip,
    "package": cmd_package,
    **SECURITY_COMMANDS,
    **CASE_COMMANDS,
    **ACCOUNT_COMMANDS,
    **REQUEST_COMMANDS,
    **CAMPAIGN_COMMANDS,
    **UNIT_COMMANDS,
    **OUTREACH_COMMANDS,
}
# The exit status of a known error, the first class that matches.
EXIT_STATUSES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], int], ...] = (
    ((SignInError, SignInRequiredError), EXIT_SIGN_IN),
    (PermissionDeniedError, EXIT_FORBIDDEN),
    (UnreadableFileError, EXIT_UNREADABLE),
    (UserError, EXIT_ERROR),
)


def run_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one parsed command; known errors become a message on stderr and an exit status."""
    out = out or sys.stdout
    handler = COMMANDS[args.command]
    try:
        args.actor = admit(args)
        return handler(args, out)
    except UserError as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return next(status for kind, status in EXIT_STATUSES if isinstance(error, kind))
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; thao tác dở dang không được lưu.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        database = getattr(args, "opened_database", None)
        if isinstance(database, Database):
            database.dispose()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
