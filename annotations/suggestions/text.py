"""Text as the matchers read it: folded without moving an offset, and cut on word boundaries
in every script.

Offsets are code points into the body (the SPEC), so every transformation here keeps the
length: a folded text's ``[start:end]`` is the body's ``[start:end]``.
"""

import re
import unicodedata
from functools import lru_cache

# Whitespace of every kind reads as one space (``_OTHER_WHITESPACE``), and the typographic
# apostrophe as the plain one, so "Alexander\u00a0Lukashenko" and "O’Brien" match the
# registry's spelling. The final sigma lowers as sigma does: "ΟΔΟΣ" and "οδος" fold alike.
_SAME_AS = {"\u2019": "'", "\u02bc": "'", "ς": "σ"}
_OTHER_WHITESPACE = re.compile(r"[^\S ]")


def fold(text: str) -> str:
    """``text`` lower-cased, whitespace made spaces and apostrophes plain, every character in
    its place: ``len(fold(text)) == len(text)``. A character whose lower case is longer
    ("İ" → "i̇") stays as it is."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch if len(low := ch.lower()) != 1 else low for ch in text)
    lowered = _OTHER_WHITESPACE.sub(" ", lowered)
    for ch, same in _SAME_AS.items():
        if ch in lowered:
            lowered = lowered.replace(ch, same)
    return lowered


def fold_key(text: str) -> str:
    """A registry name as the matcher looks it up: folded, its runs of whitespace one space."""
    return " ".join(fold(text).split())


# Scripts written without spaces between words: a name there has no word boundary to wait
# for, as in Unicode's word segmentation (UAX #29), where ideographs break on every character.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


@lru_cache(maxsize=4096)
def joins(ch: str) -> bool:
    """Whether ``ch`` continues a word: a letter or digit, ``_``, a combining mark (the accent
    of "cafe\u0301") or a zero-width joiner, in a script that separates its words."""
    if ch in "_\u200c\u200d":
        return True
    if not ch.isalnum() and not unicodedata.category(ch).startswith("M"):
        return False
    code = ord(ch)
    return not any(low <= code <= high for low, high in _UNSPACED)


def on_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is whole words: no word runs on across either end."""
    if start and joins(text[start - 1]) and joins(text[start]):
        return False
    return not (end < len(text) and joins(text[end - 1]) and joins(text[end]))


def letters(text: str) -> int:
    """How many letters and digits ``text`` has."""
    return sum(1 for ch in text if ch.isalnum())


def is_acronym(name: str) -> bool:
    """Written in capitals throughout ("ISW", "NATO", "ЦРУ", "U.S."): matched only so."""
    return name.isupper() and letters(name) >= 2


def can_match(name: str) -> bool:
    """A name the text could show: two letters or digits at least ("X", "" and "..." could
    only ever flood the page with false mentions)."""
    return letters(name) >= 2
