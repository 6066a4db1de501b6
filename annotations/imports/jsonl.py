"""Assay's own ``jsonl``, as the export writes it: only ``body`` is required on a line."""

from collections.abc import Iterator
from typing import BinaryIO

from .base import LineError, Record, parse_json_lines


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    return parse_json_lines(file)
