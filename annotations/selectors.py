"""Reads shared by the pages, the API and the exports, scoped to what a user may see."""

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import CharField, Count, F, Func, OuterRef, Q, QuerySet, Subquery, Value

from .models import (
    Actor,
    Article,
    ArticleProgress,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
)


def user_role(*, project: Project | int, user) -> str | None:
    """The user's role in the project, ``manager`` for superusers, ``None`` for outsiders."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.MANAGER
    project_id = project if isinstance(project, int) else project.pk
    # At most one row; no ordering, as Membership's default one would join project and user.
    roles = (
        Membership.objects.filter(project_id=project_id, user=user)
        .order_by()
        .values_list("role", flat=True)[:1]
    )
    return next(iter(roles), None)


def projects_for_user(*, user) -> QuerySet[Project]:
    """The projects a user belongs to (all of them for a superuser)."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user)


def articles_for_user(*, user) -> QuerySet[Article]:
    qs = Article.objects.all()
    if not user.is_superuser:
        qs = qs.filter(project__memberships__user=user)
    return qs


def spans_for_user(*, user) -> QuerySet[Span]:
    qs = Span.objects.all()
    if not user.is_superuser:
        qs = qs.filter(project__memberships__user=user)
    return qs


def actors_with_counts() -> QuerySet[Actor]:
    return Actor.objects.annotate(span_count=Count("span_actors__span", distinct=True))


# The article list and the annotate page's previous/next share this order; NULL dates sort last
# on every backend.
ARTICLE_ORDER = (F("published_on").desc(nulls_last=True), "id")


def project_articles(
    *,
    project: Project,
    user,
    q: str = "",
    source: str = "",
    published_after=None,
    published_before=None,
    status: str = "",
) -> QuerySet[Article]:
    """A project's articles without their bodies, with ``my_span_count`` and ``my_done_at``."""
    done_at = ArticleProgress.objects.filter(article=OuterRef("pk"), user=user).values("done_at")[
        :1
    ]
    qs = (
        Article.objects.filter(project=project)
        .defer("body", "metadata")
        .annotate(
            my_span_count=Count("spans", filter=Q(spans__annotator=user)),
            my_done_at=Subquery(done_at),
        )
        .order_by(*ARTICLE_ORDER)
    )
    if q:
        qs = qs.filter(title__icontains=q)
    if source:
        qs = qs.filter(source=source)
    if published_after:
        qs = qs.filter(published_on__gte=published_after)
    if published_before:
        qs = qs.filter(published_on__lte=published_before)
    if status == "done":
        qs = qs.filter(my_done_at__isnull=False)
    elif status == "todo":
        qs = qs.filter(my_done_at__isnull=True)
    return qs


def article_neighbours(*, article: Article) -> tuple[int | None, int | None]:
    """The previous and next article's ids in the project's list order (one query)."""
    ids = list(
        Article.objects.filter(project_id=article.project_id)
        .order_by(*ARTICLE_ORDER)
        .values_list("id", flat=True)
    )
    index = ids.index(article.pk)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following


def span_labels(*, project: Project) -> list[Label]:
    return list(
        Label.objects.filter(project=project, kind=Label.Kind.SPAN).order_by("order", "name")
    )


class SpanRow(NamedTuple):
    """What the annotate page draws of a span: no model instance, so 2,000 of them are cheap."""

    pk: int
    start: int
    end: int
    label_id: int
    text: str


def article_span_rows(
    *, article: Article, user, overlapping: tuple[int, int] | None = None
) -> list[SpanRow]:
    """The user's spans on an article in text order (one query); with ``overlapping``
    ``(start, end)``, only those that touch that range (its ends included)."""
    spans = Span.objects.filter(article=article, annotator=user)
    if overlapping is not None:
        spans = spans.filter(start__lte=overlapping[1], end__gte=overlapping[0])
    return [
        SpanRow(*row)
        for row in spans.order_by("start", "end", "id").values_list(
            "id", "start", "end", "label_id", "text"
        )
    ]


