"""brat standoff: a zip of ``article-<id>.txt`` and ``article-<id>.ann``, and an annotation.conf.

The ``.txt`` is the body in UTF-8 with its ``\\n`` line ends; brat reads it as text, so the
offsets in the ``.ann`` count code points, exactly as Assay does.

- ``T`` lines: ``T1<TAB>Label start end<TAB>text``. A span whose text holds a line break is
  written with brat's discontinuous offsets ``s1 e1;s2 e2``, split at each ``\\n`` (empty
  pieces left out), and its text is the pieces joined by a space, as brat checks it. A span of
  line breaks only has no piece and is dropped (``dropped_spans``, with its relations).
- ``A`` lines: ``Probability``, ``Confidence``, ``Status`` and ``Annotator`` of each span.
- ``N`` lines: ``N1<TAB>Reference T1 Wikidata:Q7747<TAB>Vladimir Putin`` for each actor with
  a Wikidata id.
- ``#`` lines: ``AnnotatorNotes`` with the span's note (line breaks become spaces), and one
  listing every actor as ``name (role)``, with or without a Wikidata id.
- ``R`` lines: ``R1<TAB>based_on Arg1:T1 Arg2:T2``.

brat types cannot hold spaces: label names have their whitespace turned into ``_``. The
``annotation.conf`` at the end declares the labels, relations and attribute values that were
written, and allows overlapping spans.

The zip streams: ``zipfile`` writes to a sink that cannot seek (so it uses data descriptors),
and each file's bytes are handed on as soon as they are written. What stays in memory is the
zip's central directory, a few hundred bytes per article (never per span), which the format
needs at its end.
"""

import zipfile
from collections.abc import Iterable, Iterator

from annotations.models import Confidence, Probability, SpanStatus
from annotations.selectors.exports import ExportArticle, ExportSpan

from .base import ExportStats, tag_name

_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same data gives the same zip


class _Sink:
    """A write-only, unseekable file: ``zipfile`` writes into it, ``drain`` takes the bytes."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def fragments(span: ExportSpan) -> list[tuple[int, int]]:
    """The span's offsets split at line breaks, empty pieces left out."""
    pieces, offset = [], span.start
    for line in span.text.split("\n"):
        if line:
            pieces.append((offset, offset + len(line)))
        offset += len(line) + 1
    return pieces


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def annotation_file(article: ExportArticle, stats: ExportStats, seen: dict[str, set]) -> str:
    lines = []
    ids: dict[int, str] = {}
    counters = {"A": 0, "N": 0, "#": 0}

    def next_id(kind: str) -> str:
        counters[kind] += 1
        return f"{kind}{counters[kind]}"

    for index, span in enumerate(article.spans):
        pieces = fragments(span)
        if not pieces:
            stats.dropped_spans += 1
            continue
        tid = ids[index] = f"T{len(ids) + 1}"
        label = tag_name(span.label)
        seen["entities"].add(label)
        offsets = ";".join(f"{start} {end}" for start, end in pieces)
        text = " ".join(article.body[start:end] for start, end in pieces)
        lines.append(f"{tid}\t{label} {offsets}\t{text}")
        for name, value in (
            ("Probability", span.probability),
            ("Confidence", span.confidence),
            ("Status", span.status),
            ("Annotator", span.annotator),
        ):
            if value:
                lines.append(f"{next_id('A')}\t{name} {tid} {value}")
        seen["annotators"].add(span.annotator)
        for actor in span.actors:
            if actor.wikidata_id:
                lines.append(
                    f"{next_id('N')}\tReference {tid} Wikidata:{actor.wikidata_id}"
                    f"\t{_one_line(actor.name)}"
                )
        if span.note:
            lines.append(f"{next_id('#')}\tAnnotatorNotes {tid}\t{_one_line(span.note)}")
        if span.actors:
            actors = "; ".join(f"{_one_line(a.name)} ({a.role})" for a in span.actors)
            lines.append(f"{next_id('#')}\tAnnotatorNotes {tid}\tactors: {actors}")
    relation_count = 0
    for relation in article.relations:
        if relation.from_index not in ids or relation.to_index not in ids:
            stats.dropped_relations += 1
            continue
        relation_count += 1
        label = tag_name(relation.label)
        seen["relations"].add(label)
        lines.append(
            f"R{relation_count}\t{label} "
            f"Arg1:{ids[relation.from_index]} Arg2:{ids[relation.to_index]}"
        )
    return "".join(f"{line}\n" for line in lines)


def annotation_conf(seen: dict[str, set]) -> str:
    relations = [f"{name}\tArg1:<ENTITY>, Arg2:<ENTITY>" for name in sorted(seen["relations"])]
    attributes = [
        f"Probability\tArg:<ENTITY>, Value:{'|'.join(Probability.values)}",
        f"Confidence\tArg:<ENTITY>, Value:{'|'.join(Confidence.values)}",
        f"Status\tArg:<ENTITY>, Value:{'|'.join(SpanStatus.values)}",
    ]
    if seen["annotators"]:
        attributes.append(f"Annotator\tArg:<ENTITY>, Value:{'|'.join(sorted(seen['annotators']))}")
    sections = [
        "[entities]",
        *sorted(seen["entities"]),
        "",
        "[relations]",
        *relations,
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        "",
        "[events]",
        "",
        "[attributes]",
        *attributes,
    ]
    return "\n".join(sections) + "\n"


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[bytes]:
    sink = _Sink()
    seen: dict[str, set] = {"entities": set(), "relations": set(), "annotators": set()}
    with zipfile.ZipFile(sink, "w") as archive:
        for article in articles:
            name = f"article-{article.id}"
            archive.writestr(_entry(f"{name}.txt"), article.body.encode())
            yield sink.drain()
            archive.writestr(_entry(f"{name}.ann"), annotation_file(article, stats, seen).encode())
            yield sink.drain()
        archive.writestr(_entry("annotation.conf"), annotation_conf(seen).encode())
    yield sink.drain()
