"""What every import format shares: records in the ``jsonl`` export's shape, and line errors.

A parser reads a binary file and yields, for each article it finds, either a ``Record`` (the
line it starts on, and a dict shaped as a line of Assay's ``jsonl``: the article's fields,
``spans`` and ``relations``), ``Annotations`` (spans for an article the project holds) or a
``LineError``. One writer, ``article_import``, then turns
records into rows, so every format gets the same checks.
"""

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from annotations.services.articles import ARTICLE_FIELDS

ARTICLE_KEYS = ARTICLE_FIELDS  # a record's article fields: the service's, by name

# What a JSON parser's RecursionError means to the person importing.
NESTED_TOO_DEEPLY = "Not JSON that can be read: nested too deeply."


@dataclass(slots=True)
class Record:
    line: int
    data: dict[str, Any]


@dataclass(slots=True)
class Annotations:
    """Spans (and relations among them) for an article the project already holds, for a
    format that carries no text (W3C Web Annotation). ``source`` names the article: its
    ``url``, or ``urn:assay:article:<id>``. ``spans`` are in the ``jsonl`` span shape and
    ``relations`` index into them (``from``, ``to``, ``label``); each comes with its own
    line, so that the writer lists every bad one where the file has it. ``line`` is where
    the article is first named."""

    line: int
    source: str
    spans: list[tuple[int, dict[str, Any]]]
    relations: list[tuple[int, dict[str, Any]]]


@dataclass(slots=True)
class LineError:
    line: int
    error: str


def text_lines(file: BinaryIO) -> Iterator[tuple[int, str | None]]:
    """``(number, line)`` from 1, decoded as UTF-8 (a BOM is dropped); ``None`` for a line
    that is not UTF-8. Reads a line at a time, so a large file is never held whole."""
    for number, raw in enumerate(file, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


def json_lines(file: BinaryIO) -> Iterator[tuple[int, Any] | LineError]:
    """``(line, value)`` for each non-blank line that is JSON, a ``LineError`` otherwise."""
    for number, line in text_lines(file):
        if line is None:
            yield LineError(number, "Not UTF-8 text.")
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            yield LineError(number, f"Not JSON: {exc}.")
        except RecursionError:
            yield LineError(number, NESTED_TOO_DEEPLY)


def records(
    items: Iterable[tuple[int, Any] | LineError],
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    *,
    noun: str = "A line",
    refused: tuple[type[Exception], ...] = (ValueError,),
    fallback: str = "",
) -> Iterator[Record | LineError]:
    """The one loop of every JSON format: each ``(line, value)`` that is an object becomes
    a ``Record`` of ``shape(value)`` (the value itself without a ``shape``); one that is not,
    or that ``shape`` refuses with one of ``refused``, a ``LineError`` saying why
    (``fallback`` when the exception has no message). Line errors pass through."""
    for item in items:
        if isinstance(item, LineError):
            yield item
            continue
        number, value = item
        if not isinstance(value, dict):
            yield LineError(number, f"{noun} is a JSON object.")
            continue
        try:
            yield Record(number, value if shape is None else shape(value))
        except refused as exc:
            yield LineError(number, str(exc) or fallback)


def parse_json_lines(
    file: BinaryIO, shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> Iterator[Record | LineError]:
    """A JSON object a line (``jsonl``, doccano, spaCy), each shaped into a record."""
    return records(json_lines(file), shape)


def read_text(file: BinaryIO) -> str:
    """The whole file as text; ``UnicodeDecodeError`` is left to the caller."""
    data = file.read()
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data


def read_json(file: BinaryIO) -> tuple[Any, LineError | None]:
    """The whole file as one JSON value, or ``(None, the error on line 1)``: for the formats
    whose file is one document (Label Studio, W3C annotations)."""
    try:
        return json.loads(read_text(file)), None
    except UnicodeDecodeError:
        return None, LineError(1, "Not UTF-8 text.")
    except ValueError as exc:
        return None, LineError(1, f"Not JSON: {exc}.")
    except RecursionError:
        return None, LineError(1, NESTED_TOO_DEEPLY)


def binary(file) -> BinaryIO:
    """Accept bytes, a binary file, or a text file (as an upload or a test may give)."""
    if isinstance(file, bytes):
        return io.BytesIO(file)
    if isinstance(file, io.TextIOBase):
        return io.BytesIO(file.read().encode("utf-8"))
    return file


def split_fields(source: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Article fields out of a foreign record; every other key goes into ``metadata``."""
    fields: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for key, value in source.items():
        if key in skip:
            continue
        if key in ARTICLE_KEYS and key != "metadata":
            fields[key] = value
        elif key == "metadata" and isinstance(value, dict):
            metadata.update(value)
        else:
            metadata[key] = value
    if metadata:
        fields["metadata"] = metadata
    return fields
