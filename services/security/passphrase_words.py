"""Passphrases made of common Vietnamese words, easy to read aloud on the phone.

`generate_passphrase()` draws `WORDS_PER_PASSPHRASE` words at random (`secrets`) from
`resources/passphrase/words.txt` and joins them with "-": "mưa-xôi-đèo-hành-quà".

Heard on the phone, a word may be typed without diacritics or spelled as the listener's
accent suggests ("dàng" for "vàng", "chăng" for "trăng"). Every word of the list has its own
*sound key* (`sound_key`: diacritics folded, d/đ/gi/v/r, s/x, ch/tr and l/n taken as one
initial, final n/ng/nh and c/t/ch as one), so such a passphrase is brought back to the words
the app drew (`spoken_form`). Packages and encrypted backups derive their key from that
form (`kdf_passphrase`); opening one tries the passphrase as typed first, then its spoken
form (`passphrase_candidates`), so files written from any passphrase keep opening.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from functools import cache

from services.common.resources import resource_path

WORDS_FILE = ("passphrase", "words.txt")
WORDS_PER_PASSPHRASE = 5
SEPARATOR = "-"
# Initials heard alike in some accent, each group written as one (longest spelling first).
_INITIALS = (
    ("ngh", "ng"),
    ("ng", "ng"),
    ("nh", "nh"),
    ("gh", "g"),
    ("gi", "z"),
    ("ch", "ch"),
    ("tr", "ch"),
    ("th", "th"),
    ("kh", "kh"),
    ("ph", "ph"),
    ("qu", "qu"),
    ("f", "ph"),
    ("d", "z"),
    ("v", "z"),
    ("r", "z"),
    ("z", "z"),
    ("j", "z"),
    ("x", "s"),
    ("s", "s"),
    ("k", "c"),
    ("c", "c"),
    ("q", "qu"),
    ("n", "l"),
    ("l", "l"),
)
_FINALS = (("nh", "N"), ("ng", "N"), ("n", "N"), ("ch", "T"), ("c", "T"), ("t", "T"))
_VOWELS = frozenset("aeiouy")
_TOKENS = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Lower case, diacritics removed, đ as d: what a word typed without diacritics is."""
    lowered = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split_initial(plain: str) -> tuple[str, str]:
    for spelling, sound in _INITIALS:
        if plain.startswith(spelling):
            rest = plain[len(spelling) :]
            if spelling == "gi":
                # "gia", "gió": the i belongs to gi; "gìn", "gì": it is the vowel;
                # "giếng" is [z] + iêng, but "gieo" is [z] + eo.
                vowel_is_i = not rest or rest[0] not in _VOWELS
                if vowel_is_i or (rest.startswith("e") and not rest.startswith("eo")):
                    rest = "i" + rest
            return sound, rest
    return "", plain


def sound_key(word: str) -> str:
    """What `word` sounds like on the phone in any accent (see the module's docstring)."""
    initial, rime = _split_initial(fold(word))
    for spelling, sound in _FINALS:
        if rime.endswith(spelling) and len(rime) > len(spelling):
            rime = rime[: -len(spelling)] + sound
            break
    if initial and rime == "y":  # "ly" and "li", "kỳ" and "kì": one sound, two spellings
        rime = "i"
    return initial + rime


@cache
def passphrase_words() -> tuple[str, ...]:
    """The list, in file order (NFC, lines starting with # left out)."""
    text = resource_path(*WORDS_FILE).read_text(encoding="utf-8")
    return tuple(
        unicodedata.normalize("NFC", line.strip())
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@cache
def _by_sound() -> dict[str, str]:
    return {sound_key(word): word for word in passphrase_words()}


def generate_passphrase(words: int = WORDS_PER_PASSPHRASE) -> str:
    """`words` words drawn independently and uniformly (`secrets`), joined by "-"."""
    chosen = passphrase_words()
    return SEPARATOR.join(secrets.choice(chosen) for _ in range(words))


def entropy_bits(words: int = WORDS_PER_PASSPHRASE) -> float:
    """The entropy of a generated passphrase: log2(list size) bits a word."""
    return words * math.log2(len(passphrase_words()))


def spoken_form(passphrase: str) -> str | None:
    """The list's words that `passphrase` names, joined by "-", when it is at least
    `WORDS_PER_PASSPHRASE` words all recognised by their sound; else None."""
    tokens = _TOKENS.findall(unicodedata.normalize("NFC", passphrase))
    if len(tokens) < WORDS_PER_PASSPHRASE:
        return None
    known = _by_sound()
    words = [known.get(sound_key(token)) for token in tokens]
    if any(word is None for word in words):
        return None
    return SEPARATOR.join(word for word in words if word is not None)


def kdf_passphrase(passphrase: str) -> str:
    """What a new package or backup derives its key from: the spoken form of a passphrase
    of list words (however it was typed), else the passphrase as typed."""
    return spoken_form(passphrase) or passphrase


def passphrase_candidates(passphrase: str) -> list[str]:
    """What to try when opening a file: as typed (files written before the spoken form, or
    from any passphrase), then the spoken form when it differs."""
    spoken = spoken_form(passphrase)
    return [passphrase] if spoken is None or spoken == passphrase else [passphrase, spoken]
