"""README's "Dữ liệu cá nhân" section: it maps the law's obligations to the app, and the
figures it states are the ones the code uses."""

from __future__ import annotations

import re

from models.codes import RequestKind
from services.exchange.crypto import MIN_PASSPHRASE
from services.privacy.requests import DEADLINES, REPLY_WORKING_DAYS
from tests.paths import ROOT


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Dữ liệu cá nhân\n" in readme
    return readme.split("\n## Dữ liệu cá nhân\n", 1)[1].split("\n## ", 1)[0]


def test_every_obligation_names_its_article_and_the_office_duty() -> None:
    rows = [r for r in section().splitlines() if r.startswith("| ") and not r.startswith("| obl")]
    assert len(rows) >= 8
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 4, row
        assert re.search(r"\bArt\. \d+", cells[1]), row  # an article, not a vague reference
        assert cells[2] and cells[3], row


def test_the_deadlines_stated_are_the_ones_the_code_counts() -> None:
    text = section()
    assert f"**{REPLY_WORKING_DAYS} working days**" in text
    assert f"**{DEADLINES[RequestKind.ACCESS].days} days** (see, correct, copy)" in text
    assert f"**{DEADLINES[RequestKind.RESTRICT].days}** (withdraw, restrict, object)" in text
    assert f"**{DEADLINES[RequestKind.ERASE].days}** (erase)" in text
    assert DEADLINES[RequestKind.CORRECT] == DEADLINES[RequestKind.ACCESS]
    assert DEADLINES[RequestKind.OBJECT] == DEADLINES[RequestKind.WITHDRAW]
    assert DEADLINES[RequestKind.WITHDRAW] == DEADLINES[RequestKind.RESTRICT]
    assert f"passphrases of {MIN_PASSPHRASE} or more characters" in text
