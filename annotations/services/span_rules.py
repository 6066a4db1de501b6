"""The rules of a span, each one function that every path calls.

The services (``spans.py``), their PostgreSQL fast path (``spans_sql.py``) and the importer
call these, so a rule and its error message exist once:

- offsets: ``check_offset_values`` (whole numbers, ``0 <= start < end``, within any body) and
  ``check_covered`` (``end <= len(body)`` in code points, ``text == body[start:end]``);
  ``span_offsets_validate`` is both on a body in hand, ``check_offsets`` on an article whose
  body may be deferred (sliced by the database);
- NUL and lone surrogates: ``validation.check_text`` on ``text`` and ``note``;
- label: ``check_label`` (of the span's project, of the right kind);
- the graded fields: ``span_values_validate``; actors: ``clean_actor_links``;
- a create's rules in their order on the facts read (role, label, offsets):
  ``check_span_create``;
- duplicates: ``save_span`` turns the unique constraint into ``duplicate_span_error`` (its
  words: ``duplicate_span_message``, the importer's too; the span it names:
  ``duplicate_span_id``);
- versions: ``check_version_value`` (a change names a whole number) and ``check_version``
  (it is the span's current one, else ``Conflict``).

Roles are ``annotations.permissions``'s; the history record is ``history.py``'s.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q, UniqueConstraint
from django.db.models.functions import Length, Substr

from ..errors import Conflict
from ..models import (
    MAX_OFFSET,
    Actor,
    ActorRole,
    Article,
    Label,
    Span,
)
from ..permissions import MEMBER_ROLES, check_role
from .validation import check_text, clean_fields, cut_at_word, normalize_newlines


def article_slice(article: Article, start: int, end: int) -> tuple[int, str]:
    """The body's length and ``body[start:end]``, without loading a deferred body."""
    if "body" not in article.get_deferred_fields():
        return len(article.body), article.body[start:end]
    return (
        Article.objects.filter(pk=article.pk)
        .annotate(n=Length("body"), piece=Substr("body", start + 1, max(end - start, 0)))
        .values_list("n", "piece")
        .get()
    )


def check_offset_values(start: Any, end: Any, text: Any) -> None:
    """What needs no body: whole numbers, ``0 <= start < end <= MAX_OFFSET``, text clean."""
    errors = {}
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "A whole number is required."
    if errors:
        raise ValidationError(errors)
    if start < 0:
        raise ValidationError({"start": "Must be 0 or more."})
    if end <= start:
        raise ValidationError({"end": "Must be greater than start."})
    if text is not None:
        if not isinstance(text, str):
            raise ValidationError({"text": "Must be text."})
        check_text(text, "text")
    if end > MAX_OFFSET:
        raise ValidationError({"end": "Beyond any article's length."})


def check_covered(start: int, end: int, text: Any, length: int, piece: str) -> str:
    """What needs the body, given its ``length`` and ``piece = body[start:end]``: the span
    ends inside it and ``text`` (when given) is the piece. Returns the covered text."""
    if end > length:
        raise ValidationError({"end": f"Must be at most {length}, the length of the article."})
    if text is not None and text != piece:
        raise ValidationError(
            {"text": f"Does not match the article: body[{start}:{end}] is {piece!r}."}
        )
    return piece


def span_offsets_validate(*, body: str, start: Any, end: Any, text: Any = None) -> str:
    """The offset rules on a body in hand: ``0 <= start < end <= len(body)`` in code points
    and ``text == body[start:end]`` when given. Returns the covered text."""
    check_offset_values(start, end, text)
    return check_covered(start, end, text, len(body), body[start:end])


def check_offsets(article: Article, start: Any, end: Any, text: Any) -> str:
    """``span_offsets_validate`` on an article whose body may be deferred (sliced in the DB)."""
    check_offset_values(start, end, text)
    length, piece = article_slice(article, start, end)
    return check_covered(start, end, text, length, piece)


def check_label(label: Label, project_id: int, kind: str = Label.Kind.SPAN) -> None:
    """The label is of the project and labels ``kind`` (spans, or relations)."""
    if label.project_id != project_id:
        raise ValidationError({"label": "The label belongs to another project."})
    check_label_kind(label, kind)


def check_label_kind(label: Label, kind: str) -> None:
    """The label labels ``kind``: spans, or relations (an importer's labels, found by name,
    are the project's by construction)."""
    if label.kind != kind:
        raise ValidationError({"label": f"The label “{label.name}” is not a {kind} label."})


_ACTOR_ROLES = frozenset(ActorRole.values)


