"""Undo and redo: a change recorded in the span history, reverted through the span services.

A revert is itself a change with its own event, so a redo is the revert of an undo's event.
It never overwrites a newer change: the span must still be as the reverted change left it
(else ``Conflict`` naming what changed since, and who changed it). A group of changes (what
one accept-all or label-all made) is reverted as one: each by the same rule, all or nothing.
"""

from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from ..errors import Conflict
from ..models import Actor, Article, Label, Relation, Span, SpanActor, SpanEvent
from ..permissions import MEMBER_ROLES, check_role, check_span_revert, user_role
from .history import record_events, span_event, span_snapshot
from .relations import RelationFacts, relations_of_spans, relations_restore
from .span_occurrences import MAX_OCCURRENCES
from .spans import (
    RestoreFacts,
    check_span_delete_by,
    span_delete,
    span_restore,
    span_restore_checked,
    span_update,
    spans_deleted_relations,
)

User = get_user_model()

# The fields a change sets, as the history's snapshots hold them.
FIELDS = ("label", "start", "end", "actors", "probability", "confidence", "note", "status")
EXCERPT = 40
# A group reverted at once: as many as an accept-all or a label-all makes, so each of them can
# be undone. A group of creates or of deletes (an undo of an accept-all, its redo) is reverted in
# a few queries whatever its size (``revert_creates``, ``revert_deletes``); any other group
# change by change (about 17 queries each).
MAX_GROUP = MAX_OCCURRENCES


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


def check_group_size(count: int) -> None:
    """A group reverted at once: at least one change, at most ``MAX_GROUP``."""
    if not count:
        raise ValidationError("No change was named.")
    if count > MAX_GROUP:
        raise ValidationError(f"{count:,} changes at once; at most {MAX_GROUP:,}.")


def span_events_find(*, article, event_ids: Iterable[int]) -> list[SpanEvent]:
    """The events of ``article`` with these ids (a group the page reverts as one), newest
    first, the order they are reverted in; ``Conflict`` if one is not in its history."""
    wanted = set(event_ids)
    check_group_size(len(wanted))
    events = list(
        SpanEvent.objects.filter(article=article, pk__in=wanted)
        .select_related("user")
        .order_by("-id")
    )
    if missing := len(wanted) - len(events):
        raise Conflict(
            f"{missing:,} of those {len(wanted):,} changes {'is' if missing == 1 else 'are'} "
            "not in this article's history."
        )
    return events


def span_events_latest(*, spans: Iterable[Span]) -> list[int]:
    """The event that brought each of ``spans`` to its state now (a create, for spans just
    made): the group the page keeps to undo an accept-all or a label-all in one go."""
    return list(
        SpanEvent.objects.filter(span_id__in=[span.pk for span in spans])
        .values("span_id")
        .annotate(last=Max("id"))
        .order_by("last")
        .values_list("last", flat=True)
    )


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


def _verb(event: SpanEvent) -> str:
    if event.before is None:
        return "restored" if event.action == SpanEvent.Action.RESTORED else "created"
    return "deleted" if event.after is None else "changed"


def _span_words(event: SpanEvent, names: dict[int, str]) -> str:
    shown = event.after or event.before
    return f"{names.get(shown['label'], 'span')} “{_excerpt(shown['text'])}”"


def describe_event(event: SpanEvent, names: dict[int, str] | None = None) -> str:
    """The change an event records, for "Undone: …": ``created Claim “speculations”``
    (``names``: the label names, read already for a group's events)."""
    if names is None:
        names = _label_names(event.before, event.after)
    span = _span_words(event, names)
    if (verb := _verb(event)) != "changed":
        return f"{verb} {span}"
    words = [
        _field_words(f, event.before, event.after, names)
        for f in _changed(event.before, event.after)
    ]
    return f"changed {_join(words)} of {span}"


