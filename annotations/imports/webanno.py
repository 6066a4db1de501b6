"""W3C Web Annotation (JSON-LD), as Assay's export writes it: spans for articles the project
already holds.

A web annotation carries no article text, so this import creates no article: each annotation
annotates the article of this project its target's ``source`` names, by the article's
``url`` or as ``urn:assay:article:<id>`` (the exporter writes the url when there is one). A
source that names no article of the project, or a url that several of its articles share, is
an error.

The file is an ``AnnotationCollection`` whose ``first`` page (and the pages its ``next``
embeds) holds the ``items``, an ``AnnotationPage``, a list of annotations, or one. An
annotation with motivation ``linking`` is a relation, any other a span:

- a span's target selects its text with a ``TextPositionSelector`` (``start``, ``end`` in
  code points; required, the offsets) and a ``TextQuoteSelector`` whose ``exact`` must be the
  body's text there (an error says what the body holds); ``prefix`` and ``suffix`` are not
  needed, since the position is given;
- its ``TextualBody`` items: exactly one ``tagging`` (the label, matched by name or created
  when the import may create labels), ``identifying`` (an actor, with ``assay:role``,
  ``assay:kind`` and ``assay:wikidata_id``), ``assessing`` with ``assay:property``
  ``probability`` or ``confidence`` (the grade), ``commenting`` (the note; several are joined
  by line breaks); a body of another purpose is an error; ``assay:status`` is the status;
- a relation's label is its ``tagging`` body and its two targets are the ``id`` of span
  annotations of the same file and the same article (the source first).

The spans are the importing user's: ``creator`` is another tool's (or another Assay's)
identity, not a member of this project. A span the article already has for that user (the
same start, end and label), or that the file gives twice, is an error rather than skipped:
without article text nothing tells a second import of the same file from new work, and the
list of errors shows which annotations the project holds already. All or nothing, as every
import.

The "line" of an error is the annotation's position in the file, from 1, across pages; an
error about the file as a whole is on line 1. The file is one JSON document, read whole.
"""

from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import Annotations, LineError, read_json

GRADES = ("probability", "confidence")


class _Bad(ValueError):
    pass


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def annotations_of(document: Any) -> list:
    """The annotations a collection, a page, a list or a single annotation holds."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise _Bad("Not a Web Annotation document.")
    kind = document.get("type")
    if kind == "Annotation":
        return [document]
    if kind == "AnnotationPage":
        return _pages(document)
    if kind == "AnnotationCollection":
        if "first" not in document:
            return []
        return _pages(document["first"])
    raise _Bad("Not an AnnotationCollection, an AnnotationPage or an Annotation.")


def _pages(page: Any) -> list:
    items = []
    while page is not None:
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise _Bad("A page is an AnnotationPage embedded with its “items”; no IRI is fetched.")
        items.extend(page["items"])
        page = page.get("next")
    return items


def _selectors(target: Any) -> tuple[str, dict, dict | None]:
    """The target's source, its TextPositionSelector and its TextQuoteSelector (or None)."""
    if isinstance(target, list) and len(target) == 1:
        target = target[0]
    if not isinstance(target, dict) or not isinstance(target.get("source"), str):
        raise _Bad("The target is one {source, selector}.")
    if not target["source"].strip():
        raise _Bad("The target's source is blank: it names no article.")  # "" is every url-less one
    found: dict[str, dict] = {}
    for selector in _as_list(target.get("selector")):
        if isinstance(selector, dict) and selector.get("type") in (
            "TextPositionSelector",
            "TextQuoteSelector",
        ):
            found.setdefault(selector["type"], selector)
    position = found.get("TextPositionSelector")
    if position is None:
        raise _Bad("The target has no TextPositionSelector.")
    return target["source"], position, found.get("TextQuoteSelector")


def _bodies(annotation: dict) -> list[dict]:
    bodies = _as_list(annotation.get("body", []))
    if not all(isinstance(body, dict) for body in bodies):
        raise _Bad("A body is a TextualBody object.")
    return bodies


def _label(bodies: list[dict]) -> Any:
    tags = [body.get("value") for body in bodies if body.get("purpose") == "tagging"]
    if len(tags) != 1:
        raise _Bad(f"One tagging body (the label) is needed; there are {len(tags)}.")
    return tags[0]