def article_span_counts(*, article: Article, user) -> dict[int, int]:
    """How many spans the user has on an article, per label id (one query)."""
    return dict(
        Span.objects.filter(article=article, annotator=user)
        .order_by()
        .values_list("label_id")
        .annotate(n=Count("id"))
        .values_list("label_id", "n")
    )


def span_links(*, span: Span) -> tuple[list[SpanActor], list[Relation]]:
    """A span's actors and outgoing relations (with label and target span): two queries."""
    actors = list(SpanActor.objects.filter(span=span).select_related("actor").order_by("id"))
    relations = list(
        Relation.objects.filter(from_span=span).select_related("label", "to_span").order_by("id")
    )
    return actors, relations


def actors_search(*, q: str, limit: int = 20) -> QuerySet[Actor]:
    """Actors whose name or an alias contains ``q``, case-folded as ``search_text`` is."""
    qs = Actor.objects.all()
    if q.strip():
        qs = qs.filter(search_text__contains=q.strip().casefold())
    return qs.order_by("name", "id")[:limit]


def scope_to_user(queryset: QuerySet, *, user, project_field: str = "project") -> QuerySet:
    """Keep the rows of ``queryset`` that lie in the user's projects (all for a superuser).

    A subquery rather than a join, so rows never repeat and lists stay one query.
    """
    if user.is_superuser:
        return queryset
    project_ids = Membership.objects.filter(user=user).values("project_id")
    lookup = "pk" if project_field == "pk" else f"{project_field}_id"  # no join to the project
    return queryset.filter(**{f"{lookup}__in": project_ids})


# --- exports -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ExportActor:
    name: str
    kind: str
    wikidata_id: str
    role: str


@dataclass(slots=True)
class ExportSpan:
    id: int
    start: int
    end: int
    text: str
    label: str
    probability: str | None
    confidence: str | None
    note: str
    status: str
    annotator: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    actors: list[ExportActor] = field(default_factory=list)


@dataclass(slots=True)
class ExportRelation:
    """``from_index`` and ``to_index`` point into the article's exported ``spans``."""

    id: int
    from_index: int
    to_index: int
    label: str
    annotator: str


@dataclass(slots=True)
class ExportArticle:
    id: int
    external_id: str
    title: str
    body: str
    source: str
    url: str
    published_on: date | None
    author: str
    language: str
    metadata: dict
    spans: list[ExportSpan] = field(default_factory=list)
    relations: list[ExportRelation] = field(default_factory=list)


EXPORT_CHUNK_SIZE = 2000  # articles a chunk, streamed (PostgreSQL)
EXPORT_CHUNK_SIZE_BUFFERED = 500  # articles a chunk, read whole (SQLite)
SPAN_FETCH_SIZE = 5000  # rows a server-side cursor hands over at a time
ARTICLE_BATCH = 500  # articles (and their relations) a query, within a chunk

_EXPORT_ARTICLE_FIELDS = (
    "id",
    "external_id",
    "title",
    "body",
    "source",
    "url",
    "published_on",
    "author",
    "language",
    "metadata",
)
_EXPORT_SPAN_FIELDS = (
    "article_id",
    "id",
    "start",
    "end",
    "text",
    "label__name",
    "probability",
    "confidence",
    "note",
    "status",
    "annotator__username",
)


def _export_span_filter(prefix: str, *, status, label, annotator) -> Q:
    condition = Q()
    if status:
        condition &= Q(**{f"{prefix}status": status})
    if label:
        condition &= Q(**{f"{prefix}label_id": label})
    if annotator:
        condition &= Q(**{f"{prefix}annotator__username": annotator})
    return condition


