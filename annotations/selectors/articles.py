"""A project's article list, an article's neighbours, and an article as the annotate page and
the API read it. ``article_neighbours``, ``article_target`` and ``article_detail`` are
hand-written SQL: each says why."""

import functools
import json
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from annotations.models import (
    Article,
    ArticleProgress,
    Assignment,
    Label,
    Membership,
    Project,
    Span,
)
from annotations.text_search import contains_ignoring_case

from ..permissions import role_of
from .assignments import assigned_sql, assigned_to
from .scope import others_hidden_sql

Sql = tuple[str, tuple]  # a fragment of hand-written SQL and its parameters


def _joined(parts, separator: str = " AND ") -> Sql:
    """The non-empty fragments of ``parts`` joined by ``separator``, their parameters in turn."""
    parts = [part for part in parts if part[0]]
    return separator.join(sql for sql, _ in parts), tuple(v for _, params in parts for v in params)


class SortKey(NamedTuple):
    """One key of the article list's order. ``nullable``: NULLs come last whichever way the
    key runs; ``flag``: a boolean (two values, no NULLs).

    ``expression`` is the key's term in the list's ``order_by``; the other methods walk the
    order in SQL over ``column``, the key's SQL for the row at hand (``Sql``)."""

    name: str
    descending: bool = False
    nullable: bool = False
    flag: bool = False

    def expression(self):
        term = F(self.name)
        if self.nullable:
            return term.desc(nulls_last=True) if self.descending else term.asc(nulls_last=True)
        return term.desc() if self.descending else term.asc()

    def term(self, column: Sql, forward: bool, *, nulls: bool = True) -> Sql:
        """The ``ORDER BY`` term for walking ``forward`` or back; ``nulls``: place NULLs
        (not needed in a range without them, and the plain term is the one an index reads
        backwards on PostgreSQL)."""
        sql = f"{column[0]} {'DESC' if self.descending == forward else 'ASC'}"
        if self.nullable and nulls:
            sql += " NULLS LAST" if forward else " NULLS FIRST"
        return sql, column[1]

    def equal(self, column: Sql, value) -> Sql:
        sql, params = column
        if self.flag:
            return (sql if value else f"NOT {sql}"), params
        if value is None:
            return f"{sql} IS NULL", params
        return f"{sql} = %s", (*params, value)

    def blocks(self, column: Sql, forward: bool) -> list[tuple[Sql, bool]]:
        """The key's values as the walk meets them, in blocks ``(condition, ordered)``: a
        flag's two values and a nullable key's NULLs are blocks of one value each."""
        if self.flag:
            first = self.descending  # True before False when descending
            blocks = [(self.equal(column, first), False), (self.equal(column, not first), False)]
        elif self.nullable:
            blocks = [
                ((f"{column[0]} IS NOT NULL", column[1]), True),
                (self.equal(column, None), False),
            ]
        else:
            blocks = [(("", ()), True)]
        return blocks if forward else blocks[::-1]

    def beyond(self, column: Sql, value, forward: bool) -> list[tuple[Sql, bool]]:
        """The blocks after ``value`` on the walk, nearest first: the rest of its own block
        (when that one is ordered), then the blocks that follow it."""
        # The value's block, walking forward: NULLs and a flag's second value are the second.
        at = 1 if value is None or (self.flag and value != self.descending) else 0
        blocks = self.blocks(column, forward)
        if not forward:
            at = len(blocks) - 1 - at
        rest = []
        if blocks[at][1]:
            step = "<" if self.descending == forward else ">"
            rest = [((f"{column[0]} {step} %s", (*column[1], value)), True)]
        return rest + blocks[at + 1 :]


# The order of the article list (``project_articles``) and of the annotate page's previous and
# next (``article_neighbours``), defined here only: the project's articles newest first (NULL
# dates last), then by id; for a user with assignments in the project, theirs first (``mine``).
ARTICLE_KEYS = (SortKey("published_on", descending=True, nullable=True), SortKey("id"))
MY_KEYS = (SortKey("mine", descending=True, flag=True), *ARTICLE_KEYS)


def article_order(keys=ARTICLE_KEYS) -> list:
    """The ``order_by`` terms of the list's order by ``keys``."""
    return [key.expression() for key in keys]


