"""A shared server's password lives in the system's credential store, never in settings.json.

The store is `tests.memory_keyring.MemoryKeyring` (conftest puts an empty one in place for
every test); keyring's own `fail.Keyring` stands for a computer without any store."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from services.security.server_passwords import (
    SERVICE_NAME,
    complete_url,
    credential_name,
    needs_password,
    split_password,
    store_name,
    store_password,
    stored_password,
    with_password,
)
from services.upkeep.local_settings import LocalSettings, load_local_settings, save_local_settings
from tests.memory_keyring import MemoryKeyring

SERVER = "postgresql+psycopg://kichhoat:b%C3%AD-m%E1%BA%ADt%40123@10.0.0.5:5432/kichhoat"
PASSWORD = "bí-mật@123"
WITHOUT = "postgresql+psycopg://kichhoat@10.0.0.5:5432/kichhoat"


def on_disk(folder: Path) -> str:
    return (folder / "settings.json").read_text(encoding="utf-8")


def test_the_address_and_its_password_come_apart_and_together() -> None:
    assert split_password(SERVER) == (WITHOUT, PASSWORD)
    assert split_password(WITHOUT) == (WITHOUT, None)
    assert credential_name(SERVER) == credential_name(WITHOUT) == WITHOUT
    assert with_password(WITHOUT, PASSWORD) == SERVER
    assert needs_password(WITHOUT) and not needs_password(SERVER)
    assert not needs_password("sqlite:///C:/kichhoat/kichhoat.sqlite3")
    assert split_password("khong-phai-url") == ("khong-phai-url", None)


def test_saving_keeps_the_password_in_the_store_only(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    assert (
        save_local_settings(LocalSettings(db_url=SERVER, point_code="31573-01"), tmp_path) is None
    )
    text = on_disk(tmp_path)
    assert json.loads(text)["db_url"] == WITHOUT
    assert PASSWORD not in text and "b%C3%AD" not in text
    assert memory_keyring.passwords == {(SERVICE_NAME, WITHOUT): PASSWORD}
    settings, warning = load_local_settings(tmp_path)
    assert warning is None
    assert settings.db_url == SERVER  # whole again in memory, to connect with


def test_an_old_file_with_the_password_is_migrated_on_first_read(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    old = {"db_url": SERVER, "point_code": "31573-01", "last_username": "lan.nt"}
    (tmp_path / "settings.json").write_text(json.dumps(old), encoding="utf-8")
    settings, warning = load_local_settings(tmp_path)
    assert warning is None
    assert (settings.db_url, settings.point_code, settings.last_username) == (
        SERVER,
        "31573-01",
        "lan.nt",
    )
    rewritten = json.loads(on_disk(tmp_path))
    assert rewritten["db_url"] == WITHOUT and rewritten["point_code"] == "31573-01"
    assert "b%C3%AD" not in on_disk(tmp_path)
    assert memory_keyring.passwords == {(SERVICE_NAME, WITHOUT): PASSWORD}
    assert load_local_settings(tmp_path) == (settings, None)


def test_without_a_store_nothing_crashes_and_no_file_keeps_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())  # a Linux machine without a desktop session
    (tmp_path / "settings.json").write_text(json.dumps({"db_url": SERVER}), encoding="utf-8")
    settings, warning = load_local_settings(tmp_path)
    assert settings.db_url == SERVER  # this session still connects
    assert warning is not None
    assert "không có kho mật khẩu của hệ điều hành" in warning and "hỏi mật khẩu" in warning
    assert "b%C3%AD" not in on_disk(tmp_path)

    again, warning = load_local_settings(tmp_path)
    assert (again.db_url, warning) == (WITHOUT, None)  # the window will ask
    assert (
        store_password(SERVER, PASSWORD)
        == "máy này không có kho mật khẩu của hệ điều hành (keyring)"
    )
    assert stored_password(WITHOUT) == (
        None,
        "máy này không có kho mật khẩu của hệ điều hành (keyring)",
    )
    assert complete_url(WITHOUT) == WITHOUT
    assert "không có" in store_name()


def test_a_broken_store_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    class Broken(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise OSError("dbus gone")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise OSError("dbus gone")

    keyring.set_keyring(Broken())
    why = save_local_settings(LocalSettings(db_url=SERVER), tmp_path)
    assert why is not None and "OSError" in why
    assert "b%C3%AD" not in on_disk(tmp_path)
    settings, _warning = load_local_settings(tmp_path)
    assert settings.db_url == WITHOUT


def test_a_local_database_touches_no_store(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    local = f"sqlite:///{tmp_path / 'kichhoat.sqlite3'}"
    save_local_settings(LocalSettings(db_url=local), tmp_path)
    assert load_local_settings(tmp_path)[0].db_url == local
    assert memory_keyring.passwords == {}