def _who_since(event: SpanEvent, user) -> str:
    """Who made the span's latest change after ``event``: read only for a refusal."""
    later = (
        SpanEvent.objects.filter(span_id=event.span_id, id__gt=event.pk)
        .select_related("user")
        .order_by("-id")
        .first()
    )
    if later is None or later.user_id is None:
        return "someone"
    return "you (elsewhere)" if later.user_id == user.pk else later.user.get_username()


def _check_gone(event: SpanEvent, back: bool, user) -> None:
    """A delete is reverted while the span is gone; else ``Conflict`` naming who restored it."""
    if back:
        raise Conflict(f"the span is back already: {_who_since(event, user)} restored it.")


def _check_as_left(event: SpanEvent, current: Span | None, user, actors=None) -> dict:
    """The span a revert changes must be as ``event`` left it (``current``, locked; ``actors``
    its links, read already for a group); else ``Conflict`` naming what changed since and who
    changed it. Answers its snapshot now."""
    if current is None:
        raise Conflict(f"{_who_since(event, user)} deleted the span since.")
    now = span_snapshot(current, actors)
    if changed := _changed(event.after, now):
        names = _label_names(event.after, now)
        words = _join([_field_words(f, event.after, now, names) for f in changed])
        raise Conflict(f"{_who_since(event, user)} changed {words} since.", current=current)
    return now


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
    what = describe_event(event)
    if event.after is None:
        _check_gone(event, current is not None, user)
        span = span_restore(event=event, user=user)
    else:
        _check_as_left(event, current, user)
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


