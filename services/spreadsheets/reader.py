"""Reading tabular files (.xlsx, .csv) row by row, and turning their cells into values.

Files come from many hands: Excel that turned an ID number into a number and
dropped its leading zero, CSV saved with `;` by a Vietnamese-locale Excel, a
BOM or none. Everything here streams: a 600,000-row file is never held whole.

Nothing in a file is trusted. An .xlsx is read with our own streaming parser
(expat, no tree): its `<dimension>` is ignored, the archive's declared sizes and
compression ratios are checked before anything is parsed, a document type
declaration (entities) is refused, and cells, columns per row, rows and runs of
blank rows are bounded (the limits below), so memory stays flat and time
follows the file's size whatever it holds. A CSV is read line by line with each
line bounded, and a quote left open is reported with its line number instead of
swallowing the rows after it.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from services.common.errors import UserError, ValidationError
from services.common.text import clean, fold_key
from services.common.vntime import parse_date, parse_moment, vn_to_utc
from services.spreadsheets.export_cells import FORMULA_START, CsvWriter

_log = logging.getLogger(__name__)

Cell = Any

# -- limits -----------------------------------------------------------------------------------
MAX_CELL_CHARS = 1_000  # callers check each field's own, shorter, length
MAX_COLUMNS = 64  # columns read per row; cells further right are ignored
MAX_ROWS = 2_000_000  # rows of a sheet or records of a CSV
BLANK_RUN_LIMIT = 10_000  # consecutive blank rows after which the rest is only scanned
MAX_PART_BYTES = 200 * 1024 * 1024  # one part of an .xlsx (a sheet's XML), uncompressed
MAX_SHARED_STRINGS_BYTES = 120 * 1024 * 1024  # sharedStrings.xml: its strings stay in memory
MAX_SHARED_STRINGS = 3_000_000
MAX_ARCHIVE_BYTES = 400 * 1024 * 1024  # every part together, uncompressed
MAX_RATIO = 200  # uncompressed / compressed size of a part above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 10_000
MAX_STYLES = 100_000  # cell formats (Excel allows 64,000)
MAX_TEXT_RUN = 64 * 1024  # bytes of XML without a `<`: no cell or attribute is longer
MAX_LINE_CHARS = 100_000  # one physical line of a CSV
MAX_LINES_PER_RECORD = 5  # a quoted CSV cell may hold a few line breaks, no more

_CHUNK = 256 * 1024
_MB = 1024 * 1024
_LONG_RUN = re.compile(rb"<[^<]{%d}" % MAX_TEXT_RUN)
_VALUE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>]")
_INTEGER = re.compile(r"-?\d+")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})\d*")


class UnreadableFileError(UserError):
    """The file as a whole cannot be read; nothing is written."""


class _TooLong:
    """Stands for a text longer than `MAX_CELL_CHARS` (never materialised)."""


_TOO_LONG = _TooLong()


def read_rows(path: Path, preferred_sheet: str | None = None) -> Iterator[tuple[int, list[Cell]]]:
    """(row number as the user sees it, cells) for every row of the first sheet or the CSV.

    Rows come in order; an .xlsx skips rows with no cell at all. At most `MAX_COLUMNS` cells a
    row. Raises `UnreadableFileError` (before the first row or while reading) for a file that
    breaks a limit or is damaged."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableFileError(f"Không tìm thấy tệp «{path}».")
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, preferred_sheet)
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    raise UnreadableFileError(
        f"Tệp «{path.name}» không phải .xlsx hoặc .csv. Lưu bảng tính dưới dạng Excel (.xlsx) "
        "hoặc CSV UTF-8 rồi nhập lại."
    )


def _n(value: int) -> str:
    """A count the Vietnamese way: 2.000.000."""
    return f"{value:,}".replace(",", ".")


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_long(name: str, row: int, column: int | None) -> UnreadableFileError:
    where = f"dòng {row}, cột {column_letter(column)}" if column else f"dòng {row}"
    return UnreadableFileError(
        f"Tệp «{name}», {where}: có ô dài hơn "
        f"{_n(MAX_CELL_CHARS)} ký tự; không có dòng nào được lưu. Rút ngắn ô đó rồi nhập lại."
    )


