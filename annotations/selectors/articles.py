"""A project's article list, an article's neighbours, and an article as the annotate page and
the API read it. ``article_target`` and ``article_detail`` are hand-written SQL: each says why."""

import functools
import json
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
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
from .assignments import assigned_to
from .scope import others_hidden_sql

# The article list and the annotate page's previous/next share this order; NULL dates sort last
# on every backend. ``_neighbour_tiers`` walks it by hand (index ranges, LIMIT 1 each): a
# change here is a change there (tests/selectors/test_articles.py holds the two together).
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
    qs = qs.order_by(F("mine").desc(), *ARTICLE_ORDER) if assigned else qs.order_by(*ARTICLE_ORDER)
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


def _neighbour_tiers(date, pk) -> tuple[list, list]:
    """The articles before and after ``(date, pk)`` in ``ARTICLE_ORDER``, as tiers nearest
    first, each ``(condition, order)``: the same date (by id), then other dates (undated
    ones come last). Each tier is a range of the ``(project, published_on)`` index read from
    its near end; a single condition with ORs and NULLS FIRST would sort every row before it."""
    same = Q(published_on__isnull=True) if date is None else Q(published_on=date)
    before = [(same & Q(id__lt=pk), ("-id",))]
    after = [(same & Q(id__gt=pk), ("id",))]
    if date is None:
        before.append((Q(published_on__isnull=False), ("published_on", "-id")))
    else:
        before.append((Q(published_on__gt=date), ("published_on", "-id")))
        after.append((Q(published_on__lt=date), ("-published_on", "id")))
        after.append((Q(published_on__isnull=True), ("id",)))
    return before, after


def _nearest(articles, tiers):
    """The first id of the nearest tier that has one: a ``LIMIT 1`` subquery per tier."""
    firsts = [
        Subquery(articles.filter(condition).order_by(*order).values("id")[:1])
        for condition, order in tiers
    ]
    return Coalesce(*firsts) if len(firsts) > 1 else firsts[0]


def article_neighbours(*, article: Article, user=None) -> tuple[int | None, int | None]:
    """The previous and next article's ids in the project's list order (``ARTICLE_ORDER``);
    with ``user``, among the articles assigned to them when this one is.

    One query that reads only the neighbours: subqueries of the article's row, each the
    first article of a range in that order (``LIMIT 1``), over the project's articles and
    over the user's assignments; whether this one is assigned picks the pair."""
    before, after = _neighbour_tiers(article.published_on, article.pk)
    articles = Article.objects.filter(project_id=article.project_id)
    sides = {"previous": _nearest(articles, before), "following": _nearest(articles, after)}
    if user is not None:
        theirs = articles.filter(assignments__annotator=user)
        sides |= {
            "mine": assigned_to(OuterRef("pk"), user),
            "my_previous": _nearest(theirs, before),
            "my_following": _nearest(theirs, after),
        }
    rows = list(Article.objects.filter(pk=article.pk).order_by().annotate(**sides).values(*sides))
    if not rows:
        return None, None
    row = rows[0]
    if row.get("mine"):
        return row["my_previous"], row["my_following"]
    return row["previous"], row["following"]


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
