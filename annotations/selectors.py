"""Reads shared by the pages, the API and the exports, scoped to what a user may see."""

import functools
import json
import queue
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from itertools import combinations, groupby, islice
from operator import itemgetter
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import StringAgg
from django.db import DatabaseError, connection, models, transaction
from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat

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
from .text_search import contains_ignoring_case


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


def actors_with_counts(*, user) -> QuerySet[Actor]:
    """Every actor (the registry is shared), with ``span_count``: its spans in the user's
    projects (all for a superuser), so that no count tells of another project's work."""
    spans = Q()
    if not user.is_superuser:
        projects = Membership.objects.filter(user=user).values("project_id")
        spans = Q(span_actors__span__project_id__in=projects)
    return Actor.objects.annotate(
        span_count=Count("span_actors__span", filter=spans, distinct=True)
    )


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
        qs = qs.filter(contains_ignoring_case("title", q))
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


class ArticleTarget(NamedTuple):
    """An article as a write on the annotate page needs it, read in one query."""

    article: Article  # without its body, unless asked for
    project: Project  # id, name and slug
    role: str | None  # the user's role in the project (``manager`` for superusers)
    piece: str | None  # ``body[start:end]`` of the window asked for, else ``None``
    labels: list[Label]  # the project's labels, both kinds, in the scheme's order


LABEL_FIELDS = ("id", "project_id", "name", "kind", "color", "hotkey", "description", "category")


def _labels_json_sql(project_column: str) -> str:
    """A subquery of the project's labels as one JSON array of arrays (``LABEL_FIELDS`` and
    the order), in the scheme's order on PostgreSQL (SQLite's are sorted by the caller)."""
    quote = connection.ops.quote_name
    meta = Label._meta
    columns = ", ".join(
        f"l.{quote(meta.get_field(f.removesuffix('_id')).column)}" for f in LABEL_FIELDS
    )
    order = f"l.{quote(meta.get_field('order').column)}"
    where = f"FROM {quote(meta.db_table)} l WHERE l.{quote(meta.get_field('project').column)} "
    if connection.vendor == "postgresql":
        name = f"l.{quote(meta.get_field('name').column)}"
        return (
            f"(SELECT json_agg(json_build_array({columns}, {order}) ORDER BY {order}, {name}) "
            f"{where}= {project_column})"
        )
    return f"(SELECT json_group_array(json_array({columns}, {order})) {where}= {project_column})"


def _article_target_sql(body: str) -> str:
    quote = connection.ops.quote_name
    article, project, membership = Article._meta, Project._meta, Membership._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    labels = _labels_json_sql("a." + column(article, "project"))
    return (
        f"SELECT a.{column(article, 'id')}, a.{column(article, 'title')}, "
        f"a.{column(article, 'sha256')}, a.{column(article, 'project')}, "
        f"p.{column(project, 'name')}, p.{column(project, 'slug')}, "
        f"(SELECT m.{column(membership, 'role')} FROM {quote(membership.db_table)} m "
        f"WHERE m.{column(membership, 'project')} = a.{column(article, 'project')} "
        f"AND m.{column(membership, 'user')} = %s LIMIT 1), "
        f"{labels}, {body} "
        f"FROM {quote(article.db_table)} a INNER JOIN {quote(project.db_table)} p "
        f"ON p.{column(project, 'id')} = a.{column(article, 'project')} "
        f"WHERE a.{column(article, 'id')} = %s AND p.{column(project, 'slug')} = %s"
    )