# -- .xlsx --------------------------------------------------------------------------------------


# What went wrong inside a workbook, said for its user (the library's own words go to the
# log, for support): the first kind the error is.
_DAMAGE_WORDS: tuple[tuple[type[BaseException], str], ...] = (
    (zipfile.BadZipFile, "không phải tệp nén .xlsx hợp lệ"),
    (EOFError, "tệp bị cắt ngắn"),
    (zlib.error, "dữ liệu nén bên trong bị hỏng"),
    (expat.ExpatError, "nội dung bên trong bị hỏng"),
    (KeyError, "thiếu một phần bắt buộc của tệp .xlsx"),
    (OSError, "không đọc được tệp trên đĩa"),
)


def _damaged(name: str, error: BaseException) -> UnreadableFileError:
    _log.info("unreadable workbook %s: %s: %s", name, type(error).__name__, error)
    words = next(
        (text for kind, text in _DAMAGE_WORDS if isinstance(error, kind)), "cấu trúc không đúng"
    )
    return UnreadableFileError(
        f"Không đọc được tệp Excel «{name}»: tệp bị hỏng, bị cắt ngắn hoặc không phải tệp .xlsx "
        f"({words}); không có dòng nào được lưu. Mở lại bằng Excel, lưu thành .xlsx rồi nhập lại."
    )


def _xlsx_rows(path: Path, preferred_sheet: str | None) -> Iterator[tuple[int, list[Cell]]]:
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _damaged(name, error) from error
    try:
        _check_archive(archive, name)
        book = _Book(archive, name)
        sheet_part = book.sheet_part(preferred_sheet)
        shared = book.shared_strings()
        styles = book.date_styles()
        handler = _SheetHandler(name, shared, styles, book.epoch)
        yield from _sheet_rows(archive, sheet_part, handler)
    except UnreadableFileError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        expat.ExpatError,
        KeyError,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        raise _damaged(name, error) from error
    finally:
        archive.close()


def _check_archive(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse by the sizes the archive declares, before anything is decompressed.

    Only the XML parts count: the reader never unpacks anything else (pictures, printer
    settings), so a bomb there is harmless.

    `zipfile` never gives more bytes than a member declares (it stops there and checks the
    CRC), so these bounds hold even for a lying archive."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnreadableFileError(
            f"Tệp «{name}» chứa {_n(len(infos))} phần, quá giới hạn {_n(MAX_MEMBERS)}: không phải "
            "bảng tính Excel bình thường. Mở bằng Excel, chép dữ liệu sang tệp mới rồi nhập lại."
        )
    total = 0
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue  # pictures and the like are never unpacked
        total += info.file_size
        _check_member(info, name)
    if total > MAX_ARCHIVE_BYTES:
        raise UnreadableFileError(
            f"Tệp «{name}» giải nén ra {_n(total // _MB)} MB, quá giới hạn "
            f"{MAX_ARCHIVE_BYTES // _MB} MB; không có dòng nào được lưu. Chia thành nhiều tệp nhỏ "
            "rồi nhập lại."
        )


