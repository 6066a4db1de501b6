"""Undo and redo: a change recorded in the span history, reverted through the span services.

A revert is itself a change with its own event, so a redo is the revert of an undo's event.
It never overwrites a newer change: the span must still be as the reverted change left it
(else ``Conflict`` naming what changed since, and who changed it).
"""

from dataclasses import dataclass

from django.db import transaction

from ..errors import Conflict
from ..models import Label, Span, SpanEvent
from ..permissions import check_span_revert
from .history import span_snapshot
from .spans import span_delete, span_restore, span_update

# The fields a change sets, as the history's snapshots hold them.
FIELDS = ("label", "start", "end", "actors", "probability", "confidence", "note", "status")
EXCERPT = 40


@dataclass(frozen=True)
class Reverted:
    """What a revert did: ``span`` as it left it (None: it deleted the span), its own
    ``event`` (reverting that one redoes the change) and the change reverted, in words."""

    span: Span | None
    event: SpanEvent
    what: str


def span_event_find(
    *, article, event_id: int | None = None, span_id: int | None = None, version=None
) -> SpanEvent:
    """The event of ``article`` with ``event_id``, or the one that brought span ``span_id``
    to ``version`` (what the page knows of a create or an edit); else ``Conflict``."""
    events = SpanEvent.objects.filter(article=article).select_related("user")
    if event_id is not None:
        event = events.filter(pk=event_id).first()
    else:
        event = next(
            (
                event
                for event in events.filter(span_id=span_id).order_by("-id")
                if event.after is not None and event.after["version"] == version
            ),
            None,
        )
    if event is None:
        raise Conflict("that change is not in this article's history.")
    return event


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _label_names(*snapshots: dict | None) -> dict[int, str]:
    ids = {snapshot["label"] for snapshot in snapshots if snapshot}
    return dict(Label.objects.filter(pk__in=ids).values_list("pk", "name"))


def _changed(old: dict, new: dict) -> list[str]:
    """The fields that differ between two snapshots (actors in any order are the same)."""

    def value(snapshot: dict, field: str):
        if field == "actors":
            return sorted((a["actor"], a["role"]) for a in snapshot["actors"])
        return snapshot[field]

    return [field for field in FIELDS if value(old, field) != value(new, field)]


def _field_words(field: str, old: dict, new: dict, names: dict[int, str]) -> str:
    if field == "label":
        return f"the label ({names.get(old['label'], '?')} → {names.get(new['label'], '?')})"
    if field in {"probability", "confidence", "status"}:
        return f"the {field} ({old[field] or 'not graded'} → {new[field] or 'not graded'})"
    if field in {"start", "end"}:
        return "the text it covers"
    return f"the {field}"


def _join(parts: list[str]) -> str:
    parts = list(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe_event(event: SpanEvent) -> str:
    """The change an event records, for "Undone: …": ``created Claim “speculations”``."""
    names = _label_names(event.before, event.after)
    shown = event.after or event.before
    span = f"{names.get(shown['label'], 'span')} “{_excerpt(shown['text'])}”"
    if event.before is None:
        return f"{'restored' if event.action == SpanEvent.Action.RESTORED else 'created'} {span}"
    if event.after is None:
        return f"deleted {span}"
    words = [
        _field_words(f, event.before, event.after, names)
        for f in _changed(event.before, event.after)
    ]
    return f"changed {_join(words)} of {span}"


def _who(event: SpanEvent | None, user) -> str:
    if event is None or event.user_id is None:
        return "someone"
    return "you (elsewhere)" if event.user_id == user.pk else event.user.get_username()


@transaction.atomic
def span_event_revert(*, event: SpanEvent, user) -> Reverted:
    """Revert the change ``event`` records: a create (or a restore of a deleted span) is
    deleted, a delete restored, an edit's fields set back. Only the user's own changes; the
    span must be as the change left it, else ``Conflict`` naming what changed since."""
    check_span_revert(own=event.user_id == user.pk)
    current = (
        Span.objects.select_for_update(of=("self",))
        .select_related("label", "annotator", "article")
        .defer("article__body")
        .filter(pk=event.span_id)
        .first()
    )
    later = (
        SpanEvent.objects.filter(span_id=event.span_id, id__gt=event.pk)
        .select_related("user")
        .order_by("-id")
        .first()
    )
    what = describe_event(event)
    if event.after is None:
        if current is not None:
            raise Conflict(f"the span is back already: {_who(later, user)} restored it.")
        span = span_restore(event=event, user=user)
    else:
        if current is None:
            raise Conflict(f"{_who(later, user)} deleted the span since.")
        now = span_snapshot(current)
        if changed := _changed(event.after, now):
            names = _label_names(event.after, now)
            words = _join([_field_words(f, event.after, now, names) for f in changed])
            raise Conflict(f"{_who(later, user)} changed {words} since.", current=current)
        if event.before is None:
            span_delete(span=current, user=user)
            span = None
        else:
            fields = {f: event.before[f] for f in _changed(event.before, event.after)}
            if "label" in fields:
                fields["label"] = Label.objects.filter(pk=fields["label"]).first()
                if fields["label"] is None:
                    raise Conflict("the label it had no longer exists.")
            if {"start", "end"} & set(fields):
                fields.update(start=event.before["start"], end=event.before["end"])
            span = span_update(span=current, user=user, version=current.version, **fields)
    own = SpanEvent.objects.filter(span_id=event.span_id).order_by("-id").first()
    return Reverted(span=span, event=own, what=what)