def project_articles(
    *,
    project: Project,
    user,
    q: str = "",
    source: str = "",
    published_after=None,
    published_before=None,
    status: str = "",
    assigned: bool | None = None,
) -> QuerySet[Article]:
    """A project's articles without their bodies, with ``my_span_count``, ``my_done_at`` and
    ``mine`` (assigned to the user): the user's assignments first, then the list's order.
    ``assigned``: whether the user has assignments in the project, when the caller knows
    (else one query asks); without any, no article is looked up in the assignments."""
    # Correlated subqueries rather than a join and GROUP BY: computed for the page's rows
    # only (the order does not read them), not by counting every span of the project.
    done_at = (
        ArticleProgress.objects.filter(article=OuterRef("pk"), user=user)
        .order_by()
        .values("done_at")[:1]
    )
    my_spans = (
        Span.objects.filter(article=OuterRef("pk"), annotator=user, gold=False)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    if assigned is None:
        assigned = Assignment.objects.filter(project=project, annotator=user).exists()
    qs = (
        Article.objects.filter(project=project)
        .defer("body", "metadata")
        .annotate(
            my_span_count=Coalesce(Subquery(my_spans), 0),
            my_done_at=Subquery(done_at),
            mine=assigned_to(OuterRef("pk"), user) if assigned else Value(False),
        )
    )
    # Without assignments every ``mine`` is False: the order by ``ARTICLE_KEYS`` alone is the same.
    qs = qs.order_by(*article_order(MY_KEYS if assigned else ARTICLE_KEYS))
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


def _ranges(condition: Sql, keys, columns, forward: bool, ordered: bool = False) -> list:
    """The rows of ``condition`` in the walk's order by ``keys`` as ranges, nearest first,
    each ``(condition, order)``: split where a key's blocks meet (a flag's values, a
    nullable key's NULLs), so that each range is read from one end of an index.
    ``ordered``: ``condition`` already picks an ordered block of ``keys[0]``."""
    if ordered:
        first, *rest = keys
        terms = [first.term(columns[first.name], forward, nulls=False)]
        terms += [key.term(columns[key.name], forward) for key in rest]
        return [(condition, _joined(terms, ", "))]
    return [
        found
        for block, in_order in keys[0].blocks(columns[keys[0].name], forward)
        for found in _ranges(
            _joined([condition, block]), keys if in_order else keys[1:], columns, forward, in_order
        )
    ]


def _beyond(keys, columns, values, forward: bool) -> list:
    """The rows after ``values`` in the order of ``keys`` (walking ``forward``, else before
    them) as ranges nearest first: those equal on all keys but the last and beyond it on
    that one, then equal on all but the last two and beyond on the one before, and so on.
    ``columns``: each key's SQL by its name."""
    ranges = []
    for index in reversed(range(len(keys))):
        same = [
            key.equal(columns[key.name], value)
            for key, value in zip(keys[:index], values[:index], strict=True)
        ]
        key = keys[index]
        for block, in_order in key.beyond(columns[key.name], values[index], forward):
            rest = keys[index:] if in_order else keys[index + 1 :]
            ranges += _ranges(_joined([*same, block]), rest, columns, forward, in_order)
    return ranges


def article_neighbours(*, article: Article, user=None) -> tuple[int | None, int | None]:
    """The previous and next article's ids in the user's article list (``project_articles``,
    unfiltered): their assignments first, then the other articles; without ``user``, in the
    project's order (``ARTICLE_KEYS``).

    One query that reads only the neighbours: subqueries, each the first article of a range
    of the order (``LIMIT 1``); whether this one is assigned to the user picks which (a
    ``CASE``, so that the other side's subqueries are not run). Written out from the keys
    rather than built with the ORM, which took 20 ms to build the 14 subqueries of a user's
    (the query written out: 4 ms, planning and all, at 200,000 articles)."""
    quote = connection.ops.quote_name
    meta = Article._meta

    def column(alias: str, name: str) -> str:
        return f"{alias}.{quote(meta.get_field(name).column)}"

    table = quote(meta.db_table)
    columns = {name: (column("b", name), ()) for name in ("published_on", "id")}
    values = (connection.ops.adapt_datefield_value(article.published_on), article.pk)

    def nearest(keys, values, forward: bool) -> Sql:
        """The first id of the nearest range that has one."""
        firsts, params = [], []
        for condition, (order, order_params) in _beyond(keys, columns, values, forward):
            project = (f"{column('b', 'project')} = %s", (article.project_id,))
            where, where_params = _joined([project, condition])
            firsts.append(
                f"(SELECT {column('b', 'id')} FROM {table} b WHERE {where} "
                f"ORDER BY {order} LIMIT 1)"
            )
            params += [*where_params, *order_params]
        return (f"COALESCE({', '.join(firsts)})" if len(firsts) > 1 else firsts[0]), tuple(params)

    if user is None:
        sides = [nearest(ARTICLE_KEYS, values, forward) for forward in (False, True)]
    else:
        # ``MY_KEYS`` whether or not the user has assignments: without any, no article is in
        # the first block, and the order is the list's by ``ARTICLE_KEYS``.
        columns["mine"] = (assigned_sql(column("b", "id")), (user.pk,))
        sides = []
        for forward in (False, True):
            theirs, theirs_params = nearest(MY_KEYS, (True, *values), forward)
            others, others_params = nearest(MY_KEYS, (False, *values), forward)
            sides.append(
                (
                    f"CASE WHEN {assigned_sql(column('a', 'id'))} THEN {theirs} ELSE {others} END",
                    (user.pk, *theirs_params, *others_params),
                )
            )
    select, params = _joined(sides, ", ")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {table} a WHERE {column('a', 'id')} = %s", [*params, article.pk]
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, None)


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
    return ArticleTarget(article, project, role_of(user, role), piece, labels)


@functools.cache
def _article_detail_sql(member_check: bool) -> str:
    quote = connection.ops.quote_name
    article, span, membership = Article._meta, Span._meta, Membership._meta
    project = quote(article.get_field("project").column)
    columns = ", ".join(f"a.{quote(f.column)}" for f in article.concrete_fields)
    # A blind project's annotator counts their own spans only (selectors.hide_others_work).
    hidden = (
        " AND "
        + others_hidden_sql(
            project=f"s.{quote(span.get_field('project').column)}",
            annotator=f"s.{quote(span.get_field('annotator').column)}",
        )
        if member_check
        else ""
    )
    sql = (
        f"SELECT {columns}, (SELECT COUNT(*) FROM {quote(span.db_table)} s "
        f"WHERE s.{quote(span.get_field('article').column)} = a.{quote(article.pk.column)}"
        f"{hidden}) "
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
    params = [pk] if user.is_superuser else [user.pk, user.pk, pk, user.pk]
    return next(iter(Article.objects.raw(_article_detail_sql(not user.is_superuser), params)), None)
