"""spaCy / Prodigy span JSONL: ``{"text", "spans": [{"start", "end", "label"}], "meta"}``.

Character offsets in code points, which is what ``Doc.char_span`` takes. Prodigy shows
``meta`` under the task; the span's annotator, status and ICD 203 grades go in each span as
extra keys, which spaCy and Prodigy ignore.
"""

from collections.abc import Iterable, Iterator

from annotations.selectors.exports import ExportArticle

from .base import ExportStats, encode_json


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    for article in articles:
        record = {
            "text": article.body,
            "spans": [
                {
                    "start": span.start,
                    "end": span.end,
                    "label": span.label,
                    "annotator": span.annotator,
                    "status": span.status,
                    "probability": span.probability,
                    "confidence": span.confidence,
                }
                for span in article.spans
            ],
            "meta": {
                "article_id": article.id,
                "external_id": article.external_id,
                "title": article.title,
                "source": article.source,
                "url": article.url,
                "published_on": article.published_on.isoformat() if article.published_on else None,
            },
        }
        yield encode_json(record) + "\n"
