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

On PostgreSQL the database writes each span's text around its actors (``span_text``), with
``to_json(value)::text`` for a string: PostgreSQL's ``escape_json`` escapes exactly what
``encode_basestring`` does (``"``, ``\\``, the control characters, as ``\\n`` and the like
or ``\\u00XX`` in lower case) and passes every other character as it is, and text in the
database cannot hold the NUL or the lone surrogates on which they could differ. Building the
spans' text in Python was most of an export's time.
"""

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring

from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Cast, Coalesce

from annotations.selectors import ExportArticle, SpanText, WrittenSpan, joined_text

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


def _sql_string(expression) -> Func:
    """A string as JSON, escaped by PostgreSQL: ``to_json(expression)::text``."""
    return Cast(Func(expression, function="to_json"), TextField())


def _sql_optional(name: str) -> Coalesce:
    return Coalesce(_sql_string(F(name)), Value("null"))


def span_text() -> SpanText:
    """A span's text, as ``write`` puts it together, before and after its actors."""
    return SpanText(
        head=joined_text(
            Value('{"start":'),
            Cast("start", TextField()),
            Value(',"end":'),
            Cast("end", TextField()),
            Value(',"text":'),
            _sql_string(F("text")),
            Value(',"label":'),
            _sql_string(F("label__name")),
            Value(',"actors":['),
        ),
        tail=joined_text(
            Value('],"probability":'),
            _sql_optional("probability"),
            Value(',"confidence":'),
            _sql_optional("confidence"),
            Value(',"note":'),
            _sql_string(F("note")),
            Value(',"status":'),
            _sql_string(F("status")),
            Value(',"annotator":'),
            _sql_string(F("annotator__username")),
            Value("}"),
        ),
    )


class _Actors:
    """Actors as JSON, joined by commas, each written once per export.

    By identity: the selector shares one object per actor and role across the export (and one
    tuple per set of them with ``WrittenSpan``), and each is kept alive here with its text, so
    that its id cannot pass to another object.
    """

    def __init__(self):
        self._texts: dict[int, tuple[object, str]] = {}

    def _one(self, actor) -> str:
        known = self._texts.get(id(actor))
        if known is None:
            known = self._texts[id(actor)] = (actor, _actor(actor))
        return known[1]

    def joined(self, actors) -> str:
        return ",".join(self._one(actor) for actor in actors)

    def shared(self, actors: tuple) -> str:
        """``joined`` for a tuple the selector shares, remembered with it."""
        known = self._texts.get(id(actors))
        if known is None:
            known = self._texts[id(actors)] = (actors, self.joined(actors))
        return known[1]


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    strings = _Strings()
    actors = _Actors()
    for article in articles:
        spans = []
        for span in article.spans:
            if type(span) is WrittenSpan:
                spans.append(f"{span.head}{actors.shared(span.actors)}{span.tail}")
                continue
            names = actors.joined(span.actors) if span.actors else ""
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
