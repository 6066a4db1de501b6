"""Many spans at once, all or nothing: ``span_bulk_create`` (the API's bulk create, the annotate
page's "accept all" and "label all occurrences").

Each item goes through ``spans.span_checked``, which holds ``span_create``'s rules in their
order. Here its facts come from reads made once for the whole batch (``BatchFacts``: the
articles, the user's roles, the labels, the spans already at the items' places, the actors
named). Then the batch is written in three INSERTs: the spans, their actor links and their
``created`` events (``history.record_events``). The database's triggers (search vectors, the
links' copies of their span's facts, SQLite's FTS5 rows) fire on these inserts as on one.

The twin is ``span_bulk_create_each``: one ``span_create`` per item, each in a savepoint. It
also answers where the batch could not answer the same way (``_Fallback``): an item of an
unusual shape, a second gold span at one place in the batch (its error names the first
one's id, which exists only once the first one is stored), or a span stored by another
request in the meantime (``IntegrityError``). tests/services/test_span_bulk_create.py holds
the two to the same spans, links, events and errors. bench/bulk_create_bench.py: figures.
"""

import functools
import inspect
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from ..errors import describe
from ..models import Actor, Article, Label, Membership, Span, SpanActor, SpanEvent
from ..permissions import role_of
from .history import record_events, span_event, span_snapshot
from .span_rules import actor_ids_found, duplicate_span_error, span_unique_keys
from .spans import (
    SpanFacts,
    _error_payload,
    body_in_hand,
    role_and_slice,
    span_checked,
    span_create,
)
from .spans_sql import bodies_for_spans


class BulkValidationError(ValidationError):
    """Items of a bulk create are invalid.

    ``item_errors`` is ``[{"index": 0-based, "errors": {field: [messages]}}]``; the messages
    (``message_dict["items"]``) say the same in words. Django's ValidationError cannot hold a
    dict per item itself: ``ValidationError({"items": [dict, ...]})`` raises AttributeError.
    """

    def __init__(self, item_errors: list[dict[str, Any]]):
        super().__init__({"items": [_describe_item_error(error) for error in item_errors]})
        self.item_errors = item_errors


def _describe_item_error(error: dict[str, Any]) -> str:
    return f"Item {error['index']}: {describe(ValidationError(error['errors']), separator=' ')}"


@functools.cache
def _fields() -> frozenset[str]:
    """What an item may name: ``span_create``'s arguments but the annotator."""
    return frozenset(inspect.signature(span_create).parameters) - {"annotator"}


def _each_item(items: list[Mapping[str, Any]], make: Callable[[Mapping[str, Any]], Any]) -> list:
    """``make(item)`` for each item, in order; the refusals reported as a bulk create reports
    them (both ways, so their errors are the same): an unknown field, an incomplete item (a
    ``TypeError`` from the call), a ``ValidationError``, each under the item's index. All or
    nothing: ``BulkValidationError`` if any item is refused."""
    made, errors = [], []
    for index, item in enumerate(items):
        if unknown := set(item) - _fields():
            errors.append({"index": index, "errors": {key: ["Unknown field."] for key in unknown}})
            continue
        try:
            made.append(make(item))
        except TypeError:
            errors.append({"index": index, "errors": {"non_field_errors": ["Incomplete span."]}})
        except ValidationError as exc:
            errors.append({"index": index, "errors": _error_payload(exc)})
    if errors:
        raise BulkValidationError(errors)
    return made


# The batch holds the bodies of the articles it reads (to slice each item's text): past this
# many articles, the per-item way, which slices each in the database, keeps memory bounded.
MAX_BODIES = 50


class _Fallback(Exception):
    """The batch cannot answer as one ``span_create`` per item would; that way answers."""


@transaction.atomic
def span_bulk_create(*, items: list[Mapping[str, Any]], annotator) -> list[Span]:
    """Create many spans, all or nothing; errors name the item's index (from 0). Each item
    is checked as ``span_create`` checks one, every failing item is reported, and nothing is
    written if any fails; the facts are read once and the rows written in bulk."""
    items = list(items)
    if not items:
        return []
    if not all(_plain(item) for item in items):
        return span_bulk_create_each(items=items, annotator=annotator)
    try:
        checked = _check_all(items, annotator)
    except _Fallback:
        return span_bulk_create_each(items=items, annotator=annotator)
    try:
        with transaction.atomic():
            return _write(checked, annotator)
    except IntegrityError:
        # A span stored meanwhile by another request at an item's place: the per-item way
        # says which item, in the words of the duplicate.
        return span_bulk_create_each(items=items, annotator=annotator)


@transaction.atomic
def span_bulk_create_each(*, items: list[Mapping[str, Any]], annotator) -> list[Span]:
    """``span_bulk_create`` one ``span_create`` per item, each in a savepoint: the batch's
    twin, and its way where the batch cannot answer the same (see the module)."""

    def one(item):
        with transaction.atomic():
            return span_create(annotator=annotator, **item)

    return _each_item(items, one)


def _plain(item: Any) -> bool:
    """An item whose article and label (when named) are stored objects or ids: the batch
    reads those as ``span_create`` does. Anything else goes the per-item way."""
    if not isinstance(item, Mapping):
        return False
    for key, model in (("article", Article), ("label", Label)):
        if key not in item:
            continue
        value = item[key]
        if isinstance(value, model):
            if value.pk is None:
                return False
        elif isinstance(value, bool) or not isinstance(value, int):
            return False
    return True


