"""Generated passphrases: common Vietnamese words, read aloud, typed back any way."""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from services.exchange.crypto import MIN_PASSPHRASE, PackageError
from services.exchange.packages import export_package, import_package
from services.security.passphrase_words import (
    WORDS_PER_PASSPHRASE,
    entropy_bits,
    fold,
    generate_passphrase,
    kdf_passphrase,
    passphrase_candidates,
    passphrase_words,
    sound_key,
    spoken_form,
)
from services.upkeep.database import Database
from tests.factories import CLI, known_world
from tests.paths import ROOT as TREE_ROOT

README = TREE_ROOT / "README.md"


def test_the_list_is_long_and_every_word_sounds_unlike_the_others() -> None:
    words = passphrase_words()
    assert len(words) >= 300
    assert len(set(words)) == len(words)
    for word in words:
        assert word == unicodedata.normalize("NFC", word) == word.lower()
        assert re.fullmatch(r"[^\W\d_]{2,6}", word), word
    clashes = {k: n for k, n in Counter(sound_key(w) for w in words).items() if n > 1}
    assert clashes == {}


@pytest.mark.parametrize(
    ("heard", "word"),
    [
        ("vang", "vàng"),
        ("dang", "vàng"),  # v, d, gi, r: one sound in the south
        ("giang", "vàng"),
        ("chang", "trăng"),  # tr and ch in the north
        ("xen", "sen"),  # s and x
        ("lang", "nắng"),  # l and n
        ("nan", "nắng"),  # final n and ng
        ("xinh", "xinh"),
        ("xin", "xinh"),  # final n and nh in the south
        ("li", "ly"),  # i and y
        ("ga", "gà"),
        ("dao", "đào"),  # đ typed as d
        ("gieng", "giếng"),
        ("dieng", "giếng"),
        ("fo", "phở"),
    ],
)
def test_a_word_heard_in_any_accent_is_recognised(heard: str, word: str) -> None:
    assert word in passphrase_words()
    assert sound_key(heard) == sound_key(word)


def test_a_generated_passphrase_is_five_listed_words_long_enough() -> None:
    listed = set(passphrase_words())
    seen = set()
    for _ in range(200):
        passphrase = generate_passphrase()
        parts = passphrase.split("-")
        assert len(parts) == WORDS_PER_PASSPHRASE and set(parts) <= listed
        assert len(passphrase) >= MIN_PASSPHRASE
        assert spoken_form(passphrase) == passphrase == kdf_passphrase(passphrase)
        seen.add(passphrase)
    assert len(seen) == 200
    shortest = sorted(len(w) for w in listed)[:WORDS_PER_PASSPHRASE]
    assert sum(shortest) + WORDS_PER_PASSPHRASE - 1 >= MIN_PASSPHRASE


def test_it_is_drawn_with_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []

    def choice(seq: tuple[str, ...]) -> str:
        drawn.append(len(seq))
        return seq[0]

    monkeypatch.setattr(secrets, "choice", choice)
    first = passphrase_words()[0]
    assert generate_passphrase() == "-".join([first] * WORDS_PER_PASSPHRASE)
    assert drawn == [len(passphrase_words())] * WORDS_PER_PASSPHRASE


def test_the_readme_states_its_entropy() -> None:
    bits = entropy_bits()
    assert bits == pytest.approx(WORDS_PER_PASSPHRASE * math.log2(len(passphrase_words())))
    assert bits >= 42
    readme = README.read_text(encoding="utf-8")
    assert f"{len(passphrase_words())} words" in readme
    assert f"{bits:.1f} bits" in readme


def test_typed_any_way_it_comes_back_to_the_words_drawn() -> None:
    drawn = "mưa-xôi-đèo-hành-quà"
    for typed in (
        "mua xoi deo hanh qua",
        "MƯA - XÔI - ĐÈO - HÀNH - QUÀ",
        unicodedata.normalize("NFD", "mưa xôi đèo hành quà"),
    ):
        assert spoken_form(typed) == drawn
        assert passphrase_candidates(typed) == [typed, drawn]
    assert spoken_form("mua xoi deo hanh") is None  # four words: not a generated one
    assert spoken_form("mua xoi deo hanh zzzz") is None  # not a listed word
    assert passphrase_candidates("mat-khau-cua-goi") == ["mat-khau-cua-goi"]
    assert kdf_passphrase("mat-khau-cua-goi") == "mat-khau-cua-goi"
    assert fold("Đèo") == "deo"


def test_a_package_with_a_generated_passphrase_opens_typed_without_diacritics(
    session: Session, database: Database, tmp_path: Path
) -> None:
    known_world(session)
    session.commit()
    drawn = generate_passphrase()
    path = export_package(session, CLI, tmp_path / "goi.kpkg", drawn).path
    session.commit()
    heard = " ".join(fold(word) for word in drawn.split("-")).upper()
    with database.session() as target:
        summary = import_package(target, CLI, path, heard)
    assert summary.unchanged == 8
    wrong = "-".join(reversed(drawn.split("-")))
    if wrong != drawn:
        with database.session() as target, pytest.raises(PackageError, match="Sai mật khẩu"):
            import_package(target, CLI, path, wrong)
