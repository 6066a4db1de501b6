"""The span history: the snapshot of a span and the event that records a change."""

from collections.abc import Iterable

from ..models import (
    Relation,
    Span,
    SpanEvent,
)


def span_snapshot(span: Span, actors: Iterable[tuple[int, str]] | None = None) -> dict:
    """The span as the API shows it; what the history stores before and after each change."""
    if actors is None:
        actors = span.span_actors.order_by("id").values_list("actor_id", "role")
    return {
        "id": span.pk,
        "article": span.article_id,
        "project": span.project_id,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "label": span.label_id,
        "actors": [{"actor": actor_id, "role": role} for actor_id, role in actors],
        "probability": span.probability,
        "confidence": span.confidence,
        "note": span.note,
        "status": span.status,
        "gold": span.gold,
        "source_span": span.source_span_id,
        "annotator": span.annotator.get_username(),
        "version": span.version,
        "created_at": span.created_at.isoformat(),
        "updated_at": span.updated_at.isoformat(),
    }


def record_event(
    span: Span,
    action: str,
    user,
    before: dict | None,
    after: dict | None,
    *,
    relations: list[dict] | None = None,
) -> SpanEvent:
    """The history record of a change to ``span``: its snapshots before and after, and the
    relations a delete took with it or a restore brought back (``relation_snapshot``)."""
    event = span_event(span, action, user, before, after, relations=relations)
    event.save(force_insert=True)
    return event


def record_events(events: Iterable[SpanEvent]) -> list[SpanEvent]:
    """``record_event`` for many changes at once (``span_event`` builds each): one INSERT."""
    return SpanEvent.objects.bulk_create(events)


def span_event(
    span: Span,
    action: str,
    user,
    before: dict | None,
    after: dict | None,
    *,
    relations: list[dict] | None = None,
) -> SpanEvent:
    """The row ``record_event`` stores, not yet stored."""
    return SpanEvent(
        span_id=span.pk,
        article_id=span.article_id,
        project_id=span.project_id,
        action=action,
        user=user,
        before=before,
        after=after,
        relations=relations,
    )


def relation_snapshot(relation: Relation) -> dict:
    """A relation as the API shows it (but its article), for the span events."""
    return {
        "id": relation.pk,
        "from_span": relation.from_span_id,
        "to_span": relation.to_span_id,
        "label": relation.label_id,
        "annotator": relation.annotator.get_username(),
        "created_at": relation.created_at.isoformat(),
    }
