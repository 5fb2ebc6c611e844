"""The encrypted container of a data package.

    MAGIC | header length (4 bytes) | header JSON | AES-256-GCM ciphertext | GCM tag (16 bytes)

The header (format version, scrypt parameters, salt, nonce, a key check) is in the clear,
so that an unknown format is refused before asking anything, and bound to the ciphertext
as GCM associated data, so that it cannot be altered either. The key check tells a wrong
passphrase apart from a tampered or truncated file. The plaintext is gzip-compressed
JSON lines; it is streamed both ways and only trusted once the tag has been verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from services.errors import StorageError, UserError

MAGIC = b"KICHHOAT-PACKAGE\n"
FORMAT_VERSION = 1
TAG_SIZE = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
CHECK_LABEL = b"kichhoat package key check"
MIN_PASSPHRASE = 8
CHUNK = 1 << 20
# What a package's clear (unsigned) header may ask of scrypt: checked before deriving, so a
# crafted header cannot make an import allocate gigabytes (scrypt needs 128 * n * r bytes).
SCRYPT_N_RANGE = (2**14, 2**17)
SALT_SIZE_RANGE = (16, 64)


class PackageError(UserError):
    """A package that cannot be read; nothing was written."""


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(
            f"Mật khẩu của gói dữ liệu phải có ít nhất {MIN_PASSPHRASE} ký tự: gói chứa dữ liệu "
            "cá nhân và có thể đi qua USB, ứng dụng nhắn tin."
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

    def __init__(self, out: Path, passphrase: str) -> None:
        check_passphrase(passphrase)
        self.out = out
        salt, nonce = os.urandom(16), os.urandom(12)
        key, check_key = _keys(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        header = {
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
        header_bytes = json.dumps(header, sort_keys=True).encode("ascii")
        self.temporary = out.with_name(f".{out.name}.tmp")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.file: IO[bytes] = self.temporary.open("wb")
        except OSError as error:
            raise StorageError(f"Không ghi được tệp «{out}»: {error.strerror}.") from error
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
                    f"Không ghi được gói «{self.out}»: {error.strerror}. Kiểm tra dung lượng ổ đĩa."
                ) from error

    def close(self, trailer: dict[str, Any]) -> None:
        """Write the trailer (with the checksum of every line before it) and finish."""
        trailer = {**trailer, "sha256": self.digest.hexdigest()}
        line = json.dumps(trailer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._write(self.compressor.compress(line + b"\n"))
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
            raise StorageError(f"Không ghi được gói «{self.out}»: {error.strerror}.") from error

    def abort(self) -> None:
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
        raise PackageError(f"Không đọc được tệp «{path}»: {error.strerror}.") from error
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


def decrypt_lines(path: Path, passphrase: str) -> Iterator[bytes]:
    """Verify and decrypt a package, then yield its plaintext lines.

    Everything is decrypted and authenticated before the first line is yielded, so a
    tampered or truncated package is refused before anything is written.
    """
    header, header_bytes, offset = read_header(path)
    salt, n, r, p = _kdf_parameters(header.get("kdf"), path)
    try:
        nonce = base64.b64decode(header["nonce"])
        check = base64.b64decode(header["check"])
    except (KeyError, ValueError, TypeError) as error:
        raise PackageError(f"«{path.name}»: phần đầu gói không hợp lệ; gói bị hỏng.") from error
    try:
        key, check_key = _keys(passphrase, salt, n, r, p)
    except MemoryError:
        raise PackageError(
            f"Không đủ bộ nhớ để mở gói «{path.name}»: đóng bớt chương trình khác rồi thử lại."
        ) from None
    expected = hmac.new(check_key, CHECK_LABEL, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, check):
        raise PackageError(
            f"Sai mật khẩu của gói «{path.name}». Hỏi lại người gửi mật khẩu đã dùng khi xuất gói."
        )
    size = path.stat().st_size
    if size < offset + TAG_SIZE:
        raise PackageError(f"Gói «{path.name}» bị cắt ngắn: xin người gửi gửi lại tệp.")
    with path.open("rb") as handle:
        handle.seek(size - TAG_SIZE)
        tag = handle.read(TAG_SIZE)
        handle.seek(offset)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(MAGIC + header_bytes)
        compressed = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `_lines`)
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
    return _lines(compressed, path)


def _lines(compressed: IO[bytes], path: Path) -> Iterator[bytes]:
    """The authenticated plaintext, decompressed and split into lines as it is read."""
    try:
        compressed.seek(0)
        inflater = zlib.decompressobj(31)
        pending = b""
        while True:
            chunk = compressed.read(CHUNK)
            try:
                data = inflater.decompress(chunk) if chunk else inflater.flush()
            except zlib.error:
                raise PackageError(f"Gói «{path.name}» bị hỏng (không giải nén được).") from None
            pending += data
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
            if not chunk:
                break
        if pending:
            yield pending
    finally:
        compressed.close()
