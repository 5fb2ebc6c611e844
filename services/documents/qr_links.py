"""Which web sites a guide's QR codes may point at: an allow-list kept in the database.

A QR code on a poster sends people wherever it points; a link to a look-alike site is a
phishing poster. Only https links to an allowed domain (or a subdomain of it) are accepted.
The list starts with the official sites and the two app stores; only an administrator may
extend it (`allow_qr_domain`), and each extension is logged in the audit log.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from models.entities import Setting
from services.common.errors import ValidationError
from services.common.text import clean, quote_value
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

QR_DOMAINS_SETTING = "guide_qr_domains"
DEFAULT_QR_DOMAINS: tuple[str, ...] = (
    "vneid.gov.vn",
    "dichvucong.gov.vn",
    "tailieuhuongdan.dean06.vn",
    "apps.apple.com",
    "play.google.com",
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def allowed_qr_domains(session: Session) -> tuple[str, ...]:
    """The allow-list: the stored one, or the defaults when none (or an unreadable one)."""
    setting = session.get(Setting, QR_DOMAINS_SETTING)
    if setting is None:
        return DEFAULT_QR_DOMAINS
    try:
        value = json.loads(setting.value)
    except ValueError:
        return DEFAULT_QR_DOMAINS
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        return DEFAULT_QR_DOMAINS
    return tuple(value)


def link_host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def host_allowed(host: str, domains: tuple[str, ...]) -> bool:
    """The host is an allowed domain or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def link_problem(label: str, url: str, domains: tuple[str, ...]) -> str | None:
    """A Vietnamese message when the link may not be printed as a QR code, else None."""
    parts = urlsplit(url)
    host = link_host(url)
    if parts.scheme != "https" or not host or " " in url or parts.username or parts.password:
        return (
            f"{label} {quote_value(url)} không hợp lệ: phải là địa chỉ web bắt đầu bằng "
            "https://, ví dụ https://vneid.gov.vn."
        )
    if not host_allowed(host, domains):
        return (
            f"{label} {quote_value(url)} trỏ tới tên miền {quote_value(host)}, không nằm trong "
            f"danh sách trang được phép in mã QR ({', '.join(domains)}). Chỉ quản trị viên mới "
            f"thêm được tên miền vào danh sách (lệnh: guide allow-domain {host})."
        )
    return None


def normalise_domain(text: str) -> str:
    domain = clean(text).lower().removeprefix("https://").rstrip("/").rstrip(".")
    if not _DOMAIN.match(domain):
        raise ValidationError(
            f"Tên miền {quote_value(text)} không hợp lệ: ghi tên miền như vneid.gov.vn "
            "(không có đường dẫn).",
            "domain",
        )
    return domain


def allow_qr_domain(session: Session, actor: Actor, domain: str) -> bool:
    """Add a domain to the allow-list (administrators); logged; False when already on it.

    The caller commits."""
    require(actor, Action.SETTINGS)
    domain = normalise_domain(domain)
    before = allowed_qr_domains(session)
    if domain in before:
        return False
    after = [*before, domain]
    setting = session.get(Setting, QR_DOMAINS_SETTING)
    value = json.dumps(after)
    if setting is None:
        session.add(Setting(key=QR_DOMAINS_SETTING, value=value))
    else:
        setting.value = value
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.SETTINGS,
        f"Cho phép in mã QR trỏ tới tên miền {domain}",
        {"setting": QR_DOMAINS_SETTING, "before": list(before), "after": after},
    )
    return True
