"""spaCy / Prodigy span JSONL: ``{"text", "spans": [{"start", "end", "label"}], "meta"}``.

``meta``'s article fields (``title``, ``source``, ...) are taken as such, the rest of it
becomes ``metadata``. Prodigy's token offsets and its ``_input_hash``-style keys are ignored;
a task answered ``reject`` or ``ignore`` is imported like any other (its text is still an
article). A span's ``annotator``, ``status``, ``probability`` and ``confidence`` (as Assay's
spaCy export writes them) are kept.
"""

from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import LineError, Record, parse_json_lines, split_fields

_SPAN_EXTRAS = ("annotator", "status", "probability", "confidence")


def _record(value: dict[str, Any]) -> dict[str, Any]:
    if "text" not in value:
        raise ValueError("No “text” key.")
    spans = []
    for item in value.get("spans") or []:
        if not isinstance(item, dict):
            raise ValueError(f"Not a span: {item!r}.")
        span = {"start": item.get("start"), "end": item.get("end"), "label": item.get("label")}
        span.update({key: item[key] for key in _SPAN_EXTRAS if key in item})
        spans.append(span)
    meta = value.get("meta") if isinstance(value.get("meta"), dict) else {}
    return {"body": value["text"], **split_fields(meta, skip=("article_id",)), "spans": spans}


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    return parse_json_lines(file, _record)