def _count(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe_events(events: list[SpanEvent]) -> str:
    """A group of changes, for "Undone: …": ``created 37 spans (Actor)``, ``created 5 spans
    (3 Claim, 2 Denial)``; one change as ``describe_event`` says it."""
    if len(events) == 1:
        return describe_event(events[0])
    shown = [event.after or event.before for event in events]
    names = _label_names(*shown)
    labels = Counter(names.get(snapshot["label"], "?") for snapshot in shown).most_common()
    if len(labels) == 1:
        kinds = labels[0][0]
    else:
        kinds = ", ".join(f"{count:,} {name}" for name, count in labels)
    verbs = Counter(_verb(event) for event in events).most_common()
    return _join([f"{verb} {_count(count, 'span')}" for verb, count in verbs]) + f" ({kinds})"


@transaction.atomic
def span_events_revert(*, events: list[SpanEvent], user) -> list[Reverted]:
    """Revert a group of changes as one (what an accept-all or a label-all made, or the
    group's undo, for a redo): each through ``span_event_revert``, newest first, all or
    nothing. The first refusal reverts none and names the span it stopped at. A group of
    creates (an undo) goes through ``revert_creates``, of deletes (a redo) through
    ``revert_deletes``: a few queries whatever the group's size, held to ``revert_each`` by
    tests/services/test_undo_batch.py."""
    check_group_size(len(events))
    events = sorted(events, key=lambda event: event.pk, reverse=True)
    if all_creates(events):
        return revert_creates(events, user)
    if all_deletes(events):
        return revert_deletes(events, user)
    return revert_each(events, user)


def revert_each(events: list[SpanEvent], user) -> list[Reverted]:
    """``span_events_revert`` change by change (``events`` newest first): the twin of
    ``revert_creates`` and ``revert_deletes``, and the way of any other group."""
    reverted = []
    for event in events:
        with _in_group(event, len(events)):
            reverted.append(span_event_revert(event=event, user=user))
    return reverted


@contextmanager
def _in_group(event: SpanEvent, count: int, names: dict[int, str] | None = None):
    """A refusal of one change of a group names its span and says none was changed."""
    try:
        yield
    except Conflict as exc:
        span = _span_words(event, names or _label_names(event.before, event.after))
        raise Conflict(
            f"{span}: {exc.message} None of the {_count(count, 'span')} was changed.",
            current=exc.current,
        ) from exc


def all_creates(events: list[SpanEvent]) -> bool:
    """Each a create or a restore, of a span of its own: their reverts are deletes."""
    return _each_own_span(events) and all(
        event.before is None and event.after is not None for event in events
    )


def all_deletes(events: list[SpanEvent]) -> bool:
    """Each a delete, of a span of its own: their reverts are restores."""
    return _each_own_span(events) and all(
        event.before is not None and event.after is None for event in events
    )


def _each_own_span(events: list[SpanEvent]) -> bool:
    return len({event.span_id for event in events}) == len(events)


def revert_creates(events: list[SpanEvent], user) -> list[Reverted]:
    """``span_event_revert`` of each of ``events`` (creates, newest first), in a few queries
    whatever their number: the spans and their links read and locked at once, each change
    checked by the same rules in the same order (the first refusal stops the group), then one
    INSERT of the ``deleted`` events (as ``span_delete`` records them) and one DELETE."""
    ids = [event.span_id for event in events]
    spans = {
        span.pk: span
        for span in Span.objects.select_for_update(of=("self",))
        .select_related("label", "annotator", "article")
        .defer("article__body")
        .filter(pk__in=ids)
    }
    actors = {pk: [] for pk in spans}
    links = SpanActor.objects.filter(span_id__in=ids).order_by("id")
    for span_id, actor_id, role in links.values_list("span_id", "actor_id", "role"):
        actors[span_id].append((actor_id, role))
    names = _label_names(*(event.after for event in events))
    roles: dict[int, str | None] = {}
    befores = []
    for event in events:
        with _in_group(event, len(events), names):
            check_span_revert(own=event.user_id == user.pk)
            current = spans.get(event.span_id)
            befores.append(_check_as_left(event, current, user, actors.get(event.span_id)))
            if current.project_id not in roles:
                roles[current.project_id] = user_role(project=current.project_id, user=user)
            role = check_role(roles[current.project_id], MEMBER_ROLES, "delete spans")
            check_span_delete_by(current, user, role)
    # A relation between two spans of the group goes with the first deleted, as one by one.
    taken: dict[int, list[dict]] = {}
    for relation in relations_of_spans(ids):
        first = next(pk for pk in ids if pk in (relation["from_span"], relation["to_span"]))
        taken.setdefault(first, []).append(relation)
    own = record_events(
        span_event(
            spans[event.span_id],
            SpanEvent.Action.DELETED,
            user,
            before,
            None,
            relations=taken.get(event.span_id, []),
        )
        for event, before in zip(events, befores, strict=True)
    )
    Span.objects.filter(pk__in=ids).delete()
    return [
        Reverted(span=None, event=mine, what=describe_event(event, names))
        for event, mine in zip(events, own, strict=True)
    ]


class _GroupFacts(RestoreFacts, RelationFacts):
    """What the restores of a group's spans and of their relations read (``RestoreFacts``,
    ``RelationFacts``), read once for the group; the spans and relations restored one after
    the other are counted as there, as they would be one by one."""

    def __init__(self, events: list[SpanEvent], relations: dict[int, list[dict]]):
        targets = [event.before for event in events]
        snapshots = [r for rs in relations.values() for r in rs]
        ends = {r[end] for r in snapshots for end in ("from_span", "to_span")}
        sources = {t["source_span"] for t in targets if t.get("source_span")}
        self.spans = dict(Span.objects.filter(pk__in=ends | sources).values_list("pk", "article"))
        label_ids = {t["label"] for t in targets} | {r["label"] for r in snapshots}
        self.labels = Label.objects.in_bulk(label_ids)
        names = {t["annotator"] for t in targets} | {r["annotator"] for r in snapshots}
        self.users = {u.get_username(): u for u in User.objects.filter(username__in=names)}
        actor_ids = {a["actor"] for t in targets for a in t["actors"]}
        self.actors = set(Actor.objects.filter(pk__in=actor_ids).values_list("pk", flat=True))
        self.articles = Article.objects.in_bulk({event.article_id for event in events})
        self.versions: dict[int, int] = {}
        pairs = SpanEvent.objects.filter(span_id__in=[event.span_id for event in events])
        for span_id, *pair in pairs.values_list("span_id", "before", "after"):
            for snapshot in filter(None, pair):
                self.versions[span_id] = max(self.versions.get(span_id, 0), snapshot["version"])
        existing = Relation.objects.filter(
            Q(pk__in=[r["id"] for r in snapshots]) | Q(from_span__in=ends, to_span__in=ends)
        ).values_list("pk", "from_span", "to_span", "label", "annotator")
        self.relation_ids = {pk for pk, *_ in existing}
        self.relation_keys = {tuple(keys) for _, *keys in existing}
        self.kept: list[Relation] = []
        self.roles: dict[int, str | None] = {}

    def role(self, project_id: int, user) -> str | None:
        if project_id not in self.roles:
            self.roles[project_id] = super().role(project_id, user)
        return self.roles[project_id]

    def label(self, label_id: int, project_id: int | None = None) -> Label | None:
        label = self.labels.get(label_id)
        return label if project_id is None or (label and label.project_id == project_id) else None

    def actors_found(self, ids: set[int]) -> set[int]:
        return ids & self.actors

    def last_version(self, span_id: int) -> int:
        return self.versions.get(span_id, 0)

    def span_found(self, span_id: int | None) -> int | None:
        return span_id if span_id in self.spans else None

    def article(self, article_id: int) -> Article | None:
        return self.articles.get(article_id)

    def user(self, username: str):
        return self.users.get(username)

    def spans_found(self, ids: set[int], article_id: int) -> int:
        return sum(self.spans.get(pk) == article_id for pk in ids)

    def relation_exists(self, pk: int, keys: dict) -> bool:
        key = (keys["from_span_id"], keys["to_span_id"], keys["label"].pk, keys["annotator"].pk)
        return pk in self.relation_ids or key in self.relation_keys

    def keep(self, relation: Relation) -> None:
        self.kept.append(relation)
        self.relation_ids.add(relation.pk)
        key = (relation.from_span_id, relation.to_span_id, relation.label_id)
        self.relation_keys.add((*key, relation.annotator_id))

    def restored(self, span: Span) -> None:
        self.spans[span.pk] = span.article_id


def revert_deletes(events: list[SpanEvent], user) -> list[Reverted]:
    """``span_event_revert`` of each of ``events`` (deletes, newest first) in a few queries
    whatever their number: the facts the restores read (``_GroupFacts``) read once, each span
    through ``span_restore_checked`` and its relations through ``relations_restore``, in the
    same order (the first refusal stops the group), then the spans, links, relations and
    ``restored`` events in an INSERT each. A span whose place is taken meanwhile (the unique
    constraints) sends the group through ``revert_each``, which names it."""
    ids = [event.span_id for event in events]
    back = set(
        Span.objects.select_for_update(of=("self",)).filter(pk__in=ids).values_list("pk", flat=True)
    )
    relations = spans_deleted_relations(ids)
    facts = _GroupFacts(events, relations)
    names = _label_names(*(event.before for event in events))
    restored = []
    for event in events:
        with _in_group(event, len(events), names):
            check_span_revert(own=event.user_id == user.pk)
            _check_gone(event, event.span_id in back, user)
            span, links, _ = span_restore_checked(event=event, user=user, current=None, facts=facts)
            facts.restored(span)
            brought = relations_restore(
                span=span, snapshots=relations.get(span.pk, []), facts=facts
            )
            restored.append((span, links, brought))
    try:
        with transaction.atomic():
            Span.objects.bulk_create(span for span, _, _ in restored)
            SpanActor.objects.bulk_create(
                SpanActor(span=span, actor_id=actor_id, role=role)
                for span, links, _ in restored
                for actor_id, role in links
            )
            Relation.objects.bulk_create(facts.kept)
    except IntegrityError:
        with transaction.atomic():  # all or nothing, as span_events_revert
            return revert_each(events, user)
    own = record_events(
        span_event(
            span,
            SpanEvent.Action.RESTORED,
            user,
            None,
            span_snapshot(span, links),
            relations=brought,
        )
        for span, links, brought in restored
    )
    return [
        Reverted(span=span, event=mine, what=describe_event(event, names))
        for event, (span, _, _), mine in zip(events, restored, own, strict=True)
    ]
