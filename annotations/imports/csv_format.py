"""CSV of articles, a row each, with a header: ``body`` and any of ``title``, ``source``,
``url``, ``published_on``, ``author``, ``language``, ``external_id``; any other column
becomes ``metadata``. An empty cell is a blank field. The "line" of an error is the file's
line where the row starts (the header is line 1).
"""

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from .base import LineError, Record, split_fields


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        yield LineError(1, "The file is empty.")
        return
    except (UnicodeDecodeError, csv.Error) as exc:
        yield LineError(1, f"Not CSV text: {exc}.")
        return
    if "body" not in header:
        yield LineError(1, "The header has no “body” column.")
        return
    if len(set(header)) != len(header):
        yield LineError(1, "The header names a column twice.")
        return
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield LineError(line, f"Not CSV text: {exc}.")
            return
        if len(row) != len(header):
            if any(cell.strip() for cell in row):
                yield LineError(line, f"{len(row)} cells where the header has {len(header)}.")
        else:
            values = dict(zip(header, row, strict=True))
            body = values.pop("body")
            fields = split_fields({k: v for k, v in values.items() if v != ""})
            if "published_on" in fields and fields["published_on"] == "":
                del fields["published_on"]
            yield Record(line, {"body": body, **fields})
        line = reader.line_num + 1
