"""Span pages from rows: the fast path beside ``SpanSerializer``.

A page of 1,000 spans is built in one pass from database rows (``span_page``), answering
exactly what ``SpanSerializer`` does for the same spans; tests/api/test_spans_fast.py holds the
two to the same answers. ``ArticleSpanPage`` reads one article's spans in one written-out
query for the API's most common page."""

import dataclasses
import functools

from django.db import connection, models
from django.db.models import Func
from django.utils import timezone

from annotations.models import MAX_ID, Membership, Span, SpanActor
from annotations.selectors.scope import others_hidden_sql

from .fields import User


class UtcText(Func):
    """A datetime column as the database writes it in UTC, as text: on PostgreSQL (session
    time zone UTC) ``2026-06-01 12:30:05.12345+00``, on SQLite what Django stored,
    ``2026-06-01 12:30:05.123450``. ``utc_text`` finishes it into DRF's form. Cheaper than
    a datetime, which the database driver parses in Python and DRF formats again: twice a
    span, a thousand spans a page. (Not to_char: the columns are computed for every
    matching row before the sort and LIMIT, and to_char costs several times a cast.)"""

    output_field = models.CharField()
    arity = 1
    # An expression on SQLite, not the bare column: sqlite3 would parse a "datetime" column.
    TEMPLATES = {"postgresql": "(%(expressions)s)::text", "sqlite": "(%(expressions)s || '')"}

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.TEMPLATES["postgresql"])

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.TEMPLATES["sqlite"])


def _stamps_as_utc_text() -> bool:
    """Whether span rows may carry their timestamps as ``UtcText``: both the current time
    zone and the database connection's are UTC (the settings)."""
    return timezone.get_current_timezone_name() == "UTC" and connection.timezone_name == "UTC"


def utc_text(value: str | None) -> str | None:
    """``UtcText``'s text as ``DateTimeField().to_representation`` writes the datetime in
    UTC: ``2026-06-01T12:30:05.123450Z``, the fraction in six digits or left out when zero."""
    if value is None:
        return None
    if len(value) > 23 and value[19] == "." and value.endswith("+00"):
        # PostgreSQL's usual ``YYYY-MM-DD HH:MM:SS.f+00``, trailing zeros of the fraction
        # dropped: put back to six digits. The hot path, two per span.
        return f"{value[:10]}T{value[11:-3]:0<15}Z"
    if value.endswith("+00"):
        value = value[:-3]
    day, _, time = value.partition(" ")
    seconds, dot, fraction = time.partition(".")
    return f"{day}T{seconds}.{fraction:0<6}Z" if dot else f"{day}T{seconds}Z"


def span_page_columns() -> tuple:
    """The columns of a span row as ``span_page`` reads them, ``id`` first (the cursor's
    position). The timestamps come as ``UtcText`` while both the current time zone and the
    database connection's are UTC (the settings), else as datetimes."""
    stamps = ("created_at", "updated_at")
    if _stamps_as_utc_text():
        stamps = tuple(UtcText(name) for name in stamps)
    return (
        "id",
        "article_id",
        "project_id",
        "start",
        "end",
        "text",
        "label_id",
        "probability",
        "confidence",
        "note",
        "status",
        "gold",
        "source_span_id",
        "annotator__username",
        "version",
        *stamps,
    )


def iso_datetimes():
    """A function giving what ``DateTimeField().to_representation`` gives for an aware
    datetime (ISO 8601 in the current time zone, ``Z`` for UTC), without its per-call
    lookups."""
    tz = timezone.get_current_timezone()

    def iso(value):
        if value is None:
            return value
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


_ARTICLE_PAGE_PARAMETERS = frozenset({"article", "page_size", "cursor"})


def plain_article_page(query_params) -> int | None:
    """The article id of a span list asked for by ``?article=`` alone (``page_size`` and
    ``cursor`` aside, which the paginator reads either way), when ``ArticleSpanPage`` can
    answer it; else ``None``, and the filter set decides (with its error messages)."""
    if not query_params.keys() <= _ARTICLE_PAGE_PARAMETERS or not _stamps_as_utc_text():
        return None
    values = query_params.getlist("article")
    if len(values) != 1 or not (values[0].isascii() and values[0].isdigit()):
        return None
    article = int(values[0])
    return article if 1 <= article <= MAX_ID else None


@functools.cache
def _article_span_page_sql(vendor: str, member_check: bool) -> str:
    quote = connection.ops.quote_name
    span, user, membership = Span._meta, User._meta, Membership._meta
    *names, _, _ = span_page_columns()  # the timestamps, always as UtcText here
    columns = [
        f"u.{quote(user.get_field('username').column)}"
        if name == "annotator__username"
        else f"s.{quote(span.get_field(name.removesuffix('_id')).column)}"
        for name in names
    ]
    for stamp in ("created_at", "updated_at"):
        column = f"s.{quote(span.get_field(stamp).column)}"
        columns.append(UtcText.TEMPLATES[vendor] % {"expressions": column})
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(span.db_table)} s "
        f"INNER JOIN {quote(user.db_table)} u "
        f"ON u.{quote(user.pk.column)} = s.{quote(span.get_field('annotator').column)} "
        f"WHERE s.{quote(span.get_field('article').column)} = %s"
    )
    if member_check:
        sql += (
            f" AND s.{quote(span.get_field('project').column)} IN "
            f"(SELECT m.{quote(membership.get_field('project').column)} "
            f"FROM {quote(membership.db_table)} m "
            f"WHERE m.{quote(membership.get_field('user').column)} = %s)"
        )
        # A blind project's annotator sees their own spans only (selectors.hide_others_work).
        sql += " AND " + others_hidden_sql(
            project=f"s.{quote(span.get_field('project').column)}",
            annotator=f"s.{quote(span.get_field('annotator').column)}",
        )
    return sql


