"""Label Studio's JSON tasks, each with its annotations, for a text-labelling project.

A task per article: ``data`` holds ``text`` (the body) and the article's fields; one
annotation per annotator, because Label Studio's annotations belong to one user each (their
usernames, in the same order, are in ``data.assay_annotators``; Label Studio sets the
annotation's owner to whoever imports the file). A span is a result of type ``labels`` whose
``value`` has ``start`` and ``end`` in code points, as Label Studio stores them, the
``text`` and ``labels``; its note goes in the region's ``meta.text``. A relation is a result of
type ``relation`` (``from_id``, ``to_id``, ``direction`` ``right``, ``labels``); one whose two
spans belong to different annotators cannot be drawn in either's annotation and is dropped
(``dropped_relations``). The file imports into a project with this labelling config:

    <View>
      <Labels name="label" toName="text"><Label value="Assessment"/> ...</Labels>
      <Relations><Relation value="based on"/> ...</Relations>
      <Text name="text" value="$text"/>
    </View>

The task list streams: ``[``, the tasks joined by commas, ``]``.
"""

from collections.abc import Iterable, Iterator

from annotations.selectors.exports import ExportArticle

from .base import ExportStats, encode_json


def task(article: ExportArticle, stats: ExportStats) -> dict:
    results: dict[str, list] = {}
    for span in article.spans:
        region = {
            "id": f"span-{span.id}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "labels": [span.label],
            },
        }
        if span.note:
            region["meta"] = {"text": [span.note]}
        results.setdefault(span.annotator, []).append(region)
    for relation in article.relations:
        source, target = article.spans[relation.from_index], article.spans[relation.to_index]
        if source.annotator != target.annotator:
            stats.dropped_relations += 1
            continue
        results[source.annotator].append(
            {
                "from_id": f"span-{source.id}",
                "to_id": f"span-{target.id}",
                "type": "relation",
                "direction": "right",
                "labels": [relation.label],
            }
        )
    return {
        "data": {
            "text": article.body,
            "title": article.title,
            "article_id": article.id,
            "external_id": article.external_id,
            "source": article.source,
            "url": article.url,
            "published_on": article.published_on.isoformat() if article.published_on else None,
            "assay_annotators": list(results),
        },
        "annotations": [
            {"result": result, "was_cancelled": False, "ground_truth": False}
            for result in results.values()
        ],
    }


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    yield "["
    first = True
    for article in articles:
        yield ("\n" if first else ",\n") + encode_json(task(article, stats))
        first = False
    yield "\n]\n"
