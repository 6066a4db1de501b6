"""The reads behind an article's suggestions: the registry's version and names (for the
matcher), the article as its member sees it, the user's spans and dismissals there, the
project's labels. ``article_suggestions`` puts them together."""

import logging
import threading
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max

from annotations import estimative
from annotations.models import (
    Actor,
    Article,
    Confidence,
    Label,
    LabelKind,
    Probability,
    Span,
    SpanActor,
    SuggestionBackend,
    SuggestionDismissal,
)
from annotations.suggestions import (
    ActorMatcher,
    LabelChooser,
    Suggestion,
    cached,
    order_key,
    registry_matcher,
    suggest,
)
from annotations.suggestions.ml import backend_suggestions

from .scope import scope_to_user

logger = logging.getLogger(__name__)


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
    labels = Label.objects.filter(project_id=project_id, kind=LabelKind.SPAN).order_by(
        "order", "name"
    )
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


def current_matcher() -> tuple[Hashable, ActorMatcher]:
    """The registry's matcher and its version (one aggregate query; the build, if any, only
    when the registry changed since this process last read it)."""
    stamp = registry_stamp()
    # A large registry is rebuilt in the background while the previous version answers.
    large = stamp[0] >= getattr(settings, "SUGGESTIONS_BACKGROUND_BUILD_FROM", 2000)
    return registry_matcher(stamp, registry_names, background=large, done=connection.close)


def warm_matcher() -> threading.Thread:
    """Build the registry's matcher in a thread (a server process as it starts: config/wsgi.py),
    so that no request waits for it; a request that comes during the build waits for that
    build rather than making its own. A database not reachable yet leaves the build to the
    first request."""

    def build() -> None:
        began = time.perf_counter()
        try:
            _, matcher = current_matcher()
            logger.info(
                "suggestions: matcher of %s names built in %.2f s at start",
                matcher.size,
                time.perf_counter() - began,
            )
        except DatabaseError as exc:
            logger.warning("suggestions: matcher not built at start (%s)", exc)
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="assay-warm-matcher", daemon=True)
    thread.start()
    return thread


def builtin_suggestions(
    *, article: Article, labels: LabelChooser | None = None
) -> tuple[list[Suggestion], LabelChooser]:
    """The built-in suggestions of ``article`` (every user's: nothing is left out yet), kept
    per process while the body, the registry and the labels stay the same; and the labels'
    chooser. ``labels`` when the caller has read the project's span labels already."""
    version, matcher = current_matcher()
    if labels is None:
        labels = project_label_chooser(article.project_id)
    found = cached(
        (article.pk, article.sha256, version, labels.signature),
        lambda: suggest(article.body, matcher=matcher, labels=labels),
    )
    return found, labels


def article_suggestions(*, article: Article, user, backend: bool = True) -> ArticleSuggestions:
    """What Assay proposes to ``user`` on ``article`` (the SPEC's "Suggestions"), by start:
    the registry's mentions, ICD 203 phrases, attributions, and the project's suggestion
    server's (``backend``), less what the user already made (a span of theirs at the same
    offsets) or dismissed (while the text there is the same)."""
    found, labels = builtin_suggestions(article=article)
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


@dataclass
class SpanProposals:
    """What a span's panel proposes from the article's suggestions: the actors mentioned
    inside the span (``mentioned``), the attributed speaker (``source``) and the grade its
    words state (``estimative.suggest``), less what the span holds already."""

    actors: list[tuple[Actor, str]]  # (actor, role)
    probability: str | None = None
    confidence: str | None = None
    probability_words: str = ""
    confidence_words: str = ""

    def __bool__(self) -> bool:
        return bool(self.actors or self.probability or self.confidence)

    def links(self) -> list[dict]:
        return [{"actor": actor.pk, "role": role} for actor, role in self.actors]

    def grades(self) -> list[tuple[str, str, str, str]]:
        """The grade proposed, ``(field, value, its name, the words that state it)``."""
        found = []
        if self.probability:
            name = Probability(self.probability).label
            found.append(("probability", self.probability, name, self.probability_words))
        if self.confidence:
            name = Confidence(self.confidence).label
            found.append(("confidence", self.confidence, name, self.confidence_words))
        return found


def _attributed(suggestion: Suggestion, start: int, end: int) -> bool:
    """Whether the statement of a ``source`` suggestion is the span's: one holds the other."""
    inside = start <= suggestion.start and suggestion.end <= end
    around = suggestion.start <= start and end <= suggestion.end
    return inside or around


def span_proposals(
    *, article: Article, span: Span, labels: LabelChooser, held: list[dict] | None = None
) -> SpanProposals:
    """The proposals for ``span`` (its panel's "take all"), from the built-in suggestions of
    its article (kept per process) and its own words. ``held``: the span's actor links
    (``{"actor", "role"}``) when the caller has read them already; else they are read here,
    only if an actor is proposed."""
    found, _ = builtin_suggestions(article=article, labels=labels)
    start, end = span.start, span.end
    wanted: dict[tuple[int, str], None] = {}
    for suggestion in found:
        if suggestion.start >= end:
            break  # by start: nothing after the span's end can fall in it
        if suggestion.actor is None:
            continue
        if suggestion.kind == "actor" and start <= suggestion.start and suggestion.end <= end:
            wanted[(suggestion.actor, "mentioned")] = None
        elif suggestion.kind == "source" and _attributed(suggestion, start, end):
            wanted[(suggestion.actor, "source")] = None
    if held is not None:
        has = {(link["actor"], link["role"]) for link in held}
    elif wanted:
        has = set(SpanActor.objects.filter(span=span).values_list("actor_id", "role"))
    else:
        has = set()
    todo = [key for key in wanted if key not in has]
    names = Actor.objects.in_bulk([actor for actor, _ in todo]) if todo else {}
    actors = [(names[actor], role) for actor, role in todo if actor in names]
    words = estimative.suggest(span.text)
    probability = words.probability if words.probability != span.probability else None
    confidence = words.confidence if words.confidence != span.confidence else None
    return SpanProposals(
        actors=actors,
        probability=probability,
        confidence=confidence,
        probability_words=words.probability_words if probability else "",
        confidence_words=words.confidence_words if confidence else "",
    )
