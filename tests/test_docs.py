"""The user guide (docs/guide): every page there and reachable, every picture there and made
by the screenshot script, nothing left over; found in a checkout and in the bundle."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections import deque
from importlib import import_module
from pathlib import Path

import pytest

from services.common import resources
from tests.paths import ROOT
from ui.shell import guide_viewer

GUIDE = ROOT / "docs" / "guide"
IMAGES = GUIDE / "img"

# [text](target) and ![alt](target), with an optional "title"; targets without spaces.
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def pages() -> list[str]:
    return guide_viewer.guide_pages(GUIDE)


def links(page: str) -> list[tuple[bool, str]]:
    """(is a picture, target) of every link on a page, outside code spans."""
    text = re.sub(r"`[^`]*`", "", (GUIDE / page).read_text(encoding="utf-8"))
    return [(bang == "!", target) for bang, target in LINK.findall(text)]


def local(target: str) -> bool:
    return not re.match(r"^[a-z]+:", target) and not target.startswith("#")


def pictures(page: str) -> list[str]:
    return [target for image, target in links(page) if image]


def test_every_page_exists_has_a_title_and_text() -> None:
    named = {
        value
        for name, value in vars(guide_viewer).items()
        if (name.startswith("PAGE_") or name == "INDEX") and isinstance(value, str)
    }
    named |= set(guide_viewer.TAB_PAGES.values()) | set(guide_viewer.DIALOG_PAGES.values())
    assert named <= set(pages()), named - set(pages())
    assert pages()[0] == guide_viewer.INDEX
    assert set(pages()) == {p.name for p in GUIDE.glob("*.md")}
    for page in pages():
        text = (GUIDE / page).read_text(encoding="utf-8")
        assert text.startswith("# "), page
        assert len(text.split()) > 80, f"{page} is nearly empty"
        assert guide_viewer.page_title(GUIDE / page) == text.splitlines()[0][2:].strip()


def test_every_link_and_picture_is_there() -> None:
    for page in pages():
        for _image, target in links(page):
            if local(target):
                assert (GUIDE / target.split("#")[0]).is_file(), f"{page}: {target}"
        for picture in pictures(page):
            assert picture.startswith("img/") and picture.endswith(".png"), f"{page}: {picture}"


def test_every_page_is_reachable_from_the_index() -> None:
    seen = {guide_viewer.INDEX}
    waiting = deque([guide_viewer.INDEX])
    while waiting:
        for image, target in links(waiting.popleft()):
            name = target.split("#")[0]
            if not image and local(target) and name.endswith(".md") and name not in seen:
                seen.add(name)
                waiting.append(name)
    assert seen == set(pages())


def test_the_script_makes_exactly_the_pictures_the_pages_show() -> None:
    from docs.make_screenshots import SHOTS

    made = [shot.file_name for shot in SHOTS]
    assert len(made) == len(set(made))
    shown = {picture.removeprefix("img/") for page in pages() for picture in pictures(page)}
    assert set(made) - shown == set(), "made but shown on no page"
    assert shown - set(made) == set(), "shown but not made by the script"
    assert {p.name for p in IMAGES.iterdir()} == set(made), "docs/guide/img differs: make docs"


def test_the_pictures_are_screens_of_1366_by_768() -> None:
    from PySide6.QtGui import QImageReader

    for picture in IMAGES.glob("*.png"):
        size = QImageReader(str(picture)).size()
        assert (size.width(), size.height()) == (1366, 768), picture.name


def test_the_dialogs_given_a_page_exist() -> None:
    from PySide6.QtWidgets import QDialog

    for dotted in guide_viewer.DIALOG_PAGES:
        module, _, name = dotted.rpartition(".")
        found = getattr(import_module(module), name, None)
        assert isinstance(found, type) and issubclass(found, QDialog), dotted


def test_the_app_never_imports_the_docs_package() -> None:
    offenders = []
    sources = [ROOT / "main.py"]
    for folder in ("ui", "services", "models"):
        sources += sorted((ROOT / folder).rglob("*.py"))
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(name == "docs" or name.startswith("docs.") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    assert offenders == []


def test_the_guide_is_found_in_a_checkout_and_in_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources.user_guide_dir() == GUIDE
    # The frozen app: PyInstaller unpacks the data beside the code and sets sys._MEIPASS.
    bundle = tmp_path / "_internal"
    (bundle / "docs" / "guide").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.user_guide_dir() == bundle / "docs" / "guide"


def test_the_bundle_ships_the_guide_made_afresh() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'data_tree("docs/guide")' in spec
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^dist:.*\bdocs\b", makefile, re.MULTILINE)
    assert re.search(r"^docs:", makefile, re.MULTILINE)
    assert "-m docs.make_screenshots" in makefile


@pytest.mark.slow
def test_the_script_makes_a_picture(tmp_path: Path) -> None:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "docs.make_screenshots",
            "--out",
            str(tmp_path),
            "--demo-cases",
            "0",
            "--only",
            "dang-nhap",
            "muc1-buoc1-quet-the",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    from PySide6.QtGui import QImageReader

    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["dang-nhap.png", "muc1-buoc1-quet-the.png"]
    size = QImageReader(str(tmp_path / "dang-nhap.png")).size()
    assert (size.width(), size.height()) == (1366, 768)
