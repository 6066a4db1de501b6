"""Assay's own ``jsonl``, as the export writes it: only ``body`` is required on a line."""

import json
from collections.abc import Iterator
from typing import BinaryIO

from .base import NESTED_TOO_DEEPLY, LineError, Record, text_lines


def json_lines(file: BinaryIO) -> Iterator[tuple[int, object] | LineError]:
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


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    for item in json_lines(file):
        if isinstance(item, LineError):
            yield item
            continue
        number, value = item
        if not isinstance(value, dict):
            yield LineError(number, "A line is a JSON object.")
        else:
            yield Record(number, value)
