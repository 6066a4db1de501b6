"""CSV, a span a row, for spreadsheets and pandas (named so as not to shadow ``csv``).

The header is the SPEC's; a null is an empty cell; ``actors`` is ``name:role`` joined by
``; ``; dates are ISO 8601. An article without a matching span has no row. Rows end in
``\\r\\n`` (RFC 4180) and there is no byte-order mark: ``pandas.read_csv`` reads it as it is.
"""

import csv
from collections.abc import Iterable, Iterator

from annotations.selectors.exports import ExportArticle

from .base import ExportStats

HEADER = (
    "article_id",
    "external_id",
    "title",
    "source",
    "published_on",
    "span_id",
    "start",
    "end",
    "text",
    "label",
    "actors",
    "probability",
    "confidence",
    "status",
    "annotator",
    "note",
    "created_at",
)


class _Line:
    """A file that keeps what ``csv.writer`` wrote last, so each row can be yielded."""

    def __init__(self):
        self.value = ""

    def write(self, text: str) -> None:
        self.value = text


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(HEADER)
    yield line.value
    for article in articles:
        published_on = article.published_on.isoformat() if article.published_on else ""
        for span in article.spans:
            writer.writerow(
                (
                    article.id,
                    article.external_id,
                    article.title,
                    article.source,
                    published_on,
                    span.id,
                    span.start,
                    span.end,
                    span.text,
                    span.label,
                    "; ".join(f"{actor.name}:{actor.role}" for actor in span.actors),
                    span.probability or "",
                    span.confidence or "",
                    span.status,
                    span.annotator,
                    span.note,
                    span.created_at.isoformat(),
                )
            )
            yield line.value
