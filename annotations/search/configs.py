"""Which PostgreSQL text-search configuration reads an article, by its ``language``.

An article's ``language`` is a BCP 47 tag (``en``, ``ru-RU``) or a name (``English``); its
primary subtag picks one of PostgreSQL's stemming configurations. A language PostgreSQL has
no stemmer for (Ukrainian, Belarusian, Polish, Chinese, ...) is read with ``simple``: words
lower-cased, not stemmed. An article with no language is read as English, the corpus's usual
language. Migration 0007 writes the same table into the SQL function ``assay_ts_config``;
tests/search/test_configs.py holds the two to the same answers.
"""

import re

LANGUAGE_CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
CONFIGS = sorted(set(LANGUAGE_CONFIGS.values()) | {"simple"})
_NAMES = {name: name for name in CONFIGS}


def ts_config(language: str | None) -> str:
    """The configuration for a ``language`` tag or name; ``simple`` where none stems it."""
    tag = (language or "").strip().lower()
    if not tag:
        return "english"
    if tag in _NAMES:
        return tag
    primary = re.split(r"[-_]", tag, maxsplit=1)[0]
    return LANGUAGE_CONFIGS.get(primary, "simple")


# British and American spellings (mobilisation / mobilization, organised / organized) stem
# apart in every stemmer; a search looks for the other spelling too.
_IS_IZ = re.compile(
    r"\b(\w{2,}?)(is|iz|ys|yz)(ation|ations|ational|e|es|ed|ing|er|ers)\b", re.IGNORECASE
)
_SWAP = {"is": "iz", "iz": "is", "ys": "yz", "yz": "ys"}


def spelling_variant(text: str) -> str | None:
    """``text`` with its -ise/-ize words in the other spelling, or None when it has none."""

    def swap(match):
        middle = match.group(2)
        other = _SWAP[middle.lower()]
        if middle.isupper():
            other = other.upper()
        return f"{match.group(1)}{other}{match.group(3)}"

    variant = _IS_IZ.sub(swap, text)
    return variant if variant != text else None
