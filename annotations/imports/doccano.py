"""doccano's sequence-labelling JSONL.

The text is under ``text`` (older files: ``data``); the spans under ``label`` (older files:
``labels``) as ``[start, end, "Label"]``, or under ``entities`` as doccano 1.8 exports them
with relations (``{"start_offset", "end_offset", "label"}``, and ``relations`` with
``from_id``, ``to_id`` and ``type``). ``title``, ``source``, ``url``, ``external_id`` and the
other article fields are taken as such; any other key (doccano's ``id``, ``Comments``, ...)
goes into the article's ``metadata``. Spans are the importing user's.
"""

from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import LineError, Record, parse_json_lines, split_fields

_TEXT_KEYS = ("text", "data")
_LABEL_KEYS = ("label", "labels")


def _record(value: dict[str, Any]) -> dict[str, Any]:
    text_key = next((key for key in _TEXT_KEYS if key in value), None)
    if text_key is None:
        raise ValueError("No “text” (or “data”) key.")
    spans, relations = [], []
    label_key = next((key for key in _LABEL_KEYS if key in value), None)
    if label_key is not None:
        if not isinstance(value[label_key], list):
            raise ValueError(f"“{label_key}” must be a list of [start, end, label].")
        for item in value[label_key]:
            if not isinstance(item, list | tuple) or len(item) != 3:
                raise ValueError(f"Not a [start, end, label] triple: {item!r}.")
            spans.append({"start": item[0], "end": item[1], "label": item[2]})
    if isinstance(value.get("entities"), list):
        ids = {}
        for item in value["entities"]:
            if not isinstance(item, dict):
                raise ValueError(f"Not an entity: {item!r}.")
            ids[item.get("id")] = len(spans)
            spans.append(
                {
                    "start": item.get("start_offset"),
                    "end": item.get("end_offset"),
                    "label": item.get("label"),
                }
            )
        for item in value.get("relations") or []:
            if (
                not isinstance(item, dict)
                or item.get("from_id") not in ids
                or (item.get("to_id") not in ids)
            ):
                raise ValueError(f"A relation between unknown entities: {item!r}.")
            relations.append(
                {"from": ids[item["from_id"]], "to": ids[item["to_id"]], "label": item.get("type")}
            )
    skip = (text_key, *_LABEL_KEYS, "entities", "relations", "article_id")
    return {
        "body": value[text_key],
        **split_fields(value, skip=skip),
        "spans": spans,
        "relations": relations,
    }


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    return parse_json_lines(file, _record)
