"""W3C Web Annotation (JSON-LD): one ``AnnotationCollection`` holding one ``AnnotationPage``.

Each span is an ``Annotation`` (``id`` ``urn:assay:span:<id>``) whose ``target`` names the
article (its ``url``, or ``urn:assay:article:<id>`` when it has none) and selects the text
twice: a ``TextPositionSelector`` (``start``, ``end`` in code points) and a
``TextQuoteSelector`` (``exact``, and 32 code points of ``prefix`` and ``suffix``, fewer at
the ends of the body). Its bodies are ``TextualBody`` items: the label (purpose
``tagging``), each actor (``identifying``, with ``assay:role``, ``assay:kind`` and
``assay:wikidata_id``), the probability and confidence (``assessing``, with
``assay:property``) and the note (``commenting``). A relation is an annotation with
motivation ``linking``, its label as a ``tagging`` body and the two span annotations as
targets. ``assay:`` terms are absolute IRIs in JSON-LD, so they survive expansion.

The collection streams: its opening, the annotations joined by commas, then its closing with
the ``total``.
"""

from collections.abc import Iterable, Iterator

from annotations.selectors.exports import ExportArticle, ExportSpan

from .base import ExportStats, encode_json

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 32


def _body(purpose: str, value: str, **extra) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, **extra}


def span_annotation(article: ExportArticle, span: ExportSpan) -> dict:
    body = article.body
    bodies = [_body("tagging", span.label)]
    for actor in span.actors:
        extra = {"assay:role": actor.role, "assay:kind": actor.kind}
        if actor.wikidata_id:
            extra["assay:wikidata_id"] = actor.wikidata_id
        bodies.append(_body("identifying", actor.name, **extra))
    for name in ("probability", "confidence"):
        if value := getattr(span, name):
            bodies.append(_body("assessing", value, **{"assay:property": name}))
    if span.note:
        bodies.append(_body("commenting", span.note))
    return {
        "id": f"urn:assay:span:{span.id}",
        "type": "Annotation",
        "motivation": "tagging",
        "created": span.created_at.isoformat(),
        "modified": span.updated_at.isoformat(),
        "creator": {"type": "Person", "nickname": span.annotator},
        "assay:status": span.status,
        "body": bodies,
        "target": {
            "source": article_source(article),
            "selector": [
                {"type": "TextPositionSelector", "start": span.start, "end": span.end},
                {
                    "type": "TextQuoteSelector",
                    "exact": span.text,
                    "prefix": body[max(span.start - QUOTE_CONTEXT, 0) : span.start],
                    "suffix": body[span.end : span.end + QUOTE_CONTEXT],
                },
            ],
        },
    }


def article_source(article: ExportArticle) -> str:
    return article.url or f"urn:assay:article:{article.id}"


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    opening = {"@context": CONTEXT, "type": "AnnotationCollection", "label": "Assay export"}
    yield encode_json(opening)[:-1]
    yield ', "first": {"type": "AnnotationPage", "startIndex": 0, "items": [\n'
    total = 0
    for article in articles:
        for span in article.spans:
            yield (",\n" if total else "") + encode_json(span_annotation(article, span))
            total += 1
        for relation in article.relations:
            source, target = article.spans[relation.from_index], article.spans[relation.to_index]
            item = {
                "id": f"urn:assay:relation:{relation.id}",
                "type": "Annotation",
                "motivation": "linking",
                "creator": {"type": "Person", "nickname": relation.annotator},
                "body": [_body("tagging", relation.label)],
                "target": [f"urn:assay:span:{source.id}", f"urn:assay:span:{target.id}"],
            }
            yield (",\n" if total else "") + encode_json(item)
            total += 1
    yield f'\n]}}, "total": {total}}}\n'