def _check_member(info: zipfile.ZipInfo, name: str) -> None:
    """One part's compression, declared size and ratio."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableFileError(
            f"Tệp «{name}» dùng kiểu nén lạ ({info.compress_type}): không phải tệp .xlsx do "
            "Excel lưu. Mở bằng Excel, lưu thành .xlsx rồi nhập lại."
        )
    if info.file_size > MAX_PART_BYTES:
        raise UnreadableFileError(
            f"Tệp «{name}»: phần «{info.filename}» giải nén ra {_n(info.file_size // _MB)} MB, "
            f"quá giới hạn {MAX_PART_BYTES // _MB} MB cho một trang; không có dòng nào được "
            "lưu. Xóa các dòng, cột trống và định dạng thừa, hoặc chia thành nhiều tệp nhỏ rồi "
            "nhập lại."
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UnreadableFileError(
            f"Tệp «{name}»: phần «{info.filename}» nén hơn {MAX_RATIO} lần (một «bom nén» "
            "hoặc hàng triệu dòng trống); không có dòng nào được lưu. Mở bằng Excel, xóa các "
            "dòng trống thừa (hoặc chép dữ liệu sang tệp mới) rồi nhập lại."
        )


def _local(name: str) -> str:
    """`http://ns local` (expat with a namespace separator) -> `local`."""
    return name.rpartition(" ")[2]


def _refuse_doctype(*_: object) -> None:
    raise UnreadableFileError(
        "Tệp Excel có khai báo DOCTYPE (thực thể XML): Excel không bao giờ ghi như vậy, tệp có "
        "thể đã bị sửa để gây hại. Mở bằng Excel, chép dữ liệu sang tệp mới rồi nhập lại."
    )


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    return parser


def _chunks(archive: zipfile.ZipFile, part: str, limit: int) -> Iterator[bytes]:
    """The part's bytes in chunks, each checked for runs without `<`; at most `limit` bytes."""
    info = archive.getinfo(part)
    _check_member(info, Path(archive.filename or "").name)
    if info.file_size > limit:
        raise _part_too_big(archive.filename, part, limit)
    with archive.open(info) as stream:
        run = 0
        read = 0
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            if read > limit:
                raise _part_too_big(archive.filename, part, limit)
            run = _check_runs(chunk, run, archive.filename, part)
            yield chunk


def _parse_part(
    archive: zipfile.ZipFile,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
    limit: int = MAX_PART_BYTES,
) -> None:
    """Feed one whole part to a fresh expat parser, chunk by chunk."""
    parser = _parser(start, end, text)
    for chunk in _chunks(archive, part, limit):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _part_too_big(filename: str | None, part: str, limit: int) -> UnreadableFileError:
    name = Path(filename or "").name
    return UnreadableFileError(
        f"Tệp «{name}»: phần «{part}» lớn hơn giới hạn {limit // _MB} MB khi giải nén; không có "
        "dòng nào được lưu. Chia thành nhiều tệp nhỏ rồi nhập lại."
    )


def _check_runs(chunk: bytes, run: int, filename: str | None, part: str) -> int:
    """Refuse a run of more than `MAX_TEXT_RUN` bytes without `<` (a huge cell or attribute),
    before expat buffers it; return the length of the run open at the chunk's end."""
    first = chunk.find(b"<")
    if first < 0:
        run += len(chunk)
    else:
        if run + first > MAX_TEXT_RUN or _LONG_RUN.search(chunk, first) is not None:
            run = MAX_TEXT_RUN + 1
        else:
            run = len(chunk) - chunk.rfind(b"<") - 1
    if run > MAX_TEXT_RUN:
        name = Path(filename or "").name
        raise UnreadableFileError(
            f"Tệp «{name}»: phần «{part}» có một ô hoặc thuộc tính dài hơn "
            f"{MAX_TEXT_RUN // 1024} KB; không có dòng nào được lưu. Ô trong tệp nhập không được "
            f"dài quá {_n(MAX_CELL_CHARS)} ký tự: rút ngắn ô đó rồi nhập lại."
        )
    return run


