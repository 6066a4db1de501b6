"""``write_orm`` as PostgreSQL ``COPY``: the fast path of an import's writes.

Ids are reserved from the tables' own sequences, then each table is one ``COPY``: one round
trip a table, no arrays to escape. On 10,000 articles with 100,000 spans of ``jsonl`` it
writes in about a third of ``bulk_create``'s time (``bench/io_bench.py --import-writer``).
It writes the rows ``checks`` made, with the columns ``write_orm`` gives them and the same
``created_event`` for the history; ``tests/imports/test_writer_copy.py`` runs both on the
same records and compares what they wrote.
"""

import json
from collections.abc import Iterable

from django.db import connection

from annotations.models import Article, Relation, Span, SpanActor, SpanEvent
from annotations.selectors.analytics_pg import LINK_FACTS

from .checks import Prepared
from .writer_orm import EVENT_COLUMNS, RELATION_COLUMNS, created_event, relation_fields

# A link carries its span's facts for the analytics (migration 0009); given here, they spare
# the trigger that would look each link's span up (a third of an import's time).
SPAN_FACTS = tuple(LINK_FACTS.values())  # a link's copies of its span's facts (0009)
LINK_COLUMNS = ("span_id", "actor_id", "role", *LINK_FACTS)


def _reserve_ids(cursor, model, count: int) -> list[int]:
    """``count`` ids from the table's own sequence, so that rows can be copied with them."""
    if not count:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _columns(model) -> tuple[str, ...]:
    """The model's columns, as ``bulk_create`` writes them: ``id`` first."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def write_copy(batch: list[Prepared], user) -> None:
    """``write_orm``'s rows, a ``COPY`` per table."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    spans = [span for prepared in batch for span in prepared.spans]
    new = [prepared.article for prepared in batch if not prepared.existing]
    with connection.cursor() as cursor:
        for article, pk in zip(new, _reserve_ids(cursor, Article, len(new)), strict=True):
            article.pk = pk
            article._state.adding = False
        for span, pk in zip(spans, _reserve_ids(cursor, Span, len(spans)), strict=True):
            span.pk = pk
        columns = _columns(Article)[1:]
        rows = ((article.pk, *(getattr(article, name) for name in columns)) for article in new)
        _copy(cursor, Article, ("id", *columns), _json(rows, ("id", *columns), "metadata", dumps))
        columns = _columns(Span)[1:]
        rows = ((span.pk, *(getattr(span, name) for name in columns)) for span in spans)
        _copy(cursor, Span, ("id", *columns), rows)
        links = (
            (span.pk, actor_id, role, *(getattr(span, name) for name in SPAN_FACTS))
            for span in spans
            for actor_id, role in span.links
        )
        _copy(cursor, SpanActor, LINK_COLUMNS, links)
        events = (created_event(span, span.links, user) for span in spans)
        rows = (tuple(event.values()) for event in events)
        _copy(cursor, SpanEvent, EVENT_COLUMNS, _json(rows, EVENT_COLUMNS, "after", dumps))
        relations = (
            relation_fields(relation, prepared)
            for prepared in batch
            for relation in prepared.relations
        )
        rows = (tuple(fields.values()) for fields in relations)
        _copy(cursor, Relation, RELATION_COLUMNS, rows)


def _json(rows: Iterable[tuple], columns: tuple[str, ...], name: str, dumps) -> Iterable[tuple]:
    """``rows`` with the JSON column ``name`` as text."""
    at = columns.index(name)
    for row in rows:
        yield (*row[:at], dumps(row[at]), *row[at + 1 :])
