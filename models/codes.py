"""Codes stored in the database. Labels for people live in `services.common.labels`."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"  # level 1: đã đăng ký, chờ duyệt
    APPROVED = "approved"  # level 1: đã duyệt, chờ kích hoạt
    APPLICATION_TAKEN = "application_taken"  # level 2: đã thu nhận hồ sơ
    ACTIVATED = "activated"  # both: đã kích hoạt
    FAILED = "failed"  # both: thất bại, with a reason


LEVEL1_STATUSES = (Status.REGISTERED, Status.APPROVED, Status.ACTIVATED, Status.FAILED)
LEVEL2_STATUSES = (Status.APPLICATION_TAKEN, Status.ACTIVATED, Status.FAILED)


class FailureReason(StrEnum):
    NOT_OWN_NUMBER = "not_own_number"
    RELATIVE_NUMBER = "relative_number"
    FACE_CAPTURE = "face_capture"
    QR_SCAN = "qr_scan"
    DATA_MISMATCH = "data_mismatch"
    NOT_APPROVED = "not_approved"
    ALREADY_ACTIVATED = "already_activated"
    OTHER = "other"


class Role(StrEnum):
    OPERATOR = "operator"
    MANAGER = "manager"
    ADMIN = "admin"


class UnitLevel(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class PointKind(StrEnum):
    POLICE_ID_POINT = "police_id_point"
    MOBILE_TEAM = "mobile_team"
    POST_OFFICE = "post_office"
    VNPT = "vnpt"
    VIETTEL = "viettel"
    MOBIFONE = "mobifone"
    SCHOOL = "school"
    OTHER = "other"


class HelpReason(StrEnum):
    NO_SMARTPHONE = "no_smartphone"
    PHONE_UNSUPPORTED = "phone_unsupported"
    ELDERLY_OR_DISABLED = "elderly_or_disabled"
    OTHER = "other"


class EventKind(StrEnum):
    STATUS = "status"  # a report of a step along the lifecycle, with the facts it was given
    CORRECTION = "correction"  # an explicit fix of facts and/or of the status, with a reason
    MOMENT = "moment"  # an explicit move of the activation to another moment, with a reason
    DECISION = "decision"  # a manager's choice between disagreeing facts (a conflict)


class ConsentBasis(StrEnum):
    """Why the citizen's data may be processed, as recorded with the report that brought it."""

    CONSENT = "consent"  # the citizen heard the notice and agreed (at the desk)
    LEGAL_DUTY = "legal_duty"  # a state body acting under law; the citizen was told
    IMPORTED = "imported"  # a row of a spreadsheet: recorded at a point, not witnessed here


class RequestKind(StrEnum):
    """What a citizen asks of the data held about them (a data subject's request)."""

    ACCESS = "access"  # see their data, get a copy of it
    CORRECT = "correct"  # correct it
    ERASE = "erase"  # erase it
    RESTRICT = "restrict"  # restrict its processing
    OBJECT = "object"  # object to its processing
    WITHDRAW = "withdraw"  # withdraw their consent


class RequestStatus(StrEnum):
    OPEN = "open"  # received, not yet answered
    ANSWERED = "answered"  # done as asked
    REFUSED = "refused"  # answered with a refusal, its reason in the note


# The permanent residence of a citizen who lives in another province: a real answer, counted
# on a row of its own and in no commune of the campaign.
OUTSIDE_PROVINCE = "NGOAI_TINH"


def sql_in(values: tuple[StrEnum, ...] | type[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint."""
    return ", ".join(f"'{v.value}'" for v in values)


class OutreachStatus(StrEnum):
    """Where one person of a review list (danh sách rà soát) stands in the outreach."""

    NOT_CONTACTED = "not_contacted"  # chưa liên hệ
    NOTIFIED = "notified"  # đã thông báo
    APPOINTED = "appointed"  # đã hẹn
    CAME = "came"  # đã đến (a case was saved for them, or checked in at the desk)
    ACTIVATED = "activated"  # đã kích hoạt
    HAD_ACCOUNT = "had_account"  # đã có tài khoản (before the campaign reached them)
    REFUSED = "refused"  # từ chối
    UNREACHABLE = "unreachable"  # không liên lạc được
    INELIGIBLE = "ineligible"  # không đủ điều kiện (under 14, moved away, deceased)


class StopKind(StrEnum):
    """Where appointments are given: a fixed intake point or a mobile team's stop."""

    FIXED = "fixed"  # a fixed intake point
    HAMLET = "hamlet"  # a mobile team at a hamlet (khóm, ấp)
    MARKET = "market"  # ... at a market
    HOUSEHOLD = "household"  # ... at households (elderly, disabled)
