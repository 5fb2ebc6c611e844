"""Vietnamese labels for the codes stored in the database, and the way back from a label."""

from __future__ import annotations

from models.codes import FailureReason, HelpReason, PointKind, Role, Status
from services.common.errors import ValidationError
from services.common.text import fold_key, quote_value

STATUS_LABELS: dict[str, str] = {
    Status.REGISTERED: "Đã đăng ký",
    Status.APPROVED: "Đã duyệt",
    Status.APPLICATION_TAKEN: "Đã thu nhận hồ sơ",
    Status.ACTIVATED: "Đã kích hoạt",
    Status.FAILED: "Thất bại",
}

STATUS_DESCRIPTIONS: dict[str, str] = {
    Status.REGISTERED: "Đã đăng ký, chờ duyệt",
    Status.APPROVED: "Đã duyệt, chờ kích hoạt",
    Status.APPLICATION_TAKEN: "Đã thu nhận hồ sơ mức 2",
    Status.ACTIVATED: "Đã kích hoạt",
    Status.FAILED: "Thất bại",
}

FAILURE_LABELS: dict[str, str] = {
    FailureReason.NOT_OWN_NUMBER: "Thuê bao không chính chủ",
    FailureReason.RELATIVE_NUMBER: "Tài khoản gắn số điện thoại của người thân",
    FailureReason.FACE_CAPTURE: "Không chụp được ảnh khuôn mặt",
    FailureReason.QR_SCAN: "Không quét được mã QR",
    FailureReason.DATA_MISMATCH: "Thông tin không khớp Cơ sở dữ liệu quốc gia về dân cư",
    FailureReason.NOT_APPROVED: "Chưa được phê duyệt",
    FailureReason.ALREADY_ACTIVATED: "Đã kích hoạt trước đó (chỉ cần đăng nhập)",
    FailureReason.OTHER: "Lý do khác",
}

ROLE_LABELS: dict[str, str] = {
    Role.OPERATOR: "Cán bộ thu nhận",
    Role.MANAGER: "Quản lý",
    Role.ADMIN: "Quản trị",
}

POINT_KIND_LABELS: dict[str, str] = {
    PointKind.POLICE_ID_POINT: "Điểm cấp căn cước (Công an)",
    PointKind.MOBILE_TEAM: "Tổ thu nhận lưu động",
    PointKind.POST_OFFICE: "Bưu điện",
    PointKind.VNPT: "Điểm giao dịch VNPT",
    PointKind.VIETTEL: "Điểm giao dịch Viettel",
    PointKind.MOBIFONE: "Điểm giao dịch MobiFone",
    PointKind.SCHOOL: "Trường học",
    PointKind.OTHER: "Khác",
}

HELP_REASON_LABELS: dict[str, str] = {
    HelpReason.NO_SMARTPHONE: "Không có điện thoại thông minh",
    HelpReason.PHONE_UNSUPPORTED: "Điện thoại không cài được ứng dụng VNeID",
    HelpReason.ELDERLY_OR_DISABLED: "Người cao tuổi hoặc khuyết tật",
    HelpReason.OTHER: "Lý do khác",
}

LEVEL_LABELS = {1: "Mức 1", 2: "Mức 2"}


def _by_label(labels: dict[str, str]) -> dict[str, str]:
    found = {fold_key(label): code for code, label in labels.items()}
    found.update({fold_key(code): code for code in labels})
    return found


_STATUS_BY_LABEL = _by_label(STATUS_LABELS) | _by_label(STATUS_DESCRIPTIONS)
_FAILURE_BY_LABEL = _by_label(FAILURE_LABELS)


def parse_status(text: str) -> Status:
    """A status from its Vietnamese label (any case, with or without diacritics) or its code."""
    code = _STATUS_BY_LABEL.get(fold_key(text))
    if code is None:
        allowed = ", ".join(STATUS_LABELS.values())
        raise ValidationError(
            f"Trạng thái {quote_value(text.strip())} không hợp lệ: ghi một trong {allowed}."
        )
    return Status(code)


def parse_failure_reason(text: str) -> tuple[FailureReason, str | None]:
    """A reason from the fixed list; any other text is "other" with that text kept as the note."""
    code = _FAILURE_BY_LABEL.get(fold_key(text))
    if code is None:
        return FailureReason.OTHER, text.strip()
    return FailureReason(code), None


def parse_level(text: str) -> int:
    key = fold_key(text)
    for level in (1, 2):
        if key in (str(level), f"muc{level}"):
            return level
    raise ValidationError(f"Mức {quote_value(text.strip())} không hợp lệ: ghi 1 hoặc 2.")
