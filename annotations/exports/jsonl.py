"""Assay's own format, lossless: an article a line, its spans and relations inside it.

Keys come in the SPEC's order and ``metadata`` with its keys sorted (PostgreSQL's jsonb and
SQLite store them in different orders), so the same data always gives the same bytes; only
``ids`` and timestamps are left out, so a round trip through the importer is exact.

A line is what ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))`` gives for

    {"external_id", "title", "body", "source", "url", "published_on", "author", "language",
     "metadata", "spans": [{"start", "end", "text", "label", "actors": [{"name", "kind",
     "wikidata_id", "role"}], "probability", "confidence", "note", "status", "annotator"}],
     "relations": [{"from", "to", "label"}]}

but it is put together from pieces: a million spans are a million dicts otherwise. Every
string goes through the encoder's own string escaping (``encode_basestring``, what ``dumps``
calls), and the few values that repeat (labels, statuses, grades, usernames, actors) are
escaped once per export.
"""

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring

from annotations.selectors.exports import ExportArticle

from .base import ExportStats

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sorted_json(value):
    if isinstance(value, dict):
        return {key: _sorted_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(item) for item in value]
    return value


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


class _Strings(dict):
    """Optional strings as JSON, each escaped once: for the values that repeat."""

    def __missing__(self, value: str | None) -> str:
        text = self[value] = _string(value)
        return text


def _actor(actor) -> str:
    return (
        f'{{"name":{_string(actor.name)},"kind":{_string(actor.kind)},'
        f'"wikidata_id":{_string(actor.wikidata_id)},"role":{_string(actor.role)}}}'
    )


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    strings = _Strings()
    # By identity: the selector shares one object per actor and role across the export, and
    # each is kept alive here with its text, so that its id cannot pass to another object.
    actors: dict[int, tuple[object, str]] = {}
    for article in articles:
        spans = []
        for span in article.spans:
            names = ""
            if span.actors:
                texts = []
                for actor in span.actors:
                    known = actors.get(id(actor))
                    if known is None:
                        known = actors[id(actor)] = (actor, _actor(actor))
                    texts.append(known[1])
                names = ",".join(texts)
            spans.append(
                f'{{"start":{span.start:d},"end":{span.end:d},'
                f'"text":{encode_basestring(span.text)},"label":{strings[span.label]},'
                f'"actors":[{names}],"probability":{strings[span.probability]},'
                f'"confidence":{strings[span.confidence]},'
                f'"note":{encode_basestring(span.note)},"status":{strings[span.status]},'
                f'"annotator":{strings[span.annotator]}}}'
            )
        relations = [
            f'{{"from":{relation.from_index:d},"to":{relation.to_index:d},'
            f'"label":{strings[relation.label]}}}'
            for relation in article.relations
        ]
        published_on = article.published_on.isoformat() if article.published_on else None
        yield (
            f'{{"external_id":{_string(article.external_id)},"title":{_string(article.title)},'
            f'"body":{_string(article.body)},"source":{_string(article.source)},'
            f'"url":{_string(article.url)},"published_on":{_string(published_on)},'
            f'"author":{_string(article.author)},"language":{_string(article.language)},'
            f'"metadata":{_encode(_sorted_json(article.metadata))},'
            f'"spans":[{",".join(spans)}],"relations":[{",".join(relations)}]}}\n'
        )
