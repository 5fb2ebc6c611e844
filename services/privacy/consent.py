"""Consent records: which notice the citizen heard, when, from whom, on what legal basis.

The notice on personal data (thông báo xử lý dữ liệu cá nhân) is a versioned text in
`resources/notices/thong-bao-v<N>.json`; the newest is the one read at the desk, and a
version once used is never edited (a record names it). The legal basis is a setting of the
shared database (`legal_basis`): the citizen's consent by default or, for a campaign run by a
state body under law, that duty with the law it acts under.

A case keeps its consent record on the report that brought it in (`CaseEvent.consent_*`):
the notice version, the moment, the basis and the law; who gave it is that event's operator,
at its point. Later reports on the same case carry none (the desk does not read the notice
again to a returning citizen). A spreadsheet row has no consent column: the row that brings
a case in is recorded as "nhập từ danh sách", notice not known, at the row's moment and by
the row's operator. Records travel in packages with their events; an event without one (saved
before notices had versions, or from an older package) reads "không rõ". The purge keeps
the records: they say nothing about the person beyond the case they belong to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from models.codes import ConsentBasis
from models.entities import Setting
from services.common.errors import ValidationError
from services.common.resources import load_json, resource_path
from services.common.stored_settings import store_setting
from services.common.text import clean_text
from services.common.vntime import format_date, format_moment
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

LEGAL_BASIS_SETTING = "legal_basis"
REFERENCE_LENGTH = 500
NOTICE_VERSION_LENGTH = 32  # CaseEvent.consent_notice is String(32)
UNKNOWN = "không rõ"
NOTICE_FILE = re.compile(r"^thong-bao-v(\d+)\.json$")

BASIS_LABELS: dict[str, str] = {
    ConsentBasis.CONSENT: "sự đồng ý của công dân",
    ConsentBasis.LEGAL_DUTY: "cơ quan nhà nước thực hiện nhiệm vụ theo quy định của pháp luật",
    ConsentBasis.IMPORTED: "nhập từ danh sách (ghi nhận tại điểm thu nhận, không qua bàn này)",
}
# What an administrator may choose for the campaign (a spreadsheet row is not a choice).
SETTING_BASES = (ConsentBasis.CONSENT, ConsentBasis.LEGAL_DUTY)
BEFORE_VERSIONS = (
    "Không rõ văn bản thông báo: hồ sơ được ghi trước khi thông báo có phiên bản (hoặc đến "
    "từ gói dữ liệu của phiên bản phần mềm cũ); khi đó phần mềm vẫn buộc có đồng ý mới lưu."
)


# -- the notice ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticePart:
    """What is read for one legal basis after the common paragraphs, and the box's words."""

    paragraphs: tuple[str, ...]
    confirmation: str


@dataclass(frozen=True)
class Notice:
    version: str
    issued: date
    title: str
    paragraphs: tuple[str, ...]
    consent: NoticePart
    legal_duty: NoticePart

    @property
    def label(self) -> str:
        return f"phiên bản {self.version}, ngày {format_date(self.issued)}"

    def part(self, basis: ConsentBasis) -> NoticePart:
        return self.legal_duty if basis == ConsentBasis.LEGAL_DUTY else self.consent

    def text(self, basis: ConsentBasis, legal_reference: str | None = None) -> tuple[str, ...]:
        """The paragraphs the citizen hears under `basis`, the law filled in."""
        reference = legal_reference or UNKNOWN
        return tuple(
            paragraph.replace("{legal_reference}", reference)
            for paragraph in (*self.paragraphs, *self.part(basis).paragraphs)
        )


def _part(raw: dict[str, Any]) -> NoticePart:
    return NoticePart(tuple(str(p) for p in raw["paragraphs"]), str(raw["confirmation"]))


def _notice(name: str) -> Notice:
    raw = load_json("notices", name)
    notice = Notice(
        version=str(raw["version"]),
        issued=date.fromisoformat(raw["issued"]),
        title=str(raw["title"]),
        paragraphs=tuple(str(p) for p in raw["paragraphs"]),
        consent=_part(raw["consent"]),
        legal_duty=_part(raw["legal_duty"]),
    )
    match = NOTICE_FILE.match(name)
    # A record names the version: the file's name and what it says must agree.
    assert match is not None and notice.version == f"v{match.group(1)}", name
    assert len(notice.version) <= NOTICE_VERSION_LENGTH, name
    return notice


