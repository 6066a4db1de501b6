"""The reads behind an article's suggestions: the registry's version and names (for the
matcher), the article as its member sees it, the user's spans and dismissals there, the
project's labels. ``article_suggestions`` puts them together."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from annotations.models import (
    Actor,
    Article,
    Label,
    LabelKind,
    Span,
    SuggestionBackend,
    SuggestionDismissal,
)
from annotations.suggestions import (
    LabelChooser,
    Suggestion,
    cached,
    order_key,
    registry_matcher,
    suggest,
)
from annotations.suggestions.ml import backend_suggestions

from .scope import scope_to_user


def registry_stamp() -> tuple:
    """The actor registry's version: any create, change, merge or delete moves it (a create
    the last id, a delete the count, a change ``updated_at``)."""
    stamp = Actor.objects.order_by().aggregate(
        count=Count("pk"), last=Max("pk"), changed=Max("updated_at")
    )
    return stamp["count"], stamp["last"], stamp["changed"]


def registry_names() -> Iterator[tuple[int, str]]:
    """Every (actor id, name or alias) of the registry."""
    for pk, name, aliases in Actor.objects.order_by().values_list("pk", "name", "aliases"):
        yield pk, name
        if isinstance(aliases, list):
            for alias in aliases:
                yield pk, alias


def article_for_suggestions(*, pk: int, user) -> Article | None:
    """The article (id, project, body) if it is in one of the user's projects."""
    # The body is read only when the suggestions are computed (not kept from an earlier request).
    queryset = Article.objects.only("pk", "project_id", "sha256", "title", "language", "source")
    return scope_to_user(queryset, user=user).filter(pk=pk).first()


def project_label_chooser(project_id: int) -> LabelChooser:
    labels = Label.objects.filter(project_id=project_id, kind=LabelKind.SPAN).order_by("order")
    return LabelChooser(labels.values_list("pk", "name"))


def suggestion_backend_of(project) -> SuggestionBackend | None:
    """The project's suggestion server, if one is set (enabled or not)."""
    return SuggestionBackend.objects.filter(project=project).first()


@dataclass
class ArticleSuggestions:
    results: list[Suggestion]
    notes: list[str] = field(default_factory=list)


def _made_or_dismissed(article: Article, user) -> tuple[set, dict]:
    made = set(
        Span.objects.filter(article_id=article.pk, annotator=user)
        .order_by()
        .values_list("start", "end")
    )
    dismissed = {
        (start, end, kind): text
        for start, end, kind, text in SuggestionDismissal.objects.filter(
            article_id=article.pk, user=user
        )
        .order_by()
        .values_list("start", "end", "kind", "text")
    }
    return made, dismissed


def article_suggestions(*, article: Article, user, backend: bool = True) -> ArticleSuggestions:
    """What Assay proposes to ``user`` on ``article`` (the SPEC's "Suggestions"), by start:
    the registry's mentions, ICD 203 phrases, attributions, and the project's suggestion
    server's (``backend``), less what the user already made (a span of theirs at the same
    offsets) or dismissed (while the text there is the same)."""
    stamp = registry_stamp()
    # A large registry is rebuilt in the background while the previous version answers.
    large = stamp[0] >= getattr(settings, "SUGGESTIONS_BACKGROUND_BUILD_FROM", 2000)
    version, matcher = registry_matcher(
        stamp, registry_names, background=large, done=connection.close
    )
    labels = project_label_chooser(article.project_id)
    found = cached(
        (article.pk, article.sha256, version, labels.signature),
        lambda: suggest(article.body, matcher=matcher, labels=labels),
    )
    notes = []
    if backend:
        config = SuggestionBackend.objects.filter(project_id=article.project_id, enabled=True)
        config = config.first()
        if config is not None:
            extra, note = backend_suggestions(config, article, labels)
            if note:
                notes.append(note)
            if extra:
                found = sorted([*found, *extra], key=order_key)
    made, dismissed = _made_or_dismissed(article, user)
    results = [
        s
        for s in found
        if (s.start, s.end) not in made and dismissed.get((s.start, s.end, s.kind)) != s.text
    ]
    return ArticleSuggestions(results, notes)
