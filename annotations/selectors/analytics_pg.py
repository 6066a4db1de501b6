"""The analytics' PostgreSQL fast path: each chart one aggregate in SQL over the span-actor
links, which carry their span's project, article, label, probability and gold (``span_*``
columns kept by triggers, migration 0009), so that an actor's spans are read from one
contiguous run of an index rather than looked up one by one across the whole span table;
and for the whole project (no actor, no role), the counts that triggers keep per key
(migration 0013), a few thousand rows rather than every span and link.

The ORM reads they replace (on SQLite, and the definition) are in ``analytics.py``;
``tests/selectors/test_analytics_pg.py`` holds the two to the same rows. Rows come out in the
shapes ``metrics/analytics.py`` takes.
"""

from django.db import connections
from django.db.models.expressions import RawSQL

from annotations.replica import read_alias

_LINK_KEY = "span_project_id, role, actor_id, span_label_id, span_gold, span_probability"
ROLE_FILTERED = "SELECT DISTINCT l.span_id, l.span_article_id, l.span_probability"


def _of_span(filters, project, prefix: str) -> tuple[list[str], list]:
    """The project, label and gold conditions on a span's columns, or on a link's copies of
    them (``prefix`` ``"l.span_"``)."""
    where, params = [f"{prefix}project_id = %s"], [project.pk]
    for name in ("label", "gold"):
        if getattr(filters, name) is not None:
            where.append(f"{prefix}{name}{'_id' if name == 'label' else ''} = %s")
            params.append(getattr(filters, name))
    return where, params


def _facts(filters, project, alias: str) -> tuple[list[str], list]:
    """Conditions on a link's ``span_*`` facts (project, label, gold, the article's dates)."""
    where, params = _of_span(filters, project, f"{alias}.span_")
    dates, date_params = _dates(filters)
    if dates:
        where.append(
            f"{alias}.span_article_id IN (SELECT a.id FROM annotations_article a "
            f"WHERE a.project_id = %s AND {' AND '.join(dates)})"
        )
        params += [project.pk, *date_params]
    return where, params


def _dates(filters) -> tuple[list[str], list]:
    where, params = [], []
    if filters.published_after is not None:
        where.append("a.published_on >= %s")
        params.append(filters.published_after)
    if filters.published_before is not None:
        where.append("a.published_on <= %s")
        params.append(filters.published_before)
    return where, params


def _linked_spans(filters, project) -> tuple[str, list]:
    """SQL of the spans with ``actor`` (in ``role``) or any actor in ``role``: ``(span_id,
    span_article_id, span_probability)``, each span once, from the links' indexes."""
    where, params = _facts(filters, project, "l")
    if filters.actor is not None:
        where.append("l.actor_id = %s")
        params.append(filters.actor)
    if filters.role:
        where.append("l.role = %s")
        params.append(filters.role)
    return f"{ROLE_FILTERED} FROM annotations_spanactor l WHERE {' AND '.join(where)}", params


def _by_actor(filters) -> bool:
    return filters.actor is not None or bool(filters.role)


