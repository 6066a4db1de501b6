"""Label Studio's JSON tasks (a list, or one task): text under ``data.text``.

Results of type ``labels`` become spans (one per label when a region has several), their
``meta.text`` the note; results of type ``relation`` become relations between the regions of
the same annotation. Label Studio's users are its own: an annotation's spans belong to the
username at the same position in ``data.assay_annotators`` when Assay wrote the file, and to
the importing user otherwise. ``predictions`` are not annotations and are ignored. The
"line" of an error is the task's position in the list, from 1. Label Studio writes one JSON
document, so the file is read whole.
"""

from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import LineError, Record, read_json, records, split_fields


def _record(task: dict[str, Any]) -> dict[str, Any]:
    data = task.get("data")
    if not isinstance(data, dict) or "text" not in data:
        raise ValueError("No “data.text”.")
    annotators = data.get("assay_annotators") or []
    spans, relations = [], []
    for number, annotation in enumerate(task.get("annotations") or []):
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        annotator = annotators[number] if number < len(annotators) else None
        regions: dict[Any, int] = {}
        results = annotation.get("result") or []
        for result in results:
            if not isinstance(result, dict) or result.get("type") != "labels":
                continue
            value = result.get("value") or {}
            meta = result.get("meta") or {}
            note = "\n".join(meta.get("text") or []) if isinstance(meta, dict) else ""
            for label in value.get("labels") or [None]:
                regions.setdefault(result.get("id"), len(spans))
                span = {
                    "start": value.get("start"),
                    "end": value.get("end"),
                    "text": value.get("text"),
                    "label": label,
                    "note": note,
                }
                if annotator:
                    span["annotator"] = annotator
                spans.append(span)
        for result in results:
            if not isinstance(result, dict) or result.get("type") != "relation":
                continue
            ends = result.get("from_id"), result.get("to_id")
            if not all(end in regions for end in ends):
                raise ValueError(f"A relation between unknown regions: {ends!r}.")
            source, target = (regions[end] for end in ends)
            if result.get("direction") == "left":
                source, target = target, source
            for label in result.get("labels") or [None]:
                relations.append({"from": source, "to": target, "label": label})
    skip = ("text", "article_id", "assay_annotators")
    return {
        "body": data["text"],
        **split_fields(data, skip=skip),
        "spans": spans,
        "relations": relations,
    }


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    tasks, error = read_json(file)
    if error is not None:
        yield error
        return
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        yield LineError(1, "A list of tasks is expected.")
        return
    yield from records(
        enumerate(tasks, start=1),
        _record,
        noun="A task",
        refused=(ValueError, TypeError, AttributeError),
        fallback="Not a Label Studio task.",
    )
