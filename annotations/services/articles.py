"""Articles: their text (normalised, frozen once spans refer to it, unique per project)."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import Conflict
from ..models import (
    Article,
    Project,
    Span,
    SpanEvent,
)
from ..permissions import MANAGER_ROLES, require_role
from .validation import (
    UNSET,
    check_json,
    check_text,
    clean_fields,
    cut_at_word,
    given,
    normalize_newlines,
)


class DuplicateArticle(ValidationError):
    """The project already holds an article with this body."""

    def __init__(self, existing: Article):
        super().__init__(
            {
                "body": f"The project already has this text: article {existing.pk} "
                f"“{existing.title}”."
            }
        )
        self.existing = existing


def _validate_body(body: Any) -> str:
    if not isinstance(body, str):
        raise ValidationError({"body": "Must be text."})
    check_text(body, "body")
    body = normalize_newlines(body)
    if not body.strip():
        raise ValidationError({"body": "The article has no text."})
    return body


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


TITLE_FROM_BODY = 200  # characters of the first line a title without one takes


def _title_from_body(body: str) -> str:
    """The first non-blank line, cut at a word boundary (with ``…``) past 200 characters."""
    first_line = next((line.strip() for line in body.split("\n") if line.strip()), "")
    return cut_at_word(first_line, TITLE_FROM_BODY)


# --- articles --------------------------------------------------------------------------------

ARTICLE_FIELDS = (
    "title",
    "source",
    "url",
    "published_on",
    "author",
    "language",
    "external_id",
    "metadata",
)


def _clean_article_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    values = dict(values)
    metadata = values.pop("metadata", None)
    for key in ("title", "source", "url", "author", "language", "external_id"):
        if values.get(key) is None and key in values:
            values[key] = ""
    if isinstance(values.get("title"), str):
        values["title"] = " ".join(normalize_newlines(values["title"]).split("\n")).strip()
    # A blank title is allowed here: the callers derive one from the body's first line.
    blank_title = "title" in values and values["title"] == ""
    if blank_title:
        del values["title"]
    data = clean_fields(Article, values)
    if blank_title:
        data["title"] = ""
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise ValidationError({"metadata": "Must be a JSON object."})
        check_json(metadata, "metadata")
        try:
            json.dumps(metadata, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"metadata": f"Not storable as JSON: {exc}."}) from exc
        data["metadata"] = metadata
    return data


def article_validate(
    *,
    project: Project,
    article: Article | None = None,
    body: Any = None,
    check_duplicate: bool = True,
    title: str | None = UNSET,
    source: str | None = UNSET,
    url: str | None = UNSET,
    published_on: Any = UNSET,
    author: str | None = UNSET,
    language: str | None = UNSET,
    external_id: str | None = UNSET,
    metadata: dict | None = UNSET,
) -> dict[str, Any]:
    """Check an article's fields as ``article_create`` (no ``article``) or ``article_update``
    would, and return them cleaned, with ``body`` and ``sha256`` when the text is new.

    Raises ``ValidationError``, ``DuplicateArticle`` or ``Conflict`` (body frozen by spans).
    Bulk importers pass ``check_duplicate=False`` and look duplicates up a batch at a time.
    """
    data = _clean_article_fields(
        given(
            title=title, source=source, url=url, published_on=published_on, author=author,
            language=language, external_id=external_id, metadata=metadata,
        )
    )  # fmt: skip
    if article is None or body is not None:
        body = _validate_body(body)
        if article is None or body != article.body:
            if article is not None and article.spans.exists():
                raise Conflict("The article has spans; its text can no longer change.")
            sha = body_sha256(body)
            clash = Article.objects.filter(project=project, sha256=sha)
            if article is not None:
                clash = clash.exclude(pk=article.pk)
            if check_duplicate and (existing := clash.first()):
                raise DuplicateArticle(existing)
            data["body"], data["sha256"] = body, sha
    if (article is None or "title" in data) and not data.get("title"):
        data["title"] = _title_from_body(data.get("body") or article.body)
    return data


@transaction.atomic
def article_create(
    *,
    project: Project,
    body: str,
    user,
    created_by=None,
    title: str | None = UNSET,
    source: str | None = UNSET,
    url: str | None = UNSET,
    published_on: Any = UNSET,
    author: str | None = UNSET,
    language: str | None = UNSET,
    external_id: str | None = UNSET,
    metadata: dict | None = UNSET,
) -> Article:
    """Add an article; its line endings become ``\\n``. The same text twice is refused.

    Only a manager of the project adds one.
    """
    require_role(project, user, MANAGER_ROLES, "add articles")
    data = article_validate(
        project=project, body=body,
        title=title, source=source, url=url, published_on=published_on, author=author,
        language=language, external_id=external_id, metadata=metadata,
    )  # fmt: skip
    sha = data["sha256"]
    article = Article(project=project, created_by=created_by, **data)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:
        existing = Article.objects.filter(project=project, sha256=sha).first()
        if existing:
            raise DuplicateArticle(existing) from exc
        raise
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    user,
    body: str | None = None,
    title: str | None = UNSET,
    source: str | None = UNSET,
    url: str | None = UNSET,
    published_on: Any = UNSET,
    author: str | None = UNSET,
    language: str | None = UNSET,
    external_id: str | None = UNSET,
    metadata: dict | None = UNSET,
) -> Article:
    """Change an article's fields (those given); its body only while no span refers to it.
    Managers only."""
    require_role(article.project, user, MANAGER_ROLES, "change articles")
    if language is not UNSET and language != article.language:
        _lock_spans_first(article)
    article = Article.objects.select_for_update().get(pk=article.pk)
    data = article_validate(
        project=article.project, article=article, body=body,
        title=title, source=source, url=url, published_on=published_on, author=author,
        language=language, external_id=external_id, metadata=metadata,
    )  # fmt: skip
    for key, value in data.items():
        setattr(article, key, value)
    article.updated_at = timezone.now()
    article.save()
    return article


def _lock_spans_first(article: Article) -> None:
    """Lock the article's spans, in id order, before the article itself: a language change
    re-indexes them (migration 0009's trigger), and a span write holds its span, then asks
    for its article (migration 0014). Taken the other way round, the two would wait for
    each other until PostgreSQL ended one with a deadlock error."""
    spans = Span.objects.filter(article=article).order_by("pk")
    list(spans.select_for_update(no_key=True).values("pk"))  # as the re-indexing UPDATE locks


@transaction.atomic
def article_delete(*, article: Article, user) -> None:
    """Delete an article no span refers to, with its history. Managers only."""
    require_role(article.project, user, MANAGER_ROLES, "delete articles")
    count = article.spans.count()
    if count:
        raise Conflict(f"The article has {count} spans; delete them before the article.")
    SpanEvent.objects.filter(article=article).delete()
    article.delete()
