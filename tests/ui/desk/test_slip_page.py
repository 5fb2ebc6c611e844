"""The citizen slip is saved and printed on exactly its paper: A6, or the 80 mm roll."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter

from models.codes import Status
from services.documents.sheets import Sheet, write_pdf
from services.documents.slips import A6, ROLL_WIDTH, roll_length, slip_for_case
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World
from tests.pdf_tools import POINTS_PER_MM
from tests.ui.screens import point_info
from ui.desk.slip_print import print_slip
from ui.documents.printing import make_printer, paint_on_printer
from ui.shell.context import AppContext

MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")


def media_boxes(path: Path) -> list[tuple[float, float]]:
    """Width and height in points of every page's /MediaBox."""
    return [
        (float(x2) - float(x1), float(y2) - float(y1))
        for x1, y1, x2, y2 in MEDIA_BOX.findall(path.read_bytes())
    ]


def slip_sheet_of_a_case(database: Database, slip_format: str, previews: list[Sheet]) -> Sheet:
    """The sheet the desk's F9 hands to the print preview, for a saved case."""
    with database.session() as session:
        world = World(session)
        point = point_info(world.point_phu_tam)
        case_id = world.record(
            world.facts(tail=7), world.report(Status.REGISTERED, "2023-07-22 10:00")
        ).case.id
        session.commit()
    settings = LocalSettings(slip_format=slip_format)
    print_slip(None, AppContext(database=database, settings=settings, point=point), case_id)
    assert len(previews) == 1
    return previews[0]


def expected_mm(database: Database, slip_format: str) -> tuple[float, float]:
    if slip_format == "a6":
        return A6
    with database.session() as session:
        slip = slip_for_case(session, 1)
    return ROLL_WIDTH, roll_length(slip)


@pytest.mark.parametrize("slip_format", ["a6", "80mm"])
def test_the_pdf_and_the_printer_take_the_slip_size(
    database: Database, previews: list[Sheet], tmp_path: Path, slip_format: str
) -> None:
    sheet = slip_sheet_of_a_case(database, slip_format, previews)
    width_mm, height_mm = expected_mm(database, slip_format)
    assert (sheet.width_mm, sheet.height_mm) == pytest.approx((width_mm, height_mm))
    if slip_format == "80mm":
        assert 90 < height_mm < 220  # as long as its content, not a whole page
    points = pytest.approx((width_mm * POINTS_PER_MM, height_mm * POINTS_PER_MM), abs=1.0)

    # The PDF written from the sheet.
    pdf = write_pdf(sheet, tmp_path / f"phieu-{slip_format}.pdf")
    assert media_boxes(pdf) == [points]

    # The printer the preview prints with: the same page, set explicitly, no margins.
    printer = make_printer(sheet)
    layout = printer.pageLayout()
    assert layout.orientation() is QPageLayout.Orientation.Portrait
    assert printer.fullPage()
    full = layout.fullRectPoints()
    assert (full.width(), full.height()) == points
    size = layout.pageSize().size(QPageSize.Unit.Millimeter)
    assert (size.width(), size.height()) == pytest.approx((width_mm, height_mm), abs=0.1)
    if slip_format == "a6":
        assert layout.pageSize().id() is QPageSize.PageSizeId.A6  # drivers know A6 by name

    # The print dialog chose a printer whose default paper is Letter (Microsoft Print to
    # PDF does that): the slip still comes out on its own paper.
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / f"in-{slip_format}.pdf"
    printer.setOutputFileName(str(printed))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    paint_on_printer(sheet, printer)
    assert media_boxes(printed) == [points]