class _Book:
    """The workbook's structure: sheets, where their parts are, the styles and shared strings."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive = archive
        self.name = name
        names = set(archive.namelist())
        self.workbook = "xl/workbook.xml"
        for rel in self._rels("_rels/.rels", ""):
            if rel[1].endswith("/officeDocument"):
                self.workbook = rel[2]
        if self.workbook not in names:
            raise UnreadableFileError(
                f"Tệp «{name}» không có sổ tính (workbook) bên trong: không phải tệp .xlsx. Mở "
                "bằng Excel, lưu thành .xlsx rồi nhập lại."
            )
        folder = posixpath.dirname(self.workbook)
        rels_part = posixpath.join(folder, "_rels", posixpath.basename(self.workbook) + ".rels")
        self.rels = {rid: (kind, target) for rid, kind, target in self._rels(rels_part, folder)}
        self.sheets: list[tuple[str, str]] = []  # (sheet name, relationship id)
        self.epoch = datetime(1899, 12, 30)

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "sheet" and len(self.sheets) < 10_000:
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                self.sheets.append((attrs.get("name", ""), rid))
            elif tag == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                self.epoch = datetime(1904, 1, 1)

        _parse_part(archive, self.workbook, start, limit=16 * _MB)

    def _rels(self, part: str, folder: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of a relationships part; none if it is missing."""
        found: list[tuple[str, str, str]] = []
        if part not in self.archive.namelist():
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "Relationship" and len(found) < MAX_MEMBERS:
                target = attrs.get("Target", "")
                if attrs.get("TargetMode") == "External":
                    return
                absolute = target.startswith("/")
                target = target[1:] if absolute else posixpath.join(folder, target)
                target = posixpath.normpath(target)
                found.append((attrs.get("Id", ""), attrs.get("Type", ""), target))

        _parse_part(self.archive, part, start, limit=16 * _MB)
        return found

    def _part_of(self, kind: str) -> str | None:
        for rel_kind, target in self.rels.values():
            if rel_kind.endswith("/" + kind) and target in self.archive.namelist():
                return target
        return None

    def sheet_part(self, preferred: str | None) -> str:
        worksheets = [
            (sheet_name, self.rels[rid][1])
            for sheet_name, rid in self.sheets
            if rid in self.rels and self.rels[rid][0].endswith("/worksheet")
        ]
        for sheet_name, target in worksheets:
            if preferred and sheet_name == preferred:
                return target
        if not worksheets:
            raise UnreadableFileError(
                f"Tệp «{self.name}» không có trang tính nào. Mở bằng Excel, kiểm tra dữ liệu, lưu "
                "thành .xlsx rồi nhập lại."
            )
        return worksheets[0][1]

    def shared_strings(self) -> _SharedStrings:
        strings = _SharedStrings(self.name)
        part = self._part_of("sharedStrings")
        if part is not None:
            _parse_part(
                self.archive,
                part,
                strings.start,
                strings.end,
                strings.text,
                limit=MAX_SHARED_STRINGS_BYTES,
            )
        return strings

    def date_styles(self) -> frozenset[int]:
        """Indices of the cell formats that show a date (the cell holds a day serial)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        part = self._part_of("styles")
        if part is None:
            return frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        depth = {"cellXfs": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "numFmt" and len(custom) < MAX_STYLES:
                number = attrs.get("numFmtId", "")
                if number.isdigit() and len(number) < 9:
                    custom[int(number)] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                depth["cellXfs"] += 1
            elif tag == "xf" and depth["cellXfs"]:
                if len(formats) >= MAX_STYLES:
                    raise UnreadableFileError(
                        f"Tệp «{self.name}» có hơn {_n(MAX_STYLES)} định dạng ô: tệp bị hỏng hoặc "
                        "không phải do Excel lưu. Chép dữ liệu sang tệp mới rồi nhập lại."
                    )
                number = attrs.get("numFmtId", "0")
                formats.append(int(number) if number.isdigit() and len(number) < 9 else 0)

        def end(tag: str) -> None:
            if tag == "cellXfs":
                depth["cellXfs"] -= 1

        _parse_part(self.archive, part, start, end, limit=16 * _MB)
        dates = set()
        for index, number in enumerate(formats):
            code = custom.get(number) or BUILTIN_FORMATS.get(number, "")
            if code and is_date_format(code) and not is_timedelta_format(code):
                dates.add(index)
        return frozenset(dates)


class _SharedStrings:
    """The shared strings, stored compactly: UTF-8 bytes end to end and their offsets."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.data = bytearray()
        self.offsets = array("Q", [0])
        self.too_long: set[int] = set()
        self.parts: list[str] = []
        self.length = 0
        self.in_si = False
        self.collecting = False
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "si":
            self.in_si = True
            self.parts = []
            self.length = 0
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.in_si and not self.phonetic:
            self.collecting = True

    def end(self, tag: str) -> None:
        if tag == "t":
            self.collecting = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            self.in_si = False
            if len(self.offsets) > MAX_SHARED_STRINGS:
                raise UnreadableFileError(
                    f"Tệp «{self.name}» có hơn {_n(MAX_SHARED_STRINGS)} chuỗi khác nhau; không có "
                    "dòng nào được lưu. Chia thành nhiều tệp nhỏ rồi nhập lại."
                )
            if self.length > MAX_CELL_CHARS:
                self.too_long.add(len(self.offsets) - 1)
            else:
                self.data += "".join(self.parts).encode("utf-8", "surrogatepass")
            self.offsets.append(len(self.data))
            self.parts = []

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            if self.length <= MAX_CELL_CHARS:
                self.parts.append(data)

    def get(self, index: int) -> str | _TooLong:
        if not 0 <= index < len(self.offsets) - 1:
            raise UnreadableFileError(
                f"Tệp «{self.name}» bị hỏng: một ô trỏ tới chuỗi số {index} không có trong tệp; "
                "không có dòng nào được lưu. Mở lại bằng Excel, lưu thành .xlsx rồi nhập lại."
            )
        if index in self.too_long:
            return _TOO_LONG
        return self.data[self.offsets[index] : self.offsets[index + 1]].decode(
            "utf-8", "surrogatepass"
        )


