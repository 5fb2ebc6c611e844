"""Settings kept in the database (the `settings` table): one JSON text a key."""

import json

from sqlalchemy.orm import Session

from models.entities import Setting


def stored_setting(session: Session, key: str) -> object | None:
    """The setting's value, or None when it was never set or cannot be read (the caller
    then falls back to its default)."""
    setting = session.get(Setting, key)
    if setting is None:
        return None
    try:
        value: object = json.loads(setting.value)
    except ValueError:
        return None
    return value


def store_setting(session: Session, key: str, value_json: str) -> None:
    """Set the setting to `value_json` (the caller's JSON text), adding it when new."""
    setting = session.get(Setting, key)
    if setting is None:
        session.add(Setting(key=key, value=value_json))
    else:
        setting.value = value_json
    session.flush()
