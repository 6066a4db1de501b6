"""Which format a refused file fits: the import page's suggestion.

A doccano file imported as ``jsonl`` is refused line by line ("text: Unknown field"), though
nothing is wrong with it but the format chosen. ``fitting_format`` reads the first records of
the file with each parser and suggests the one that reads them best: records all shaped as
Assay's (the keys ``checks`` accepts), with the most spans read, then the fewest of the file's
keys left over in ``metadata`` (spaCy's reader finds no spans in a doccano file; doccano's
keeps a spaCy file's ``spans`` in ``metadata``). It is suggested only when it reads the file
better than the format refused, so a file refused for its content (a bad offset) gets none.
The rules of the content are the import's, not this guess's. Plain text reads any file, so it
is never suggested.
"""

import io
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, BinaryIO

from .base import Annotations, Record
from .checks import RECORD_KEYS, SPAN_KEYS

# The order they are tried in (the first of equals wins): JSON, then the looser parsers.
CANDIDATES = ("jsonl", "doccano", "spacy", "labelstudio", "webanno", "brat", "csv", "conll")
SAMPLE_RECORDS = 20
SAMPLE_BYTES = 2_000_000  # a larger file is judged by its whole lines within this


def _shaped(record: Record | Annotations) -> bool:
    if isinstance(record, Annotations):
        return bool(record.spans)
    data: Any = record.data
    if not isinstance(data, dict) or "body" not in data or set(data) - RECORD_KEYS:
        return False
    spans = data.get("spans") or []
    return isinstance(spans, list) and all(
        isinstance(span, dict) and not set(span) - SPAN_KEYS for span in spans
    )


def _left_over(record: Record | Annotations) -> int:
    metadata = record.data.get("metadata") if isinstance(record, Record) else None
    return len(metadata) if isinstance(metadata, dict) else 0


def _spans(record: Record | Annotations) -> int:
    spans = record.spans if isinstance(record, Annotations) else record.data.get("spans")
    return len(spans) if isinstance(spans, list) else 0


def _score(
    fmt: str, parse: Callable[[BinaryIO], Iterator[Any]], sample: bytes
) -> tuple[int, int] | None:
    """``(-spans read, keys left over in metadata)`` over the first records (lower reads
    better); ``None`` when a record is refused or misshapen. Assay's ``jsonl`` keeps its own
    metadata: none left over."""
    try:
        items = list(islice(parse(io.BytesIO(sample)), SAMPLE_RECORDS))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError):
        return None  # a parser that trips on a foreign file: it does not fit
    if not items or not all(isinstance(i, Record | Annotations) and _shaped(i) for i in items):
        return None
    left_over = 0 if fmt == "jsonl" else sum(_left_over(item) for item in items)
    return -sum(_spans(item) for item in items), left_over


def _sample(file: BinaryIO) -> bytes:
    """The file's start, whole lines only, the file left at its start."""
    file.seek(0)
    sample = file.read(SAMPLE_BYTES)
    file.seek(0)
    if len(sample) == SAMPLE_BYTES and (end := sample.rfind(b"\n")) > 0:
        sample = sample[: end + 1]
    return sample


def fitting_format(file: BinaryIO, refused: str | None) -> str | None:
    """The format that reads ``file`` better than ``refused`` does (see above), or ``None``.
    Reads the file's start into memory and leaves the file at its start."""
    from . import FORMATS  # the registry imports this module's neighbours

    sample = _sample(file)
    own = _score(refused, FORMATS[refused], sample) if refused in FORMATS else None
    best, best_score = None, None
    for fmt in CANDIDATES:
        if fmt == refused:
            continue
        score = _score(fmt, FORMATS[fmt], sample)
        if score is not None and (best_score is None or score < best_score):
            best, best_score = fmt, score
    if best is None or (own is not None and own <= best_score):
        return None
    return best


def misfit(file: BinaryIO, fmt: str) -> str | None:
    """The cheap look at a file before its import is queued: the format its first records read
    as when they do not read as ``fmt`` at all (a record misshapen, which the import would
    refuse line by line), or ``None``. A file whose records read as ``fmt``, or that no other
    format reads, is left to the import and its line errors. Leaves the file at its start."""
    from . import FORMATS

    sample = _sample(file)
    if fmt not in FORMATS or _score(fmt, FORMATS[fmt], sample) is not None:
        return None
    return fitting_format(file, fmt)
