"""The rules of a span, each one function that every path calls."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.functions import Length, Substr

from ..models import (
    MAX_OFFSET,
    Actor,
    ActorRole,
    Article,
    Label,
    Span,
)
from .validation import _clean_fields, check_text, normalize_newlines


def _article_slice(article: Article, start: int, end: int) -> tuple[int, str]:
    """The body's length and ``body[start:end]``, without loading a deferred body."""
    if "body" not in article.get_deferred_fields():
        return len(article.body), article.body[start:end]
    return (
        Article.objects.filter(pk=article.pk)
        .annotate(n=Length("body"), piece=Substr("body", start + 1, max(end - start, 0)))
        .values_list("n", "piece")
        .get()
    )


def _check_offset_values(start: Any, end: Any, text: Any) -> None:
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


def _check_covered(start: int, end: int, text: Any, length: int, piece: str) -> str:
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
    _check_offset_values(start, end, text)
    return _check_covered(start, end, text, len(body), body[start:end])


def _check_offsets(article: Article, start: Any, end: Any, text: Any) -> str:
    """``span_offsets_validate`` on an article whose body may be deferred (sliced in the DB)."""
    _check_offset_values(start, end, text)
    length, piece = _article_slice(article, start, end)
    return _check_covered(start, end, text, length, piece)


def _check_label(label: Label, project_id: int, kind: str = Label.Kind.SPAN) -> None:
    if label.project_id != project_id:
        raise ValidationError({"label": "The label belongs to another project."})
    if label.kind != kind:
        raise ValidationError({"label": f"The label “{label.name}” is not a {kind} label."})


def span_values_validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean the graded fields of a span: probability, confidence, note and status."""
    data = {}
    for key in ("probability", "confidence"):
        if key in values:
            value = values[key]
            data[key] = None if value in (None, "") else _clean_fields(Span, {key: value})[key]
    if "note" in values:
        note = values["note"] or ""
        if not isinstance(note, str):
            raise ValidationError({"note": "Must be text."})
        data["note"] = _clean_fields(Span, {"note": normalize_newlines(note)})["note"]
    if "status" in values:
        data["status"] = _clean_fields(Span, {"status": values["status"]})["status"]
    return data


def _clean_actor_links(actors: Iterable[Any]) -> list[tuple[int, str]]:
    """Accept ``[(actor, role)]`` or ``[{"actor": actor_or_id, "role": role}]``."""
    links, seen = [], set()
    if isinstance(actors, str | bytes | Mapping) or not isinstance(actors, Iterable):
        raise ValidationError({"actors": "Must be a list of {actor, role} items."})
    for item in actors:
        try:
            actor, role = (item["actor"], item.get("role")) if isinstance(item, Mapping) else item
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({"actors": f"Not an {{actor, role}} item: {item!r}."}) from exc
        actor_id = actor.pk if isinstance(actor, Actor) else actor
        if isinstance(actor_id, str) and actor_id.strip().isdecimal():
            actor_id = int(actor_id)  # from a form
        if isinstance(actor_id, bool) or not isinstance(actor_id, int):
            raise ValidationError({"actors": f"An actor is given by its id, not {actor_id!r}."})
        role = role or ActorRole.MENTIONED
        if not isinstance(role, str) or role not in ActorRole.values:
            raise ValidationError({"actors": f"“{role}” is not a role: {', '.join(ActorRole)}."})
        if (actor_id, role) not in seen:
            seen.add((actor_id, role))
            links.append((actor_id, role))
    if links:
        ids = {actor_id for actor_id, _ in links}
        found = set(Actor.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := ids - found:
            raise ValidationError({"actors": f"No actor with id {sorted(missing)}."})
    return links


def _save_span(span: Span, *, force_insert: bool = False) -> None:
    """Save, turning the duplicate-span constraint into a readable error.

    No savepoint: every caller is itself atomic and lets the error leave its block, which
    rolls the whole change back (and saves two round trips on the hot path)."""
    try:
        span.save(force_insert=force_insert)
    except IntegrityError as exc:
        raise _duplicate_span(span) from exc


def _duplicate_span(span: Span) -> ValidationError:
    return ValidationError(
        {
            "non_field_errors": [
                f"{span.annotator.get_username()} already has a “{span.label}” span at "
                f"[{span.start}, {span.end}) in this article."
            ]
        }
    )
