"""Changing settings from the window: this computer's and the shared database's, in one call.

This computer's settings (the slip size, the printer for slips, the idle lock) live in the
local settings file (`services/upkeep/local_settings.py`); the shared database's (the retention
grace period, `services/privacy/purge.py`, and the campaign's legal basis for personal data,
`services/privacy/consent.py`) in its `settings` table. `save_settings` checks both, logs each
change in the audit log, writes the local file atomically and leaves the commit of the
database's part to the caller, so a shared setting and its audit entry are saved together
or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from services.common.errors import ValidationError
from services.common.text import clean, quote_value
from services.privacy.consent import LegalBasisSetting, set_legal_basis
from services.privacy.purge import grace_days, set_grace_days
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.upkeep.local_settings import (
    MAX_IDLE_LOCK_MINUTES,
    SLIP_FORMATS,
    LocalSettings,
    save_local_settings,
)

DEFAULT_PRINTER_LABEL = "máy in mặc định"
SLIP_FORMAT_WORDS = {"a6": "A6", "80mm": "cuộn 80 mm"}  # in the audit summary


@dataclass(frozen=True)
class LocalChoice:
    """What the settings dialog asks for this computer."""

    slip_format: str
    printer_name: str | None  # None: the system's default printer
    idle_lock_minutes: int


def check_local_choice(choice: LocalChoice) -> LocalChoice:
    """The choice with its printer name cleaned; a Vietnamese `ValidationError` when wrong."""
    if choice.slip_format not in SLIP_FORMATS:
        raise ValidationError(
            f"Khổ phiếu {quote_value(choice.slip_format)} không có: chọn A6 hoặc cuộn 80 mm.",
            "slip_format",
        )
    minutes = choice.idle_lock_minutes
    if isinstance(minutes, bool) or not 0 <= minutes <= MAX_IDLE_LOCK_MINUTES:
        raise ValidationError(
            f"Thời gian tự khóa màn hình phải từ 0 đến {MAX_IDLE_LOCK_MINUTES} phút (0: không "
            "tự khóa).",
            "idle_lock_minutes",
        )
    printer = clean(choice.printer_name or "") or None
    return replace(choice, printer_name=printer)


def _printer_text(name: object) -> str:
    return name if isinstance(name, str) and name else DEFAULT_PRINTER_LABEL


def local_changes(settings: LocalSettings, choice: LocalChoice) -> dict[str, tuple[object, object]]:
    """Each setting the choice changes: name -> (before, after)."""
    changes: dict[str, tuple[object, object]] = {}
    for name in ("slip_format", "printer_name", "idle_lock_minutes"):
        before, after = getattr(settings, name), getattr(choice, name)
        if before != after:
            changes[name] = (before, after)
    return changes


def _describe(changes: dict[str, tuple[object, object]]) -> str:
    parts = []
    for name, (before, after) in changes.items():
        if name == "slip_format":
            parts.append(
                f"khổ phiếu {SLIP_FORMAT_WORDS.get(str(before), before)} → "
                f"{SLIP_FORMAT_WORDS.get(str(after), after)}"
            )
        elif name == "printer_name":
            parts.append(f"máy in phiếu «{_printer_text(before)}» → «{_printer_text(after)}»")
        else:
            parts.append(f"tự khóa màn hình {before} → {after} phút")
    return "Cài đặt của máy này: " + "; ".join(parts)


def save_settings(
    session: Session,
    actor: Actor,
    settings: LocalSettings,
    choice: LocalChoice,
    *,
    folder: Path | None = None,
    retention_grace_days: int | None = None,
    legal_basis: LegalBasisSetting | None = None,
) -> LocalSettings:
    """Save this computer's `choice` and (administrators) the shared grace period and legal
    basis.

    Returns the new local settings (a copy; `settings` is left as it was). A shared setting
    is left alone when its argument is None or unchanged. Every change is logged;
    the caller commits the session. Raises `ValidationError`, `PermissionDeniedError`, or
    `StorageError` when the local file cannot be written (then the caller must not commit)."""
    require(actor, Action.LOCAL_SETTINGS)
    checked = check_local_choice(choice)
    if retention_grace_days is not None and retention_grace_days != grace_days(session):
        set_grace_days(session, actor, retention_grace_days)
    if legal_basis is not None:
        set_legal_basis(session, actor, legal_basis)
    changes = local_changes(settings, checked)
    if not changes:
        return replace(settings, extra=dict(settings.extra))
    write_audit(
        session,
        actor,
        AuditAction.SETTINGS,
        _describe(changes),
        {
            "scope": "computer",
            "changes": {name: [before, after] for name, (before, after) in changes.items()},
        },
    )
    updated = replace(
        settings,
        slip_format=checked.slip_format,
        printer_name=checked.printer_name,
        idle_lock_minutes=checked.idle_lock_minutes,
        extra=dict(settings.extra),
    )
    save_local_settings(updated, folder)
    return updated


__all__ = [
    "DEFAULT_PRINTER_LABEL",
    "LocalChoice",
    "check_local_choice",
    "local_changes",
    "save_settings",
]