def _rows(sql: str, params: list) -> list[tuple]:
    """The rows of ``sql``, read where the routers send a span read (the replica when the
    caller reads inside ``replica_reads()`` and one is configured)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def timeline_rows(*, project, filters, interval: str) -> list[tuple]:
    """``(first day of the period, probability, count)`` of the spans of dated articles: with
    an actor or role, their spans from the index by actor; else the counts kept per date
    (migration 0013), summed per period."""
    dates, date_params = _dates(filters)
    dated = " AND ".join(["a.published_on IS NOT NULL", *dates])
    period = "date_trunc(%s, a.published_on)::date"
    if _by_actor(filters):
        spans, params = _linked_spans(filters, project)
        sql = (
            f"SELECT {period}, s.span_probability, count(*) FROM ({spans}) s "
            f"JOIN annotations_article a ON a.id = s.span_article_id WHERE {dated} GROUP BY 1, 2"
        )
        return _rows(sql, [interval, *params, *date_params])
    # The whole project (a label, gold, dates at most): the counts kept per (date, label,
    # gold, probability) by the spans' triggers, a few thousand rows, not a million spans.
    where, params = _of_span(filters, project, "k.")
    kept_dates = [d.replace("a.published_on", "k.published_on") for d in dates]
    sql = (
        "SELECT date_trunc(%s, k.published_on)::date, k.probability, sum(k.n)::bigint "
        f"FROM annotations_spancount k WHERE {' AND '.join(where)} "
        f"AND {' AND '.join(['k.published_on IS NOT NULL', *kept_dates])} "
        "GROUP BY 1, 2 HAVING sum(k.n) <> 0"
    )
    return _rows(sql, [interval, *params, *date_params])


def link_rows(*, project, filters, roles: tuple[str, ...]) -> list[tuple]:
    """``(role, actor id, name, probability, count)``: the links in ``roles`` of the spans,
    counted per role, actor and probability; one read serves the distribution per source
    and the ranking together. With an actor or role filter, the spans come from the index by
    actor and each one's links are probed by the unique index (span, actor, role); with the
    article's dates, the links are counted by their own facts; else the counts kept per key
    are summed (migration 0013)."""
    listed = ", ".join("%s" for _ in roles)
    if _by_actor(filters):
        spans, params = _linked_spans(filters, project)
        counted = (
            "SELECT l.role, l.actor_id, s.span_probability, count(*) AS n "
            f"FROM ({spans}) s JOIN annotations_spanactor l ON l.span_id = s.span_id "
            f"AND l.role IN ({listed}) GROUP BY 1, 2, 3"
        )
        params = [*params, *roles]
    elif filters.published_after is None and filters.published_before is None:
        # The whole project (a label or gold at most): the counts kept per key (migration
        # 0013), a few thousand rows, not the project's every link.
        where, params = _of_span(filters, project, "k.")
        counted = (
            "SELECT k.role, k.actor_id, k.probability AS span_probability, sum(k.n)::bigint AS n "
            f"FROM annotations_linkcount k WHERE k.role IN ({listed}) AND {' AND '.join(where)} "
            "GROUP BY 1, 2, 3 HAVING sum(k.n) <> 0"
        )
        params = [*roles, *params]
    else:
        where, params = _facts(filters, project, "l")
        counted = (
            "SELECT l.role, l.actor_id, l.span_probability, count(*) AS n "
            f"FROM annotations_spanactor l WHERE l.role IN ({listed}) AND {' AND '.join(where)} "
            "GROUP BY 1, 2, 3"
        )
        params = [*roles, *params]
    sql = (
        f"SELECT c.role, c.actor_id, a.name, c.span_probability, c.n FROM ({counted}) c "
        "JOIN annotations_actor a ON a.id = c.actor_id"
    )
    return _rows(sql, params)


def actor_ids(*, project, filters) -> RawSQL:
    """SQL of the ids of the actors linked, in any role, to the project's spans, for
    ``pk__in``: from the links' counts kept per key (migration 0013), where ``SELECT
    DISTINCT actor_id`` reads every link of the project (2,000,000 links: 350 ms).
    ``filters`` must be empty: the whole project."""
    if filters != type(filters)():
        raise ValueError("The fast path lists the actors of the whole project.")
    return RawSQL(
        "SELECT actor_id FROM annotations_linkcount WHERE project_id = %s "
        "GROUP BY actor_id HAVING sum(n) > 0",
        [project.pk],
    )


# A link's copies of its span's facts (migration 0009), and the span's columns they copy.
LINK_FACTS = {
    "span_project_id": "project_id",
    "span_article_id": "article_id",
    "span_label_id": "label_id",
    "span_probability": "probability",
    "span_gold": "gold",
}
LINKS_APART = (
    f"({', '.join(f'l.{copy}' for copy in LINK_FACTS)}) IS DISTINCT FROM "
    f"({', '.join(f's.{column}' for column in LINK_FACTS.values())})"
)


def links_out_of_step() -> int:
    """How many links' ``span_*`` facts differ from their span's: 0 while the triggers and
    the import's COPY (which writes them itself) keep them. A check for tests and operators
    (``manage.py recount``)."""
    return _rows(
        "SELECT count(*) FROM annotations_spanactor l JOIN annotations_span s "
        f"ON s.id = l.span_id WHERE {LINKS_APART}",
        [],
    )[0][0]


_SPAN_KEY = "s.project_id, a.published_on, s.label_id, s.gold, s.probability"
# Each table of counts: its key, and its counts afresh. The tables, their triggers and their
# keys are written in migrations 0013 and 0014, which are frozen; a change of key there is a
# new migration and a change here.
KEPT = {
    "annotations_spancount": (
        "project_id, published_on, label_id, gold, probability",
        f"SELECT {_SPAN_KEY}, count(*) FROM annotations_span s "
        f"JOIN annotations_article a ON a.id = s.article_id GROUP BY {_SPAN_KEY}",
    ),
    "annotations_linkcount": (
        "project_id, role, actor_id, label_id, gold, probability",
        f"SELECT {_LINK_KEY}, count(*) FROM annotations_spanactor "
        f"WHERE span_project_id IS NOT NULL GROUP BY {_LINK_KEY}",
    ),
}


def counts_out_of_step() -> int:
    """How many keys' kept counts (migration 0013) differ from a count of the spans and the
    links afresh: 0 while the triggers keep them. A check for tests and operators
    (``manage.py recount``)."""
    differ = 0
    for table, (key, afresh) in KEPT.items():
        differ += _rows(
            f"SELECT count(*) FROM (SELECT 1 FROM (SELECT {key}, n FROM {table} "
            f"UNION ALL SELECT {key}, -n FROM ({afresh}) AS f({key}, n)) d "
            f"GROUP BY {key} HAVING sum(n) <> 0) differ",
            [],
        )[0][0]
    return differ