def _column_of(ref: str | None) -> int:
    """`AB12` -> 28; 0 when there is no usable reference."""
    if not ref:
        return 0
    match = _CELL_REF.match(ref)
    if match is None:
        return 0
    index = 0
    for letter in match.group(1).upper():
        index = index * 26 + ord(letter) - 64
    return index


class _SheetHandler:
    """expat callbacks for a worksheet: rows of at most `MAX_COLUMNS` values, nothing else kept."""

    def __init__(
        self, name: str, shared: _SharedStrings, date_styles: frozenset[int], epoch: datetime
    ) -> None:
        self.name = name
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.done: list[tuple[int, list[Cell]]] = []
        self.row_number = 0
        self.rows_seen = 0
        self.blank_run = 0
        self.last_data_row = 0
        self.cells: list[Cell] | None = None
        self.column = 0
        self.in_cell = False
        self.cell_type = "n"
        self.cell_style = 0
        self.parts: list[str] = []
        self.length = 0
        self.collecting = False
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            self.rows_seen += 1
            if self.rows_seen > MAX_ROWS:
                raise UnreadableFileError(
                    f"Tệp «{self.name}» có hơn {_n(MAX_ROWS)} dòng; không có dòng nào được lưu. "
                    "Chia thành nhiều tệp nhỏ rồi nhập lại."
                )
            number = attrs.get("r", "")
            if number.isdigit() and 0 < len(number) < 10:
                self.row_number = int(number)
            else:
                self.row_number += 1
            self.cells = []
            self.column = 0
        elif tag == "c" and self.cells is not None:
            self.column = _column_of(attrs.get("r")) or self.column + 1
            self.cell_type = attrs.get("t", "n")
            style = attrs.get("s", "")
            self.cell_style = int(style) if style.isdigit() and len(style) < 9 else 0
            self.in_cell = True
            self.parts = []
            self.length = 0
            self.phonetic = 0
        elif self.in_cell:
            if tag == "rPh":
                self.phonetic += 1
            elif tag == "v" or (tag == "t" and not self.phonetic):
                self.collecting = True

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.collecting = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c" and self.in_cell:
            self.in_cell = False
            if self.cells is not None and self.column <= MAX_COLUMNS:
                value = self._value()
                if value is not None:
                    if isinstance(value, _TooLong):
                        raise _too_long(self.name, self.row_number, self.column)
                    cells = self.cells
                    if len(cells) < self.column:
                        cells.extend([None] * (self.column - len(cells)))
                    cells[self.column - 1] = value
        elif tag == "row" and self.cells is not None:
            if self.cells:
                self.done.append((self.row_number, self.cells))
                self.blank_run = 0
                self.last_data_row = self.row_number
            else:
                self.blank_run += 1
            self.cells = None

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            if self.length <= MAX_CELL_CHARS:
                self.parts.append(data)

    def _value(self) -> Cell:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        if self.length > MAX_CELL_CHARS:
            return _TOO_LONG
        text = "".join(self.parts)
        kind = self.cell_type
        if kind == "s":
            if not _INTEGER.fullmatch(text) or len(text) > 9:
                return text or None
            return self.shared.get(int(text))
        if kind in ("inlineStr", "str"):
            return text
        if not text:
            return None
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return text
        if kind == "d":
            try:
                return from_ISO8601(text)
            except ValueError:
                return text
        number: int | float
        try:
            number = int(text) if _INTEGER.fullmatch(text) else float(text)
        except ValueError:
            return text
        if self.cell_style in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError, TypeError):
                return number
        return number