@cache
def notices() -> dict[str, Notice]:
    """Every version shipped, oldest first."""
    names = [p.name for p in resource_path("notices").iterdir() if NOTICE_FILE.match(p.name)]
    ordered = sorted(names, key=lambda n: int(NOTICE_FILE.match(n).group(1)))  # type: ignore[union-attr]
    return {notice.version: notice for notice in map(_notice, ordered)}


def current_notice() -> Notice:
    """The notice read at the desk: the newest version."""
    return list(notices().values())[-1]


def find_notice(version: str | None) -> Notice | None:
    return notices().get(version) if version else None


# -- the campaign's legal basis --------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasisSetting:
    basis: ConsentBasis = ConsentBasis.CONSENT
    legal_reference: str | None = None  # the law, for a state body's duty

    @property
    def label(self) -> str:
        text = BASIS_LABELS[self.basis]
        return f"{text} ({self.legal_reference})" if self.legal_reference else text


def legal_basis(session: Session) -> LegalBasisSetting:
    """The campaign's legal basis; consent when never set (or unreadable)."""
    setting = session.get(Setting, LEGAL_BASIS_SETTING)
    if setting is None:
        return LegalBasisSetting()
    try:
        raw = json.loads(setting.value)
        basis = ConsentBasis(raw["basis"])
        reference = raw.get("legal_reference") or None
    except (ValueError, KeyError, TypeError, AttributeError):
        return LegalBasisSetting()
    if basis not in SETTING_BASES or (basis == ConsentBasis.LEGAL_DUTY and not reference):
        return LegalBasisSetting()
    return LegalBasisSetting(basis, str(reference) if reference else None)


def check_legal_basis(setting: LegalBasisSetting) -> LegalBasisSetting:
    """The setting with its law cleaned (and dropped for consent); a `ValidationError`."""
    if setting.basis not in SETTING_BASES:
        raise ValidationError("Căn cứ xử lý dữ liệu không hợp lệ.", "legal_basis")
    if setting.basis == ConsentBasis.CONSENT:
        return LegalBasisSetting()
    reference = clean_text(
        setting.legal_reference or "",
        "Văn bản pháp luật làm căn cứ",
        REFERENCE_LENGTH,
        field="legal_reference",
    )
    if len(reference) < 5:
        raise ValidationError(
            "Ghi rõ văn bản pháp luật giao nhiệm vụ (số, ngày, cơ quan ban hành; ít nhất 5 ký "
            "tự), ví dụ «Kế hoạch số 142/KH-UBND ngày 20/7/2023 của UBND tỉnh».",
            "legal_reference",
        )
    return LegalBasisSetting(ConsentBasis.LEGAL_DUTY, reference)


def set_legal_basis(session: Session, actor: Actor, setting: LegalBasisSetting) -> bool:
    """Change the campaign's legal basis (administrators); logged; the caller commits.
    False when nothing changed."""
    require(actor, Action.SETTINGS)
    checked = check_legal_basis(setting)
    before = legal_basis(session)
    if checked == before:
        return False
    value = json.dumps(
        {"basis": checked.basis.value, "legal_reference": checked.legal_reference},
        ensure_ascii=False,
    )
    store_setting(session, LEGAL_BASIS_SETTING, value)
    write_audit(
        session,
        actor,
        AuditAction.SETTINGS,
        f"Căn cứ xử lý dữ liệu cá nhân: {before.label} → {checked.label}",
        {
            "setting": LEGAL_BASIS_SETTING,
            "before": {"basis": before.basis.value, "legal_reference": before.legal_reference},
            "after": {"basis": checked.basis.value, "legal_reference": checked.legal_reference},
        },
    )
    return True


# -- the records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRecord:
    """What is kept with the report that brought a case in (its operator gave it)."""

    notice_version: str | None  # None: not known (a spreadsheet row)
    given_at: datetime
    basis: ConsentBasis
    legal_reference: str | None = None

    def columns(self) -> dict[str, object]:
        return {
            "consent_notice": self.notice_version,
            "consent_at": self.given_at,
            "consent_basis": self.basis.value,
            "consent_legal_reference": self.legal_reference,
        }


NO_RECORD: dict[str, object] = {
    "consent_notice": None,
    "consent_at": None,
    "consent_basis": None,
    "consent_legal_reference": None,
}