def _span(annotation: dict) -> tuple[str, dict[str, Any]]:
    """``(source, span in jsonl's shape)`` of a span annotation."""
    source, position, quote = _selectors(annotation.get("target"))
    bodies = _bodies(annotation)
    span: dict[str, Any] = {
        "start": position.get("start"),
        "end": position.get("end"),
        "label": _label(bodies),
        "actors": [],
    }
    if quote is not None:
        span["text"] = quote.get("exact")
    if "assay:status" in annotation:
        span["status"] = annotation["assay:status"]
    notes = []
    for body in bodies:
        purpose, value = body.get("purpose"), body.get("value")
        if purpose == "identifying":
            actor = {"name": value, "role": body.get("assay:role"), "kind": body.get("assay:kind")}
            actor["wikidata_id"] = body.get("assay:wikidata_id")
            span["actors"].append(actor)
        elif purpose == "assessing":
            grade = body.get("assay:property")
            if grade not in GRADES:
                raise _Bad("An assessing body names its assay:property: probability or confidence.")
            span[grade] = value
        elif purpose == "commenting":
            notes.append(value if isinstance(value, str) else "")
        elif purpose != "tagging":
            raise _Bad(f"A body with purpose “{purpose}” is not imported.")
    if notes:
        span["note"] = "\n".join(notes)
    return source, span


def _ends(annotation: dict) -> tuple[Any, Any]:
    targets = annotation.get("target")
    if not isinstance(targets, list) or len(targets) != 2:
        raise _Bad("A linking annotation targets two span annotations by their id.")
    ends = tuple(target.get("id") if isinstance(target, dict) else target for target in targets)
    if not all(isinstance(end, str) for end in ends):
        raise _Bad("A linking annotation targets two span annotations by their id.")
    return ends


class _Groups:
    """The spans and relations of the file, grouped by the article they annotate."""

    def __init__(self):
        self.groups: dict[str, Annotations] = {}
        self.ids: dict[str, tuple[str, int] | None] = {}  # None: the span annotation is bad

    def add_span(self, number: int, annotation: dict) -> None:
        key = annotation.get("id") if isinstance(annotation.get("id"), str) else None
        if key is not None and key in self.ids:
            raise _Bad(f"A second annotation with the id “{key}”.")
        try:
            source, span = _span(annotation)
        except _Bad:
            if key is not None:
                self.ids[key] = None
            raise
        group = self.groups.setdefault(source, Annotations(number, source, [], []))
        if key is not None:
            self.ids[key] = (source, len(group.spans))
        group.spans.append((number, span))

    def add_relation(self, number: int, annotation: dict) -> None:
        ends = []
        for key in _ends(annotation):
            if key not in self.ids:
                raise _Bad(f"The target “{key}” is not a span annotation of this file.")
            ends.append(self.ids[key])
        if None in ends:
            return  # a bad span's error is listed already
        (source, first), (other, second) = ends
        if source != other:
            raise _Bad(
                "A relation links two spans of one article, whose targets name it the same "
                "way (both by url, or both by urn)."
            )
        label = _label(_bodies(annotation))
        relation = {"from": first, "to": second, "label": label}
        self.groups[source].relations.append((number, relation))


def parse(file: BinaryIO) -> Iterator[Annotations | LineError]:
    document, error = read_json(file)
    if error is not None:
        yield error
        return
    try:
        items = annotations_of(document)
    except _Bad as exc:
        yield LineError(1, str(exc))
        return
    groups = _Groups()
    links = []
    for number, annotation in enumerate(items, start=1):
        try:
            if not isinstance(annotation, dict) or annotation.get("type", "Annotation") != (
                "Annotation"
            ):
                raise _Bad("An annotation is a JSON object of type Annotation.")
            if annotation.get("motivation") == "linking":
                links.append((number, annotation))
            else:
                groups.add_span(number, annotation)
        except _Bad as exc:
            yield LineError(number, str(exc))
    for number, annotation in links:  # after every span, whatever the file's order
        try:
            groups.add_relation(number, annotation)
        except _Bad as exc:
            yield LineError(number, str(exc))
    yield from groups.groups.values()