def export_articles(
    *,
    project: Project,
    status: str | None = None,
    label: int | str | None = None,
    annotator: str | None = None,
    chunk_size: int | None = None,
    timestamps: bool = True,
) -> Iterator[ExportArticle]:
    """Every article of the project, by id, with its spans that match the filters.

    ``status``, ``label`` (an id) and ``annotator`` (a username) filter the spans, never the
    articles: an article without a matching span is still exported, because it is part of the
    dataset (a document with no entities for CoNLL and doccano). Spans come ordered by start,
    end and id, each with its label's name, its annotator's username and its actors; relations
    are those whose two spans are both exported.

    The articles are read ``chunk_size`` at a time by keyset on their id, and each chunk costs
    four queries (articles, spans, span actors, relations) whatever its number of spans, so
    the query count grows with chunks, not rows. The four come ordered by article and are
    merged as they are read: on PostgreSQL each is a server-side cursor, so memory holds one
    article and its spans however large the chunk, and a chunk can be large (each costs a pass
    over the span actors). SQLite's cursors see the connection's own writes while they are
    read, so there each chunk's rows are read whole before they are merged, and chunks are
    smaller. Plain tuples (``values_list``) rather than model instances keep a million spans
    cheap to build, and ``timestamps=False`` leaves ``created_at`` and ``updated_at`` as
    ``None``: turning them into datetimes is half the cost of reading a span, and most
    formats do not carry them.
    """
    streaming = connection.vendor == "postgresql"
    if chunk_size is None:
        chunk_size = EXPORT_CHUNK_SIZE if streaming else EXPORT_CHUNK_SIZE_BUFFERED
    read = partial(
        _export_chunk,
        project=project,
        spans=_export_spans(timestamps=timestamps, streaming=streaming),
        span_filter=_export_span_filter("", status=status, label=label, annotator=annotator),
        link_filter=_export_span_filter("span__", status=status, label=label, annotator=annotator),
        chunk_size=chunk_size,
        rows=_stream if streaming else _buffer,
        actors={},
    )
    after: int | None = 0
    while after is not None:
        after = yield from read(after)


def _export_spans(*, timestamps: bool, streaming: bool) -> tuple[QuerySet, Callable]:
    """The spans' rows, and what makes an ``ExportSpan`` of one.

    psycopg reads a timestamp through Django's loader, in Python, at a few microseconds each;
    on PostgreSQL they come as ISO 8601 text instead (``to_char`` is the same whatever the
    session's ``DateStyle``), which ``datetime.fromisoformat`` reads in C into the same
    aware datetime, in the session's time zone, which Django sets to UTC.
    """
    spans = Span.objects.all()
    if not timestamps:
        return spans.values_list(*_EXPORT_SPAN_FIELDS), _span
    if not streaming:
        return spans.values_list(*_EXPORT_SPAN_FIELDS, "created_at", "updated_at"), _span
    iso = {
        f"{name}_iso": Func(
            F(name), Value(_ISO_TIMESTAMP), function="to_char", output_field=CharField()
        )
        for name in ("created_at", "updated_at")
    }
    return spans.annotate(**iso).values_list(*_EXPORT_SPAN_FIELDS, *iso), _span_from_iso


_ISO_TIMESTAMP = "YYYY-MM-DD HH24:MI:SS.USOF"


def _span(row: tuple) -> ExportSpan:
    return ExportSpan(*row[1:])


def _span_from_iso(row: tuple) -> ExportSpan:
    return ExportSpan(*row[1:-2], datetime.fromisoformat(row[-2]), datetime.fromisoformat(row[-1]))


def _stream(queryset: QuerySet) -> Iterator[tuple]:
    return queryset.iterator(chunk_size=SPAN_FETCH_SIZE)


def _buffer(queryset: QuerySet) -> Iterator[tuple]:
    return iter(list(queryset))


class _ByArticle:
    """Rows ordered by their first item, an article id, handed out an article at a time.

    Creating it reads the first row, so its query has run by then. Rows of an article that
    is never asked for (one created after the chunk's articles query) are passed over.
    """

    def __init__(self, rows: Iterator[tuple]):
        self._groups = groupby(rows, key=itemgetter(0))
        self._group = next(self._groups, None)
        self._handed = False

    def rows(self, article_id: int) -> Iterator[tuple] | None:
        # groupby drops a group's rows once it moves on: move only when they are asked for.
        if self._handed:
            self._group, self._handed = next(self._groups, None), False
        while self._group is not None and self._group[0] < article_id:
            self._group = next(self._groups, None)
        if self._group is None or self._group[0] != article_id:
            return None
        self._handed = True
        return self._group[1]