def _sheet_rows(
    archive: zipfile.ZipFile, part: str, handler: _SheetHandler
) -> Iterator[tuple[int, list[Cell]]]:
    parser = _parser(handler.start, handler.end, handler.text)
    chunks = _chunks(archive, part, MAX_PART_BYTES)
    tail = b""
    for chunk in chunks:
        parser.Parse(chunk, False)
        yield from handler.done
        handler.done = []
        if handler.blank_run >= BLANK_RUN_LIMIT:
            tail = chunk[-16:]
            break
    else:
        parser.Parse(b"", True)
        yield from handler.done
        return
    # Thousands of blank rows in a row: the rest is only scanned (in C, fast) for a value, so
    # a sheet of a million formatted blank rows costs seconds; a value there is refused.
    if handler.cells or handler.parts or handler.collecting:
        raise _data_after_blanks(handler)
    for chunk in chunks:
        if _VALUE_TAG.search(tail + chunk) is not None:
            raise _data_after_blanks(handler)
        tail = chunk[-16:]


def _data_after_blanks(handler: _SheetHandler) -> UnreadableFileError:
    return UnreadableFileError(
        f"Tệp «{handler.name}»: sau dòng {handler.last_data_row} có hơn "
        f"{_n(BLANK_RUN_LIMIT)} dòng trống liên tiếp rồi lại có dữ liệu; không có dòng nào được "
        "lưu. Xóa các dòng trống ở giữa rồi nhập lại."
    )


# -- .csv ---------------------------------------------------------------------------------------


class _CsvLines:
    """The physical lines of a CSV for `csv.reader`: each bounded, counted, and a record may
    not run over more than `MAX_LINES_PER_RECORD` lines (a quote left open stops there)."""

    def __init__(self, handle: IO[str], name: str) -> None:
        self.handle = handle
        self.name = name
        self.count = 0  # lines given so far
        self.record_start = 1  # the line where the record being read began

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFileError(
                f"Tệp CSV «{self.name}», dòng {self.count}: dài hơn {_n(MAX_LINE_CHARS)} ký tự; "
                "không có dòng nào được lưu. Mỗi ô được tối đa "
                f"{_n(MAX_CELL_CHARS)} ký tự: sửa dòng đó rồi nhập lại."
            )
        if self.count - self.record_start >= MAX_LINES_PER_RECORD:
            raise self.open_quote()
        return line

    def open_quote(self) -> UnreadableFileError:
        return UnreadableFileError(
            f'Tệp CSV «{self.name}», dòng {self.record_start}: có dấu ngoặc kép (") mở mà không '
            "đóng (hoặc đóng sai chỗ), nên các dòng sau bị gộp vào một ô; không có dòng nào được "
            'lưu. Sửa dòng đó: xóa dấu " thừa, hoặc đặt cả ô trong ngoặc kép và viết dấu " bên '
            'trong thành "", rồi nhập lại.'
        )


