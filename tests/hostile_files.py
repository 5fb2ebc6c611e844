"""Hostile spreadsheet and CSV files, generated in tests (no binary fixtures in the tree).

Each builder writes one file under a folder the test gives and returns its path. The .xlsx
builders write the package's parts with `zipfile` directly, streaming, so a sheet of a million
rows or a cell of many megabytes costs little memory to make.
"""

from __future__ import annotations

import base64
import os
import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_RELS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
    '<sheets><sheet name="Hồ sơ" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{DOC_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 1 shows a date (numFmtId 14, d/m/yyyy); style 0 is general.
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'


def inline_row(number: int, values: Iterable[str]) -> str:
    """A `<row>` of inline-string cells from column A."""
    cells = "".join(
        f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in enumerate(values, 1)
    )
    return f'<row r="{number}">{cells}</row>'


def raw_xlsx(
    path: Path,
    sheet: Iterable[str | bytes],
    shared_strings: Iterable[str | bytes] = (),
    styles: str = STYLES,
    compresslevel: int = 6,
) -> Path:
    """A minimal .xlsx whose sheet XML is `sheet`'s pieces joined, written piece by piece.

    `sheet` holds everything inside `<worksheet>` (give `<sheetData>` yourself); the shared
    strings part holds `shared_strings` pieces inside `<sst>`."""
    with zipfile.ZipFile(
        path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel, allowZip64=True
    ) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", styles)
        _write_part(
            archive, "xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">', shared_strings, "</sst>"
        )
        _write_part(archive, "xl/worksheets/sheet1.xml", SHEET_HEAD, sheet, "</worksheet>")
    return path


def _write_part(
    archive: zipfile.ZipFile, name: str, head: str, body: Iterable[str | bytes], foot: str
) -> None:
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(head.encode())
        buffer: list[bytes] = []
        size = 0
        for piece in body:
            data = piece.encode() if isinstance(piece, str) else piece
            buffer.append(data)
            size += len(data)
            if size > 1 << 20:
                part.write(b"".join(buffer))
                buffer, size = [], 0
        part.write(b"".join(buffer))
        part.write(foot.encode())


def declare_size(path: Path, part: str, size: int) -> Path:
    """Make the central directory claim `part` unpacks to `size` bytes (it does not)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            if struct.unpack_from("<I", data, position + 24)[0] == 0xFFFFFFFF:
                raise ValueError("zip64 entry: write the part smaller")
            struct.pack_into("<I", data, position + 24, min(size, 0xFFFFFFFE))
            path.write_bytes(bytes(data))
            return path
        position = data.find(b"PK\x01\x02", position + 4)
    raise KeyError(part)


def openpyxl_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet_title: str = "Hồ sơ") -> Path:
    """An ordinary workbook written by openpyxl (shared strings, numbers, dates)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    for cells in rows:
        sheet.append(list(cells))
    workbook.save(path)
    return path


def rewrite_part(path: Path, part: str, old: bytes, new: bytes) -> Path:
    """Replace `old` by `new` in one part of an existing .xlsx (a lying `<dimension>`...)."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    found = False
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == part:
                assert old in data, f"{old!r} not in {part}"
                data = data.replace(old, new)
                found = True
            target.writestr(info.filename, data)
    assert found, part
    return path


def lying_dimension_xlsx(path: Path, rows: Sequence[Sequence[object]], ref: str) -> Path:
    """A workbook whose `<dimension>` claims `ref` whatever it holds."""
    openpyxl_xlsx(path, rows)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start) + 2
    return rewrite_part(
        path, "xl/worksheets/sheet1.xml", sheet[start:end], f'<dimension ref="{ref}"/>'.encode()
    )


def zip_bomb_xlsx(path: Path, megabytes: int = 64) -> Path:
    """A sheet of `megabytes` MB of one repeated blank row: it packs about a thousand times."""
    row = b'<row r="2"><c r="A2"/></row>' * 4096
    blocks = (megabytes << 20) // len(row)
    return raw_xlsx(path, ["<sheetData>", *([row] * blocks), "</sheetData>"], compresslevel=9)


def huge_shared_string_xlsx(path: Path, megabytes: int) -> Path:
    """One shared string of `megabytes` MB of random letters (it hardly compresses)."""
    chunk = 3 << 20  # 3 MiB of random bytes -> 4 MiB of base64
    pieces: list[str | bytes] = [
        "<si><t>",
        *(base64.b64encode(os.urandom(chunk)) for _ in range(max(1, megabytes // 4))),
        "</t></si>",
    ]
    sheet = ['<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>']
    return raw_xlsx(path, sheet, shared_strings=pieces, compresslevel=1)


def blank_rows_xlsx(path: Path, data_rows: int, blank_rows: int, then: int = 0) -> Path:
    """`data_rows` rows of data, `blank_rows` formatted blank rows, then `then` rows of data."""

    def body() -> Iterable[str]:
        yield "<sheetData>"
        for number in range(1, data_rows + 1):
            yield inline_row(number, [f"dữ liệu {number}", str(number)])
        for number in range(data_rows + 1, data_rows + blank_rows + 1):
            yield f'<row r="{number}" ht="15" customHeight="1"><c r="A{number}" s="1"/></row>'
        first = data_rows + blank_rows + 1
        for number in range(first, first + then):
            yield inline_row(number, [f"sau {number}"])
        yield "</sheetData>"

    return raw_xlsx(path, body())


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding, "surrogatepass"))
    return path
