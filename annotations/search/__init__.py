"""Full-text search over articles (title, body) and spans (text, note).

PostgreSQL: a ``tsvector`` per article (title weight A, body B; in the article's search row,
``models.ArticleSearch``, kept by triggers: migration 0011) and per span (kept by a trigger,
since its dictionary is its article's: text A, note B), GIN indexes,
``websearch_to_tsquery``, ``ts_rank_cd``, ``ts_headline`` (the DDL is in migrations 0007,
0009 and 0011). SQLite: FTS5 tables kept in step by triggers, ``porter unicode61``
tokenizer, ``bm25`` (``sqlite.py``); without FTS5, a word-by-word substring match.
``expressions.py`` puts either behind one call for the querysets of the API and the pages.
"""

from .configs import LANGUAGE_CONFIGS, spelling_variant, ts_config
from .expressions import (
    SEARCH_MAX,
    clean_search,
    flush_pending_index_entries,
    search_articles,
    search_spans,
)
from .snippets import MARK_START, MARK_STOP, first_marked, marked_html

__all__ = [
    "LANGUAGE_CONFIGS",
    "MARK_START",
    "MARK_STOP",
    "SEARCH_MAX",
    "clean_search",
    "first_marked",
    "flush_pending_index_entries",
    "marked_html",
    "search_articles",
    "search_spans",
    "spelling_variant",
    "ts_config",
]