def check_actor_role(role: Any, field: str = "actors") -> None:
    """An actor's role on a span is one of ``ActorRole`` (source, subject, target, mentioned)."""
    if not isinstance(role, str) or role not in _ACTOR_ROLES:
        raise ValidationError({field: f"“{role}” is not a role: {', '.join(ActorRole.values)}."})


def span_values_validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean the graded fields of a span: probability, confidence, note and status."""
    data = {}
    for key in ("probability", "confidence"):
        if key in values:
            value = values[key]
            data[key] = None if value in (None, "") else clean_fields(Span, {key: value})[key]
    if "note" in values:
        note = values["note"] or ""
        if not isinstance(note, str):
            raise ValidationError({"note": "Must be text."})
        data["note"] = clean_fields(Span, {"note": normalize_newlines(note)})["note"]
    if "status" in values:
        data["status"] = clean_fields(Span, {"status": values["status"]})["status"]
    return data


def actor_ids_found(ids: set[int]) -> set[int]:
    """Those of ``ids`` that name an actor."""
    return set(Actor.objects.filter(pk__in=ids).values_list("pk", flat=True))


def clean_actor_links(
    actors: Iterable[Any], *, found: Callable[[set[int]], set[int]] = actor_ids_found
) -> list[tuple[int, str]]:
    """Accept ``[(actor, role)]`` or ``[{"actor": actor_or_id, "role": role}]``. A mapping
    (what the API and the pages send) names both keys and no other: a missing or misspelt
    ``role`` is refused, not taken as ``mentioned``. ``found``: which ids name an actor (a
    bulk create passes the answer it read once for all its items)."""
    links, seen = [], set()
    if isinstance(actors, str | bytes | Mapping) or not isinstance(actors, Iterable):
        raise ValidationError({"actors": "Must be a list of {actor, role} items."})
    for item in actors:
        if isinstance(item, Mapping) and set(item) != {"actor", "role"}:
            # A missing or misspelt key would otherwise lose the role the client meant.
            raise ValidationError({"actors": f"Not an {{actor, role}} item: {item!r}."})
        try:
            if isinstance(item, Mapping):
                actor, role = item["actor"], item["role"]
            else:
                actor, role = item
                role = role or ActorRole.MENTIONED  # Python's (actor, None): a mention
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({"actors": f"Not an {{actor, role}} item: {item!r}."}) from exc
        actor_id = actor.pk if isinstance(actor, Actor) else actor
        if isinstance(actor_id, str) and actor_id.strip().isdecimal():
            actor_id = int(actor_id)  # from a form
        if isinstance(actor_id, bool) or not isinstance(actor_id, int):
            raise ValidationError({"actors": f"An actor is given by its id, not {actor_id!r}."})
        check_actor_role(role)
        if (actor_id, role) not in seen:
            seen.add((actor_id, role))
            links.append((actor_id, role))
    if links:
        ids = {actor_id for actor_id, _ in links}
        if missing := ids - found(ids):
            raise ValidationError({"actors": f"No actor with id {sorted(missing)}."})
    return links


def save_span(span: Span, *, force_insert: bool = False, user=None) -> None:
    """Save, turning the duplicate-span constraint into a readable error (``user``: who
    acts, when it may not be the span's annotator: a reviewer restoring it).

    No savepoint: every caller is itself atomic and lets the error leave its block, which
    rolls the whole change back (and saves two round trips on the hot path)."""
    try:
        span.save(force_insert=force_insert)
    except IntegrityError as exc:
        raise duplicate_span_error(span, user=user) from exc


class DuplicateSpan(ValidationError):
    """The annotator already has a span with these offsets and this label (or the gold layer
    has one there). ``key`` names it for ``duplicate_span_id``, which reads it once the failed
    write is rolled back (PostgreSQL answers nothing else in a transaction that failed)."""

    def __init__(self, message: str, key: dict[str, int]):
        super().__init__({"non_field_errors": [message]})
        self.key = key


def duplicate_span_message(*, text: str, label: str, start: int, end: int, by: str = "") -> str:
    """The duplicate span in plain words, characters counted from 1: “You already marked
    “ISW” as Assessment (characters 1–3).” ``by``: the annotator, when not the one acting."""
    quote = cut_at_word(text, 60)
    return f"{by or 'You'} already marked “{quote}” as {label} (characters {start + 1}–{end})."


def gold_span_at(article, start: int, end: int, label) -> int | None:
    """The id of the gold span at (article, start, end, label), if there is one."""
    return (
        Span.objects.filter(
            article_id=getattr(article, "pk", article),
            start=start,
            end=end,
            label_id=getattr(label, "pk", label),
            gold=True,
        )
        .values_list("pk", flat=True)
        .first()
    )


def gold_taken_message(span_id: int, start: int, end: int) -> str:
    return (
        f"A gold span is already at [{start}, {end}) with this label: span {span_id}. "
        "There is at most one gold span per article, start, end and label."
    )


def check_gold_place(
    article, start: int, end: int, label, *, gold_at: Callable[..., int | None] = gold_span_at
) -> None:
    """A new gold span's place and label are free in the gold layer (400 naming the gold
    span there; the unique constraint decides between two at the same instant). ``gold_at``
    finds the gold span at a place (a bulk create's reads them once for all its items)."""
    if (taken := gold_at(article, start, end, label)) is not None:
        raise ValidationError({"non_field_errors": [gold_taken_message(taken, start, end)]})


def duplicate_span_error(span: Span, *, user=None) -> DuplicateSpan:
    """The unique constraints on (article, annotator, label, start, end) of an annotator's
    spans, and on (article, label, start, end) of the gold spans, in words."""
    key = {
        "article_id": span.article_id,
        "label_id": span.label_id,
        "start": span.start,
        "end": span.end,
    }
    if span.gold:
        message = (
            f"A gold “{span.label.name}” span is already at characters "
            f"{span.start + 1}–{span.end} of this article."
        )
        return DuplicateSpan(message, {**key, "gold": True})
    by = "" if user is None or user.pk == span.annotator_id else span.annotator.get_username()
    message = duplicate_span_message(
        text=span.text or "", label=span.label.name, start=span.start, end=span.end, by=by
    )
    return DuplicateSpan(message, {**key, "annotator_id": span.annotator_id, "gold": False})


def span_unique_keys(span: Any) -> set[tuple]:
    """The places ``span`` takes under Span's unique constraints (an annotator's span per
    place and label, a gold one per place and label), read off the model's constraints so
    that the database stays the rule's one home: two spans sharing a key cannot both be
    stored. A bulk create finds its duplicates with them before it writes. ``span``: a Span,
    or a row with its fields by attname (``article_id``, ``start``, ...)."""
    return {
        (name, *(getattr(span, field) for field in fields))
        for name, condition, fields in _unique_constraints()
        if all(getattr(span, field) == value for field, value in condition)
    }


@functools.cache
def _unique_constraints() -> list[tuple[str, tuple, tuple[str, ...]]]:
    """Span's unique constraints: name, condition (``(field, value)`` pairs), attnames."""
    found = []
    for constraint in Span._meta.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        condition = constraint.condition or Q()
        pairs = tuple(condition.children)
        if (
            condition.negated
            or condition.connector != Q.AND
            or not all(isinstance(pair, tuple) and "__" not in pair[0] for pair in pairs)
        ):
            raise NotImplementedError(f"{constraint.name}: only field=value conditions.")
        fields = tuple(Span._meta.get_field(name).attname for name in constraint.fields)
        found.append((constraint.name, pairs, fields))
    return found


def duplicate_span_id(error: DuplicateSpan) -> int | None:
    """The id of the span a ``DuplicateSpan`` names (read after the failed write is rolled
    back: the page links to it, the API answers it)."""
    return Span.objects.filter(**error.key).values_list("pk", flat=True).first()


def check_span_create(
    *,
    role: str | None,
    label: Label | None,
    project_id: int,
    start: int,
    end: int,
    text: str | None,
    length: int,
    piece: str,
) -> str:
    """A new span's rules that need what is stored, in the order both ways of creating one
    report them: the user's role, the label (missing, of another project, of relations),
    then the offsets against the body. Returns the covered text.

    ``role`` is already ``manager`` for a superuser; ``label`` is ``None`` when no label has
    the id given."""
    check_role(role, MEMBER_ROLES, "annotate")
    if label is None:
        raise Label.DoesNotExist("Label matching query does not exist.")
    check_label(label, project_id)
    return check_covered(start, end, text, length, piece)


def check_version_value(version: Any) -> None:
    """A change carries the version it was based on, a whole number."""
    if version is None:
        raise ValidationError({"version": "Required: the version your change is based on."})
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": "A whole number is required."})


def check_version(span: Span, version: int) -> None:
    """The change was based on the span as it is now; else ``Conflict`` carrying it (ask the
    role first: only those allowed to change the span may see it)."""
    if version != span.version:
        raise Conflict(
            f"Someone changed this span meanwhile: it is at version {span.version}, "
            f"your change was based on version {version}. Reload it and try again.",
            current=span,
        )
