"""The audit log in Vietnamese: labels for the codes its entries keep, and readable text.

An entry keeps codes (`{"reason": "bad_credentials"}`, `{"resolution": "keep_local"}`):
they stay stable for searching and for the hash chain, and entries already written can
never be reworded. The viewer shows them through the tables here. Every details key a
service writes, and every coded value, has its label here: a test reads the services'
`write_audit` calls and fails on a key or a code without one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from services.cases.detail import FIELD_LABELS
from services.common.labels import HELP_REASON_LABELS, LEVEL_LABELS, ROLE_LABELS, STATUS_LABELS
from services.documents.guides import FIELD_LABELS as GUIDE_FIELD_LABELS
from services.documents.qr_links import QR_DOMAINS_SETTING
from services.documents.slips import SLIP_FORMAT_LABELS
from services.exchange.conflicts import RESOLUTIONS
from services.outreach.lists import STATUS_LABELS as OUTREACH_STATUS_LABELS
from services.outreach.schedule import STOP_KIND_LABELS
from services.privacy.consent import BASIS_LABELS, LEGAL_BASIS_SETTING
from services.privacy.purge import GRACE_SETTING
from services.privacy.requests import REQUEST_KIND_LABELS, REQUEST_STATUS_LABELS
from services.security.accounts import SIGN_IN_FAILURE_LABELS

# Every key of an entry's details, as the services write them (nested ones too).
DETAIL_KEY_LABELS: dict[str, str] = {
    "account": "Tài khoản",
    "after": "Sau",
    "as_of": "Đến hết ngày",
    "backup": "Bản sao lưu trước khi xóa",
    "basis": "Căn cứ xử lý dữ liệu cá nhân",
    "backups_deleted": "Bản sao lưu chưa mã hóa đã xóa",
    "backups_not_deleted": "Bản sao lưu chưa mã hóa không xóa được",
    "before": "Trước",
    "case_id": "Mã hồ sơ",
    "cases": "Số hồ sơ",
    "changes": "Thay đổi",
    "command": "Lệnh",
    "communes": "Chỉ tiêu các xã (tổng, mỗi ngày)",
    "count": "Số mục",
    "conflicts": "Mâu thuẫn",
    "counts": "Số lượng",
    "created": "Tạo mới",
    "district": "Mã huyện",
    "due_on": "Hạn thực hiện",
    "events": "Lần cập nhật",
    "failed_sign_ins": "Số lần đăng nhập sai",
    "forced": "Bỏ qua kiểm tra hồ sơ thật (--force)",
    "file": "Tệp",
    "fields": "Nội dung đã sửa",
    "from": "Trạng thái trước",
    "id_number": "Số định danh",
    "id_number_before": "Số định danh trước khi sửa",
    "is_active": "Đang hoạt động",
    "kind": "Loại yêu cầu",
    "late": "Trả lời sau hạn",
    "legal_reference": "Văn bản pháp luật làm căn cứ",
    "level": "Mức",
    "locked_until": "Khóa đến",
    "minutes": "Số phút",
    "new": "Mới",
    "operators": "Cán bộ",
    "outcome": "Kết quả",
    "point": "Điểm thu nhận",
    "points": "Điểm thu nhận",
    "reason": "Lý do",
    "received_on": "Ngày nhận",
    "request_id": "Số yêu cầu",
    "refused": "Bị từ chối",
    "rejected": "Dòng lỗi",
    "residence_changed": "Đổi nơi thường trú",
    "resolution": "Cách giải quyết",
    "role": "Vai trò",
    "rows": "Số dòng đã đọc",
    "saved_previous": "Bản lưu trước khi khôi phục",
    "erased": "Dòng bỏ qua (công dân đã xóa theo yêu cầu)",
    "erased_again": "Hồ sơ đã xóa lại (công dân đã yêu cầu xóa trước khi khôi phục)",
    "scope": "Phạm vi",
    "seed": "Hạt giống ngẫu nhiên (seed)",
    "setting": "Cài đặt",
    "since": "Từ ngày",
    "to": "Trạng thái mới",
    "unchanged": "Không đổi",
    "unit": "Mã đơn vị",
    "units": "Chỉ tiêu các đơn vị (tổng, mỗi ngày)",
    "undo": "Hoàn tác quyết định trước",
    "updated": "Cập nhật",
    # outreach (review lists, appointments, reminders)
    "added": "Người mới vào danh sách",
    "already_listed": "Người đã có trong danh sách",
    "capacity": "Số người mỗi khung giờ",
    "commune": "Mã xã",
    "day": "Ngày",
    "do_not_contact": "Không muốn được liên hệ",
    "appointment_cancelled": "Đã hủy lịch hẹn",
    "entry": "Mã người trong danh sách rà soát",
    "hamlet": "Khóm/ấp",
    "messages": "Số tin nhắn",
    "outreach": "Người trong danh sách rà soát",
    "outreach_from": "Tình trạng vận động trước",
    "outreach_to": "Tình trạng vận động mới",
    "people": "Số người",
    "slot": "Khung giờ",
    "slots": "Số khung giờ",
    "source": "Nguồn danh sách",
    "stop": "Điểm hẹn",
    "stop_kind": "Loại điểm hẹn",
    # the settings of this computer (the `changes` of a settings entry)
    "idle_lock_minutes": "Tự khóa màn hình (phút)",
    "printer_name": "Máy in phiếu",
    "slip_format": "Khổ phiếu",
    # the fields of a case correction (the `changes` of a correction entry)
    **FIELD_LABELS,
}

# Details whose *keys* are unit codes, not words: shown as they are.
CODE_KEYED = frozenset({"communes", "units"})

SCOPE_LABELS = {"computer": "Máy này"}
SETTING_LABELS = {
    GRACE_SETTING: "Thời gian giữ dữ liệu sau đợt (ngày)",
    QR_DOMAINS_SETTING: "Tên miền được phép in mã QR",
    LEGAL_BASIS_SETTING: "Căn cứ xử lý dữ liệu cá nhân",
}

# The coded values, by the key they are stored under.
VALUE_LABELS: dict[str, Mapping[str, str]] = {
    "reason": SIGN_IN_FAILURE_LABELS,
    "resolution": RESOLUTIONS,
    "role": ROLE_LABELS,
    "from": STATUS_LABELS,
    "to": STATUS_LABELS,
    "status": STATUS_LABELS,
    "help_reason": HELP_REASON_LABELS,
    "level": {str(level): label for level, label in LEVEL_LABELS.items()},
    "scope": SCOPE_LABELS,
    "setting": SETTING_LABELS,
    "slip_format": SLIP_FORMAT_LABELS,
    "fields": GUIDE_FIELD_LABELS,
    "kind": REQUEST_KIND_LABELS,
    "outcome": REQUEST_STATUS_LABELS,
    "basis": BASIS_LABELS,
    "outreach_from": {s.value: label for s, label in OUTREACH_STATUS_LABELS.items()},
    "outreach_to": {s.value: label for s, label in OUTREACH_STATUS_LABELS.items()},
    "stop_kind": {k.value: label for k, label in STOP_KIND_LABELS.items()},
}

# Keys whose code older entries also wrote into the summary ("... (bad_credentials)").
SUMMARY_CODED_KEYS = ("reason", "resolution")

EMPTY = "–"


def label_for_key(key: str) -> str:
    return DETAIL_KEY_LABELS.get(key, key)


def label_for_value(key: str, value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "có" if value else "không"
    labels = VALUE_LABELS.get(key)
    if labels is not None:
        return labels.get(str(value), str(value))
    return str(value)


def _value_text(key: str, value: Any, *, changed_pair: bool = False) -> str:
    """`changed_pair`: a list is a field's [before, after] (inside `changes`)."""
    if isinstance(value, dict):
        parts = []
        for inner, inner_value in value.items():
            name = str(inner) if key in CODE_KEYED else label_for_key(str(inner))
            text = _value_text(str(inner), inner_value, changed_pair=key == "changes")
            parts.append(f"{name}: {text}")
        return "; ".join(parts) if parts else EMPTY
    if isinstance(value, list):
        if changed_pair and len(value) == 2:
            return f"{label_for_value(key, value[0])} → {label_for_value(key, value[1])}"
        return " / ".join(label_for_value(key, v) for v in value)
    return label_for_value(key, value)


def _parsed(details: str) -> dict[str, Any]:
    try:
        parsed = json.loads(details or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def describe_details(details: str) -> str:
    """An entry's details JSON as labelled lines ("Lý do: sai tên đăng nhập hoặc mật khẩu")."""
    parsed = _parsed(details)
    if not parsed and details not in ("", "{}"):
        return details  # not ours to read: shown as written
    return "\n".join(f"{label_for_key(k)}: {_value_text(k, v)}" for k, v in parsed.items())


def readable_summary(summary: str, details: str) -> str:
    """The summary, with a code older entries wrote into it put in words."""
    parsed = _parsed(details)
    for key in SUMMARY_CODED_KEYS:
        code = parsed.get(key)
        if isinstance(code, str) and code in VALUE_LABELS[key]:
            pattern = rf"(?<![\w.]){re.escape(code)}(?![\w.])"
            summary = re.sub(pattern, VALUE_LABELS[key][code], summary)
    return summary


__all__ = [
    "DETAIL_KEY_LABELS",
    "VALUE_LABELS",
    "describe_details",
    "label_for_key",
    "label_for_value",
    "readable_summary",
]
