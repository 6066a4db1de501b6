"""Search as queryset filters: ``search_articles`` and ``search_spans`` keep the matching rows
of a queryset, annotated with ``search_rank`` (higher is better) and, when asked, a
``search_snippet`` whose hits are marked by ``MARK_START``/``MARK_STOP``.

PostgreSQL: the search is parsed first, in one round trip, in each configuration the articles
use (``parsed_queries``), and comes back as tsquery constants: the GIN index answers their OR;
where the configurations disagree (a word stemmed in English, not in ``simple``), each row is
then matched and ranked in its own language's (a CASE over those constants), and where they
agree, the one query serves every row. SQLite asks its FTS5 tables; without
FTS5 every word must be a case-insensitive substring (no stemming, no rank).
"""

from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, FloatField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

from annotations.text_search import contains_ignoring_case

from . import sqlite
from .configs import spelling_variant
from .snippets import MARK_START, MARK_STOP

SEARCH_MAX = 10_000  # characters of a search string that are read; the rest is left out
HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
WHOLE = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"  # every word kept
WHOLE_MAX = 1000  # characters quoted whole at most (``whole=True``); a longer text: fragments


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


# Per model: (table, the text columns)
_TARGETS = {
    "article": ("annotations_article", ("title", "body")),
    "span": ("annotations_span", ("text", "note")),
}


def _nothing(queryset, snippet_field):
    """No rows, with the columns a search gives, so the caller's reads stay the same."""
    queryset = queryset.annotate(search_rank=Value(0.0, FloatField()))
    if snippet_field:
        queryset = queryset.annotate(search_snippet=Value("", TextField()))
    return queryset.none()


# The articles' languages, found by a skip scan of the index on ``language`` (one probe a
# language, however many articles), each with its configuration and the search parsed in
# it: one round trip, a millisecond.
_PARSE = """
WITH RECURSIVE languages(language) AS (
    (SELECT language FROM annotations_article ORDER BY 1 LIMIT 1)
    UNION ALL
    SELECT (SELECT a.language FROM annotations_article a
            WHERE a.language > languages.language ORDER BY 1 LIMIT 1)
    FROM languages WHERE languages.language IS NOT NULL
), configs AS (
    SELECT language, assay_ts_config(language) AS config
    FROM languages WHERE language IS NOT NULL
)
SELECT language, config::text, ({parsed})::text FROM configs ORDER BY 1
"""


@dataclass(frozen=True)
class Parsed:
    """A search as PostgreSQL reads it: per tsquery (as text), the articles' languages and
    the configurations that give it; and whether every language gives the same one."""

    languages: dict[str, list[str]]
    configs: dict[str, list[str]]
    one_query: bool


def parse_search(texts: list[str]) -> Parsed:
    """``texts`` (the search and its other spelling) parsed by ``websearch_to_tsquery`` in
    the configuration of each language in use, OR-ed. A configuration that keeps no lexeme
    (only stop words, only signs) is left out: nothing is found in its language."""
    parsed = " || ".join("websearch_to_tsquery(config, %s)" for _ in texts)
    with connection.cursor() as cursor:
        cursor.execute(_PARSE.format(parsed=parsed), texts)
        rows = cursor.fetchall()
    languages, configs = {}, {}
    for language, config, query in rows:
        if query:
            languages.setdefault(query, []).append(language)
            if config not in configs.setdefault(query, []):
                configs[query].append(config)
    return Parsed(languages, configs, len(languages) == 1 and all(row[2] for row in rows))


def _row_match(vectors: str, parsed: Parsed) -> tuple[str, list, str, list]:
    """A row of ``vectors`` (the table holding the vector and its configuration: the spans',
    or the articles' search rows) matches an OR of one arm per distinct query,
    ``search_config IN (...) AND search_vector @@ query``; its rank picks its query by its
    configuration. Returns the condition and the row's query, each with its parameters."""
    vector = f"{vectors}.search_vector"
    if parsed.one_query:
        (query,) = parsed.languages
        return f"{vector} @@ %s::tsquery", [query], "%s::tsquery", [query]
    arms, params, whens, row_params = [], [], [], []
    for query, configs in parsed.configs.items():
        listed = ", ".join("%s::regconfig" for _ in configs)
        arms.append(f"({vectors}.search_config IN ({listed}) AND {vector} @@ %s::tsquery)")
        params += [*configs, query]
        whens += ["WHEN %s::regconfig THEN %s::tsquery" for _ in configs]
        row_params += [item for config in configs for item in (config, query)]
    row_query = f"(CASE {vectors}.search_config {' '.join(whens)} END)"
    return " OR ".join(arms), params, row_query, row_params


