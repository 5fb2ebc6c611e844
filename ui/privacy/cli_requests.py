"""`request new|list|answer|export|erase` and `privacy description`: citizens' requests about
their data and the processing description, through the same services as the window
(audited, one transaction each). `export` and `description` paint a PDF: they import QtGui
(never widgets), the others do not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from services.common.errors import UserError
from services.common.vntime import format_date, parse_iso_day, today_vn
from ui.security.cli_sign_in import acting, in_one_transaction
from ui.shell.cli_common import ASSUME_YES, Command, confirm, gui_application, option
from ui.shell.cli_database import open_for_command

EXIT_OK = 0


def _kind_option(parser: argparse.ArgumentParser) -> None:
    from services.privacy.requests import KIND_WORDS, REQUEST_KIND_LABELS

    kinds = ", ".join(f"{w} ({REQUEST_KIND_LABELS[k].lower()})" for w, k in KIND_WORDS.items())
    parser.add_argument("--kind", required=True, metavar="LOẠI", help=f"loại yêu cầu: {kinds}")


_ANSWERED = option("--request", type=int, metavar="SỐ_YÊU_CẦU", help="yêu cầu được trả lời")
_ID_NUMBER = option("--id-number", required=True, metavar="SỐ")
_REQUEST_ACTIONS = (
    Command(
        "new",
        "ghi nhận một yêu cầu",
        (
            option("--id-number", required=True, metavar="SỐ", help="số định danh 12 chữ số"),
            _kind_option,
            option(
                "--received", metavar="YYYY-MM-DD", help="ngày nhận yêu cầu (mặc định: hôm nay)"
            ),
            option("--note", metavar="GHI_CHÚ", help="ghi chú (không ghi họ tên, số điện thoại)"),
        ),
    ),
    Command(
        "list",
        "liệt kê các yêu cầu",
        (
            option("--overdue", action="store_true", help="chỉ các yêu cầu đã quá hạn"),
            option("--open", action="store_true", help="chỉ các yêu cầu chưa trả lời"),
        ),
    ),
    Command(
        "answer",
        "ghi nhận đã trả lời (hoặc từ chối) một yêu cầu",
        (
            option("request_id", type=int, metavar="SỐ_YÊU_CẦU"),
            option("--refuse", action="store_true", help="từ chối (cần --note ghi lý do)"),
            option("--note", metavar="GHI_CHÚ", help="ghi chú: đã làm gì, hoặc lý do từ chối"),
        ),
    ),
    Command(
        "export",
        "xuất toàn bộ dữ liệu của một công dân ra tệp PDF để giao cho người đó",
        (_ID_NUMBER, option("--out", required=True, type=Path, metavar="FILE.pdf"), _ANSWERED),
    ),
    Command(
        "erase",
        "xóa dữ liệu cá nhân của một công dân theo yêu cầu (giữ số liệu thống kê)",
        (_ID_NUMBER, _ANSWERED, ASSUME_YES),
    ),
)
REQUEST_PARSERS = (
    Command(
        "request",
        "yêu cầu của người dân về dữ liệu cá nhân của mình (xem, sửa, xóa...)",
        subcommands=_REQUEST_ACTIONS,
        dest="request_command",
    ),
    Command(
        "privacy",
        "hồ sơ bảo vệ dữ liệu cá nhân",
        subcommands=(
            Command(
                "description",
                "mô tả hoạt động xử lý dữ liệu cá nhân (cho hồ sơ đánh giá tác động) ra tệp PDF",
                (option("--out", required=True, type=Path, metavar="FILE.pdf"),),
            ),
        ),
        dest="privacy_command",
    ),
)


def cmd_request(args: argparse.Namespace, out: TextIO) -> int:
    handlers = {
        "new": _new,
        "list": _list,
        "answer": _answer,
        "export": _export,
        "erase": _erase,
    }
    return handlers[args.request_command](args, out)


def _new(args: argparse.Namespace, out: TextIO) -> int:
    from services.privacy.requests import log_request, parse_request_kind

    kind = parse_request_kind(args.kind)
    received = parse_iso_day(args.received) if args.received else None
    row = in_one_transaction(
        args,
        lambda session, actor: log_request(
            session, actor, args.id_number, kind, received, args.note
        ),
    )
    print(
        f"Đã ghi nhận yêu cầu số {row.id} ({row.kind_label.lower()}) của {row.id_number_masked}, "
        f"nhận ngày {format_date(row.received_on)}: phản hồi trước hết ngày "
        f"{format_date(row.reply_due_on)}, thực hiện trước hết ngày {format_date(row.due_on)}.",
        file=out,
    )
    return EXIT_OK


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from services.privacy.requests import list_requests

    database = open_for_command(args, reading=True)
    today = today_vn()
    with database.session(read_only=True) as session:
        rows = list_requests(session, acting(args), open_only=args.open, overdue_only=args.overdue)
    headers = ["Số", "Loại", "Số định danh", "Nhận", "Hạn", "Trạng thái", "Người xử lý"]
    body = [
        [
            str(r.id),
            r.kind_label,
            r.id_number_masked,
            format_date(r.received_on),
            format_date(r.due_on),
            r.describe_due(today)
            if r.is_open
            else f"{r.status_label} {format_date(r.answered_on)}"
            if r.answered_on
            else r.status_label,
            r.handled_by or "",
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]
    for line in [headers, *body]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip(), file=out)
    overdue = sum(r.overdue(today) for r in rows)
    print(f"{len(rows)} yêu cầu; {overdue} quá hạn.", file=out)
    return EXIT_OK


def _answer(args: argparse.Namespace, out: TextIO) -> int:
    from services.privacy.requests import answer_request

    row = in_one_transaction(
        args,
        lambda session, actor: answer_request(
            session, actor, args.request_id, refused=args.refuse, note=args.note
        ),
    )
    print(f"Yêu cầu số {row.id} ({row.id_number_masked}): {row.status_label.lower()}.", file=out)
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from services.privacy.person_data import export_person_pdf

    gui_application()
    result = in_one_transaction(
        args,
        lambda session, actor: export_person_pdf(
            session, actor, args.id_number, args.out, request_id=args.request
        ),
    )
    print(
        f"Đã ghi dữ liệu của công dân ({result.cases} hồ sơ) ra {result.path}; yêu cầu số "
        f"{result.request_id} đã được trả lời. Tệp có dữ liệu cá nhân: giao cho công dân rồi "
        "xóa khỏi máy.",
        file=out,
    )
    return EXIT_OK


def _erase(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import func, select

    from models.entities import Case, OutreachEntry
    from services.person.id_number import mask_id_number, normalise_id_number
    from services.privacy.person_data import erase_person

    number = normalise_id_number(args.id_number)
    database = open_for_command(args)
    with database.session(read_only=True) as session:
        cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.id_number == number)
        )
        listed = session.scalar(
            select(func.count()).select_from(OutreachEntry).where(OutreachEntry.id_number == number)
        )
    if not cases and not listed:
        raise UserError(
            f"Không có hồ sơ nào, cũng không có ai trong danh sách rà soát mang số định danh "
            f"{number}: không có gì để xóa."
        )
    on_list = f", {listed} người trong danh sách rà soát" if listed else ""
    confirm(
        f"Xóa vĩnh viễn dữ liệu cá nhân của {mask_id_number(number)} ({cases} hồ sơ{on_list})? "
        "Số liệu thống kê giữ nguyên.",
        args.yes,
    )
    result = erase_person(database, acting(args), number, request_id=args.request)
    print(result.describe(), file=out)
    print(
        "Các bản sao lưu làm trước vẫn còn dữ liệu này đến khi được thay; khôi phục một bản như "
        "vậy bằng ứng dụng sẽ xóa lại, chép đè bằng cách khác thì chạy lại lệnh này.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_privacy(args: argparse.Namespace, out: TextIO) -> int:
    from services.privacy.processing_description import (
        installation_for,
        write_processing_description,
    )
    from services.upkeep.local_settings import load_local_settings

    database = open_for_command(args)
    settings = load_local_settings()[0]
    installation = installation_for(database, None, settings.idle_lock_minutes)
    gui_application()
    path = in_one_transaction(
        args,
        lambda session, actor: write_processing_description(session, actor, installation, args.out),
    )
    print(f"Đã ghi mô tả hoạt động xử lý dữ liệu cá nhân: {path}", file=out)
    return EXIT_OK


REQUEST_COMMANDS = {"request": cmd_request, "privacy": cmd_privacy}
