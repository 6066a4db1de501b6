"""A project's article list, an article's neighbours, and an article as the annotate page and
the API read it. ``article_target`` and ``article_detail`` are hand-written SQL: each says why."""

import functools
import json
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from annotations.models import Article, ArticleProgress, Label, Membership, Project, Span
from annotations.text_search import contains_ignoring_case

from ..permissions import role_of
from .assignments import assigned_to
from .scope import others_hidden_sql

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
    """A project's articles without their bodies, with ``my_span_count``, ``my_done_at`` and
    ``mine`` (assigned to the user): the user's assignments first, then the list's order."""
    done_at = ArticleProgress.objects.filter(article=OuterRef("pk"), user=user).values("done_at")[
        :1
    ]
    qs = (
        Article.objects.filter(project=project)
        .defer("body", "metadata")
        .annotate(
            my_span_count=Count("spans", filter=Q(spans__annotator=user, spans__gold=False)),
            my_done_at=Subquery(done_at),
            mine=assigned_to(OuterRef("pk"), user),
        )
        .order_by(F("mine").desc(), *ARTICLE_ORDER)
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


def article_neighbours(*, article: Article, user=None) -> tuple[int | None, int | None]:
    """The previous and next article's ids in the project's list order; with ``user``, among
    the articles assigned to them when this one is (one query)."""
    articles = Article.objects.filter(project_id=article.project_id).order_by(*ARTICLE_ORDER)
    if user is None:
        rows = [(pk, False) for pk in articles.values_list("id", flat=True)]
    else:
        rows = list(
            articles.annotate(mine=assigned_to(OuterRef("pk"), user)).values_list("id", "mine")
        )
    ids = [pk for pk, _ in rows]
    assigned = [pk for pk, mine in rows if mine]
    if article.pk in assigned:
        ids = assigned
    index = ids.index(article.pk)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following


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