def _bad_utf8_line(path: Path) -> int:
    """The line that holds the first byte that is not UTF-8. The text is decoded a block
    ahead of the lines read, so the lines counted so far do not say it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as raw:
        while True:
            block = raw.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                return line + error.object[: error.start].count(b"\n")
            if not block:
                return line
            line += block.count(b"\n")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    lines: _CsvLines | None = None
    try:
        with path.open("rb") as raw:
            head = raw.read(64 * 1024)
        sample = head.decode("utf-8-sig", errors="ignore")
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = _CsvLines(handle, path.name)
            width = 0  # the widest record on one line so far
            for number, row in enumerate(csv.reader(lines, delimiter=delimiter, strict=True), 1):
                if number > MAX_ROWS:
                    raise UnreadableFileError(
                        f"Tệp CSV «{path.name}» có hơn {_n(MAX_ROWS)} dòng; không có dòng nào được "
                        "lưu. Chia thành nhiều tệp nhỏ rồi nhập lại."
                    )
                if lines.count > lines.record_start:
                    # A quoted cell with line breaks: believable only in a row as wide as the
                    # others; a stray quote gives a row of another width.
                    if width and len(row) != width:
                        raise lines.open_quote()
                else:
                    width = max(width, len(row))
                lines.record_start = lines.count + 1
                cells = row[:MAX_COLUMNS]
                for column, cell in enumerate(cells, 1):
                    if len(cell) > MAX_CELL_CHARS:
                        raise _too_long(path.name, number, column)
                yield number, list(cells)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"Tệp CSV «{path.name}» không phải mã UTF-8 (lỗi ở dòng {_bad_utf8_line(path)}); "
            "không có dòng nào được lưu. Trong Excel chọn Lưu thành «CSV UTF-8» rồi nhập lại."
        ) from error
    except csv.Error as error:
        assert lines is not None
        if "field larger" in str(error):
            raise _too_long(path.name, lines.record_start, None) from error
        raise lines.open_quote() from error
    except OSError as error:
        raise UnreadableFileError(
            f"Không đọc được tệp CSV «{path.name}» ({error.strerror or type(error).__name__}). "
            "Kiểm tra tệp còn đó và không bị chương trình khác khóa rồi nhập lại."
        ) from error


# -- cells --------------------------------------------------------------------------------------


def header_map(cells: list[Cell], known: dict[str, str]) -> dict[str, int]:
    """Column index of each known header; matching ignores case, diacritics and spaces."""
    wanted = {fold_key(label): key for key, label in known.items()}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = wanted.get(fold_key(str(cell))) if cell is not None else None
        if key is not None and key not in found:
            found[key] = index
    return found


def is_blank(cells: list[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def cell_text(cell: Cell) -> str:
    """A cell as text: numbers without a trailing `.0`, strings cleaned."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    text = clean(str(cell))
    # Our own exports write `'=...`, `'+84...` so that no cell is a formula: read back, the
    # quote goes and the text is what was meant (a corrected rejects file imports again).
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


# Digits written the way a number prints: `94062500001.0`, `94062500001,00`, `9.40625E+10`.
_NUMBER_LOOKING = re.compile(r"\d+[.,]0+|\d+(?:[.,]\d+)?[eE][+]?\d+")
_LARGEST_EXACT = 2**53  # beyond this a float no longer holds every digit


def digits_cell(cell: Cell, width: int) -> str:
    """ID numbers, phones and codes: Excel stores them as numbers and drops leading zeros.

    A whole number is given back at `width` (its leading zeros restored); text that reads
    like a printed number (a decimal `.0`, scientific notation) raises `ValidationError`: its
    digits cannot be trusted, the column has to be made Text and the number typed again."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            return cell_text(cell)
        if abs(cell) >= _LARGEST_EXACT:
            raise _number_cell(cell_text(cell))
        return str(int(cell)).zfill(width)
    text = cell_text(cell)
    if _NUMBER_LOOKING.fullmatch(text):
        raise _number_cell(text)
    return text


def _number_cell(text: str) -> ValidationError:
    return ValidationError(
        f"Ô «{text}» là số kiểu thập phân hoặc số mũ, không phải dãy chữ số: Excel đã coi cột "
        "này là số (bỏ số 0 ở đầu, thêm «.0» hoặc đổi thành dạng E+). Định dạng cột đó là Văn "
        "bản (Text), gõ lại số cho đúng rồi nhập lại."
    )


def date_cell(cell: Cell, what: str) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if not text:
        raise ValidationError(f"Thiếu {what.lower()}.")
    return parse_date(text, what)


def moment_cell(cell: Cell, what: str) -> datetime:
    """A Vietnam wall-clock moment as an aware UTC datetime."""
    if isinstance(cell, datetime):
        return vn_to_utc(cell.replace(tzinfo=None))
    text = cell_text(cell)
    if not text:
        raise ValidationError(f"Thiếu {what.lower()}.")
    return parse_moment(text, what)


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text, every field through `export_cells` (no formula, no control character)."""
    buffer = io.StringIO()
    CsvWriter(buffer).writerows(rows)
    return buffer.getvalue()
