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

from services.common.errors import UserError, ValidationError
from services.common.vntime import format_date, parse_date, parse_iso_day, parse_moment, today_vn
from services.spreadsheets.reader import UnreadableFileError
from ui.security.cli_sign_in import acting
from ui.shell.cli_database import open_for_command

EXIT_OK = 0


def add_outreach_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    outreach = commands.add_parser(
        "outreach",
        parents=[common],
        help="vận động, hẹn lịch: danh sách rà soát, lịch hẹn, tin nhắn nhắc, tiến độ",
    )
    actions = outreach.add_subparsers(dest="outreach_command", metavar="LỆNH", required=True)
    importer = actions.add_parser(
        "import", parents=[common], help="nhập danh sách rà soát từ tệp .xlsx hoặc .csv"
    )
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument(
        "--source", metavar="TEXT", help="danh sách từ đâu (mặc định: tên tệp), ví dụ «Đoàn xã»"
    )

    appoint = actions.add_parser("appoint", parents=[common], help="hẹn lịch cho một người")
    _person(appoint)
    appoint.add_argument("--point", required=True, metavar="MÃ", help="mã điểm hẹn")
    appoint.add_argument(
        "--at", required=True, metavar="dd/mm/yyyy HH:MM", help="giờ hẹn (giờ Việt Nam)"
    )

    mark = actions.add_parser(
        "set", parents=[common], help="ghi tình trạng vận động của một người (đã thông báo...)"
    )
    _person(mark)
    mark.add_argument("--status", required=True, metavar="TÌNH_TRẠNG", help="ví dụ «Đã thông báo»")
    mark.add_argument("--note", help="ghi chú")
    wish = mark.add_mutually_exclusive_group()
    wish.add_argument(
        "--do-not-contact", action="store_true", help="người này không muốn được liên hệ nữa"
    )
    wish.add_argument("--contact-ok", action="store_true", help="bỏ ghi nhận không liên hệ")

    check_in = actions.add_parser(
        "check-in", parents=[common], help="điểm danh người đến (theo số định danh)"
    )
    check_in.add_argument("--id-number", required=True, metavar="SỐ")

    sms = actions.add_parser(
        "sms", parents=[common], help="tệp CSV tin nhắn nhắc lịch hẹn của một ngày, gửi nhà mạng"
    )
    sms.add_argument("--day", required=True, metavar="YYYY-MM-DD")
    sms.add_argument("--out", required=True, type=Path, metavar="FILE.csv")
    sms.add_argument(
        "--template",
        type=Path,
        metavar="FILE",
        help="mẫu tin nhắn (văn bản UTF-8) với chỗ điền {ten} {diem} {dia_chi} {gio} {ngay}",
    )

    calls = actions.add_parser(
        "calls", parents=[common], help="danh sách gọi điện vận động (.csv hoặc .xlsx)"
    )
    calls.add_argument("--out", required=True, type=Path, metavar="FILE")
    calls.add_argument("--commune", metavar="MÃ_XÃ")
    calls.add_argument("--hamlet", metavar="KHÓM/ẤP", help="chỉ một khóm/ấp (cần --commune)")

    schedule = actions.add_parser(
        "schedule", parents=[common], help="danh sách người hẹn trong một ngày"
    )
    schedule.add_argument("--day", required=True, metavar="YYYY-MM-DD")
    schedule.add_argument("--point", metavar="MÃ", help="chỉ một điểm hẹn")

    slips = actions.add_parser(
        "slips", parents=[common], help="in giấy mời của những người hẹn trong một ngày (PDF)"
    )
    slips.add_argument("--day", required=True, metavar="YYYY-MM-DD")
    slips.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    slips.add_argument("--point", metavar="MÃ", help="chỉ một điểm hẹn")

    status = actions.add_parser(
        "status", parents=[common], help="tiến độ vận động theo xã hoặc khóm/ấp"
    )
    status.add_argument("--by", choices=["commune", "hamlet"], default="commune")
    status.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="đến hết ngày này (mặc định: hôm nay)"
    )
    status.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    stop = actions.add_parser("stop", parents=[common], help="điểm hẹn: điểm cố định, tổ lưu động")
    stop_actions = stop.add_subparsers(dest="stop_command", metavar="LỆNH", required=True)
    stop_add = stop_actions.add_parser("add", parents=[common], help="lập một điểm hẹn")
    stop_add.add_argument("--code", required=True, metavar="MÃ", help="mã điểm hẹn, ví dụ PT-AP3")
    stop_add.add_argument("--name", required=True, help="tên, ví dụ «Tổ lưu động Ấp 3»")
    stop_add.add_argument("--commune", required=True, metavar="MÃ_XÃ")
    stop_add.add_argument(
        "--kind",
        default="hamlet",
        metavar="fixed|hamlet|market|household",
        help="điểm cố định, hoặc tổ lưu động tại khóm/ấp, chợ, nhà dân (mặc định: hamlet)",
    )
    stop_add.add_argument("--hamlet", metavar="KHÓM/ẤP")
    stop_add.add_argument("--address", help="địa chỉ (in trên tin nhắn và giấy mời)")
    stop_add.add_argument(
        "--intake-point", metavar="MÃ", help="điểm thu nhận nhận người hẹn ở đây (quầy)"
    )
    stop_actions.add_parser("list", parents=[common], help="liệt kê các điểm hẹn")

    slot = actions.add_parser("slot", parents=[common], help="khung giờ của điểm hẹn")
    slot_actions = slot.add_subparsers(dest="slot_command", metavar="LỆNH", required=True)
    slot_add = slot_actions.add_parser("add", parents=[common], help="thêm khung giờ trong ngày")
    slot_add.add_argument("--point", required=True, metavar="MÃ", help="mã điểm hẹn")
    slot_add.add_argument("--day", required=True, metavar="dd/mm/yyyy")
    slot_add.add_argument("--from", dest="start", required=True, metavar="HH:MM")
    slot_add.add_argument("--to", dest="end", required=True, metavar="HH:MM")
    slot_add.add_argument("--capacity", required=True, type=int, metavar="N", help="số người")
    slot_add.add_argument("--every", type=int, metavar="PHÚT", help="chia thành khung mỗi N phút")