def _export_chunk(
    after: int, *, project, spans, span_filter, link_filter, chunk_size, rows, actors
) -> Generator[ExportArticle, None, int | None]:
    """The articles after ``after`` (at most ``chunk_size``) with their spans, actors and
    relations; returns the id to read on from, ``None`` after the last chunk.

    The articles and their relations are read ``ARTICLE_BATCH`` articles at a time, so a chunk
    of up to that many costs four queries: articles, spans, span actors, relations, all run
    before its first article is handed over. ``actors`` holds one ``ExportActor`` per actor
    and role, shared by every span it appears on.
    """
    chunk = Article.objects.filter(project=project, pk__gt=after).order_by("pk")
    batch_size = min(chunk_size, ARTICLE_BATCH)
    # The chunk ends at its ``chunk_size``-th article, or else at the project's last one: the
    # first batch brings both ids along, so the other queries are bounded by a known id.
    batch = list(
        chunk.annotate(
            nth=Subquery(chunk.values("pk")[chunk_size - 1 : chunk_size]),
            end=Subquery(Article.objects.filter(project=project).order_by("-pk").values("pk")[:1]),
        ).values_list(*_EXPORT_ARTICLE_FIELDS, "nth", "end")[:batch_size]
    )
    if not batch:
        return None
    *_, nth, end = batch[0]
    last = end if nth is None else nth
    batch = [row[:-2] for row in batch]
    # The chunk's articles are exactly the project's articles with ids in this range.
    first = batch[0][0]
    in_range = {"article_id__gte": first, "article_id__lte": last}
    span_rows, make_span = spans
    spans = _ByArticle(
        rows(
            span_rows.filter(span_filter, project=project, **in_range).order_by(
                "article_id", "start", "end", "id"
            )
        )
    )
    # Ordered by article, then by id: each span's actors in id order, as they are appended.
    links = _ByArticle(
        rows(
            SpanActor.objects.filter(
                link_filter,
                span__project=project,
                span__article_id__gte=first,
                span__article_id__lte=last,
            )
            .order_by("span__article_id", "id")
            .values_list(
                "span__article_id",
                "span_id",
                "actor_id",
                "role",
                "actor__name",
                "actor__kind",
                "actor__wikidata_id",
            )
        )
    )
    relation_rows = (
        Relation.objects.filter(article__project=project)
        .order_by("article_id", "id")
        .values_list(
            "article_id", "id", "from_span_id", "to_span_id", "label__name", "annotator__username"
        )
    )
    while batch:
        relations = _ByArticle(
            _buffer(relation_rows.filter(article_id__gte=batch[0][0], article_id__lte=batch[-1][0]))
        )
        for row in batch:
            article = ExportArticle(*row)
            article_id = article.id
            # Each query sees the database as it is then: a row whose article or span
            # appeared after the query that should have brought it is left out, not a crash.
            group = spans.rows(article_id)
            if group is not None:
                article.spans = [make_span(span) for span in group]
            group = links.rows(article_id)
            if group is not None and article.spans:
                by_id = {span.id: span for span in article.spans}
                for link in group:
                    span = by_id.get(link[1])
                    if span is not None:
                        key = link[2:4]  # actor id and role
                        shared = actors.get(key)
                        if shared is None:
                            shared = actors[key] = ExportActor(link[4], link[5], link[6], link[3])
                        span.actors.append(shared)
            group = relations.rows(article_id)
            if group is not None and article.spans:
                positions = {span.id: index for index, span in enumerate(article.spans)}
                article.relations = [
                    ExportRelation(pk, positions[from_id], positions[to_id], name, username)
                    for _, pk, from_id, to_id, name, username in group
                    if from_id in positions and to_id in positions
                ]
            yield article
        after_batch = batch[-1][0]
        del batch, relations
        if after_batch >= last:
            break
        batch = list(
            chunk.filter(pk__gt=after_batch, pk__lte=last).values_list(*_EXPORT_ARTICLE_FIELDS)[
                :batch_size
            ]
        )
    return None if nth is None else last