@dataclass(frozen=True)
class NoticeHeard:
    """At the desk: the notice version read to the citizen, and when the clerk confirmed."""

    version: str
    at: datetime


def desk_record(session: Session, notice_version: str, given_at: datetime) -> ConsentRecord:
    """The record of a notice read at the desk, under the campaign's legal basis now."""
    if find_notice(notice_version) is None:
        raise ValidationError(
            f"Thông báo phiên bản «{notice_version}» không có trong phần mềm: đóng và mở lại "
            "phần mềm rồi đọc lại thông báo cho công dân.",
            "consent",
        )
    setting = legal_basis(session)
    return ConsentRecord(notice_version, given_at, setting.basis, setting.legal_reference)


def import_record(session: Session, at: datetime) -> ConsentRecord:
    """A spreadsheet row that brings a case in: which notice was read is not known; the
    campaign's law is kept when it acts under one."""
    return ConsentRecord(None, at, ConsentBasis.IMPORTED, legal_basis(session).legal_reference)


def package_record(row: Any) -> dict[str, Any] | None:
    """An event's record as a package carries it (None: the event has none)."""
    if row.consent_basis is None:
        return None
    return {
        "notice": row.consent_notice,
        "at": row.consent_at.isoformat(),
        "basis": row.consent_basis,
        "legal_reference": row.consent_legal_reference,
    }


def _optional_text(raw: dict[str, Any], key: str, limit: int) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError(f"bản ghi đồng ý có «{key}» không hợp lệ")
    return value


def record_from_package(raw: object) -> ConsentRecord | None:
    """A record read from a package; None when the event carries none (every package
    written before records existed). Raises `ValidationError` for one that is malformed."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("bản ghi đồng ý không hợp lệ")
    try:
        basis = ConsentBasis(str(raw["basis"]))
        given_at = datetime.fromisoformat(str(raw["at"]))
    except (KeyError, ValueError) as error:
        raise ValidationError(f"bản ghi đồng ý không hợp lệ ({error})") from None
    if given_at.tzinfo is None:
        raise ValidationError("bản ghi đồng ý không ghi múi giờ")
    reference = _optional_text(raw, "legal_reference", REFERENCE_LENGTH)
    if basis == ConsentBasis.LEGAL_DUTY and reference is None:
        raise ValidationError("bản ghi đồng ý thiếu văn bản pháp luật làm căn cứ")
    notice = _optional_text(raw, "notice", NOTICE_VERSION_LENGTH)
    return ConsentRecord(notice, given_at, basis, reference)


# -- reading them back -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentEntry:
    """A consent record as the case detail shows it."""

    notice_version: str | None
    at: datetime
    operator_name: str
    point_name: str | None
    basis: str
    legal_reference: str | None

    @property
    def notice_label(self) -> str:
        notice = find_notice(self.notice_version)
        if notice is not None:
            return notice.label
        if self.notice_version:
            return f"phiên bản {self.notice_version} (không có trong phần mềm này)"
        return f"{UNKNOWN} phiên bản"

    @property
    def basis_label(self) -> str:
        label = BASIS_LABELS.get(self.basis, self.basis)
        return f"{label}; văn bản: {self.legal_reference}" if self.legal_reference else label

    @property
    def moment_label(self) -> str:
        if self.basis == ConsentBasis.IMPORTED:  # the row's own moment: all the sheet says
            return f"thời điểm ghi trên dòng {format_moment(self.at)}"
        return f"xác nhận lúc {format_moment(self.at)}"

    def short(self) -> str:
        """Beside its report in the history, which already says who and where."""
        return f"thông báo {self.notice_label}, {self.moment_label}; căn cứ: {self.basis_label}"

    def describe(self) -> str:
        where = f" tại {self.point_name}" if self.point_name else ""
        return (
            f"Thông báo {self.notice_label}; {self.moment_label}; cán bộ "
            f"{self.operator_name}{where}; căn cứ: {self.basis_label}."
        )


__all__ = [
    "BASIS_LABELS",
    "BEFORE_VERSIONS",
    "LEGAL_BASIS_SETTING",
    "NO_RECORD",
    "ConsentEntry",
    "ConsentRecord",
    "LegalBasisSetting",
    "Notice",
    "NoticeHeard",
    "check_legal_basis",
    "current_notice",
    "desk_record",
    "find_notice",
    "import_record",
    "legal_basis",
    "notices",
    "package_record",
    "record_from_package",
    "set_legal_basis",
]