def _partial(model, loaded: dict):
    """A model instance with the ``loaded`` fields (by attname), the others deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in loaded]
    return model.from_db(connection.alias, names, [loaded[name] for name in names])


def article_target(
    *, slug: str, article_id: int, user, window: tuple[int, int] | None = None, body=False
) -> ArticleTarget | None:
    """The article ``article_id`` of the project ``slug``, that project, the user's role in
    it and its labels, in one query; ``None`` when there is no such article. With ``window``
    ``(start, end)``, also ``body[start:end]`` (sliced by the database, in code points);
    with ``body``, the whole body (the article then has it, not deferred).

    Written out rather than built with the ORM: the annotate page's span create runs it on
    every keypress, and building the query (a join, a subquery, a function) took longer
    than answering it.
    """
    column = connection.ops.quote_name(Article._meta.get_field("body").column)
    params: list = [user.pk]
    if body:
        expression = f"a.{column}"
    elif window is not None:
        expression = f"SUBSTR(a.{column}, %s, %s)"
        params += [window[0] + 1, max(window[1] - window[0], 0)]
    else:
        expression = "NULL"
    with connection.cursor() as cursor:
        cursor.execute(_article_target_sql(expression), [*params, article_id, slug])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, title, sha256, project_id, name, project_slug, role, labels_json, piece = row
    if isinstance(labels_json, str | bytes):
        labels_json = json.loads(labels_json)
    label_rows = labels_json or []
    if connection.vendor != "postgresql":
        label_rows.sort(key=lambda values: (values[-1], values[2]))  # order, name
    labels = [
        _partial(Label, {**dict(zip(LABEL_FIELDS, values, strict=False)), "order": values[-1]})
        for values in label_rows
    ]
    loaded = {"id": pk, "title": title, "sha256": sha256, "project_id": project_id}
    if body:
        loaded["body"], piece = piece, None
    article = _partial(Article, loaded)
    project = _partial(Project, {"id": project_id, "name": name, "slug": project_slug})
    article.project = project
    if user.is_superuser:
        role = Role.MANAGER
    return ArticleTarget(article, project, role, piece, labels)


@functools.cache
def _article_detail_sql(member_check: bool) -> str:
    quote = connection.ops.quote_name
    article, span, membership = Article._meta, Span._meta, Membership._meta
    project = quote(article.get_field("project").column)
    columns = ", ".join(f"a.{quote(f.column)}" for f in article.concrete_fields)
    sql = (
        f"SELECT {columns}, (SELECT COUNT(*) FROM {quote(span.db_table)} s "
        f"WHERE s.{quote(span.get_field('article').column)} = a.{quote(article.pk.column)}) "
        f"AS span_count FROM {quote(article.db_table)} a WHERE a.{quote(article.pk.column)} = %s"
    )
    if member_check:
        sql += (
            f" AND a.{project} IN (SELECT m.{quote(membership.get_field('project').column)} "
            f"FROM {quote(membership.db_table)} m "
            f"WHERE m.{quote(membership.get_field('user').column)} = %s)"
        )
    return sql


def article_detail(*, pk: int, user) -> Article | None:
    """The article ``pk`` with its ``span_count``, if it is in one of the user's projects.

    Written out (through ``raw``, which still applies the fields' conversions) because the
    ORM took longer to build the scoped, annotated query than the database takes to answer
    it, on a request that is mostly the body's bytes.
    """
    params = [pk] if user.is_superuser else [pk, user.pk]
    return next(iter(Article.objects.raw(_article_detail_sql(not user.is_superuser), params)), None)


def article_spans_near(
    *, article: Article, user, overlapping: tuple[int, int]
) -> tuple[list[SpanRow], dict[int, int]]:
    """``article_span_rows`` with ``overlapping`` and ``article_span_counts`` in one query:
    what an htmx answer on the annotate page redraws after a write (the paragraphs around
    it, the counters). Written out, as a ``UNION ALL`` of the two."""
    quote = connection.ops.quote_name
    meta = Span._meta

    def column(name):
        return quote(meta.get_field(name).column)

    table, mine = quote(meta.db_table), f"{column('article')} = %s AND {column('annotator')} = %s"
    sql = (
        f"SELECT {column('id')}, {column('start')}, {column('end')}, {column('label')}, "
        f"{column('text')}, NULL FROM {table} "
        f"WHERE {mine} AND {column('start')} <= %s AND {column('end')} >= %s "
        f"UNION ALL SELECT NULL, NULL, NULL, {column('label')}, NULL, COUNT(*) FROM {table} "
        f"WHERE {mine} GROUP BY {column('label')}"
    )
    params = [article.pk, user.pk, overlapping[1], overlapping[0], article.pk, user.pk]
    rows, counts = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, start, end, label_id, text, count in cursor.fetchall():
            if pk is None:
                counts[label_id] = count
            else:
                rows.append(SpanRow(pk, start, end, label_id, text))
    rows.sort(key=lambda row: (row.start, row.end, row.pk))
    return rows, counts


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
    # A list of its own on SQLite; on PostgreSQL a tuple, shared by the spans with the same ones.
    actors: list[ExportActor] | tuple[ExportActor, ...] = field(default_factory=list)


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
    a few queries whatever its number of spans (articles, spans, relations; and on SQLite the
    span actors), so the query count grows with chunks, not rows. They come ordered by article
    and are merged as they are read: on PostgreSQL the spans are a server-side cursor, so
    memory holds one article and its spans (and a few fetches read ahead, ``_ReadAhead``)
    however large the chunk. SQLite's cursors see the
    connection's own writes while they are read, so there each chunk's rows are read whole
    before they are merged, and chunks are smaller. Plain tuples (``values_list``) rather than
    model instances keep a million spans cheap to build, and ``timestamps=False`` leaves
    ``created_at`` and ``updated_at`` as ``None``: turning them into datetimes is half the
    cost of reading a span, and most formats do not carry them.

    On PostgreSQL each span brings its actors in the spans query, as a key of their ids and
    roles (``_ActorSets``), and the actors themselves are read the first time a key names
    them. A span actors query of their own went over the chunk's spans a second time, and
    cost PostgreSQL more than the spans query itself.
    """
    streaming = connection.vendor == "postgresql"
    if chunk_size is None:
        chunk_size = EXPORT_CHUNK_SIZE if streaming else EXPORT_CHUNK_SIZE_BUFFERED
    actors: dict[tuple[int, str], ExportActor] = {}
    reader = _ReadAhead() if streaming and not connection.in_atomic_block else None
    read = partial(
        _export_chunk,
        project=project,
        spans=_export_spans(
            timestamps=timestamps, actor_sets=_ActorSets(actors) if streaming else None
        ),
        span_filter=_export_span_filter("", status=status, label=label, annotator=annotator),
        link_filter=_export_span_filter("span__", status=status, label=label, annotator=annotator),
        chunk_size=chunk_size,
        rows=reader.rows if reader else _stream if streaming else _buffer,
        actors=actors,
    )
    try:
        after: int | None = 0
        while after is not None:
            after = yield from read(after)
    finally:
        if reader:
            reader.close()


def _export_spans(
    *, timestamps: bool, actor_sets: "_ActorSets | None"
) -> tuple[QuerySet, Callable]:
    """The spans' rows, and what makes an ``ExportSpan`` of one; with ``actor_sets``
    (PostgreSQL), each row ends with its actors' key.

    psycopg reads a timestamp through Django's loader, in Python, at a few microseconds each;
    on PostgreSQL they come as ISO 8601 text instead (``to_char`` is the same whatever the
    session's ``DateStyle``), which ``datetime.fromisoformat`` reads in C into the same
    aware datetime, in the session's time zone, which Django sets to UTC.
    """
    spans = Span.objects.all()
    if actor_sets is None:
        times = ("created_at", "updated_at") if timestamps else ()
        return spans.values_list(*_EXPORT_SPAN_FIELDS, *times), _span
    spans = spans.annotate(actor_key=Subquery(_actor_keys()))
    if not timestamps:

        def make_span(row: tuple) -> ExportSpan:
            return ExportSpan(*row[1:-1], actors=actor_sets[row[-1]])

        return spans.values_list(*_EXPORT_SPAN_FIELDS, "actor_key"), make_span
    iso = {
        f"{name}_iso": Func(
            F(name), Value(_ISO_TIMESTAMP), function="to_char", output_field=CharField()
        )
        for name in ("created_at", "updated_at")
    }

    def make_timed_span(row: tuple) -> ExportSpan:
        created_at, updated_at = datetime.fromisoformat(row[-3]), datetime.fromisoformat(row[-2])
        return ExportSpan(*row[1:-3], created_at, updated_at, actor_sets[row[-1]])

    rows = spans.annotate(**iso).values_list(*_EXPORT_SPAN_FIELDS, *iso, "actor_key")
    return rows, make_timed_span


_ISO_TIMESTAMP = "YYYY-MM-DD HH24:MI:SS.USOF"


def _actor_keys() -> QuerySet:
    """A span's actors' key, for a subquery on ``Span``: ``"actor_id:role"`` of its span
    actors in id order, joined by commas; null for none (PostgreSQL)."""
    return (
        SpanActor.objects.filter(span=OuterRef("pk"))
        .order_by()
        .values("span")
        .annotate(
            key=StringAgg(
                Concat(Cast("actor_id", TextField()), Value(":"), "role"),
                ",",
                order_by="id",
                output_field=TextField(),
            )
        )
        .values("key")
    )


class _ActorSets(dict):
    """A span's actors' key (``"actor_id:role"`` in the span actors' id order, joined by
    commas; ``None`` for none) to the tuple of their ``ExportActor``s, from the export's
    ``actors`` (one per actor and role). An actor not seen yet is read when a key first
    names it, one query for the key's new ones: a project names few actors, and reading
    their names and kinds with every span (``json_agg``) cost the spans query a third more.
    Keys are forgotten past ``LIMIT``, so many combinations of actors do not grow the memory."""

    LIMIT = 10_000

    def __init__(self, actors: dict[tuple[int, str], ExportActor]):
        super().__init__()
        self._actors = actors

    def __missing__(self, key: str | None) -> tuple[ExportActor, ...]:
        if key is None:
            return ()
        pairs = [(int(pk), role) for pk, role in (item.split(":") for item in key.split(","))]
        new = {pk for pk, role in pairs if (pk, role) not in self._actors}
        details = {}
        if new:
            details = {
                pk: rest
                for pk, *rest in Actor.objects.filter(pk__in=new).values_list(
                    "pk", "name", "kind", "wikidata_id"
                )
            }
        found = []
        for pk, role in pairs:
            actor = self._actors.get((pk, role))
            if actor is None and pk in details:  # an actor deleted since is left out
                actor = self._actors[pk, role] = ExportActor(*details[pk], role)
            if actor is not None:
                found.append(actor)
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = tuple(found)
        return value


def _span(row: tuple) -> ExportSpan:
    return ExportSpan(*row[1:])


def _stream(queryset: QuerySet) -> Iterator[tuple]:
    """The rows through a server-side cursor, planned without JIT (PostgreSQL)."""
    rows = queryset.iterator(chunk_size=SPAN_FETCH_SIZE)
    with _jit_off():
        first = next(rows, None)  # the query runs here
    if first is not None:
        yield first
        yield from rows


def _buffer(queryset: QuerySet) -> Iterator[tuple]:
    return iter(list(queryset))


READ_AHEAD = 4  # fetches the reader of ``_ReadAhead`` may be ahead of its caller


class _ReadAhead:
    """Rows read by a thread of its own, with its own connection, a few fetches ahead of the
    caller (PostgreSQL, outside a transaction).

    A server-side cursor declared outside a transaction is ``WITH HOLD``, and PostgreSQL runs
    the whole query when it is declared, while Python waits, then waits while Python builds
    the rows: an export took as long as the two together. Inside the reader's transaction
    the cursor runs as it is fetched, so PostgreSQL computes the next rows while the caller
    builds the last ones (psycopg waits for them without the GIL), and a million spans take
    the longer of the two. The caller's own transaction would hide its writes from another
    connection, so ``export_articles`` reads in it directly (``_stream``).

    One thread reads every query of an export in turn; ``close`` ends it and its connection.
    """

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")
        self._closed = threading.Event()

    def rows(self, queryset: QuerySet) -> Iterator[tuple]:
        batches: queue.Queue[list[tuple]] = queue.Queue(maxsize=READ_AHEAD)
        stop = threading.Event()
        done = self._pool.submit(self._read, queryset, batches, stop)
        try:
            while batch := batches.get():
                yield from batch
        finally:
            stop.set()  # the caller may leave before the last row
        done.result()  # the reader's error, if any

    def _read(self, queryset: QuerySet, batches: queue.Queue, stop: threading.Event) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")  # see _jit_off
                with closing(queryset.iterator(chunk_size=SPAN_FETCH_SIZE)) as rows:
                    for batch in iter(lambda: list(islice(rows, SPAN_FETCH_SIZE)), []):
                        if not self._put(batches, batch, stop):
                            break
        finally:
            self._put(batches, [], stop)

    def _put(self, batches: queue.Queue, batch: list, stop: threading.Event) -> bool:
        """Hand ``batch`` over, unless the caller has left; whether it was."""
        while not (stop.is_set() or self._closed.is_set()):
            try:
                batches.put(batch, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def close(self) -> None:
        self._closed.set()
        self._pool.submit(_close_connection)  # the reader thread's own
        self._pool.shutdown()


def _close_connection() -> None:
    connection.close()


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


@contextmanager
def _jit_off() -> Iterator[None]:
    """PostgreSQL's JIT off for the queries planned inside (``RESET`` after: the session's
    default, which the connection's options may set).

    The planner prices the spans' actors subquery (``_actor_keys``) at some 11 a span (two
    random pages), so past a few thousand spans their query crosses ``jit_inline_above_cost``
    and ``jit_optimize_above_cost``; compiling it then took 0.3 s a query, whatever its size
    (a seventh of a 200,000-span chunk's time, most of a small one's), and sped up nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        try:
            yield
        finally:
            with suppress(DatabaseError):  # in a failed transaction, its rollback undoes the SET
                cursor.execute("RESET jit")


def _span_actor_rows(link_filter: Q, *, project, first: int, last: int) -> QuerySet:
    """The span actors of the project's spans on articles ``first`` to ``last``, with their
    actors, ordered by article, then by id: each span's actors in id order, as they are
    appended."""
    return (
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


def _export_chunk(
    after: int, *, project, spans, span_filter, link_filter, chunk_size, rows, actors
) -> Generator[ExportArticle, None, int | None]:
    """The articles after ``after`` (at most ``chunk_size``) with their spans, actors and
    relations; returns the id to read on from, ``None`` after the last chunk.

    The articles and their relations are read ``ARTICLE_BATCH`` articles at a time, so a chunk
    of up to that many costs four queries: articles, spans, span actors, relations, all run
    before its first article is handed over. On PostgreSQL the spans bring their actors
    themselves (``_ActorSets``), and ``rows`` plans their query without JIT: three queries,
    and the settings around the spans query (on the reader's connection with ``_ReadAhead``).
    ``actors`` holds one ``ExportActor`` per actor and role, shared by every span it is on.
    """
    streaming = connection.vendor == "postgresql"
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
    links = _ByArticle(
        rows(_span_actor_rows(link_filter, project=project, first=first, last=last))
        if not streaming
        else iter(())
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


# --- inter-annotator agreement -----------------------------------------------------------------


class AgreementBasis(models.TextChoices):
    """Which articles count as annotated by a user, hence compared for a pair."""

    SPANS = "spans", "Articles on which the user has at least one span (of any label)"
    DONE = "done", "Articles the user has marked done"


@dataclass(slots=True)
class AgreementCounts:
    """One pair's spans over the articles both annotated: ``a`` is the first username in
    alphabetical order, ``b`` the second.

    ``matches`` counts exact matches: a span of each with the same article, start, end and
    label (an annotator has at most one such span, so matches pair one to one).
    ``overlapping_a`` counts a's spans that overlap (share at least one code point with) a
    span of b's with the same label; ``overlapping_b`` the other way round.
    """

    spans_a: int = 0
    spans_b: int = 0
    matches: int = 0
    overlapping_a: int = 0
    overlapping_b: int = 0

    @property
    def only_a(self) -> int:
        return self.spans_a - self.matches

    @property
    def only_b(self) -> int:
        return self.spans_b - self.matches

    @property
    def f1(self) -> float | None:
        """2·matches / (spans_a + spans_b): precision and recall's harmonic mean with either
        annotator as the reference (the figure is symmetric); ``None`` when neither has a span."""
        total = self.spans_a + self.spans_b
        return 2 * self.matches / total if total else None

    @property
    def relaxed_f1(self) -> float | None:
        """The harmonic mean of overlapping_a / spans_a and overlapping_b / spans_b: F1 when a
        span counts as found if the other annotator has an overlapping one with its label."""
        if not self.spans_a + self.spans_b:
            return None
        denominator = self.overlapping_a * self.spans_b + self.overlapping_b * self.spans_a
        return 2 * self.overlapping_a * self.overlapping_b / denominator if denominator else 0.0

    def add(self, other: "AgreementCounts") -> None:
        self.spans_a += other.spans_a
        self.spans_b += other.spans_b
        self.matches += other.matches
        self.overlapping_a += other.overlapping_a
        self.overlapping_b += other.overlapping_b


@dataclass(slots=True)
class LabelAgreement(AgreementCounts):
    """A pair's counts restricted to one label."""

    label: int = 0
    name: str = ""


@dataclass(slots=True)
class PairAgreement(AgreementCounts):
    """A pair's counts over all their labels (sums of ``labels``), and per label."""

    annotator_a: str = ""
    annotator_b: str = ""
    articles: int = 0
    labels: list[LabelAgreement] = field(default_factory=list)


@dataclass(slots=True)
class LabelPooled:
    """One label over every pair: ``spans`` sums spans_a + spans_b, ``f1`` = 2·matches / spans."""

    label: int
    name: str
    pairs: int = 0
    matches: int = 0
    spans: int = 0

    @property
    def f1(self) -> float | None:
        return 2 * self.matches / self.spans if self.spans else None


@dataclass(slots=True)
class ProjectAgreement:
    basis: str
    label: int | None
    article: int | None
    annotators: list[str]
    pairs: list[PairAgreement]
    labels: list[LabelPooled]

    @property
    def matches(self) -> int:
        return sum(pair.matches for pair in self.pairs)

    @property
    def spans(self) -> int:
        return sum(pair.spans_a + pair.spans_b for pair in self.pairs)

    @property
    def f1(self) -> float | None:
        """Pooled over every pair and label (micro-average)."""
        spans = self.spans
        return 2 * self.matches / spans if spans else None


def _agreement_rows(*, project: Project, basis: str, label: int | None, article: int | None):
    """One stream, ordered by article, of ``(article_id, user_id, label_id, start, end)``:
    the spans to compare, and rows with a null label that only say a user annotated the
    article (their done marks, or their spans of other labels when ``label`` filters)."""
    spans = Span.objects.filter(project=project).order_by()
    if article is not None:
        spans = spans.filter(article_id=article)
    rows = spans.filter(label_id=label) if label is not None else spans
    rows = rows.values_list("article_id", "annotator_id", "label_id", "start", "end")
    null = Cast(Value(None), output_field=IntegerField())  # typed, or PostgreSQL says text
    nothing = {"no_label": null, "no_start": null, "no_end": null}
    if basis == AgreementBasis.DONE:
        marks = ArticleProgress.objects.filter(
            article__project=project, done_at__isnull=False
        ).order_by()
        if article is not None:
            marks = marks.filter(article_id=article)
        markers = marks.annotate(**nothing).values_list("article_id", "user_id", *nothing)
    elif label is not None:
        markers = (
            spans.exclude(label_id=label)
            .annotate(**nothing)
            .values_list("article_id", "annotator_id", *nothing)
            .distinct()
        )
    else:
        markers = None
    if markers is not None:
        rows = rows.union(markers, all=True)
    return rows.order_by("article_id").iterator(chunk_size=SPAN_FETCH_SIZE)


class _Tally:
    """The counts of ``project_agreement`` keyed by annotator ids (``a`` < ``b``)."""

    def __init__(self):
        self.annotators: set[int] = set()
        self.articles: Counter = Counter()  # (a, b) -> articles both annotated
        self.counts: dict[tuple[int, int, int], list[int]] = {}  # (a, b, label) -> 5 counts

    def _row(self, a, b, label_id):
        row = self.counts.get((a, b, label_id))
        if row is None:
            row = self.counts[a, b, label_id] = [0, 0, 0, 0, 0]
        return row

    def add_article(self, rows: list[tuple], *, basis: str) -> None:
        """Count one article's rows (``user_id, label_id, start, end``)."""
        if basis == AgreementBasis.DONE:
            cover = {user for user, label_id, _, _ in rows if label_id is None}
        else:
            cover = {user for user, _, _, _ in rows}
        self.annotators |= cover
        if len(cover) < 2:
            return
        pairs = list(combinations(sorted(cover), 2))
        self.articles.update(pairs)
        by_label: dict[int, list[tuple[int, int, int]]] = {}
        for user, label_id, start, end in rows:
            if label_id is not None and user in cover:
                by_label.setdefault(label_id, []).append((start, end, user))
        for label_id, spans in by_label.items():
            self._add_label(label_id, spans, pairs)

    def _add_label(self, label_id, spans, pairs) -> None:
        """Count one article's spans of one label, ``(start, end, user)`` triples."""
        per_user = Counter(user for _, _, user in spans)
        for a, b in pairs:
            if a in per_user or b in per_user:
                row = self._row(a, b, label_id)
                row[0] += per_user[a]
                row[1] += per_user[b]
        # A sweep by start: the spans still open (end > start) when one starts are exactly
        # those that overlap it, and those with its start and end match it exactly (a user
        # has one span at most per start, end and label, so a match pairs two users' spans).
        spans.sort()
        found: list[set[int] | None] = [None] * len(spans)  # who has a span overlapping it
        active: list[tuple[int, int, int, int]] = []  # (end, start, user, index), open spans
        for index, (start, end, user) in enumerate(spans):
            if active:
                active = [item for item in active if item[0] > start]
            for other_end, other_start, other, other_index in active:
                if other == user:
                    continue
                for i, who in ((index, other), (other_index, user)):
                    if found[i] is None:
                        found[i] = set()
                    found[i].add(who)
                if other_start == start and other_end == end:
                    self._row(*sorted((user, other)), label_id)[2] += 1
            active.append((end, start, user, index))
        for (_, _, user), others in zip(spans, found, strict=True):
            for other in others or ():
                a, b = sorted((user, other))
                self._row(a, b, label_id)[3 if user == a else 4] += 1


def project_agreement(
    *,
    project: Project,
    basis: str = AgreementBasis.SPANS,
    label: int | None = None,
    article: int | None = None,
) -> ProjectAgreement:
    """Inter-annotator agreement on a project's spans, per pair of annotators and per label.

    The annotators are the users who annotated at least one article of the project, where
    *annotated* depends on ``basis``: ``spans`` (the default), the user has at least one span
    on the article, of any label; ``done``, the user has marked the article done, so that an
    article one of them found nothing to tag in still counts. Each pair (usernames in
    alphabetical order, ``a`` before ``b``) is compared over the articles both annotated, and
    only over those: an article only one of them annotated says nothing about agreement.

    Over those articles, with every span counted whatever its review status:

    * exact match: a span of a's and one of b's with the same article, start, end and label;
      ``matches`` counts those pairs, ``only_a`` and ``only_b`` the spans left unmatched, and
      ``f1`` = 2·matches / (spans_a + spans_b), the F1 of either annotator scored against the
      other (precision and recall swap, F1 does not);
    * relaxed match: a span counts as found when the other annotator has a span with the same
      label sharing at least one code point; ``relaxed_f1`` is the harmonic mean of the two
      proportions found (not one to one: one long span may find two short ones).

    Figures are given per label (the labels either of them used there) and summed per pair;
    ``labels`` pools each label over every pair (2·Σmatches / Σspans), and the top-level
    figures pool everything. ``label`` (a label id) restricts the spans compared, not the
    articles; ``article`` (an article id) restricts the articles. A pair whose articles hold
    no span (after the label filter) has zero counts and ``None`` F1s.

    Three queries whatever the number of spans: one stream of the spans (and done marks)
    ordered by article, read through a server-side cursor on PostgreSQL and counted one
    article at a time (equal offsets are neighbours once sorted, overlaps come from a sweep
    by start), then the annotators' usernames and the label names. Memory holds one article's
    spans and one row of counts per pair and label, never the project's spans. (A self-join
    in SQL was tried: the overlap condition defeats the planner, which compares every pair of
    spans of an article, and probing the index per span and pair was 10 to 20 times slower
    than this at 400,000 spans.)
    """
    tally = _Tally()
    rows = _agreement_rows(project=project, basis=basis, label=label, article=article)
    for _, article_rows in groupby(rows, key=itemgetter(0)):
        tally.add_article([row[1:] for row in article_rows], basis=basis)
    user_model = get_user_model()
    names = dict(
        user_model.objects.filter(pk__in=tally.annotators).values_list(
            "pk", user_model.USERNAME_FIELD
        )
    )
    label_names = dict(
        Label.objects.filter(project=project).order_by("order", "name").values_list("id", "name")
    )
    label_order = {pk: index for index, pk in enumerate(label_names)}

    # Pairs come keyed by ids; they are answered in alphabetical order of the usernames.
    pairs: dict[tuple[int, int], PairAgreement] = {}
    for (a, b), n in tally.articles.items():
        if names[a] > names[b]:
            a, b = b, a
        pairs[a, b] = PairAgreement(annotator_a=names[a], annotator_b=names[b], articles=n)
    pooled = {pk: LabelPooled(label=pk, name=name) for pk, name in label_names.items()}
    for (a, b, label_id), (spans_a, spans_b, matches, near_a, near_b) in tally.counts.items():
        if names[a] > names[b]:
            a, b, spans_a, spans_b, near_a, near_b = b, a, spans_b, spans_a, near_b, near_a
        row = LabelAgreement(
            spans_a, spans_b, matches, near_a, near_b, label=label_id, name=label_names[label_id]
        )
        pair = pairs[a, b]
        pair.labels.append(row)
        pair.add(row)
        total = pooled[label_id]
        total.pairs += 1
        total.matches += matches
        total.spans += spans_a + spans_b
    for pair in pairs.values():
        pair.labels.sort(key=lambda row: label_order[row.label])
    return ProjectAgreement(
        basis=basis,
        label=label,
        article=article,
        annotators=sorted(names.values()),
        pairs=sorted(pairs.values(), key=lambda p: (p.annotator_a, p.annotator_b)),
        labels=[total for total in pooled.values() if total.pairs],
    )
