"""Encrypted backups of the SQLite database: the file's bytes in the package container.

Before the purge erases the personal data, it writes one copy of the database encrypted
with a passphrase the administrator types (`write_encrypted_copy`), in the container of
the data packages (`services.exchange.crypto`: scrypt, AES-256-GCM; the header says
`"content": "sqlite-database"`). The copy is made in memory (SQLite's online backup API
into an in-memory database, then `serialize`), checked with `PRAGMA integrity_check`,
encrypted, then decrypted again and compared before it counts: the plain copies the purge
deletes next are never the only copy. No plain copy of the database is written to disk on
the way, here or when it is restored (`open_encrypted_copy` decrypts into memory).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from services.common.errors import StorageError, sqlite_reason
from services.exchange.crypto import (
    CHUNK,
    CONTENT_DATABASE,
    MAGIC,
    PackageError,
    PackageWriter,
    decrypt_chunks,
    verify_passphrase,
)
from services.upkeep.upgrade import sync_folder

ENCRYPTED_SUFFIX = ".sqlite3.enc"
WHAT = "bản sao lưu mã hóa"
# Bytes 18 and 19 of an SQLite file: the write and read format versions, 2 in WAL mode.
# The copy is given 1 (a rollback journal), so that it opens anywhere, in memory too.
_FORMAT_VERSION_BYTES = (18, 19)


def is_encrypted_backup(path: Path) -> bool:
    """Whether `path` is in the package container (an encrypted backup, or a package)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _integrity(connection: sqlite3.Connection) -> str | None:
    rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check").fetchall()]
    return None if rows == ["ok"] else "; ".join(rows[:3])


def _serialized(engine: Engine) -> bytearray:
    """The live database as the bytes of one self-contained SQLite file, checked (one copy
    in memory besides the in-memory database, which is closed before it is returned)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        memory = sqlite3.connect(":memory:")
        try:
            source.backup(memory)
            problem = _integrity(memory)
            if problem is not None:
                raise StorageError(f"Bản sao lưu vừa tạo không đạt kiểm tra ({problem}).")
            data = bytearray(memory.serialize())
        finally:
            memory.close()
    finally:
        raw.close()
    for index in _FORMAT_VERSION_BYTES:
        data[index] = 1
    return data


def write_encrypted_copy(engine: Engine, target: Path, passphrase: str) -> Path:
    """Copy the live SQLite database into `target`, encrypted with `passphrase` (at least
    `MIN_PASSPHRASE` characters), read back and compared; the file appears whole or not."""
    data = _serialized(engine)
    writer = PackageWriter(target, passphrase, CONTENT_DATABASE, what=WHAT)
    try:
        for start in range(0, len(data), CHUNK):
            writer.write_bytes(data[start : start + CHUNK])
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    again = hashlib.sha256()
    for chunk in decrypt_chunks(target, passphrase, CONTENT_DATABASE):
        again.update(chunk)
    if again.digest() != hashlib.sha256(data).digest():
        target.unlink(missing_ok=True)
        raise StorageError(
            f"Bản sao lưu mã hóa «{target.name}» đọc lại không khớp; đã bỏ bản này. Kiểm tra ổ "
            "đĩa rồi thử lại."
        )
    sync_folder(target.parent)
    return target


def check_encrypted_passphrase(path: Path, passphrase: str) -> None:
    """Raise `PackageError` unless `passphrase` opens the encrypted backup at `path` (the
    key check only: quick)."""
    verify_passphrase(path, passphrase, CONTENT_DATABASE)


def open_encrypted_copy(path: Path, passphrase: str) -> sqlite3.Connection:
    """The encrypted backup at `path` as an in-memory database (authenticated first). A wrong
    passphrase says so; past it, a file cut short or changed is called a damaged backup (the
    container's own words are a package's: «không nhập gì», «xin người gửi…»)."""
    verify_passphrase(path, passphrase, CONTENT_DATABASE)
    try:
        data = b"".join(decrypt_chunks(path, passphrase, CONTENT_DATABASE))
    except PackageError:
        raise StorageError(
            f"Bản sao lưu mã hóa «{path.name}» bị hỏng hoặc bị cắt ngắn (kiểm tra toàn vẹn không "
            "đạt): không khôi phục được từ bản này. Dùng một bản sao lưu khác (bản gốc nếu đã "
            "chép tệp này từ nơi khác)."
        ) from None
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
    except sqlite3.Error as error:
        connection.close()
        raise StorageError(
            f"«{path.name}» không chứa cơ sở dữ liệu đọc được: {sqlite_reason(error)}."
        ) from error
    return connection