def _pg_search(queryset, kind, text, *, snippet_field, whole):
    """The search's tsquery in each configuration comes back from the database first and is
    passed as a constant: the planner then sees the words it estimates (three copies of one
    word OR-ed read as three times as common: a sequential scan), and where every language
    gives the same query, one query serves every row. Where they differ (a word stemmed in
    English is not in ``simple``), a row matches the query of its own configuration, and
    the rank picks the row's query with a CASE on its configuration. An article's vector is
    in its search row (``models.ArticleSearch``), stored in the row's page rather than out
    of line: a common word's thousands of matches are ranked without a TOAST read each."""
    table = _TARGETS[kind][0]
    variant = spelling_variant(text)
    parsed = parse_search([text] + ([variant] if variant else []))
    if not parsed.languages:
        return _nothing(queryset, snippet_field)
    if kind == "article":
        # The articles' vectors are in their search rows (migration 0011): joined, one each.
        queryset = queryset.filter(search_row__isnull=False)
        vectors = "annotations_articlesearch"
    else:
        vectors = table
    condition, params, row_query, row_params = _row_match(vectors, parsed)
    matches = RawSQL(f"({condition})", params, output_field=BooleanField())
    # ts_rank_cd is a real (float4): as a double, the rank a cursor carries back compares
    # equal to the row's own, and the next page starts after it (not on it again).
    rank = RawSQL(
        f"ts_rank_cd({vectors}.search_vector, {row_query})::float8",
        row_params,
        output_field=FloatField(),
    )
    queryset = queryset.filter(matches).annotate(search_rank=rank)
    if snippet_field:
        field = f"{table}.{snippet_field}"
        one = f"ts_headline({vectors}.search_config, {field}, {row_query}, %s)"
        sql, params = one, [*row_params, HEADLINE]
        if whole:
            sql = f"CASE WHEN length({field}) <= {WHOLE_MAX} THEN {one} ELSE {one} END"
            params = [*row_params, WHOLE, *params]
        queryset = queryset.annotate(search_snippet=RawSQL(sql, params, TextField()))
    return queryset


def _sqlite_search(queryset, kind, text, *, snippet_field, whole):
    table, columns = _TARGETS[kind]
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
        marked = f"snippet({fts}, {column}, %s, %s, ' … ', 24)"
        if whole:
            marked = (
                f"CASE WHEN length({table}.{snippet_field}) <= {WHOLE_MAX} "
                f"THEN highlight({fts}, {column}, %s, %s) ELSE {marked} END"
            )
        marks = [MARK_START, MARK_STOP] * (2 if whole else 1)
        snippet = f"(SELECT {marked} FROM {fts} WHERE {where})"
        queryset = queryset.annotate(search_snippet=RawSQL(snippet, [*marks, match], TextField()))
    return queryset


def _fallback_search(queryset, kind, text, *, snippet_field, whole):
    _, columns = _TARGETS[kind]
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


def _search(
    queryset: QuerySet, kind: str, text: str, snippet_field: str | None, whole: bool = False
) -> QuerySet:
    text = clean_search(text)
    if not text:
        return _nothing(queryset, snippet_field)
    if connection.vendor == "postgresql":
        search = _pg_search
    elif connection.vendor == "sqlite" and _fts_ready():
        search = _sqlite_search
    else:
        search = _fallback_search
    return search(queryset, kind, text, snippet_field=snippet_field, whole=whole)


def search_articles(queryset: QuerySet, text: str, *, snippet: str | None = None) -> QuerySet:
    """Articles of ``queryset`` that match ``text`` (websearch syntax), with ``search_rank``
    and, with ``snippet="title"`` or ``"body"``, ``search_snippet``."""
    return _search(queryset, "article", text, snippet)


def search_spans(
    queryset: QuerySet, text: str, *, snippet: str | None = None, whole: bool = False
) -> QuerySet:
    """Spans of ``queryset`` whose text or note match ``text``, with ``search_rank`` and,
    with ``snippet="text"`` or ``"note"``, ``search_snippet``: fragments around the hits,
    or with ``whole=True`` the whole field (up to ``WHOLE_MAX`` characters), every hit
    marked (a span's words are quoted whole: a fragment would cut them where the hits
    leave off)."""
    return _search(queryset, "span", text, snippet, whole)


def flush_pending_index_entries() -> None:
    """PostgreSQL: move the GIN indexes' pending entries (the inserts ``fastupdate`` defers,
    a bulk write's) into the indexes, as autovacuum would later. While the list is long, the
    planner costs the index as if read whole and finds a common word's articles by scanning
    the table, every article's out-of-line vector read to be matched: a search at 100 ms
    rather than 35 after an import (bench/search_bench.py). Best effort: a database user
    that may not (not the indexes' owner) leaves it to autovacuum."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list('annotations_article_search'::regclass), "
                "gin_clean_pending_list('annotations_span_search'::regclass)"
            )
    except DatabaseError:
        pass