def _person(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--id-number", metavar="SỐ", help="số định danh 12 chữ số")
    who.add_argument(
        "--row-id", metavar="MÃ_DÒNG", help="mã dòng (người chưa có số định danh trong danh sách)"
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
    from services.campaigns.campaign import ensure_campaign
    from services.outreach.list_import import import_outreach
    from ui.shell.cli import DEFAULT_PRESET

    path: Path = args.file
    if not path.is_file():
        raise UnreadableFileError(f"Không tìm thấy tệp «{path}».")
    database = open_for_command(args)
    with database.session() as session:
        if ensure_campaign(session, DEFAULT_PRESET):
            session.commit()
    with database.session() as session:
        summary = import_outreach(session, acting(args), path, args.source)
        session.commit()
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
    database = open_for_command(args)
    with database.session() as session:
        entry = find_entry(session, id_number=args.id_number, uid=args.row_id)
        set_status(session, acting(args), entry.id, status, args.note, do_not_contact=wish)
        session.commit()
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
    database = open_for_command(args)
    with database.session() as session:
        count = write_sms(session, acting(args), day, args.out, template)
        session.commit()
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
    database = open_for_command(args)
    with database.session() as session:
        count = write_call_sheet(session, acting(args), args.out, args.commune, args.hamlet)
        session.commit()
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

    database = open_for_command(args)
    with database.session() as session:
        count = write_invitations(session, acting(args), day, args.out, args.point)
        session.commit()
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
            for code, name, kind, commune in stops(session):
                print(f"{code}  {name}  ({kind}, {commune})", file=out)
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
    database = open_for_command(args)
    with database.session() as session:
        made = add_slots(
            session, acting(args), args.point, day, start, end, args.capacity, args.every
        )
        session.commit()
    print(
        f"Đã thêm {len(made)} khung giờ cho điểm hẹn {args.point} ngày {format_date(day)}.",
        file=out,
    )
    return EXIT_OK


OUTREACH_COMMANDS = {"outreach": cmd_outreach}