def _check_all(
    items: list[Mapping[str, Any]], annotator
) -> list[tuple[Span, list[tuple[int, str]]]]:
    """Each item through ``span_checked`` and the unique constraints (``span_unique_keys``,
    against the spans stored and the items before it), in order; every refusal reported."""
    facts = BatchFacts(annotator, items)
    taken = set(facts.stored_keys)

    def one(item):
        span, links = span_checked(facts=facts, annotator=annotator, **item)
        keys = span_unique_keys(span)
        if keys & taken:
            raise duplicate_span_error(span)  # what save_span answers on the constraint
        taken.update(keys)
        facts.accept(span)
        return span, links

    return _each_item(items, one)


def _write(checked: list[tuple[Span, list[tuple[int, str]]]], annotator) -> list[Span]:
    """The spans, their actor links and their ``created`` events: an INSERT each."""
    spans = Span.objects.bulk_create([span for span, _ in checked])
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role)
        for span, links in checked
        for actor_id, role in links
    )
    record_events(
        span_event(span, SpanEvent.Action.CREATED, annotator, None, span_snapshot(span, links))
        for span, links in checked
    )
    return spans


class BatchFacts(SpanFacts):
    """``SpanFacts`` for a batch: the articles (project and body), the user's role in their
    projects, the labels given by id, the spans already at the items' places (the user's own
    and the gold ones) and the actors named, each read in one query for all the items."""

    def __init__(self, user, items: list[Mapping[str, Any]]):
        super().__init__(user)
        article_ids, to_read, projects = set(), set(), set()  # ids; those not in hand; projects
        label_ids, to_label, actor_ids = set(), set(), set()  # ids; those given as ids; actors
        for item in items:
            article, label = item.get("article"), item.get("label")
            if body_in_hand(article):
                article_ids.add(article.pk)
                projects.add(article.project_id)
            elif article is not None:
                article_ids.add(pk := article.pk if isinstance(article, Article) else article)
                to_read.add(pk)
            if isinstance(label, Label):
                label_ids.add(label.pk)
            elif label is not None:
                label_ids.add(label)
                to_label.add(label)
            actor_ids |= _named_actors(item.get("actors"))
        if len(to_read) > MAX_BODIES:
            raise _Fallback  # each item's body sliced in the database rather than all held
        self._bodies = bodies_for_spans(to_read) if to_read else {}
        projects |= {project_id for project_id, _ in self._bodies.values()}
        self._roles = {} if user.is_superuser or not projects else dict(
            Membership.objects.filter(user=user, project_id__in=projects)
            .order_by()
            .values_list("project_id", "role")
        )  # fmt: skip
        self._labels = Label.objects.in_bulk(to_label) if to_label else {}
        self._actors = actor_ids_found(actor_ids) if actor_ids else set()
        self._actors_asked = actor_ids
        self.stored_keys: set[tuple] = set()
        self._gold: dict[tuple, int] = {}
        self._gold_in_batch: set[tuple] = set()
        stored = (
            Span.objects.filter(article_id__in=article_ids, label_id__in=label_ids)
            .filter(Q(gold=True) | Q(annotator=user))
            .order_by("pk")
            .values("pk", "article_id", "start", "end", "label_id", "annotator_id", "gold")
        )
        for row in stored:
            self.stored_keys |= span_unique_keys(SimpleNamespace(**row))
            if row["gold"]:
                place = (row["article_id"], row["start"], row["end"], row["label_id"])
                self._gold.setdefault(place, row["pk"])

    def article(self, article: Article | int, start: int, end: int):
        if body_in_hand(article):
            project_id, body = article.project_id, article.body
        else:
            found = self._bodies.get(article.pk if isinstance(article, Article) else article)
            if found is None:
                return role_and_slice(article, self.user, start, end)  # its DoesNotExist
            project_id, body = found
        role = role_of(self.user, self._roles.get(project_id))
        return project_id, role, len(body), body[start:end]

    def label(self, label: Label | int) -> Label | None:
        return label if isinstance(label, Label) else self._labels.get(label)

    def gold_at(self, article, start: int, end: int, label) -> int | None:
        place = (getattr(article, "pk", article), start, end, getattr(label, "pk", label))
        if place in self._gold_in_batch:
            raise _Fallback  # the error names the earlier item's span id, not yet stored
        return self._gold.get(place)

    def actors_found(self, ids: set[int]) -> set[int]:
        if unasked := ids - self._actors_asked:  # an id read ahead missed (e.g. "12")
            self._actors |= actor_ids_found(unasked)
            self._actors_asked |= unasked
        return ids & self._actors

    def accept(self, span: Span) -> None:
        """``span`` passed: a gold one takes its place for the items after it."""
        if span.gold:
            self._gold_in_batch.add((span.article_id, span.start, span.end, span.label_id))


def _named_actors(actors: Any) -> set[int]:
    """The actor ids a list of links seems to name, read ahead in one query for the batch;
    ``clean_actor_links`` decides what the links are (and ``actors_found`` reads any missed).
    Only lists and tuples are looked into: an iterator is the rules' to consume."""
    ids = set()
    if not isinstance(actors, list | tuple):
        return ids
    for link in actors:
        if isinstance(link, Mapping):
            actor = link.get("actor")
        elif isinstance(link, list | tuple) and link:
            actor = link[0]
        else:
            continue
        actor = actor.pk if isinstance(actor, Actor) else actor
        if isinstance(actor, int) and not isinstance(actor, bool):
            ids.add(actor)
    return ids