@dataclasses.dataclass(frozen=True)
class ArticleSpanPage:
    """One article's spans in the user's projects as ``span_page_columns`` rows, by one
    written-out query: the span list of ``?article=`` alone, what a client reading an
    article asks for page after page. The ORM took longer to build the scoped, filtered
    query than the database takes to answer it.

    It offers what ``SpanCursorPagination`` asks of a queryset and nothing more: ordering
    by ``id`` either way, a bound on the id, a slice.
    """

    article: int
    user: object
    descending: bool = False
    bound: tuple[str, int] | None = None  # ("gt" or "lt", id)

    def order_by(self, *ordering):
        if ordering not in (("id",), ("-id",)):
            raise ValueError(f"Span rows are ordered by id, not {ordering}.")
        return dataclasses.replace(self, descending=ordering == ("-id",))

    def filter(self, **lookup):
        ((key, value),) = lookup.items()
        if key not in ("id__gt", "id__lt"):
            raise ValueError(f"Span rows are bounded by id, not {key}.")
        return dataclasses.replace(self, bound=(key[-2:], int(value)))

    def __getitem__(self, item: slice) -> list[tuple]:
        start, stop = item.start or 0, item.stop
        member_check = not self.user.is_superuser
        sql = _article_span_page_sql(connection.vendor, member_check)
        params = [self.article] + ([self.user.pk] * 3 if member_check else [])
        if self.bound is not None:
            sql += f" AND s.{connection.ops.quote_name(Span._meta.pk.column)} "
            sql += "> %s" if self.bound[0] == "gt" else "< %s"
            params.append(self.bound[1])
        order = "DESC" if self.descending else "ASC"
        sql += f" ORDER BY s.{connection.ops.quote_name(Span._meta.pk.column)} {order}"
        sql += " LIMIT %s OFFSET %s"
        params += [stop - start, start]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@functools.cache
def _span_actor_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    meta = SpanActor._meta
    span, actor, role = (quote(meta.get_field(name).column) for name in ("span", "actor", "role"))
    # The ids as one text parameter: an array literal on PostgreSQL, a JSON list on SQLite.
    # A thousand placeholders (the ORM's ``__in``), or a list the driver adapts item by
    # item, cost more to build and send than the query takes.
    ids = (
        "= ANY(%s::bigint[])" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    )
    return (
        f"SELECT {span}, {actor}, {role} FROM {quote(meta.db_table)} "
        f"WHERE {span} {ids} ORDER BY {quote(meta.pk.column)}"
    )


def _span_actor_rows(span_ids: list[int]) -> list[tuple]:
    """``(span_id, actor_id, role)`` of the spans' actor links, in link order. The ids are
    spans the caller has already read through its scoped queryset."""
    param = ",".join(map(str, span_ids))
    param = f"{{{param}}}" if connection.vendor == "postgresql" else f"[{param}]"
    with connection.cursor() as cursor:
        cursor.execute(_span_actor_sql(connection.vendor), [param])
        return cursor.fetchall()


def span_page(rows) -> list[dict]:
    """Span objects as ``SpanSerializer`` renders them, from ``values_list(*span_page_columns())``
    rows, in one pass: a page of a thousand spans skips a thousand model instances and the
    serializer's field machinery.

    Their actors come in one more query, in link order (``_span_actor_rows``).
    """
    rows = list(rows)
    if not rows:
        return []
    actors: dict[int, list] = {}
    for span_id, actor_id, role in _span_actor_rows([row[0] for row in rows]):
        actors.setdefault(span_id, []).append({"actor": actor_id, "role": role})
    convert = utc_text if isinstance(rows[0][-1], str) else iso_datetimes()
    seen: dict = {}  # a span never edited has created_at == updated_at: convert it once

    def iso(value):
        text = seen.get(value)
        if text is None:
            text = seen[value] = convert(value)
        return text

    return [
        {
            "id": pk,
            "article": article,
            "project": project,
            "start": start,
            "end": end,
            "text": text,
            "label": label,
            "actors": actors.get(pk, []),
            "probability": probability,
            "confidence": confidence,
            "note": note,
            "status": status,
            "gold": bool(gold),  # SQLite's hand-read rows answer 0 and 1
            "source_span": source_span,
            "annotator": annotator,
            "version": version,
            "created_at": iso(created_at),
            "updated_at": iso(updated_at),
        }
        for (
            pk,
            article,
            project,
            start,
            end,
            text,
            label,
            probability,
            confidence,
            note,
            status,
            gold,
            source_span,
            annotator,
            version,
            created_at,
            updated_at,
        ) in rows
    ]
