"""The import's writes with the ORM: a ``bulk_create`` per table for a batch of checked rows.

``writer_copy`` is its PostgreSQL fast path and writes the same rows; the two share the
history event (``created_event``: ``services.span_snapshot`` of the span as written) and the
relation's columns (``relation_fields``).
"""

from typing import Any

from annotations import services
from annotations.models import Article, Relation, Span, SpanActor, SpanEvent

from .checks import CheckedRelation, Prepared


def write_orm(batch: list[Prepared], user) -> None:
    """A batch of checked rows written with ``bulk_create``, a statement per table."""
    Article.objects.bulk_create([prepared.article for prepared in batch if not prepared.existing])
    checked = [span for prepared in batch for span in prepared.spans]
    spans = Span.objects.bulk_create([span.instance() for span in checked])
    for row, span in zip(checked, spans, strict=True):
        row.pk = span.pk
    SpanActor.objects.bulk_create(
        SpanActor(span_id=span.pk, actor_id=actor_id, role=role)
        for span in checked
        for actor_id, role in span.links
    )
    SpanEvent.objects.bulk_create(
        SpanEvent(**created_event(span, row.links, user))
        for row, span in zip(checked, spans, strict=True)
    )
    relations = [(relation, prepared) for prepared in batch for relation in prepared.relations]
    Relation.objects.bulk_create(Relation(**relation_fields(*pair)) for pair in relations)


EVENT_COLUMNS = (
    "span_id",
    "article_id",
    "project_id",
    "action",
    "user_id",
    "at",
    "before",
    "after",
)
RELATION_COLUMNS = (
    "article_id", "from_span_id", "to_span_id", "label_id", "annotator_id", "created_at",
)  # fmt: skip


def created_event(span, links: list[tuple[int, str]], user) -> dict[str, Any]:
    """The columns of a span's ``created`` history event (``EVENT_COLUMNS``), once it is
    written: both writers' (``span`` is the ``Span`` or, for ``COPY``, the ``CheckedSpan``)."""
    snapshot = services.span_snapshot(span, links)
    values = (span.pk, span.article_id, span.project_id, SpanEvent.Action.CREATED.value, user.pk)
    return dict(zip(EVENT_COLUMNS, (*values, span.created_at, None, snapshot), strict=True))


def relation_fields(relation: CheckedRelation, prepared: Prepared) -> dict[str, Any]:
    """The columns of a relation the import writes (``RELATION_COLUMNS``), once its spans
    have ids."""
    source = relation.source
    values = (prepared.article.pk, source.pk, relation.target.pk, relation.label.pk)
    values += (source.annotator.pk, prepared.at)
    return dict(zip(RELATION_COLUMNS, values, strict=True))
