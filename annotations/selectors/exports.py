"""The export's read: every article of a project with its spans, actors and relations, as
plain dataclasses, chunk by chunk (the formats in ``annotations.exports`` write them).

The PostgreSQL engine (a reader thread, server-side cursors, JIT off) is in
``exports_pg``; this module holds the plain read it replaces on SQLite and what both share.
"""

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from itertools import groupby, islice
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import CharField, F, Func, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from annotations.models import (
    MAX_ID,
    Actor,
    Article,
    Label,
    Project,
    Relation,
    Span,
    SpanActor,
    SpanStatus,
)

from ..replica import read_alias, replica_reads
from .exports_pg import _ReadAhead, _stream


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


@dataclass(frozen=True, slots=True)
class SpanFilters:
    """The spans an export keeps, checked by ``export_filters``; ``None`` keeps every one."""

    status: str | None = None
    label: int | None = None  # a label id of the project
    annotator: str | None = None  # a username
    gold: bool | None = None  # True: only gold spans; False: only annotators' spans
    # A blind project's annotator sees only their own spans: their username.
    visible_to: str | None = None

    def spans(self, prefix: str = "") -> Q:
        """The condition on ``Span`` (``prefix`` ``"span__"`` for a model pointing at spans)."""
        condition = Q()
        if self.gold is not None:
            condition &= Q(**{f"{prefix}gold": self.gold})
        if self.visible_to is not None:
            condition &= Q(**{f"{prefix}annotator__username": self.visible_to})
        if self.status:
            condition &= Q(**{f"{prefix}status": self.status})
        if self.label:
            condition &= Q(**{f"{prefix}label_id": self.label})
        if self.annotator:
            condition &= Q(**{f"{prefix}annotator__username": self.annotator})
        return condition


def export_filters(
    project: Project,
    *,
    status: str | None = None,
    label: int | str | None = None,
    annotator: str | None = None,
    gold: bool | str | None = None,
    visible_to: str | None = None,
) -> SpanFilters:
    """The export filters as the page, the API or the command got them, checked: a status of
    ``SpanStatus``, a label id (digits, within bigint) of one of the project's labels, a
    username that could exist. Empty values filter nothing.

    Raises ``ValidationError`` naming each bad field. It reads the database only to look a
    well-formed label up (one query); a username is not looked up, since filtering on one
    nobody has only exports no span.
    """
    errors = {}
    if status in (None, ""):
        status = None
    elif status not in SpanStatus.values:
        errors["status"] = f"“{str(status)[:40]}” is not a status: {', '.join(SpanStatus.values)}."
    label_id = None
    if label not in (None, ""):
        text = str(label)
        # ``int`` refuses thousands of digits, and reads ``٣`` or `` 3`` too.
        if text.isascii() and text.isdecimal() and len(text) <= 19 and int(text) <= MAX_ID:
            label_id = int(text)
            if not Label.objects.filter(project=project, pk=label_id).exists():
                errors["label"] = f"The project has no label “{text}”."
        else:
            errors["label"] = f"A label is given by its id, not “{text[:40]}”."
    user_model = get_user_model()
    longest = user_model._meta.get_field(user_model.USERNAME_FIELD).max_length
    if annotator in (None, ""):
        annotator = None
    elif not isinstance(annotator, str) or len(annotator) > longest or "\x00" in annotator:
        errors["annotator"] = "No such username."
    gold_value = None
    if gold not in (None, ""):
        words = {"true": True, "1": True, "false": False, "0": False}
        gold_value = gold if isinstance(gold, bool) else words.get(str(gold).lower())
        if gold_value is None:
            errors["gold"] = "Must be true or false."
    if errors:
        raise ValidationError(errors)
    return SpanFilters(
        status=status,
        label=label_id,
        annotator=annotator,
        gold=gold_value,
        visible_to=visible_to,
    )


def export_articles(
    *,
    project: Project,
    status: str | None = None,
    label: int | str | None = None,
    annotator: str | None = None,
    gold: bool | None = None,
    visible_to: str | None = None,
    chunk_size: int | None = None,
    timestamps: bool = True,
) -> Iterator[ExportArticle]:
    """Every article of the project, by id, with its spans that match the filters.

    ``status``, ``label`` (an id) and ``annotator`` (a username), checked by ``export_filters``
    beforehand, filter the spans, never the articles: an article without a matching span is
    still exported, because it is part of the dataset (a document with no entities for CoNLL
    and doccano). Spans come ordered by start,
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
    roles (``_ActorSets``), and the actors themselves are read as the rows come: one query
    for each batch of rows that names actors not read yet. A span actors query of their own
    went over the chunk's spans a second time, and cost PostgreSQL more than the spans query
    itself.
    """
    with replica_reads():  # on a replica, when there is one (annotations/replica.py)
        yield from _export_articles(
            project,
            SpanFilters(
                status=status, label=label, annotator=annotator, gold=gold, visible_to=visible_to
            ),
            chunk_size,
            timestamps,
        )


