"""The encrypted container of a data package.

    MAGIC | header length (4 bytes) | header JSON | AES-256-GCM ciphertext | GCM tag (16 bytes)

The header (format version, scrypt parameters, salt, nonce, a key check) is in the clear,
so that an unknown format is refused before asking anything, and bound to the ciphertext
as GCM associated data, so that it cannot be altered either. The key check tells a wrong
passphrase apart from a tampered or truncated file. The plaintext is gzip-compressed; it
is streamed both ways and only trusted once the tag has been verified.

A data package's plaintext is JSON lines. The same container also holds an encrypted
backup of the database (the SQLite file's bytes): its header says `"content":
"sqlite-database"` (a package's says nothing, as before), so that neither is taken for the
other. The key is derived from the passphrase's spoken form when it is one of the
generated word passphrases (`services.security.passphrase_words`), so that it opens however the
words were typed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from services.common.errors import StorageError, UserError, os_reason
from services.security.passphrase_words import kdf_passphrase, passphrase_candidates

MAGIC = b"KICHHOAT-PACKAGE\n"
FORMAT_VERSION = 1
TAG_SIZE = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
CHECK_LABEL = b"kichhoat package key check"
MIN_PASSPHRASE = 12
CONTENT_PACKAGE = "package"  # JSON lines of a data package (no "content" in the header)
CONTENT_DATABASE = "sqlite-database"  # the bytes of an SQLite database: a backup
CHUNK = 1 << 20
# What a package's clear (unsigned) header may ask of scrypt: checked before deriving, so a
# crafted header cannot make an import allocate gigabytes (scrypt needs 128 * n * r bytes).
SCRYPT_N_RANGE = (2**14, 2**17)
SALT_SIZE_RANGE = (16, 64)


class PackageError(UserError):
    """A package that cannot be read; nothing was written."""


_WRONG_CONTENT = {
    CONTENT_PACKAGE: (
        "«{name}» là bản sao lưu mã hóa của cơ sở dữ liệu, không phải gói dữ liệu: khôi phục nó "
        "bằng Quản trị → Khôi phục từ bản sao lưu (hoặc lệnh restore). Không nhập gì."
    ),
    CONTENT_DATABASE: (
        "«{name}» là gói dữ liệu, không phải bản sao lưu: nhập nó bằng Tệp → Nhập gói dữ liệu "
        "(hoặc lệnh package import). Không thay đổi gì."
    ),
}


def check_passphrase(passphrase: str, what: str = "gói dữ liệu") -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(
            f"Mật khẩu của {what} phải có ít nhất {MIN_PASSPHRASE} ký tự: tệp chứa dữ liệu cá "
            "nhân và có thể đi qua USB, ứng dụng nhắn tin. Bấm «Tạo mật khẩu» (dòng lệnh: "
            "--generate-passphrase) để có một mật khẩu gồm 5 từ dễ đọc qua điện thoại."
        )


def _keys(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return material[:32], material[32:]


def _kdf_parameters(kdf: Any, path: Path) -> tuple[bytes, int, int, int]:
    """The salt and scrypt parameters of a header, refused unless this version could have
    written them (n a power of two within `SCRYPT_N_RANGE`, or the one it writes; r and p
    as written; a salt of a sane size)."""
    try:
        if not isinstance(kdf, dict) or kdf.get("name", "scrypt") != "scrypt":
            raise ValueError
        n, r, p = kdf["n"], kdf["r"], kdf["p"]
        if not all(type(value) is int for value in (n, r, p)):
            raise ValueError
        salt = base64.b64decode(kdf["salt"], validate=True)
    except (KeyError, ValueError, TypeError):
        n = r = p = 0
        salt = b""
    low, high = SCRYPT_N_RANGE
    n_ok = n == SCRYPT_N or (low <= n <= high and n & (n - 1) == 0)
    salt_ok = SALT_SIZE_RANGE[0] <= len(salt) <= SALT_SIZE_RANGE[1]
    if not (n_ok and r == SCRYPT_R and p == SCRYPT_P and salt_ok):
        raise PackageError(
            f"Gói «{path.name}» có tham số mã hóa không hợp lệ: gói bị hỏng hoặc không phải do "
            "kichhoat tạo. Không nhập gì; xin người gửi xuất lại gói bằng kichhoat."
        )
    return salt, n, r, p


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PackageWriter:
    """Write lines into an encrypted package; `close()` finishes it atomically."""

    def __init__(
        self, out: Path, passphrase: str, content: str = CONTENT_PACKAGE, what: str = "gói dữ liệu"
    ) -> None:
        check_passphrase(passphrase, what)
        self.out = out
        salt, nonce = os.urandom(16), os.urandom(12)
        key, check_key = _keys(kdf_passphrase(passphrase), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        header: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "kdf": {
                "name": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": _b64(salt),
            },
            "cipher": "AES-256-GCM",
            "nonce": _b64(nonce),
            "check": _b64(hmac.new(check_key, CHECK_LABEL, hashlib.sha256).digest()),
        }
        if content != CONTENT_PACKAGE:
            header["content"] = content
        header_bytes = json.dumps(header, sort_keys=True).encode("ascii")
        self.temporary = out.with_name(f".{out.name}.tmp")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.file: IO[bytes] = self.temporary.open("wb")
        except OSError as error:
            raise StorageError(f"Không ghi được tệp «{out}»: {os_reason(error)}.") from error
        self.file.write(MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes)
        self.encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        self.encryptor.authenticate_additional_data(MAGIC + header_bytes)
        self.compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip framing
        self.digest = hashlib.sha256()

    def write_line(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        line += b"\n"
        self.digest.update(line)
        self._write(self.compressor.compress(line))

    def _write(self, data: bytes) -> None:
        if data:
            try:
                self.file.write(self.encryptor.update(data))
            except OSError as error:
                self.abort()
                raise StorageError(
                    f"Không ghi được gói «{self.out}»: {os_reason(error)}. Kiểm tra dung lượng ổ đĩa."
                ) from error

    def write_bytes(self, data: bytes | bytearray) -> None:
        """Raw plaintext (an encrypted backup's database file), not lines."""
        self.digest.update(data)
        self._write(self.compressor.compress(data))

    def close(self, trailer: dict[str, Any]) -> None:
        """Write the trailer (with the checksum of every line before it) and finish."""
        trailer = {**trailer, "sha256": self.digest.hexdigest()}
        line = json.dumps(trailer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._write(self.compressor.compress(line + b"\n"))
        self.finish()

    def finish(self) -> None:
        """Flush, authenticate, sync and give the file its name (after `write_bytes`)."""
        self._write(self.compressor.flush())
        try:
            self.file.write(self.encryptor.finalize())
            self.file.write(self.encryptor.tag)
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            self.temporary.replace(self.out)
        except OSError as error:
            self.abort()
            raise StorageError(f"Không ghi được gói «{self.out}»: {os_reason(error)}.") from error

    def abort(self) -> None:
        # Closing flushes what is still buffered: on a full disk that fails again, after
        # the file is closed all the same. The error being handled is the one to report.
        with contextlib.suppress(OSError):
            self.file.close()
        self.temporary.unlink(missing_ok=True)


def read_header(path: Path) -> tuple[dict[str, Any], bytes, int]:
    """The clear header, its raw bytes, and where the ciphertext starts; refuses non-packages."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(MAGIC) + 4)
            if not start.startswith(MAGIC) or len(start) < len(MAGIC) + 4:
                raise PackageError(
                    f"«{path.name}» không phải gói dữ liệu kichhoat (hoặc bị hỏng ngay từ đầu)."
                )
            length = int.from_bytes(start[len(MAGIC) :], "big")
            if length > 4096:
                raise PackageError(f"«{path.name}»: phần đầu gói không hợp lệ; gói bị hỏng.")
            header_bytes = handle.read(length)
    except OSError as error:
        raise PackageError(f"Không đọc được tệp «{path}»: {os_reason(error)}.") from error
    try:
        header = json.loads(header_bytes)
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise PackageError(f"«{path.name}»: phần đầu gói không hợp lệ; gói bị hỏng.") from None
    version = header.get("format")
    if version != FORMAT_VERSION:
        raise PackageError(
            f"«{path.name}» dùng định dạng gói phiên bản {version}, bản kichhoat này chỉ đọc "
            f"phiên bản {FORMAT_VERSION}. Cập nhật kichhoat ở máy nhận (hoặc xuất lại gói)."
        )
    return header, header_bytes, len(MAGIC) + 4 + length


def _content(header: dict[str, Any], path: Path, expected: str) -> None:
    found = header.get("content", CONTENT_PACKAGE)
    if found != expected:
        if found in _WRONG_CONTENT and expected in _WRONG_CONTENT:
            raise PackageError(_WRONG_CONTENT[expected].format(name=path.name))
        raise PackageError(f"«{path.name}»: nội dung «{found}» không đọc được bằng bản này.")


def _derive(path: Path, header: dict[str, Any], passphrase: str) -> tuple[bytes, bytes]:
    """The key and nonce of `path`, once the passphrase passed the key check (as typed, then
    in its spoken form: see `services.security.passphrase_words`)."""
    salt, n, r, p = _kdf_parameters(header.get("kdf"), path)
    try:
        nonce = base64.b64decode(header["nonce"])
        check = base64.b64decode(header["check"])
    except (KeyError, ValueError, TypeError) as error:
        raise PackageError(f"«{path.name}»: phần đầu gói không hợp lệ; gói bị hỏng.") from error
    for candidate in passphrase_candidates(passphrase):
        try:
            key, check_key = _keys(candidate, salt, n, r, p)
        except MemoryError:
            raise PackageError(
                f"Không đủ bộ nhớ để mở gói «{path.name}»: đóng bớt chương trình khác rồi thử lại."
            ) from None
        expected = hmac.new(check_key, CHECK_LABEL, hashlib.sha256).digest()
        if hmac.compare_digest(expected, check):
            return key, nonce
    raise PackageError(
        f"Sai mật khẩu của tệp «{path.name}». Hỏi lại người đã đặt mật khẩu khi tạo tệp (một mật "
        "khẩu tạo sẵn gồm các từ gõ có dấu hay không dấu đều được)."
    )


def verify_passphrase(path: Path, passphrase: str, content: str = CONTENT_PACKAGE) -> None:
    """Raise `PackageError` unless `path` is a file of that content which `passphrase` opens
    (the key check only: quick, nothing decrypted)."""
    header, _header_bytes, _offset = read_header(path)
    _content(header, path, content)
    _derive(path, header, passphrase)


def decrypt_lines(path: Path, passphrase: str) -> Iterator[bytes]:
    """Verify and decrypt a package, then yield its plaintext lines.

    Everything is decrypted and authenticated before the first line is yielded, so a
    tampered or truncated package is refused before anything is written.
    """
    return _lines(_authenticated(path, passphrase, CONTENT_PACKAGE), path)


def decrypt_chunks(path: Path, passphrase: str, content: str) -> Iterator[bytes]:
    """Verify and decrypt a file of raw `content` (an encrypted backup), then yield its
    plaintext in chunks; authenticated before the first chunk, like `decrypt_lines`."""
    return _chunks(_authenticated(path, passphrase, content), path)


def _authenticated(path: Path, passphrase: str, content: str) -> IO[bytes]:
    """The compressed plaintext of `path` in a temporary file, its tag verified."""
    header, header_bytes, offset = read_header(path)
    _content(header, path, content)
    key, nonce = _derive(path, header, passphrase)
    size = path.stat().st_size
    if size < offset + TAG_SIZE:
        raise PackageError(f"Gói «{path.name}» bị cắt ngắn: xin người gửi gửi lại tệp.")
    with path.open("rb") as handle:
        handle.seek(size - TAG_SIZE)
        tag = handle.read(TAG_SIZE)
        handle.seek(offset)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(MAGIC + header_bytes)
        compressed = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `_lines`, `_chunks`)
        remaining = size - TAG_SIZE - offset
        try:
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                compressed.write(decryptor.update(chunk))
            decryptor.finalize()  # the tag: nothing is trusted before this
        except InvalidTag:
            compressed.close()
            raise PackageError(
                f"Gói «{path.name}» đã bị sửa hoặc bị cắt ngắn (kiểm tra toàn vẹn không đạt): "
                "không nhập gì. Xin người gửi gửi lại tệp gốc."
            ) from None
    return compressed


def _chunks(compressed: IO[bytes], path: Path, what: str = "Tệp") -> Generator[bytes, None, None]:
    """The authenticated plaintext, decompressed as it is read; `what` names the file in
    the message of a damaged one."""
    try:
        compressed.seek(0)
        inflater = zlib.decompressobj(31)
        while True:
            chunk = compressed.read(CHUNK)
            try:
                data = inflater.decompress(chunk) if chunk else inflater.flush()
            except zlib.error:
                raise PackageError(f"{what} «{path.name}» bị hỏng (không giải nén được).") from None
            if data:
                yield data
            if not chunk:
                break
    finally:
        compressed.close()


def _lines(compressed: IO[bytes], path: Path) -> Iterator[bytes]:
    """The authenticated plaintext, decompressed and split into lines as it is read."""
    chunks = _chunks(compressed, path, "Gói")
    try:
        pending = b""
        for data in chunks:
            pending += data
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
        if pending:
            yield pending
    finally:
        chunks.close()
