"""`case correct` and `conflicts list|decide`: corrections and managers' decisions from the
command line, through the same services as the case window (audited, one transaction).

The person who signed in for the command (ui/security/cli_sign_in.py) is the one who corrects or
decides, at their own intake point."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import OUTSIDE_PROVINCE
from models.entities import Case
from services.common.errors import NotFoundError, UserError
from services.common.text import clean, fold_key
from services.common.vntime import format_date, format_moment
from services.security.session_context import Actor
from ui.security.cli_sign_in import USER_ENV, acting
from ui.shell.cli_common import Command, OneOf, option
from ui.shell.cli_database import open_for_command

OUTSIDE_KEYS = {fold_key(OUTSIDE_PROVINCE), fold_key("Ngoài tỉnh")}


_CASE_KEY = (
    option("--id-number", required=True, metavar="SỐ", help="số định danh"),
    option("--level", required=True, metavar="1|2", help="mức của hồ sơ"),
    option(
        "--operator",
        metavar="TÊN_ĐĂNG_NHẬP",
        help="(không bắt buộc) người thực hiện: phải là người đăng nhập cho lệnh này",
    ),
)
_CORRECT = (
    *_CASE_KEY,
    option("--reason", required=True, metavar="LÝ_DO", help="lý do sửa (bắt buộc)"),
    option("--name", metavar="HỌ_TÊN", help="họ và tên"),
    option("--birth-date", metavar="dd/mm/yyyy", help="ngày sinh"),
    option("--sex", metavar="Nam|Nữ", help="giới tính"),
    option("--phone", metavar="SỐ_ĐIỆN_THOẠI", help="số điện thoại"),
    option("--address", metavar="ĐỊA_CHỈ", help="địa chỉ"),
    option(
        "--residence",
        metavar="MÃ_XÃ",
        help=f"mã xã thường trú, hoặc {OUTSIDE_PROVINCE} nếu thường trú ở tỉnh khác",
    ),
    option("--status", metavar="TRẠNG_THÁI", help="trạng thái đúng (Đã đăng ký, Đã duyệt, ...)"),
    option(
        "--failure-reason",
        metavar="LÝ_DO_THẤT_BẠI",
        help="lý do thất bại (khi trạng thái là Thất bại)",
    ),
    option(
        "--activated-at",
        metavar="dd/mm/yyyy HH:MM",
        help="thời điểm kích hoạt đúng (giờ Việt Nam): một lần sửa riêng, không kèm sửa khác",
    ),
)
_DECIDE = (
    *_CASE_KEY,
    OneOf(
        (
            option(
                "--keep",
                action="store_true",
                help="giữ thông tin đang dùng (ghi trước theo thời điểm)",
            ),
            option(
                "--take",
                type=int,
                metavar="K",
                help="lấy phiên bản thông tin khác thứ K (1 là phiên bản đầu, như «conflicts "
                "list» in)",
            ),
        ),
        required=True,
    ),
)
CASE_PARSERS = (
    Command(
        "case",
        "sửa một hồ sơ (có ghi lý do)",
        subcommands=(
            Command(
                "correct",
                "sửa thông tin, trạng thái hoặc thời điểm kích hoạt của một hồ sơ",
                _CORRECT,
            ),
        ),
        dest="case_command",
    ),
    Command(
        "conflicts",
        "hồ sơ có thông tin khác nhau giữa các báo cáo",
        subcommands=(
            Command(
                "list", "liệt kê", (option("--json", action="store_true", help="in dạng JSON"),)
            ),
            Command("decide", "chọn thông tin đúng cho một hồ sơ", _DECIDE),
        ),
        dest="conflicts_command",
    ),
)


def _actor(args: argparse.Namespace) -> Actor:
    """The person signed in; `--operator`, kept for older scripts, must name them."""
    actor = acting(args)
    named = clean(args.operator or "").lower()
    if named and named != actor.username:
        raise UserError(
            f"--operator «{named}» khác người đăng nhập «{actor.username}»: người đăng nhập là "
            f"người thực hiện (đặt {USER_ENV} đúng tên đó, hoặc bỏ --operator)."
        )
    return actor


def _case(session: Session, id_number: str, level_text: str) -> Case:
    from services.common.labels import parse_level
    from services.person.id_number import normalise_id_number

    number, level = normalise_id_number(id_number), parse_level(level_text)
    case = session.scalars(
        select(Case).where(Case.id_number == number, Case.level == level)
    ).first()
    if case is None:
        raise NotFoundError(f"Không có hồ sơ mức {level} của số định danh {number}.")
    return case


def _values(session: Session, args: argparse.Namespace) -> dict[str, object]:
    from services.campaigns.units import UnitTree
    from services.common.vntime import parse_date
    from services.person.id_number import parse_sex

    values: dict[str, object] = {}
    if args.name is not None:
        values["full_name"] = args.name
    if args.birth_date is not None:
        values["birth_date"] = parse_date(args.birth_date, "Ngày sinh")
    if args.sex is not None:
        values["sex"] = parse_sex(args.sex)
    if args.phone is not None:
        values["phone"] = args.phone
    if args.address is not None:
        values["address"] = args.address
    if args.residence is not None:
        if fold_key(args.residence) in OUTSIDE_KEYS:
            values["residence_commune_id"] = OUTSIDE_PROVINCE
        else:
            values["residence_commune_id"] = UnitTree.load(session).commune(args.residence).id
    return values


def cmd_case(args: argparse.Namespace, out: TextIO) -> int:
    from services.cases.detail import correct_opened_case, correct_opened_moment
    from services.cases.recording import Correction
    from services.common.labels import parse_failure_reason, parse_status
    from services.common.vntime import parse_moment

    database = open_for_command(args)
    with database.session() as session:
        actor = _actor(args)
        case = _case(session, args.id_number, args.level)
        values = _values(session, args)
        if args.activated_at is not None:
            if values or args.status:
                raise UserError(
                    "Sửa thời điểm kích hoạt là một lần sửa riêng: không kèm sửa thông tin hay "
                    "trạng thái."
                )
            moment = parse_moment(args.activated_at, "Thời điểm kích hoạt")
            correct_opened_moment(session, actor, case.id, case.version, moment, args.reason)
            done = f"thời điểm kích hoạt {format_moment(moment)}"
        else:
            status = parse_status(args.status) if args.status else None
            reason, note = (
                parse_failure_reason(args.failure_reason) if args.failure_reason else (None, None)
            )
            assert actor.operator_id is not None
            correction = Correction(
                reason=args.reason,
                operator_id=actor.operator_id,
                intake_point_id=actor.point_id,
                values=values,
                status=status,
                failure_reason=reason,
                failure_note=note,
            )
            correct_opened_case(session, actor, case.id, case.version, correction)
            done = "thông tin" + (" và trạng thái" if status else "") if values else "trạng thái"
        session.commit()
        print(f"Đã sửa {done} của hồ sơ {case.id_number} mức {case.level}.", file=out)
    return 0


def cmd_conflicts(args: argparse.Namespace, out: TextIO) -> int:
    from services.exchange.conflicts import open_conflicts, resolve_conflict

    database = open_for_command(args)
    with database.session() as session:
        if args.conflicts_command == "list":
            views = open_conflicts(session, acting(args))
            if args.json:
                json.dump(
                    [
                        {
                            "id_number": v.id_number,
                            "level": v.level,
                            "in_force": _claim_json(v.in_force),
                            "others": [_claim_json(o) for o in v.others],
                        }
                        for v in views
                    ],
                    out,
                    ensure_ascii=False,
                )
                out.write("\n")
                return 0
            for view in views:
                print(f"{view.id_number} mức {view.level}:", file=out)
                print(f"  đang dùng: {_claim_text(view.in_force)}", file=out)
                for number, other in enumerate(view.others, start=1):
                    print(f"  khác {number}: {_claim_text(other)}", file=out)
            print(f"{len(views)} hồ sơ chờ quyết định.", file=out)
            return 0
        actor = _actor(args)
        case = _case(session, args.id_number, args.level)
        if args.keep:
            resolve_conflict(session, case.id, "keep_local", actor)
        else:
            resolve_conflict(session, case.id, "take_incoming", actor, choice=args.take - 1)
        session.commit()
        print(f"Đã ghi quyết định cho hồ sơ {case.id_number} mức {case.level}.", file=out)
    return 0


def _claim_json(claim: object) -> dict[str, object]:
    from services.exchange.conflicts import ClaimView

    assert isinstance(claim, ClaimView)
    return {
        "full_name": claim.full_name,
        "birth_date": claim.birth_date.isoformat(),
        "sex": claim.sex,
        "residence": claim.claim.residence,
        "point": claim.point_name,
        "at": claim.at.isoformat(),
    }


def _claim_text(claim: object) -> str:
    from services.exchange.conflicts import ClaimView

    assert isinstance(claim, ClaimView)
    return (
        f"{claim.full_name}, {format_date(claim.birth_date)}, {claim.sex}, {claim.residence} "
        f"(ghi tại {claim.point_name} lúc {format_moment(claim.at)})"
    )


CASE_COMMANDS = {"case": cmd_case, "conflicts": cmd_conflicts}
