"""Search as queryset filters: ``search_articles`` and ``search_spans`` keep the matching rows
of a queryset, annotated with ``search_rank`` (higher is better) and, when asked, a
``search_snippet`` whose hits are marked by ``MARK_START``/``MARK_STOP``.

PostgreSQL: the query is parsed once in each configuration the articles use (usually one or
two: ``configs_in_use``), and OR-ed into a constant the GIN index answers; where several are in
use, each row is then matched and ranked in its own language's (a CASE over those constants,
so no row parses the query again). SQLite asks its FTS5 tables; without
FTS5 every word must be a case-insensitive substring (no stemming, no rank).
"""

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

from annotations.models import Article
from annotations.text_search import contains_ignoring_case

from . import sqlite
from .configs import spelling_variant, ts_config
from .snippets import MARK_START, MARK_STOP

SEARCH_MAX = 10_000  # characters of a search string that are read; the rest is left out
HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def clean_search(text: str) -> str:
    """A search string as the databases can take it: no NUL, at most SEARCH_MAX characters."""
    return text.replace("\x00", " ")[:SEARCH_MAX].strip()


def _fts_ready() -> bool:
    """Whether this SQLite database has the FTS5 tables (remembered once seen)."""
    if not getattr(connection, "_assay_fts5", False):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s)", list(sqlite.TABLES)
            )
            connection._assay_fts5 = cursor.fetchone()[0] == len(sqlite.TABLES)
    return connection._assay_fts5


# Per model: (table, the text columns, the SQL of the row's language)
_TARGETS = {
    "article": ("annotations_article", ("title", "body"), "annotations_article.language"),
    "span": (
        "annotations_span",
        ("text", "note"),
        "(SELECT a.language FROM annotations_article a WHERE a.id = annotations_span.article_id)",
    ),
}


def _nothing(queryset, snippet_field):
    """No rows, with the columns a search gives, so the caller's reads stay the same."""
    queryset = queryset.annotate(search_rank=Value(0.0, FloatField()))
    if snippet_field:
        queryset = queryset.annotate(search_snippet=Value("", TextField()))
    return queryset.none()


def configs_in_use() -> list[str]:
    """The configurations the articles are read in (a scan of their languages: a few ms for
    10,000 articles)."""
    languages = Article.objects.order_by().values_list("language", flat=True).distinct()
    return sorted({ts_config(language) for language in languages}) or ["english"]


def _pg_search(queryset, kind, text, *, snippet_field):
    table, _, language = _TARGETS[kind]
    variant = spelling_variant(text)
    texts = [text] + ([variant] if variant else [])
    configs = configs_in_use()
    # The query in each configuration in use: constants, parsed once when planned.
    queries = {
        config: " || ".join(f"websearch_to_tsquery('{config}'::regconfig, %s)" for _ in texts)
        for config in configs
    }
    any_query, any_params = " || ".join(queries.values()), texts * len(configs)
    if len(configs) == 1:
        (row_query,), row_params = queries.values(), texts
    else:  # each row in its own language's configuration, the index narrowing first
        whens = " ".join(f"WHEN '{c}'::regconfig THEN ({q})" for c, q in queries.items())
        row_query = f"(CASE assay_ts_config({language}) {whens} END)"
        row_params = texts * len(configs)
    vector = f"{table}.search_vector"
    condition, params = f"{vector} @@ ({any_query})", list(any_params)
    if len(configs) > 1:
        condition, params = f"{condition} AND {vector} @@ {row_query}", params + row_params
    matches = RawSQL(f"({condition})", params, output_field=BooleanField())
    rank = RawSQL(f"ts_rank_cd({vector}, {row_query})", row_params, output_field=FloatField())
    queryset = queryset.filter(matches).annotate(search_rank=rank)
    if snippet_field:
        headline = RawSQL(
            f"ts_headline(assay_ts_config({language}), {table}.{snippet_field}, {row_query}, %s)",
            [*row_params, HEADLINE],
            output_field=TextField(),
        )
        queryset = queryset.annotate(search_snippet=headline)
    return queryset


def _sqlite_search(queryset, kind, text, *, snippet_field):
    table, columns, _ = _TARGETS[kind]
    variant = spelling_variant(text)
    queries = [q for q in (sqlite.fts5_query(text), variant and sqlite.fts5_query(variant)) if q]
    if not queries:
        return _nothing(queryset, snippet_field)
    match = " OR ".join(f"({q})" for q in queries)
    fts = f"assay_{kind}_fts"
    weights = ", ".join(str(w) for w in sqlite.WEIGHTS[fts])
    where = f"{fts} MATCH %s AND {fts}.rowid = {table}.id"
    queryset = queryset.filter(
        RawSQL(
            f"{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)",
            [match],
            output_field=BooleanField(),
        )
    ).annotate(
        search_rank=RawSQL(
            f"-(SELECT bm25({fts}, {weights}) FROM {fts} WHERE {where})",
            [match],
            output_field=FloatField(),
        )
    )
    if snippet_field:
        column = columns.index(snippet_field)
        snippet = f"(SELECT snippet({fts}, {column}, %s, %s, ' … ', 24) FROM {fts} WHERE {where})"
        queryset = queryset.annotate(
            search_snippet=RawSQL(snippet, [MARK_START, MARK_STOP, match], TextField())
        )
    return queryset


def _fallback_search(queryset, kind, text, *, snippet_field):
    _, columns, _ = _TARGETS[kind]
    words = [w for w in sqlite._WORD.findall(text) if w.lower() != "or"]
    if not words:
        return _nothing(queryset, snippet_field)
    condition = Q()
    for word in words[:50]:
        either = Q()
        for column in columns:
            either |= contains_ignoring_case(column, word)
        condition &= either
    queryset = queryset.filter(condition).annotate(search_rank=Value(0.0, FloatField()))
    if snippet_field:
        queryset = queryset.annotate(search_snippet=Value("", TextField()))
    return queryset


def _search(queryset: QuerySet, kind: str, text: str, snippet_field: str | None) -> QuerySet:
    text = clean_search(text)
    if not text:
        return _nothing(queryset, snippet_field)
    if connection.vendor == "postgresql":
        search = _pg_search
    elif connection.vendor == "sqlite" and _fts_ready():
        search = _sqlite_search
    else:
        search = _fallback_search
    return search(queryset, kind, text, snippet_field=snippet_field)


def search_articles(queryset: QuerySet, text: str, *, snippet: str | None = None) -> QuerySet:
    """Articles of ``queryset`` that match ``text`` (websearch syntax), with ``search_rank``
    and, with ``snippet="title"`` or ``"body"``, ``search_snippet``."""
    return _search(queryset, "article", text, snippet)


def search_spans(queryset: QuerySet, text: str, *, snippet: str | None = None) -> QuerySet:
    """Spans of ``queryset`` whose text or note match ``text``, with ``search_rank`` and,
    with ``snippet="text"`` or ``"note"``, ``search_snippet``."""
    return _search(queryset, "span", text, snippet)
