"""`outreach import|appoint|sms|status|...`: the review lists of the commune teams, their
appointments and reminders, through the same services as the window (audited, one
transaction each). See README «Vận động, hẹn lịch» for the contract."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from services.common.errors import UserError, ValidationError
from services.common.vntime import format_date, parse_date, parse_iso_day, parse_moment, today_vn
from services.security.session_context import Actor
from ui.security.cli_sign_in import acting, in_one_transaction
from ui.shell.cli_common import Command, OneOf, option
from ui.shell.cli_database import open_for_command

EXIT_OK = 0


_DAY = option("--day", required=True, metavar="YYYY-MM-DD")
_POINT_ONLY = option("--point", metavar="MÃ", help="chỉ một điểm hẹn")
_PERSON = OneOf(
    (
        option("--id-number", metavar="SỐ", help="số định danh 12 chữ số"),
        option(
            "--row-id",
            metavar="MÃ_DÒNG",
            help="mã dòng (người chưa có số định danh trong danh sách)",
        ),
    ),
    required=True,
)
_STOP_ADD = (
    option("--code", required=True, metavar="MÃ", help="mã điểm hẹn, ví dụ PT-AP3"),
    option("--name", required=True, metavar="TÊN", help="tên, ví dụ «Tổ lưu động Ấp 3»"),
    option("--commune", required=True, metavar="MÃ_XÃ"),
    option(
        "--kind",
        default="hamlet",
        metavar="fixed|hamlet|market|household",
        help="điểm cố định, hoặc tổ lưu động tại khóm/ấp, chợ, nhà dân (mặc định: hamlet)",
    ),
    option("--hamlet", metavar="KHÓM/ẤP"),
    option("--address", metavar="ĐỊA_CHỈ", help="địa chỉ (in trên tin nhắn và giấy mời)"),
    option("--intake-point", metavar="MÃ", help="điểm thu nhận nhận người hẹn ở đây (quầy)"),
)
_SLOT_ADD = (
    option("--point", required=True, metavar="MÃ", help="mã điểm hẹn"),
    option("--day", required=True, metavar="dd/mm/yyyy"),
    option("--from", dest="start", required=True, metavar="HH:MM"),
    option("--to", dest="end", required=True, metavar="HH:MM"),
    option("--capacity", required=True, type=int, metavar="N", help="số người"),
    option("--every", type=int, metavar="PHÚT", help="chia thành khung mỗi N phút"),
)
_SET = (
    _PERSON,
    option("--status", required=True, metavar="TÌNH_TRẠNG", help="ví dụ «Đã thông báo»"),
    option("--note", metavar="GHI_CHÚ", help="ghi chú"),
    OneOf(
        (
            option(
                "--do-not-contact",
                action="store_true",
                help="người này không muốn được liên hệ nữa",
            ),
            option("--contact-ok", action="store_true", help="bỏ ghi nhận không liên hệ"),
        )
    ),
)
_OUTREACH_ACTIONS = (
    Command(
        "import",
        "nhập danh sách rà soát từ tệp .xlsx hoặc .csv",
        (
            option("file", type=Path, metavar="FILE"),
            option(
                "--source",
                metavar="TEXT",
                help="danh sách từ đâu (mặc định: tên tệp), ví dụ «Đoàn xã»",
            ),
        ),
    ),
    Command(
        "appoint",
        "hẹn lịch cho một người",
        (
            _PERSON,
            option("--point", required=True, metavar="MÃ", help="mã điểm hẹn"),
            option(
                "--at", required=True, metavar="dd/mm/yyyy HH:MM", help="giờ hẹn (giờ Việt Nam)"
            ),
        ),
    ),
    Command("set", "ghi tình trạng vận động của một người (đã thông báo...)", _SET),
    Command(
        "check-in",
        "điểm danh người đến (theo số định danh)",
        (option("--id-number", required=True, metavar="SỐ"),),
    ),
    Command(
        "sms",
        "tệp CSV tin nhắn nhắc lịch hẹn của một ngày, gửi nhà mạng",
        (
            _DAY,
            option("--out", required=True, type=Path, metavar="FILE.csv"),
            option(
                "--template",
                type=Path,
                metavar="FILE",
                help="mẫu tin nhắn (văn bản UTF-8) với chỗ điền {ten} {diem} {dia_chi} {gio} "
                "{ngay}",
            ),
        ),
    ),
    Command(
        "calls",
        "danh sách gọi điện vận động (.csv hoặc .xlsx)",
        (
            option("--out", required=True, type=Path, metavar="FILE"),
            option("--commune", metavar="MÃ_XÃ"),
            option("--hamlet", metavar="KHÓM/ẤP", help="chỉ một khóm/ấp (cần --commune)"),
        ),
    ),
    Command("schedule", "danh sách người hẹn trong một ngày", (_DAY, _POINT_ONLY)),
    Command(
        "slips",
        "in giấy mời của những người hẹn trong một ngày (PDF)",
        (_DAY, option("--out", required=True, type=Path, metavar="FILE.pdf"), _POINT_ONLY),
    ),
    Command(
        "status",
        "tiến độ vận động theo xã hoặc khóm/ấp",
        (
            option("--by", choices=["commune", "hamlet"], default="commune"),
            option("--as-of", metavar="YYYY-MM-DD", help="đến hết ngày này (mặc định: hôm nay)"),
            option("--json", action="store_true", help="in kết quả dạng JSON"),
        ),
    ),
    Command(
        "stop",
        "điểm hẹn: điểm cố định, tổ lưu động",
        subcommands=(
            Command("add", "lập một điểm hẹn", _STOP_ADD),
            Command("list", "liệt kê các điểm hẹn"),
        ),
        dest="stop_command",
    ),
    Command(
        "slot",
        "khung giờ của điểm hẹn",
        subcommands=(Command("add", "thêm khung giờ trong ngày", _SLOT_ADD),),
        dest="slot_command",
    ),
)
OUTREACH_PARSERS = (
    Command(
        "outreach",
        "vận động, hẹn lịch: danh sách rà soát, lịch hẹn, tin nhắn nhắc, tiến độ",
        subcommands=_OUTREACH_ACTIONS,
        dest="outreach_command",
    ),
)


def _day(text: str) -> date:
    """`YYYY-MM-DD` or `dd/mm/yyyy`."""
    return parse_iso_day(text) if "-" in text and text.strip()[:4].isdigit() else parse_date(text)


def cmd_outreach(args: argparse.Namespace, out: TextIO) -> int:
    handlers = {
        "import": _import,
        "appoint": _appoint,
        "set": _set,
        "check-in": _check_in,
        "sms": _sms,
        "calls": _calls,
        "schedule": _schedule,
        "slips": _slips,
        "status": _status,
        "stop": _stop,
        "slot": _slot,
    }
    return handlers[args.outreach_command](args, out)


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.list_import import import_outreach
    from ui.shell.cli import import_file

    summary = import_file(
        args, lambda session, actor, path: import_outreach(session, actor, path, args.source)
    )
    for reject in summary.rejects:
        print(f"Dòng {reject.row}: {reject.reason}", file=sys.stderr)
    print(summary.describe(), file=out)
    return EXIT_OK


def _appoint(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import appoint, get_stop

    at = parse_moment(args.at, "Giờ hẹn")
    database = open_for_command(args)
    with database.session() as session:
        appoint(session, acting(args), args.point, at, id_number=args.id_number, row_id=args.row_id)
        stop = get_stop(session, args.point)
        session.commit()
        print(f"Đã hẹn lúc {args.at.strip()} tại {stop.name} ({stop.code}).", file=out)
    return EXIT_OK


def _set(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.lists import STATUS_LABELS, find_entry, parse_outreach_status, set_status

    status = parse_outreach_status(args.status)
    wish = True if args.do_not_contact else (False if args.contact_ok else None)

    def mark(session: Session, actor: Actor) -> None:
        entry = find_entry(session, id_number=args.id_number, uid=args.row_id)
        set_status(session, actor, entry.id, status, args.note, do_not_contact=wish)

    in_one_transaction(args, mark)
    print(f"Đã ghi tình trạng «{STATUS_LABELS[status]}».", file=out)
    return EXIT_OK


def _check_in(args: argparse.Namespace, out: TextIO) -> int:
    from models.codes import OutreachStatus
    from services.outreach.lists import STATUS_LABELS, check_in

    database = open_for_command(args)
    with database.session() as session:
        entry = check_in(session, acting(args), args.id_number)
        session.commit()
        status = STATUS_LABELS[OutreachStatus(entry.status)]
    print(f"Đã điểm danh: tình trạng «{status}».", file=out)
    return EXIT_OK


def _sms(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import DEFAULT_TEMPLATE, read_template, write_sms

    day = parse_iso_day(args.day)
    template = read_template(args.template) if args.template else DEFAULT_TEMPLATE
    count = in_one_transaction(
        args, lambda session, actor: write_sms(session, actor, day, args.out, template)
    )
    print(
        f"Đã ghi {count} tin nhắn nhắc lịch hẹn ngày {format_date(day)}: {args.out} (đã bỏ "
        "người từ chối, người không muốn được liên hệ và người đã đến).",
        file=out,
    )
    return EXIT_OK


def _calls(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import write_call_sheet

    if args.hamlet and not args.commune:
        raise UserError("--hamlet cần kèm --commune (mã xã của khóm/ấp đó).")
    count = in_one_transaction(
        args,
        lambda session, actor: write_call_sheet(
            session, actor, args.out, args.commune, args.hamlet
        ),
    )
    print(f"Đã ghi danh sách gọi điện: {count} người, {args.out}", file=out)
    return EXIT_OK


def _schedule(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import day_schedule
    from services.person.id_number import mask_id_number

    day = parse_iso_day(args.day)
    database = open_for_command(args, reading=True)
    with database.session(read_only=True) as session:
        rows = day_schedule(session, day, stop_code=args.point)
    print(f"Lịch hẹn ngày {format_date(day)}: {len(rows)} người", file=out)
    for row in rows:
        number = mask_id_number(row.id_number) if row.id_number else "-"
        print(
            f"{row.stop_code}  {row.start:%H:%M}-{row.end:%H:%M}  {row.full_name}  {number}  "
            f"{row.hamlet}  {row.status_label}",
            file=out,
        )
    return EXIT_OK


def _slips(args: argparse.Namespace, out: TextIO) -> int:
    from ui.shell.cli_common import gui_application

    day = parse_iso_day(args.day)
    gui_application()
    from services.outreach.slips import write_invitations

    count = in_one_transaction(
        args, lambda session, actor: write_invitations(session, actor, day, args.out, args.point)
    )
    print(f"Đã ghi {count} giấy mời ngày {format_date(day)}: {args.out}", file=out)
    return EXIT_OK


_STATUS_HEADERS = [
    ("listed", "Danh sách"),
    ("notified", "Thông báo"),
    ("appointed", "Đã hẹn"),
    ("came", "Đã đến"),
    ("activated", "Kích hoạt"),
    ("had_account", "Có TK"),
    ("refused", "Từ chối"),
    ("unreachable", "Không LL"),
    ("ineligible", "Không ĐĐK"),
    ("to_reach", "Còn lại"),
]


def _status(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.lists import progress

    as_of = parse_iso_day(args.as_of) if args.as_of else today_vn()
    database = open_for_command(args, reading=True)
    with database.session(read_only=True) as session:
        result = progress(session, args.by, as_of)
    if args.json:
        json.dump(result.as_json(), out, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    place = "Xã" if args.by == "commune" else "Khóm/ấp"
    headers = ["Mã", place] + [label for _, label in _STATUS_HEADERS] + ["Tỷ lệ"]
    body = [
        [row.code, row.name]
        + [str(row.counts[key]) for key, _ in _STATUS_HEADERS]
        + [f"{row.converted:.0%}"]
        for row in [*result.rows, result.total]
    ]
    body[-1][1] = f"Tổng: {body[-1][1]}"
    widths = [max(len(r[i]) for r in [headers, *body]) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(r))
        for r in [headers, *body]
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    print(f"Tiến độ vận động đến hết ngày {format_date(as_of)}", file=out)
    print("\n".join(lines), file=out)
    return EXIT_OK


def _stop(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import add_stop, parse_stop_kind, stops

    database = open_for_command(args)
    if args.stop_command == "list":
        with database.session(read_only=True) as session:
            listed = stops(session)
        for code, name, kind, commune in listed:
            print(f"{code}  {name}  ({kind}, {commune})", file=out)
        if not listed:
            print("Chưa có điểm hẹn nào: lập điểm hẹn bằng «outreach stop add».", file=out)
        return EXIT_OK
    kind = parse_stop_kind(args.kind)
    with database.session() as session:
        stop = add_stop(
            session,
            acting(args),
            args.code,
            args.name,
            kind,
            args.commune,
            hamlet=args.hamlet,
            address=args.address,
            point_code=args.intake_point,
        )
        session.commit()
        print(f"Đã lập điểm hẹn {stop.code}: {stop.name}.", file=out)
    return EXIT_OK


def _clock(text: str, what: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValidationError(f"{what} «{text}» không đúng dạng HH:MM (ví dụ 18:30).") from None


def _slot(args: argparse.Namespace, out: TextIO) -> int:
    from services.outreach.schedule import add_slots

    day = _day(args.day)
    start, end = _clock(args.start, "Giờ bắt đầu"), _clock(args.end, "Giờ kết thúc")
    made = in_one_transaction(
        args,
        lambda session, actor: add_slots(
            session, actor, args.point, day, start, end, args.capacity, args.every
        ),
    )
    print(
        f"Đã thêm {len(made)} khung giờ cho điểm hẹn {args.point} ngày {format_date(day)}.",
        file=out,
    )
    return EXIT_OK


OUTREACH_COMMANDS = {"outreach": cmd_outreach}
