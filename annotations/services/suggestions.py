"""Suggestions' writes: a user's dismissals, and a project's suggestion server (the ML
backend protocol, which only managers set)."""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Article, Project, Span, SuggestionBackend, SuggestionDismissal
from ..permissions import MANAGER_ROLES, MEMBER_ROLES, require_role
from .span_occurrences import MAX_OCCURRENCES
from .span_rules import check_covered, check_offset_values
from .spans_bulk import BulkValidationError, span_bulk_create
from .validation import check_text

MAX_KIND = 32


@transaction.atomic
def suggestion_dismiss(
    *, article: Article, user, start: int, end: int, kind: str, text: str | None = None
) -> tuple[SuggestionDismissal, bool]:
    """Remember that ``user`` dismissed the suggestion of ``kind`` at ``[start, end)``: it is
    not proposed to them again while the article's text there stays the same. Any member;
    dismissing twice is no error. Returns the dismissal and whether it is new."""
    require_role(article.project_id, user, MEMBER_ROLES, "dismiss suggestions")
    check_offset_values(start, end, text)
    if not isinstance(kind, str) or not kind.strip() or len(kind) > MAX_KIND:
        raise ValidationError({"kind": f"A suggestion's kind: 1 to {MAX_KIND} characters."})
    check_text(kind, "kind")
    body = article.body
    covered = check_covered(start, end, text, len(body), body[start:end])
    dismissal, created = SuggestionDismissal.objects.get_or_create(
        user=user,
        article=article,
        start=start,
        end=end,
        kind=kind,
        defaults={"text": covered},
    )
    if not created and dismissal.text != covered:  # the text changed since: dismissed anew
        dismissal.text = covered
        dismissal.created_at = timezone.now()
        dismissal.save(update_fields=["text", "created_at"])
    return dismissal, created


@transaction.atomic
def suggestion_undismiss(*, article: Article, user, start: int, end: int, kind: str) -> bool:
    """Forget a dismissal: the suggestion is proposed again. Whether there was one."""
    require_role(article.project_id, user, MEMBER_ROLES, "dismiss suggestions")
    deleted, _ = SuggestionDismissal.objects.filter(
        user=user, article=article, start=start, end=end, kind=kind
    ).delete()
    return bool(deleted)


def _check_backend_url(url) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError({"url": "A suggestion server's http or https URL is required."})
    url = url.strip()
    check_text(url, "url")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError as exc:
        raise ValidationError({"url": "The port is not a number from 1 to 65535."}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Must be an http or https URL with a host."})
    if len(url) > 2000:
        raise ValidationError({"url": "At most 2,000 characters."})
    return url


@transaction.atomic
def suggestion_backend_set(
    *, project: Project, user, url: str, timeout_ms: int = 2000, enabled: bool = True
) -> SuggestionBackend:
    """Name the project's suggestion server (managers only): each suggestions request of the
    project sends it the article, within ``timeout_ms`` (100 to 10,000)."""
    require_role(project, user, MANAGER_ROLES, "set the project's suggestion server")
    url = _check_backend_url(url)
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int):
        raise ValidationError({"timeout_ms": "A whole number of milliseconds is required."})
    if not 100 <= timeout_ms <= 10_000:
        raise ValidationError({"timeout_ms": "Between 100 and 10,000 milliseconds."})
    backend, _ = SuggestionBackend.objects.update_or_create(
        project=project,
        defaults={
            "url": url,
            "timeout_ms": timeout_ms,
            "enabled": bool(enabled),
            "updated_by": user,
            "updated_at": timezone.now(),
        },
    )
    return backend


@transaction.atomic
def suggestion_backend_delete(*, project: Project, user) -> None:
    """The project goes back to the built-in suggestions alone (managers only)."""
    require_role(project, user, MANAGER_ROLES, "set the project's suggestion server")
    SuggestionBackend.objects.filter(project=project).delete()


@dataclass(frozen=True)
class AcceptResult:
    created: list[Span]  # by start
    unlabelled: int  # suggestions left as they were: no label proposed


@transaction.atomic
def suggestions_accept(*, article: Article, annotator, suggestions: Iterable) -> AcceptResult:
    """Make a span of each suggestion (``suggestions.Suggestion``s of ``article``, as the
    selectors read them for ``annotator``): all or nothing, through ``span_bulk_create``, so
    each is checked as a span made by hand. Suggestions at the same place with the same
    label make one span with all their actors (a name two actors share); those without a
    proposed label are left and counted."""
    require_role(article.project_id, annotator, MEMBER_ROLES, "create spans")
    items: dict[tuple[int, int, int], dict] = {}
    unlabelled = 0
    for suggestion in suggestions:
        if suggestion.label is None:
            unlabelled += 1
            continue
        item = items.setdefault(
            (suggestion.start, suggestion.end, suggestion.label),
            {
                "article": article, "start": suggestion.start, "end": suggestion.end,
                "text": suggestion.text, "label": suggestion.label, "actors": [],
            },
        )  # fmt: skip
        if suggestion.actor is not None:
            link = {"actor": suggestion.actor, "role": suggestion.role or "mentioned"}
            if link not in item["actors"]:
                item["actors"].append(link)
        for field in ("probability", "confidence"):
            if getattr(suggestion, field) and not item.get(field):
                item[field] = getattr(suggestion, field)
    if len(items) > MAX_OCCURRENCES:  # as many as one bulk create takes, as for label all
        raise ValidationError(
            f"{len(items)} suggestions to accept at once; at most {MAX_OCCURRENCES}."
        )
    try:
        spans = span_bulk_create(items=list(items.values()), annotator=annotator) if items else []
    except BulkValidationError as exc:
        # The first refusal says why none was made.
        raise ValidationError(exc.item_errors[0]["errors"]) from exc
    return AcceptResult(created=spans, unlabelled=unlabelled)
