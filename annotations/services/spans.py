"""Spans: create, update, delete and restore; each change recorded in the history (many at
once: ``spans_bulk.py``)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ..errors import Conflict
from ..models import (
    Article,
    Label,
    Span,
    SpanActor,
    SpanEvent,
    SpanStatus,
)
from ..permissions import (
    MEMBER_ROLES,
    check_gold,
    check_span_change,
    check_span_delete,
    check_span_restore,
    check_span_status,
    require_role,
    role_of,
    user_role,
)
from .history import record_event, span_snapshot
from .relations import relations_of_span, relations_restore
from .span_rules import (
    actor_ids_found,
    check_gold_place,
    check_label,
    check_offset_values,
    check_offsets,
    check_span_create,
    check_version,
    check_version_value,
    clean_actor_links,
    gold_span_at,
    save_span,
    span_values_validate,
)
from .spans_sql import role_and_slice_sql, span_create_one_statement
from .validation import UNSET, given

User = get_user_model()


def role_and_slice(
    article: Article | int, user, start: int, end: int
) -> tuple[int, str | None, int, str]:
    """The article's project, the user's role there (``manager`` for a superuser), the body's
    length and ``body[start:end]``: one query unless the body is in hand (then only the role
    is read). An article given by id, or with its body deferred (the API), is not loaded."""
    if body_in_hand(article):
        role = user_role(project=article.project_id, user=user)
        return article.project_id, role, len(article.body), article.body[start:end]
    article_id = article.pk if isinstance(article, Article) else article
    with connection.cursor() as cursor:
        cursor.execute(role_and_slice_sql(), [user.pk, start + 1, max(end - start, 0), article_id])
        row = cursor.fetchone()
    if row is None:
        raise Article.DoesNotExist("Article matching query does not exist.")
    project_id, role, length, piece = row
    return project_id, role_of(user, role), length, piece


def body_in_hand(article: Article | int) -> bool:
    """``article`` is an Article with its body loaded, which the rules may slice (no query).
    Never on PostgreSQL: there the body a new span is checked against is read under a share
    lock, since the one in hand may be older than a change in flight (``spans_sql``'s
    ``_span_create_sql`` says why)."""
    return (
        isinstance(article, Article)
        and "body" not in article.get_deferred_fields()
        and connection.vendor != "postgresql"
    )


def _one_statement_applies(actors: Iterable[Any], status: str | None) -> bool:
    """The PostgreSQL statement creates a span with neither actors nor a status to check."""
    return connection.vendor == "postgresql" and not actors and status in (None, SpanStatus.PENDING)


def span_create(
    *,
    article: Article | int,
    start: int,
    end: int,
    label: Label | int,
    annotator,
    text: str | None = None,
    actors: Iterable[Any] = (),
    probability: str | None = None,
    confidence: str | None = None,
    note: str = "",
    status: str | None = None,
    gold: bool = False,
) -> Span:
    """Annotate ``body[start:end]`` of ``article``; records a ``created`` event.

    ``gold=True`` makes a gold span (reviewers and managers: ``permissions.check_gold``), the
    ORM way; at most one per (article, start, end, label) (``gold.py`` promotes and curates).

    ``article`` and ``label`` may be ids (the API's hot path): they are read with the rules'
    other facts, in one statement on PostgreSQL (``spans_sql``), else by ``span_create_orm``.
    A missing one raises ``DoesNotExist``. Both ways check the same rules in the same order
    (``span_rules.check_span_create``) and answer the same errors."""
    graded = {"probability": probability, "confidence": confidence, "note": note}
    if not gold and _one_statement_applies(actors, status):
        check_offset_values(start, end, text)
        try:
            values = span_values_validate(graded)
        except ValidationError:
            values = None  # the ORM way reports role, label and offsets first, then this
        if values is not None:
            span = span_create_one_statement(
                article_id=article.pk if isinstance(article, Article) else article,
                label_id=label.pk if isinstance(label, Label) else label,
                annotator=annotator,
                start=start,
                end=end,
                text=text,
                values=values,
            )
            # The caller's objects, as the ORM way keeps them: no query to read them again.
            if isinstance(article, Article):
                span.article = article
            if isinstance(label, Label):
                span.label = label
            return span
    return span_create_orm(
        article=article, start=start, end=end, label=label, annotator=annotator, text=text,
        actors=actors, status=status, gold=gold, **graded,
    )  # fmt: skip


@transaction.atomic
def span_create_orm(
    *,
    article: Article | int,
    start: int,
    end: int,
    label: Label | int,
    annotator,
    text: str | None = None,
    actors: Iterable[Any] = (),
    probability: str | None = None,
    confidence: str | None = None,
    note: str = "",
    status: str | None = None,
    gold: bool = False,
    source_span: Span | None = None,
) -> Span:
    """``span_create`` the general way: any backend, actors, a status, a gold span. Call
    ``span_create``; this is public for the test that compares it with the statement (and
    for ``gold.py``, which names a gold span's ``source_span``)."""
    span, links = span_checked(
        facts=SpanFacts(annotator), article=article, start=start, end=end, label=label,
        annotator=annotator, text=text, actors=actors, probability=probability,
        confidence=confidence, note=note, status=status, gold=gold, source_span=source_span,
    )  # fmt: skip
    save_span(span)
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
    )
    record_event(span, SpanEvent.Action.CREATED, annotator, None, span_snapshot(span, links))
    return span


class SpanFacts:
    """What a new span's rules read from the database, a query each, as ``span_create_orm``
    reads them; ``spans_bulk.BatchFacts`` answers the same from reads made once per batch."""

    def __init__(self, user):
        self.user = user

    def article(self, article: Article | int, start: int, end: int):
        """``role_and_slice``: (project id, the user's role, body length, body[start:end])."""
        return role_and_slice(article, self.user, start, end)

    def label(self, label: Label | int) -> Label | None:
        return label if isinstance(label, Label) else Label.objects.filter(pk=label).first()

    def gold_at(self, article, start: int, end: int, label) -> int | None:
        return gold_span_at(article, start, end, label)

    def actors_found(self, ids: set[int]) -> set[int]:
        return actor_ids_found(ids)


def span_checked(
    *,
    facts: SpanFacts,
    article: Article | int,
    start: int,
    end: int,
    label: Label | int,
    annotator,
    text: str | None = None,
    actors: Iterable[Any] = (),
    probability: str | None = None,
    confidence: str | None = None,
    note: str = "",
    status: str | None = None,
    gold: bool = False,
    source_span: Span | None = None,
) -> tuple[Span, list[tuple[int, str]]]:
    """Every rule of a new span, in the order ``span_create`` reports them, on the facts
    ``facts`` reads: the span to store (unsaved) and its actor links. The unique constraints
    are left to the write (``save_span``; a batch: ``span_rules.span_unique_keys``)."""
    check_offset_values(start, end, text)
    project_id, role, length, piece = facts.article(article, start, end)
    label = facts.label(label)
    covered = check_span_create(
        role=role,
        label=label,
        project_id=project_id,
        start=start,
        end=end,
        text=text,
        length=length,
        piece=piece,
    )
    if gold:
        check_gold(role)
        check_gold_place(article, start, end, label, gold_at=facts.gold_at)
    values = span_values_validate(
        {"probability": probability, "confidence": confidence, "note": note}
    )
    if status not in (None, SpanStatus.PENDING):
        check_span_status(role)
        values.update(span_values_validate({"status": status}))
    links = clean_actor_links(actors, found=facts.actors_found)
    now = timezone.now()
    span = Span(
        project_id=project_id,
        start=start,
        end=end,
        text=covered,
        label=label,
        annotator=annotator,
        gold=bool(gold),
        source_span=source_span,
        created_at=now,
        updated_at=now,
        **values,
    )
    if isinstance(article, Article):
        span.article = article
    else:
        span.article_id = article
    return span, links


def _error_payload(exc: ValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def _lock_span(span: Span | int) -> Span:
    pk = span.pk if isinstance(span, Span) else span
    locked = (
        Span.objects.select_for_update(of=("self",))
        .select_related("annotator", "label", "article")
        .defer("article__body")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise Conflict("This span no longer exists; it was deleted.")
    return locked


@transaction.atomic
def span_update(
    *,
    span: Span | int,
    user,
    version: Any,
    start: int = UNSET,
    end: int = UNSET,
    text: str = UNSET,
    label: Label = UNSET,
    actors: Iterable[Any] = UNSET,
    probability: str | None = UNSET,
    confidence: str | None = UNSET,
    note: str = UNSET,
    status: str = UNSET,
    gold: bool = UNSET,
) -> Span:
    """Change a span's fields (those given). ``version`` must be the one the change was
    based on, else ``Conflict``.

    The annotator changes their own span; a reviewer or manager may set any span's status
    and change a gold span. ``gold`` is fixed when a span is made (promote a span to copy it
    into the gold layer): naming it is a reviewer's or manager's, and only as it is.
    A change that changes nothing is not recorded and keeps the version.
    """
    changes = given(
        start=start, end=end, text=text, label=label, actors=actors, probability=probability,
        confidence=confidence, note=note, status=status, gold=gold,
    )  # fmt: skip
    check_version_value(version)
    span = _lock_span(span)
    # Permission first: a change that is not allowed is refused whatever its version, and
    # the Conflict below carries the current span, which only those allowed may see.
    role = require_role(span.project_id, user, MEMBER_ROLES, "change spans")
    check_span_change(role, own=span.annotator_id == user.pk, fields=changes, gold=span.gold)
    if "gold" in changes and changes.pop("gold") is not span.gold:
        raise ValidationError(
            {"gold": "A span's gold flag is set when it is made: promote the span "
             "(spans/{id}/promote/) or delete the gold span."}
        )  # fmt: skip
    check_version(span, version)

    before = span_snapshot(span)
    values = span_values_validate(changes)
    if "label" in changes:
        label = changes["label"]
        check_label(label, span.project_id)
        values["label"] = label
    if {"start", "end", "text"} & set(changes):
        start, end = changes.get("start", span.start), changes.get("end", span.end)
        values["text"] = check_offsets(span.article, start, end, changes.get("text"))
        values["start"], values["end"] = start, end
    links = None
    if "actors" in changes:
        links = clean_actor_links(changes["actors"] or [])
    for key, value in values.items():
        setattr(span, key, value)
    after_links = (
        links if links is not None else [(a["actor"], a["role"]) for a in before["actors"]]
    )
    after = span_snapshot(span, after_links)
    if _same_state(before, after):
        return span
    span.version += 1
    span.updated_at = timezone.now()
    save_span(span)
    if links is not None:
        span.span_actors.all().delete()
        SpanActor.objects.bulk_create(
            SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
        )
    record_event(span, SpanEvent.Action.UPDATED, user, before, span_snapshot(span, after_links))
    return span


def _same_state(before: dict, after: dict) -> bool:
    """Equal but for version and timestamp; the same actors in another order are no change."""

    def key(snapshot: dict) -> dict:
        state = {k: v for k, v in snapshot.items() if k not in {"version", "updated_at"}}
        state["actors"] = sorted((a["actor"], a["role"]) for a in snapshot["actors"])
        return state

    return key(before) == key(after)


@transaction.atomic
def span_delete(*, span: Span | int, user) -> None:
    """Delete a span (its relations go with it); the ``deleted`` event keeps it and its
    relations restorable.

    The annotator deletes their own spans; a manager may delete any.
    """
    span = _lock_span(span)
    role = require_role(span.project_id, user, MEMBER_ROLES, "delete spans")
    check_span_delete_by(span, user, role)
    before = span_snapshot(span)
    relations = relations_of_span(span)
    record_event(span, SpanEvent.Action.DELETED, user, before, None, relations=relations)
    span.delete()


def check_span_delete_by(span: Span, user, role: str) -> None:
    """``span_delete``'s rule for one span, the role read (``require_role``): the batch of
    ``undo.span_events_revert`` calls it for each span it deletes."""
    check_span_delete(role, own=span.annotator_id == user.pk, gold=span.gold)


class RestoreFacts:
    """What a span's restore reads, a query each, as ``span_restore`` reads them; a group's
    restore (``undo``) answers the same from reads made once for the group."""

    def role(self, project_id: int, user) -> str | None:
        return user_role(project=project_id, user=user)

    def label(self, label_id: int, project_id: int) -> Label | None:
        return Label.objects.filter(pk=label_id, project_id=project_id).first()

    def actors_found(self, ids: set[int]) -> set[int]:
        return actor_ids_found(ids)

    def last_version(self, span_id: int) -> int:
        """The highest version the span's history names (0: none)."""
        versions = [
            snapshot["version"]
            for pair in SpanEvent.objects.filter(span_id=span_id).values_list("before", "after")
            for snapshot in pair
            if snapshot
        ]
        return max(versions, default=0)

    def span_found(self, span_id: int | None) -> int | None:
        return Span.objects.filter(pk=span_id or 0).values_list("pk", flat=True).first()

    def article(self, article_id: int) -> Article | None:
        return Article.objects.filter(pk=article_id).first()

    def user(self, username: str):
        return User.objects.filter(username=username).first()


def span_restore_checked(
    *, event: SpanEvent, user, current: Span | None, facts: RestoreFacts
) -> tuple[Span, list[tuple[int, str]], dict | None]:
    """Every rule of ``span_restore``, in its order, on the facts ``facts`` reads: the span to
    store (unsaved; ``current``, the span locked, if it exists), its actor links and its
    snapshot before. The unique constraints are left to the write."""
    target = event.before
    if target is None:
        raise Conflict("The span did not exist before this event; there is nothing to restore.")
    role = facts.role(event.project_id, user)
    gold = bool(target.get("gold", False))
    check_span_restore(role, own=target["annotator"] == user.get_username(), gold=gold)

    label = facts.label(target["label"], event.project_id)
    if label is None:
        raise Conflict("The span's label no longer exists.")
    try:
        check_label(label, event.project_id)
    except ValidationError as exc:
        raise Conflict(f"The label “{label.name}” now labels relations, not spans.") from exc
    try:
        links = clean_actor_links(target["actors"], found=facts.actors_found)
    except ValidationError as exc:
        raise Conflict("An actor of the span no longer exists; it cannot be put back.") from exc
    values = {
        "start": target["start"],
        "end": target["end"],
        "label": label,
        "probability": target["probability"],
        "confidence": target["confidence"],
        "note": target["note"],
        "status": target["status"],
        "gold": gold,
        # The span it was promoted from, while it exists.
        "source_span_id": facts.span_found(target.get("source_span")),
        "version": facts.last_version(event.span_id) + 1,
        "updated_at": timezone.now(),
    }
    if current is not None:
        before = span_snapshot(current)
        span = current
    else:
        before = None
        article = facts.article(event.article_id)
        annotator = facts.user(target["annotator"])
        if article is None or annotator is None:
            raise Conflict("The span's article or annotator no longer exists.")
        span = Span(
            pk=event.span_id,
            article=article,
            project_id=event.project_id,
            annotator=annotator,
            created_at=datetime.fromisoformat(target["created_at"]),
        )
    try:
        span.text = check_offsets(span.article, target["start"], target["end"], target["text"])
    except ValidationError as exc:
        raise Conflict("The article's text changed; the span cannot be put back.") from exc
    for key, value in values.items():
        setattr(span, key, value)
    return span, links, before


def spans_deleted_relations(span_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The relations each span's latest delete took with it (``relations_restore`` them)."""
    deletes = (
        SpanEvent.objects.filter(span_id__in=list(span_ids), action=SpanEvent.Action.DELETED)
        .order_by("span_id", "-at", "-id")
        .values_list("span_id", "relations")
    )
    latest: dict[int, list[dict]] = {}
    for span_id, relations in deletes:
        latest.setdefault(span_id, relations or [])
    return latest


@transaction.atomic
def span_restore(*, event: SpanEvent, user) -> Span:
    """Put the span back as it was before ``event``; a deleted span comes back, same id,
    with the relations its delete took (``relations_restore`` says which can come back);
    the ``restored`` event lists them."""
    current = None
    if event.before is not None:
        current = Span.objects.select_for_update().filter(pk=event.span_id).first()
    span, links, before = span_restore_checked(
        event=event, user=user, current=current, facts=RestoreFacts()
    )
    try:
        save_span(span, force_insert=current is None, user=user)
    except ValidationError as exc:
        raise Conflict(_error_payload(exc)["non_field_errors"][0]) from exc
    span.span_actors.all().delete()
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
    )
    relations = None
    if current is None:
        deleted = spans_deleted_relations([span.pk]).get(span.pk, [])
        relations = relations_restore(span=span, snapshots=deleted)
    after = span_snapshot(span, links)
    record_event(span, SpanEvent.Action.RESTORED, user, before, after, relations=relations)
    return span