def _export_articles(project, filters, chunk_size, timestamps) -> Iterator[ExportArticle]:
    connection = connections[read_alias()]
    streaming = connection.vendor == "postgresql"
    if chunk_size is None:
        chunk_size = EXPORT_CHUNK_SIZE if streaming else EXPORT_CHUNK_SIZE_BUFFERED
    actors: dict[tuple[int, str], ExportActor] = {}
    actor_sets = _ActorSets(actors) if streaming else None
    reader = _ReadAhead() if streaming and not connection.in_atomic_block else None
    read = partial(
        _export_chunk,
        project=project,
        spans=_export_spans(timestamps=timestamps, actor_sets=actor_sets),
        with_actors=actor_sets.read_ahead if actor_sets is not None else iter,
        span_filter=filters.spans(),
        link_filter=filters.spans("span__"),
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
    ``actors`` (one per actor and role). The actors are read as the spans' rows come, a batch
    of rows at a time (``read_ahead``): one query for the actors the batch names that were
    not read yet. A project names few actors, and reading their names and kinds with every
    span (``json_agg``) cost the spans query a third more; read as each key first named them,
    an export of spans with a thousand actors took a thousand queries. Keys are forgotten
    past ``LIMIT``, so many combinations of actors do not grow the memory."""

    LIMIT = 10_000
    BATCH = 5000  # rows whose new actors one query reads

    def __init__(self, actors: dict[tuple[int, str], ExportActor]):
        super().__init__()
        self._actors = actors
        self._details: dict[int, tuple | None] = {}  # name, kind, wikidata id; None: gone

    def read_ahead(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        """The spans' ``rows`` (each ending with its actors' key), handed on a batch at a
        time once the actors that the batch names are read."""
        for batch in iter(lambda: list(islice(rows, self.BATCH)), []):
            keys = {row[-1] for row in batch}
            self._read_actors(
                {
                    int(item.partition(":")[0])
                    for key in keys
                    if key is not None and key not in self
                    for item in key.split(",")
                }
            )
            yield from batch

    def _read_actors(self, ids: set[int]) -> None:
        new = ids - self._details.keys()
        if not new:
            return
        found = {
            pk: tuple(rest)
            for pk, *rest in Actor.objects.filter(pk__in=new).values_list(
                "pk", "name", "kind", "wikidata_id"
            )
        }
        for pk in new:
            self._details[pk] = found.get(pk)  # an actor deleted since is left out

    def __missing__(self, key: str | None) -> tuple[ExportActor, ...]:
        if key is None:
            return ()
        pairs = [(int(pk), role) for pk, role in (item.split(":") for item in key.split(","))]
        self._read_actors({pk for pk, _ in pairs})  # read already, when through read_ahead
        found = []
        for pk, role in pairs:
            actor = self._actors.get((pk, role))
            if actor is None and (details := self._details.get(pk)) is not None:
                actor = self._actors[pk, role] = ExportActor(*details, role)
            if actor is not None:
                found.append(actor)
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = tuple(found)
        return value


def _span(row: tuple) -> ExportSpan:
    return ExportSpan(*row[1:])


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
    after: int, *, project, spans, with_actors, span_filter, link_filter, chunk_size, rows, actors
) -> Generator[ExportArticle, None, int | None]:
    """The articles after ``after`` (at most ``chunk_size``) with their spans, actors and
    relations; returns the id to read on from, ``None`` after the last chunk.

    The articles and their relations are read ``ARTICLE_BATCH`` articles at a time, so a chunk
    of up to that many costs four queries: articles, spans, span actors, relations, all run
    before its first article is handed over. On PostgreSQL the spans bring their actors' keys
    themselves, ``with_actors`` reads the actors new to a batch of them (``_ActorSets``), and
    ``rows`` plans their query without JIT: three queries, and the settings around the spans
    query (on the reader's connection with ``_ReadAhead``), and one for each batch of spans
    that names actors not read yet.
    ``actors`` holds one ``ExportActor`` per actor and role, shared by every span it is on.
    """
    streaming = connections[read_alias()].vendor == "postgresql"
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
        with_actors(
            rows(
                span_rows.filter(span_filter, project=project, **in_range).order_by(
                    "article_id", "start", "end", "id"
                )
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
