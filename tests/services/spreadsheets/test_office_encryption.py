"""The one private method of msoffcrypto-tool we call (services/spreadsheets/office_encryption.py).

If an upgrade renames `ECMA376Encrypted._write_to` or changes what it takes, these tests
fail here, before a manager's encrypted export does."""

from __future__ import annotations

import inspect
import io

import msoffcrypto
import pytest
from msoffcrypto.exceptions import InvalidKeyError
from msoffcrypto.method.container.ecma376_encrypted import ECMA376Encrypted
from openpyxl import Workbook, load_workbook

from services.spreadsheets.office_encryption import encrypt_ooxml


def _workbook_bytes() -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Số định danh", "Họ và tên"])
    sheet.append(["094062500001", "Nguyễn Văn Thử"])
    plain = io.BytesIO()
    book.save(plain)
    plain.seek(0)
    return plain


def test_the_private_writer_keeps_its_shape() -> None:
    writer = ECMA376Encrypted._write_to
    assert list(inspect.signature(writer).parameters) == ["self", "obuf"]


def test_encrypted_output_opens_with_the_public_api_and_only_with_its_password() -> None:
    out = io.BytesIO()
    encrypt_ooxml(_workbook_bytes(), "mat-khau-thu-9", out)
    out.seek(0)
    office = msoffcrypto.OfficeFile(out)
    assert office.is_encrypted()
    office.load_key(password="mat-khau-thu-9")
    plain = io.BytesIO()
    office.decrypt(plain)
    plain.seek(0)
    sheet = load_workbook(plain).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["094062500001", "Nguyễn Văn Thử"]

    out.seek(0)
    wrong = msoffcrypto.OfficeFile(out)
    wrong.load_key(password="sai-mat-khau")
    with pytest.raises(InvalidKeyError):
        wrong.decrypt(io.BytesIO())
