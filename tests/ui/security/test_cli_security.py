"""`audit verify`, `details`, `backup`, `restore` and `purge` as scripts use them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from services.security.passphrase_words import fold
from tests.shared_sheets import decrypted_workbook
from tests.test_cli import ADMIN, add_admin, run

# A campaign that ends long after any day these tests run on: its data may not be purged.
FAR_CAMPAIGN = [
    "campaign", "new", "--province", "92", "--map", "2025", "--name", "Đợt dài (thử)",
    "--plan-number", "9/KH-UBND", "--plan-date", "01/03/2026",
    "--from", "2026-03-10", "--to", "2090-12-31",
]  # fmt: skip


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
    sheet = decrypted_workbook(out, "mat-khau-PC06").active
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
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "KICHHOAT_PASSPHRASE": ""}
    run("init", db=db)
    refused = run("purge", "--yes", db=db, env=env, check=False)
    assert refused.returncode == 1 and "--passphrase-file" in refused.stderr  # no passphrase
    short = tmp_path / "ngan.txt"
    short.write_text("11-ky-tu-ab\n", encoding="utf-8")
    refused = run("purge", "--yes", "--passphrase-file", str(short), db=db, env=env, check=False)
    assert refused.returncode == 1 and "ít nhất 12 ký tự" in refused.stderr
    assert not (tmp_path / "data" / "kichhoat" / "backups").exists()  # not even the backup
    good = tmp_path / "mat-khau.txt"
    good.write_text("mat-khau-sao-luu-2023\n", encoding="utf-8")
    result = run("purge", "--yes", "--passphrase-file", str(good), db=db, env=env, check=False)
    # The 2023 campaign is long over: the purge runs (an empty database has nothing to erase).
    assert result.returncode == 0, result.stderr
    assert "Đã xóa dữ liệu cá nhân của 0 hồ sơ" in result.stdout


def test_purge_keeps_one_encrypted_backup_that_restores_with_its_words(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "KICHHOAT_PASSPHRASE": ""}
    run("init", db=db)
    run("demo", "--records", "20", "--seed", "3", db=db)
    run("backup", "--out", str(tmp_path / "tay.sqlite3"), db=db)
    run("restore", str(tmp_path / "tay.sqlite3"), "--yes", db=db, env=env)  # truoc-khoi-phuc-*
    folder = next((tmp_path / "data" / "kichhoat" / "backups").iterdir())
    assert [p.name[:16] for p in folder.iterdir()] == ["truoc-khoi-phuc-"]

    purged = run("purge", "--yes", "--generate-passphrase", db=db, env=env)
    line = next(x for x in purged.stdout.splitlines() if x.startswith("Mật khẩu tạo sẵn"))
    words = line.rsplit(": ", 1)[1]
    assert len(words.split("-")) == 5 and "Đã xóa dữ liệu cá nhân của 20 hồ sơ" in purged.stdout
    (encrypted,) = folder.iterdir()  # the copy before the restore is gone
    assert encrypted.name.startswith("truoc-xoa-du-lieu-") and encrypted.name.endswith(".enc")
    with sqlite3.connect(db) as connection:
        assert (
            connection.execute("SELECT count(*) FROM cases WHERE id_number LIKE 'X%'").fetchone()[0]
            == 20
        )

    refused = run("restore", str(encrypted), "--yes", db=db, env=env, check=False)
    assert refused.returncode == 1 and "--passphrase-file" in refused.stderr
    typed = tmp_path / "go-lai.txt"  # as heard on the phone: no diacritics, spaces
    typed.write_text(" ".join(fold(w) for w in words.split("-")).upper() + "\n", "utf-8")
    restored = run(
        "restore", str(encrypted), "--yes", "--passphrase-file", str(typed), db=db, env=env
    )
    assert "Đã khôi phục" in restored.stdout and "(20 hồ sơ)" in restored.stdout
    with sqlite3.connect(db) as connection:
        assert (
            connection.execute("SELECT count(*) FROM cases WHERE id_number LIKE 'X%'").fetchone()[0]
            == 0
        )


def test_package_export_prints_a_generated_passphrase_that_imports(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "a.sqlite3")
    other = add_admin(tmp_path / "b.sqlite3")
    run("init", db=db)
    run("init", db=other)
    run("demo", "--records", "5", "--seed", "4", db=db)
    out = tmp_path / "goi.kpkg"
    env = {"KICHHOAT_PASSPHRASE": ""}
    exported = run("package", "export", "--out", str(out), "--generate-passphrase", db=db, env=env)
    line = next(x for x in exported.stdout.splitlines() if x.startswith("Mật khẩu tạo sẵn"))
    assert line.startswith("Mật khẩu tạo sẵn (42 bit): ")  # the README's words, never more
    words = line.rsplit(": ", 1)[1]
    typed = tmp_path / "mat-khau.txt"
    typed.write_text(fold(words) + "\n", encoding="utf-8")
    wrong = tmp_path / "sai.txt"
    wrong.write_text("mat-khau-sai-roi\n", encoding="utf-8")
    refused = run(
        "package", "import", str(out), "--passphrase-file", str(wrong), db=other, check=False
    )
    assert refused.returncode == 1 and "Sai mật khẩu" in refused.stderr
    missing = tmp_path / "khong-co.txt"
    refused = run(
        "package", "import", str(out), "--passphrase-file", str(missing), db=other, check=False
    )
    assert refused.returncode == 1 and "Errno" not in refused.stderr
    assert f"Không đọc được tệp mật khẩu «{missing}»: không có tệp hoặc thư mục đó" in (
        refused.stderr
    )
    imported = run(
        "package", "import", str(out), "--passphrase-file", str(typed), db=other, env=env
    )
    assert "5 mới" in imported.stdout


def test_restore_refuses_a_broken_file(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    bad = tmp_path / "hong.sqlite3"
    bad.write_bytes(b"x" * 5000)
    result = run("restore", str(bad), "--yes", db=db, check=False)
    assert result.returncode == 1 and "không phải tệp cơ sở dữ liệu SQLite" in result.stderr


def test_audit_verify_checks_what_was_printed_and_sent(
    tmp_path: Path, own_data_folder: Path
) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    run("demo", "--records", "5", "--seed", "7", db=db)  # audited: the log has an entry
    report = tmp_path / "bao-cao.xlsx"
    run("report", "--as-of", "2023-07-25", "--out", str(report), db=db)
    package = tmp_path / "goi.ktpkg"
    env = {"KICHHOAT_PASSPHRASE": "mat-khau-goi-du-lieu-PC06"}
    run("package", "export", "--out", str(package), db=db, env=env)
    checked = run(
        "audit", "verify", "--against", str(report), "--against", str(package), db=db, env=env
    )
    assert checked.stdout.startswith("OK: ") and "khớp với 4 lần in hoặc gửi" in checked.stdout

    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM audit_log")
        connection.execute("DELETE FROM audit_chains")
    emptied = run("audit", "verify", db=db, check=False)
    assert emptied.returncode == 1
    assert "báo cáo «bao-cao.xlsx» lập lúc" in emptied.stderr
    assert "gói dữ liệu «goi.ktpkg» xuất lúc" in emptied.stderr
    assert "nay nhật ký trống (đã bị xóa hết)" in emptied.stderr

    # With the witness file gone too, the printed report and the sent package still tell.
    for witness in (own_data_folder / "kichhoat" / "audit-witness").glob("*.jsonl"):
        witness.unlink()
    assert run("audit", "verify", db=db).stdout.startswith("OK: 0 mục")
    for against in (report, package):
        broken = run("audit", "verify", "--against", str(against), db=db, env=env, check=False)
        assert broken.returncode == 1 and against.name in broken.stderr, broken.stderr


def test_audit_verify_against_a_file_without_heads(tmp_path: Path) -> None:
    db = tmp_path / "kichhoat.sqlite3"
    run("init", db=db)
    run("records", "template", "--out", str(tmp_path / "mau.xlsx"), db=db)
    result = run("audit", "verify", "--against", str(tmp_path / "mau.xlsx"), db=db, check=False)
    assert result.returncode == 1 and "không có dấu kiểm nhật ký hệ thống" in result.stderr


def test_purge_before_the_end_of_retention_is_refused_on_stderr(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run(*FAR_CAMPAIGN, db=db)
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "KICHHOAT_PASSPHRASE": ""}
    refused = run("purge", "--yes", "--generate-passphrase", db=db, env=env, check=False)
    assert refused.returncode == 1
    assert "có thể xóa từ ngày" in refused.stderr and "Chưa xóa gì." in refused.stderr
    assert "Mật khẩu tạo sẵn" not in refused.stdout  # refused before anything was made
    assert not (tmp_path / "data" / "kichhoat" / "backups").exists()
