"""Assay's own format, lossless: an article a line, its spans and relations inside it.

Keys come in the SPEC's order and ``metadata`` with its keys sorted (PostgreSQL's jsonb and
SQLite store them in different orders), so the same data always gives the same bytes; only
``ids`` and timestamps are left out, so a round trip through the importer is exact.
"""

import json
from collections.abc import Iterable, Iterator

from annotations.selectors import ExportArticle

from .base import ExportStats


def _sorted_json(value):
    if isinstance(value, dict):
        return {key: _sorted_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(item) for item in value]
    return value


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def article_record(article: ExportArticle) -> dict:
    return {
        "external_id": article.external_id,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "url": article.url,
        "published_on": article.published_on.isoformat() if article.published_on else None,
        "author": article.author,
        "language": article.language,
        "metadata": _sorted_json(article.metadata),
        "spans": [
            {
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "label": span.label,
                "actors": [
                    {
                        "name": actor.name,
                        "kind": actor.kind,
                        "wikidata_id": actor.wikidata_id,
                        "role": actor.role,
                    }
                    for actor in span.actors
                ],
                "probability": span.probability,
                "confidence": span.confidence,
                "note": span.note,
                "status": span.status,
                "annotator": span.annotator,
            }
            for span in article.spans
        ],
        "relations": [
            {"from": relation.from_index, "to": relation.to_index, "label": relation.label}
            for relation in article.relations
        ],
    }


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    for article in articles:
        yield _encode(article_record(article)) + "\n"
