"""The reads behind a project's analytics: spans counted per period and probability step, per
source actor, per actor assessed. The figures are made by ``metrics/analytics.py``."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from annotations.metrics import analytics
from annotations.models import Actor, ActorRole, Project, Span, SpanActor
from annotations.replica import replica_reads

from . import analytics_pg
from .actors import actors_search
from .scope import visible_annotator

TRUNC = {"month": TruncMonth, "week": TruncWeek, "day": TruncDay}


def spans_have_gold() -> bool:
    """Whether spans carry ``gold`` yet (the gold layer adds it)."""
    return any(f.name == "gold" for f in Span._meta.get_fields())


@dataclass(frozen=True)
class AnalyticsFilters:
    """Which spans of a project are counted: ``actor`` (id) in ``role`` (or in any role),
    or any actor in ``role``; ``label`` (id); ``gold``; the article's date; ``annotator``
    (a user id: only their spans, as a blind project's annotator sees, ``for_user``)."""

    actor: int | None = None
    role: str | None = None
    label: int | None = None
    gold: bool | None = None
    published_after: datetime.date | None = None
    published_before: datetime.date | None = None
    annotator: int | None = None

    def for_user(self, *, project: Project, user) -> "AnalyticsFilters":
        """These filters as ``user`` may count: in a blind project an annotator counts only
        their own spans (the SPEC's blind annotation), never the others' assessments."""
        if visible_annotator(project=project, user=user) is None:
            return self
        return dataclasses.replace(self, annotator=user.pk)

    def spans(self, project: Project) -> QuerySet[Span]:
        spans = Span.objects.filter(project=project)
        if self.annotator is not None:
            spans = spans.filter(annotator_id=self.annotator)
        if self.label is not None:
            spans = spans.filter(label_id=self.label)
        if self.gold is not None:
            if spans_have_gold():
                spans = spans.filter(gold=self.gold)
            elif self.gold:
                spans = spans.none()  # no gold layer yet: no gold span
        if self.actor is not None or self.role:
            links = SpanActor.objects.filter(span=OuterRef("pk"))
            if self.actor is not None:
                links = links.filter(actor_id=self.actor)
            if self.role:
                links = links.filter(role=self.role)
            spans = spans.filter(Exists(links))
        if self.published_after is not None:
            spans = spans.filter(article__published_on__gte=self.published_after)
        if self.published_before is not None:
            spans = spans.filter(article__published_on__lte=self.published_before)
        return spans


def timeline_rows_orm(*, project: Project, filters: AnalyticsFilters, interval: str):
    """``(a day of the period, probability, count)``: the definition, and SQLite's read."""
    return list(
        filters.spans(project)
        .filter(article__published_on__isnull=False)
        .annotate(period=TRUNC[interval]("article__published_on"))
        .order_by()
        .values_list("period", "probability")
        .annotate(n=Count("id"))
    )


def link_rows_orm(*, project: Project, filters: AnalyticsFilters, roles: tuple[str, ...]):
    """``(role, actor id, name, probability, count)``: the links in ``roles`` of the spans,
    counted per role, actor and probability (a link is one span in one role)."""
    return list(
        SpanActor.objects.filter(role__in=roles, span__in=filters.spans(project))
        .order_by()
        .values_list("role", "actor_id", "actor__name", "span__probability")
        .annotate(n=Count("span_id"))
    )


def actor_ids_orm(*, project: Project, filters: AnalyticsFilters) -> QuerySet:
    """The ids of the actors linked, in any role, to the spans: the definition, and SQLite's
    read (a subquery for ``pk__in``)."""
    return SpanActor.objects.filter(span__in=filters.spans(project)).values("actor_id")


_WAYS = {  # each read: PostgreSQL's fast path, the ORM's
    "timeline_rows": (analytics_pg.timeline_rows, timeline_rows_orm),
    "link_rows": (analytics_pg.link_rows, link_rows_orm),
    "actor_ids": (analytics_pg.actor_ids, actor_ids_orm),
}


def _rows(name: str, **kwargs):
    """The rows by PostgreSQL's fast path (``analytics_pg``), or by the ORM: on SQLite, and
    for one annotator's spans (the links carry no annotator; the span index by annotator
    and project finds their few spans)."""
    fast, orm = _WAYS[name]
    one_annotator = kwargs["filters"].annotator is not None
    return (fast if connection.vendor == "postgresql" and not one_annotator else orm)(**kwargs)


def _split(rows, *, rank_role: str | None):
    """Link rows as the distribution's ``(actor, name, probability, count)`` of the sources
    and the ranking's ``(actor, name, count)`` in ``rank_role``."""
    sources, ranked = [], {}
    for role, actor_id, name, probability, count in rows:
        if role == ActorRole.SOURCE:
            sources.append((actor_id, name, probability, count))
        if role == rank_role:
            ranked[actor_id, name] = ranked.get((actor_id, name), 0) + count
    return sources, [(actor_id, name, count) for (actor_id, name), count in ranked.items()]


@replica_reads()
def project_timeline(*, project: Project, filters: AnalyticsFilters, interval: str) -> list[dict]:
    """The series of ``metrics.analytics.timeline``: spans of dated articles, one query."""
    rows = _rows("timeline_rows", project=project, filters=filters, interval=interval)
    return analytics.timeline(rows, interval)


@replica_reads()
def source_distribution(*, project: Project, filters: AnalyticsFilters) -> list[dict]:
    """Per source actor of the spans, their probability steps (one query)."""
    rows = _rows("link_rows", project=project, filters=filters, roles=(ActorRole.SOURCE,))
    return analytics.distribution(_split(rows, rank_role=None)[0])


@replica_reads()
def actors_ranked(
    *, project: Project, filters: AnalyticsFilters, role: str = ActorRole.SUBJECT, limit: int = 20
) -> list[dict]:
    """The actors most often in ``role`` (by default, the subject: whom spans assess)."""
    rows = _rows("link_rows", project=project, filters=filters, roles=(role,))
    return analytics.ranked(_split(rows, rank_role=role)[1], limit)


@replica_reads()
def sources_and_ranked(
    *, project: Project, filters: AnalyticsFilters, role: str = ActorRole.SUBJECT, limit: int = 20
) -> tuple[list[dict], list[dict]]:
    """``source_distribution`` and ``actors_ranked`` from one read of the links."""
    roles = tuple(dict.fromkeys((ActorRole.SOURCE, role)))
    rows = _rows("link_rows", project=project, filters=filters, roles=roles)
    sources, ranked = _split(rows, rank_role=role)
    return analytics.distribution(sources), analytics.ranked(ranked, limit)


@dataclass(frozen=True)
class ActorChoices:
    """The actors the analytics page offers: ``listed``, the first by name; ``more``, whether
    others match; ``picked``, the actor picked when it is not listed."""

    listed: list[Actor]
    more: bool
    picked: Actor | None


@replica_reads()
def actor_choices(
    *, project: Project, filters: AnalyticsFilters, q: str = "", limit: int = 300
) -> ActorChoices:
    """The actors linked, in any role, to the project's spans that ``filters.annotator`` may
    count (a blind project's annotator: their own spans', so that the list tells nothing of
    the others' work), by name, those whose name or an alias contains ``q``. The other
    filters do not narrow it: any actor may be picked next. ``filters.actor`` comes too when
    it is not listed (no span here, past ``limit``, not matching ``q``), so that a bookmarked
    page shows what it counts. Two queries at most. No count of spans: that reads each of
    the project's links (1,000,000 spans: 1.4 s, docs/search.md)."""
    scope = AnalyticsFilters(annotator=filters.annotator)
    ids = _rows("actor_ids", project=project, filters=scope)
    among = Actor.objects.only("name").filter(pk__in=ids)
    found = list(actors_search(q=q, limit=limit + 1, among=among))
    listed = found[:limit]
    picked = None
    if filters.actor is not None and all(actor.pk != filters.actor for actor in listed):
        picked = Actor.objects.filter(pk=filters.actor).first()
    return ActorChoices(listed=listed, more=len(found) > limit, picked=picked)
