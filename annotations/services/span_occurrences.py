"""Label all occurrences: the same span at every occurrence of a phrase in an article, in one
call, all or nothing, through ``span_bulk_create`` (so every span rule and the history apply
to each as to a span made by hand)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Article, Label, Span
from ..permissions import MEMBER_ROLES, require_role
from ..suggestions.text import fold, on_boundaries
from .span_rules import check_covered, check_offset_values
from .spans_bulk import BulkValidationError, span_bulk_create
from .validation import check_text

MAX_OCCURRENCES = 5_000  # as many as one bulk create takes


@dataclass(frozen=True)
class LabelAllResult:
    created: list[Span]  # by start
    skipped_existing: int  # occurrences the annotator had already labelled so


def phrase_occurrences(
    body: str, phrase: str, *, match_case: bool = True, whole_words: bool = True
) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in ``body``, left to right, none overlapping another."""
    if not phrase:
        return []
    haystack, needle = (body, phrase) if match_case else (fold(body), fold(phrase))
    found, index = [], haystack.find(needle)
    while index != -1:
        end = index + len(needle)
        if not whole_words or on_boundaries(body, index, end):
            found.append((index, end))
            index = haystack.find(needle, end)
        else:
            index = haystack.find(needle, index + 1)
    return found


def _phrase(article: Article, start: Any, end: Any, text: Any) -> str:
    if start is None and end is None:
        if not isinstance(text, str) or not text.strip():
            raise ValidationError({"text": "Give the phrase: its text, or start and end."})
        check_text(text, "text")
        return text
    check_offset_values(start, end, text)
    body = article.body
    return check_covered(start, end, text, len(body), body[start:end])


@transaction.atomic
def span_label_all(
    *,
    article: Article,
    label: Label | int,
    annotator,
    start: int | None = None,
    end: int | None = None,
    text: str | None = None,
    actors: Iterable[Any] = (),
    probability: str | None = None,
    confidence: str | None = None,
    note: str = "",
    match_case: bool = True,
    whole_words: bool = True,
) -> LabelAllResult:
    """Make the span (``label``, actors, probability, confidence, note) at every occurrence
    of the phrase ``body[start:end]`` (or ``text``) in ``article``: all or nothing (any
    refusal, of any occurrence, makes none). An occurrence where ``annotator`` already has a
    span with that label is skipped and counted."""
    require_role(article.project_id, annotator, MEMBER_ROLES, "create spans")
    phrase = _phrase(article, start, end, text)
    occurrences = phrase_occurrences(
        article.body, phrase, match_case=match_case, whole_words=whole_words
    )
    if not occurrences:
        raise ValidationError({"text": f"“{phrase[:80]}” does not occur in the article."})
    if len(occurrences) > MAX_OCCURRENCES:
        raise ValidationError(
            {"text": f"The phrase occurs {len(occurrences)} times; at most {MAX_OCCURRENCES}."}
        )
    label_id = label.pk if isinstance(label, Label) else label
    existing = set(
        Span.objects.filter(article_id=article.pk, annotator=annotator, label_id=label_id)
        .order_by()
        .values_list("start", "end")
    )
    todo = [(s, e) for s, e in occurrences if (s, e) not in existing]
    actors = list(actors)
    items = [
        {
            "article": article, "start": s, "end": e, "text": article.body[s:e], "label": label,
            "actors": actors, "probability": probability, "confidence": confidence, "note": note,
        }
        for s, e in todo
    ]  # fmt: skip
    try:
        spans = span_bulk_create(items=items, annotator=annotator) if items else []
    except BulkValidationError as exc:
        # Every occurrence is the same span but for its offsets: the first refusal says it.
        raise ValidationError(exc.item_errors[0]["errors"]) from exc
    return LabelAllResult(created=spans, skipped_existing=len(occurrences) - len(todo))
