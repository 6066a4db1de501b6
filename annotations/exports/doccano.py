"""doccano's sequence-labelling JSONL: ``{"text", "label": [[start, end, "Label"], ...]}``.

Offsets are code points, as doccano stores them. doccano keeps any other key of a line as the
example's metadata, so ``article_id``, ``external_id``, ``title``, ``source`` and ``url`` ride
along. Every annotator's spans go into the one ``label`` list: filter by annotator for one
person's view. Relations and actors have no place in this format and are left out.
"""

from collections.abc import Iterable, Iterator

from annotations.selectors.exports import ExportArticle

from .base import ExportStats, encode_json


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    for article in articles:
        record = {
            "text": article.body,
            "label": [[span.start, span.end, span.label] for span in article.spans],
            "article_id": article.id,
            "external_id": article.external_id,
            "title": article.title,
            "source": article.source,
            "url": article.url,
        }
        yield encode_json(record) + "\n"
