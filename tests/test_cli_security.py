"""`audit verify`, `details`, `backup`, `restore` and `purge` as scripts use them."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import msoffcrypto
from openpyxl import load_workbook

from tests.test_cli import ADMIN, add_admin, run


def test_audit_verify_backup_details_restore(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    run("demo", "--records", "30", "--seed", "7", db=db)
    run("records", "template", "--out", str(tmp_path / "mau.xlsx"), db=db)
    verified = run("audit", "verify", db=db)
    assert verified.stdout.startswith("OK: ")

    backup = run("backup", "--out", str(tmp_path / "sao-luu.sqlite3"), db=db)
    assert "Đã sao lưu và kiểm tra" in backup.stdout

    env = {"KICHHOAT_PASSPHRASE": "mat-khau-PC06"}
    out = tmp_path / "chi-tiet.xlsx"
    details = run("details", "--as-of", "2023-08-31", "--out", str(out), db=db, env=env)
    assert "mã hóa bằng mật khẩu" in details.stdout
    with out.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password="mat-khau-PC06")
        plain = io.BytesIO()
        office.decrypt(plain)
    sheet = load_workbook(plain).active
    assert sheet is not None and sheet.max_row >= 3

    refused = run("restore", str(tmp_path / "sao-luu.sqlite3"), db=db, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr  # no terminal: no silent yes
    restored = run("restore", str(tmp_path / "sao-luu.sqlite3"), "--yes", db=db)
    assert "Đã khôi phục" in restored.stdout

    with sqlite3.connect(db) as connection:
        entries = connection.execute(
            "SELECT action, username FROM audit_log ORDER BY id"
        ).fetchall()
    actions = [a for a, _ in entries]
    assert actions[-1] == "restore"  # the restored copy has no "details" entry: it came later
    # Every entry names the administrator who signed in for the command, never `cli:...`.
    assert {user for _, user in entries} == {ADMIN}
    assert actions.count("sign_in") == 3  # for init, demo and backup, before the copy was made
    assert run("audit", "verify", db=db).returncode == 0

    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE audit_log SET summary = 'sửa lén' WHERE id = 1")
    broken = run("audit", "verify", db=db, check=False)
    assert broken.returncode == 1 and "mục số 1" in broken.stderr


def test_purge_before_the_end_of_retention_changes_nothing(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    result = run("purge", "--yes", db=db, check=False)
    # The 2023 campaign is long over: the purge runs (an empty database has nothing to erase).
    assert result.returncode == 0, result.stderr
    assert "Đã xóa dữ liệu cá nhân của 0 hồ sơ" in result.stdout


def test_restore_refuses_a_broken_file(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    bad = tmp_path / "hong.sqlite3"
    bad.write_bytes(b"x" * 5000)
    result = run("restore", str(bad), "--yes", db=db, check=False)
    assert result.returncode == 1 and "không phải tệp cơ sở dữ liệu SQLite" in result.stderr
