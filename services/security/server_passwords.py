"""Passwords of shared database servers, kept in the operating system's credential store.

A server's address is saved in this computer's `settings.json` without its password; the
password goes to the store of the operating system through the `keyring` library
(Windows Credential Manager on the counter PCs; the Secret Service of a Linux desktop;
the macOS Keychain) under the service name `kichhoat`, with the address without its
password as the user name, for example `postgresql+psycopg://kichhoat@10.0.0.5:5432/kichhoat`.

A computer without such a store (a Linux server with no desktop session) keeps no
password at all: the window asks for it when the connection needs it. Nothing here
raises for a missing or broken store; it says so in Vietnamese instead.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

SERVICE_NAME = "kichhoat"
NO_STORE = "máy này không có kho mật khẩu của hệ điều hành (keyring)"


def _parse(url: str) -> URL | None:
    try:
        return make_url(url)
    except ArgumentError:
        return None


def split_password(url: str) -> tuple[str, str | None]:
    """The address without its password, and the password (None when it has none)."""
    parsed = _parse(url)
    if parsed is None or parsed.password is None:
        return url, None
    # URL.set ignores None: replace the field itself
    without = parsed._replace(password=None).render_as_string(hide_password=False)
    return without, str(parsed.password)


def needs_password(url: str) -> bool:
    """A server address naming a user but no password."""
    parsed = _parse(url)
    return parsed is not None and bool(parsed.username) and parsed.password is None


def with_password(url: str, password: str) -> str:
    parsed = _parse(url)
    if parsed is None:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def credential_name(url: str) -> str:
    """The user name the password is stored under: the address without its password."""
    return split_password(url)[0]


def _why(error: Exception) -> str:
    from keyring.errors import NoKeyringError

    if isinstance(error, NoKeyringError):
        return NO_STORE
    return f"không dùng được kho mật khẩu của hệ điều hành ({type(error).__name__})"


def store_password(url: str, password: str) -> str | None:
    """Keep `password` for the server at `url`; a Vietnamese reason when it could not be."""
    import keyring  # only when a server is used: the library looks for stores when loaded

    try:
        keyring.set_password(SERVICE_NAME, credential_name(url), password)
    except Exception as error:  # any failure of the store: the app goes on without it
        log.warning("Server password not stored: %s", type(error).__name__)
        return _why(error)
    return None


def stored_password(url: str) -> tuple[str | None, str | None]:
    """The password kept for the server at `url` (None when there is none), and a
    Vietnamese reason when the store could not be read."""
    import keyring

    try:
        return keyring.get_password(SERVICE_NAME, credential_name(url)), None
    except Exception as error:  # any failure of the store: the app asks instead
        log.info("Server password not read: %s", type(error).__name__)
        return None, _why(error)


def complete_url(url: str) -> str:
    """`url` with the password kept for it, when it names a user without a password and the
    store has one; else `url` as it is."""
    if not needs_password(url):
        return url
    password, _why_not = stored_password(url)
    return with_password(url, password) if password else url


def store_name() -> str:
    """The credential store this computer has, in words (the self-test prints it)."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return "không có trên máy này; ứng dụng hỏi mật khẩu máy chủ khi cần"
    return str(getattr(backend, "name", type(backend).__name__))
