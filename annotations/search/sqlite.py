"""SQLite: FTS5 tables over articles and spans, kept in step by triggers.

External-content tables (the text stays in the model's table; FTS5 keeps only its index),
the ``porter unicode61`` tokenizer (Porter stems English, so "refuses" finds "refused";
unicode61 folds case and, with ``remove_diacritics 2``, accents in every script).
``ensure_fts`` is idempotent: migration 0007 runs it, and so does every ``post_migrate``,
because a later migration that rebuilds a table on SQLite (Django copies it into a new
one) drops that table's triggers; a table found without them is indexed again.

``fts5_query`` turns a websearch string (PostgreSQL's syntax: words, "quoted phrases",
``or``, ``-word``) into an FTS5 query made only of quoted terms and operators, so no input
is a syntax error.
"""

import re

TABLES = {
    # fts table: (content table, columns)
    "assay_article_fts": ("annotations_article", ("title", "body")),
    "assay_span_fts": ("annotations_span", ("text", "note")),
}
TOKENIZE = "porter unicode61 remove_diacritics 2"
WEIGHTS = {"assay_article_fts": (2.0, 1.0), "assay_span_fts": (2.0, 1.0)}


def fts5_available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        options = {row[0] for row in cursor.fetchall()}
    if "ENABLE_FTS5" in options:
        return True
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE VIRTUAL TABLE temp.assay_fts5_probe USING fts5(x)")
            cursor.execute("DROP TABLE temp.assay_fts5_probe")
    except Exception:
        return False
    return True


def _triggers(fts: str, content: str, columns: tuple[str, ...]) -> dict[str, str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    return {
        f"{fts}_ai": f"AFTER INSERT ON {content} BEGIN {insert} END",
        f"{fts}_ad": f"AFTER DELETE ON {content} BEGIN {delete} END",
        f"{fts}_au": f"AFTER UPDATE OF {cols} ON {content} BEGIN {delete} {insert} END",
    }


def ensure_fts(connection) -> bool:
    """Create the FTS5 tables and their triggers where missing; index again a table whose
    triggers were missing. False when this SQLite has no FTS5 (search falls back)."""
    if connection.vendor != "sqlite" or not fts5_available(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        for fts, (content, columns) in TABLES.items():
            if content not in present:
                continue
            stale = fts not in present
            if stale:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, "
                    f"content='{content}', content_rowid='id', tokenize='{TOKENIZE}')"
                )
            for name, body in _triggers(fts, content, columns).items():
                if name not in present:
                    stale = True
                    cursor.execute(f"CREATE TRIGGER {name} {body}")
            if stale:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return True


def drop_fts(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for fts, (content, columns) in TABLES.items():
            for name in _triggers(fts, content, columns):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {fts}")


_TOKEN = re.compile(r'"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


def _quoted(words: list[str]) -> str:
    return '"' + " ".join(words) + '"'  # \w+ words hold no quote


def fts5_query(text: str) -> str | None:
    """The FTS5 query for a websearch string, or None when it asks for nothing FTS5 can
    find (no words; only negated ones, which FTS5 cannot search alone)."""
    groups, positive, negative = [], [], []
    for match in _TOKEN.finditer(text):
        phrase, minus, word = match.groups()
        if phrase is not None:
            words = _WORD.findall(phrase)
            if words:
                positive.append(_quoted(words))
            continue
        if not minus and word.lower() == "or":
            groups.append((positive, negative))
            positive, negative = [], []
            continue
        words = _WORD.findall(word)
        if not words:
            continue
        (negative if minus else positive).append(_quoted(words))
    groups.append((positive, negative))
    parts = []
    for pos, neg in groups:
        if not pos:
            continue
        part = " AND ".join(pos)
        if neg:
            part = f"({part}) NOT ({' OR '.join(neg)})"
        parts.append(f"({part})")
    return " OR ".join(parts) if parts else None
