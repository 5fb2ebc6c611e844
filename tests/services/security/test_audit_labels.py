"""Every code the audit log keeps has Vietnamese words for the viewer."""

from __future__ import annotations

import ast
import dataclasses
import json
import re

import pytest

from models.codes import HelpReason, Role, Status
from services.cases.detail import FIELD_LABELS
from services.documents.slips import SLIP_FORMATS
from services.exchange.conflicts import RESOLUTIONS
from services.privacy.purge import GRACE_SETTING
from services.security.accounts import SignInFailure
from services.security.audit import ACTION_LABELS, AuditAction
from services.security.audit_labels import (
    DETAIL_KEY_LABELS,
    VALUE_LABELS,
    describe_details,
    readable_summary,
)
from services.upkeep.settings import SLIP_FORMAT_WORDS, LocalChoice
from tests.paths import ROOT as TREE_ROOT

SERVICES = TREE_ROOT / "services"
# The functions that append an entry, and where their details argument is.
WRITERS = {"write_audit": 4, "_audit_targets": 3}
CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$|^[a-z]+$")  # what a code looks like


def _dict_keys(node: ast.AST, names: dict[str, ast.AST], found: dict[str, set[str]]) -> None:
    """Keys of a details dict literal, nested ones and those of local dicts it names too;
    string values kept per key (codes written as literals, like "computer")."""
    if isinstance(node, ast.Name) and node.id in names:
        _dict_keys(names[node.id], names, found)
    if not isinstance(node, ast.Dict):
        return
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            values = found.setdefault(key.value, set())
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                values.add(value.value)
        if value is not None:
            _dict_keys(value, names, found)


def _local_dicts(function: ast.FunctionDef) -> dict[str, ast.AST]:
    """The dict literals a function binds to names (`details = {...}`, annotated or not),
    with keys it adds later (`details["undo"] = True`) folded in."""
    names: dict[str, ast.AST] = {}
    added: dict[str, list[tuple[ast.expr, ast.expr]]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            names[node.target.id] = node.value
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    added.setdefault(target.value.id, []).append((target.slice, node.value))
    for name, pairs in added.items():
        literal = names.get(name)
        if isinstance(literal, ast.Dict):
            keys = [*literal.keys, *(key for key, _ in pairs)]
            values = [*literal.values, *(value for _, value in pairs)]
            names[name] = ast.Dict(keys=keys, values=values)
    return names


def written_details() -> dict[str, set[str]]:
    """Every details key the services write into an entry, read from their source."""
    found: dict[str, set[str]] = {}
    calls = 0
    for path in sorted(SERVICES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            names = _local_dicts(function)
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
                    continue
                name = call.func.id
                if name == "_audit" and path.name == "backup.py":
                    calls += 1
                    for keyword in call.keywords:
                        if keyword.arg is not None:
                            found.setdefault(keyword.arg, set())
                elif name in WRITERS and function.name not in WRITERS:
                    calls += 1
                    index = WRITERS[name]
                    details = call.args[index] if len(call.args) > index else None
                    for keyword in call.keywords:
                        if keyword.arg == "details":
                            details = keyword.value
                    if details is not None:
                        _dict_keys(details, names, found)
    assert calls >= 25, "the scan no longer finds the services' audit calls"
    return found


def test_every_details_key_the_services_write_has_a_label() -> None:
    written = written_details()
    assert {"reason", "resolution", "undo", "case_id", "file", "account", "role"} <= set(written)
    missing = sorted(set(written) - set(DETAIL_KEY_LABELS))
    assert missing == [], f"no Vietnamese label for the audit details keys {missing}"
    for key, values in written.items():  # codes written as literals: {"scope": "computer"}
        for value in values:
            if CODE.match(value):
                assert value in VALUE_LABELS.get(key, {}), f"{key}: {value}"


def test_every_coded_value_has_a_label() -> None:
    assert set(ACTION_LABELS) == {a.value for a in AuditAction}
    assert set(VALUE_LABELS["reason"]) == {f.value for f in SignInFailure}
    assert set(VALUE_LABELS["resolution"]) == set(RESOLUTIONS)
    assert set(VALUE_LABELS["role"]) == {r.value for r in Role}
    for key in ("from", "to", "status"):
        assert set(VALUE_LABELS[key]) == {s.value for s in Status}
    assert set(VALUE_LABELS["help_reason"]) == {h.value for h in HelpReason}
    assert GRACE_SETTING in VALUE_LABELS["setting"]
    assert set(VALUE_LABELS["slip_format"]) == set(SLIP_FORMATS)
    assert set(SLIP_FORMAT_WORDS) == set(SLIP_FORMATS)  # the settings entry's summary
    # the fields a correction and a settings change record under "changes"
    fields = set(FIELD_LABELS) | {f.name for f in dataclasses.fields(LocalChoice)}
    assert fields <= set(DETAIL_KEY_LABELS)


@pytest.mark.parametrize(
    ("summary", "details", "shown", "code"),
    [
        (
            "Đăng nhập không thành công (bad_credentials)",
            {"reason": "bad_credentials"},
            "Đăng nhập không thành công (sai tên đăng nhập hoặc mật khẩu)",
            "bad_credentials",
        ),
        (
            "Giải quyết mâu thuẫn hồ sơ 079******123: keep_local",
            {"case_id": 7, "resolution": "keep_local", "residence_changed": False},
            "Giải quyết mâu thuẫn hồ sơ 079******123: Giữ thông tin đang dùng",
            "keep_local",
        ),
        (  # a file name that looks like a code stays as it is
            "Nhập hồ sơ từ tệp keep_local.xlsx: 1 mới",
            {"file": "keep_local.xlsx", "new": 1},
            "Nhập hồ sơ từ tệp keep_local.xlsx: 1 mới",
            None,
        ),
    ],
)
def test_summaries_written_with_codes_read_in_words(
    summary: str, details: dict[str, object], shown: str, code: str | None
) -> None:
    text = json.dumps(details)
    assert readable_summary(summary, text) == shown
    if code is not None:
        assert code not in describe_details(text)


def test_details_read_as_labelled_lines() -> None:
    settings = {"scope": "computer", "changes": {"slip_format": ["a6", "80mm"]}}
    assert describe_details(json.dumps(settings)) == (
        "Phạm vi: Máy này\nThay đổi: Khổ phiếu: Khổ A6 (105 × 148 mm) → Giấy in hóa đơn 80 mm"
    )
    status = {"case_id": 3, "level": 1, "from": "registered", "to": "activated"}
    assert describe_details(json.dumps(status)) == (
        "Mã hồ sơ: 3\nMức: Mức 1\nTrạng thái trước: Đã đăng ký\nTrạng thái mới: Đã kích hoạt"
    )
    account = {"account": "lan", "before": {"role": "operator", "is_active": True}}
    assert describe_details(json.dumps(account)) == (
        "Tài khoản: lan\nTrước: Vai trò: Cán bộ thu nhận; Đang hoạt động: có"
    )
    targets = {"district": "942", "communes": {"31573": [100, None]}}
    assert describe_details(json.dumps(targets)) == (
        "Mã huyện: 942\nChỉ tiêu các xã (tổng, mỗi ngày): 31573: 100 / –"
    )
    assert describe_details("{}") == ""
