"""Suggestions' writes: a user's dismissals, and a project's suggestion server (the ML
backend protocol, which only managers set)."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Article, Project, SuggestionBackend, SuggestionDismissal
from ..permissions import MANAGER_ROLES, MEMBER_ROLES, require_role
from .span_rules import check_covered, check_offset_values
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
