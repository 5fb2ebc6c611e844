"""Files the app writes for a person to keep: written whole, or not at all."""

import io
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Protocol

from services.common.errors import StorageError, os_reason


@contextmanager
def written_whole(
    out: Path, advice: str = "Kiểm tra ổ đĩa và quyền ghi.", *, what: str = "tệp"
) -> Iterator[Path]:
    """A temporary file beside `out` to write into; it replaces `out` once the block ends.
    On a disk error nothing half-written stays: the temporary file goes, and a
    `StorageError` names `out` (as `what`: "tệp báo cáo"...), why, and `advice`."""
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        temporary.replace(out)
    except OSError as error:
        with suppress(OSError):  # its folder may be the very thing that is wrong
            temporary.unlink(missing_ok=True)
        raise StorageError(
            f"Không ghi được {what} «{out}»: {os_reason(error)}. {advice}"
        ) from error
    except BaseException:  # any other failure of the writing: nothing half-written stays
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


class _Saves(Protocol):
    def save(self, filename: IO[bytes]) -> object: ...


def saved_whole(
    document: _Saves, out: Path, advice: str = "Kiểm tra ổ đĩa và quyền ghi.", *, what: str = "tệp"
) -> None:
    """`document.save` (a workbook) into memory, then written to `out` through
    `written_whole`. Saved straight to a disk that fails midway, a zip archive is left
    half-closed, and Python prints its complaint when it is collected."""
    with written_whole(out, advice, what=what) as temporary:
        buffer = io.BytesIO()
        document.save(buffer)
        temporary.write_bytes(buffer.getvalue())
