"""Put right what PostgreSQL's triggers keep for the analytics, should it ever drift: the
links' copies of their span's facts (migration 0009) and the counts per key (migrations 0013,
0014). The triggers keep both in step; this is the operator's repair (``manage.py recount
--rebuild``), and ``selectors.analytics_pg`` has the checks it is measured by."""

from django.db import connection, transaction

from ..selectors.analytics_pg import KEPT, LINK_FACTS, LINKS_APART

# Writers of spans, links and articles wait while the repair runs; readers do not; a second
# repair waits for the first (SHARE ROW EXCLUSIVE conflicts with itself).
LOCKED = ("annotations_article", "annotations_span", "annotations_spanactor")


def kept_counts_forget(*, project_id: int) -> None:
    """Drop a deleted project's kept counts: the deltas its spans and links left, summing to
    zero, that no later write of the project would fold away. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in KEPT:
            cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [project_id])


@transaction.atomic
def kept_counts_rebuild() -> dict[str, int]:
    """Rewrite every link's span facts that differ from its span's, then count every kept
    table afresh; returns how many rows each step wrote. PostgreSQL only (SQLite keeps
    nothing: its analytics read the spans). Its table locks can meet a writer holding them in
    another order (a span's delete takes its links first): PostgreSQL then ends one of the
    two with a deadlock error, and nothing of it is written (``manage.py recount`` tries
    again)."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("Only PostgreSQL keeps counts for the analytics.")
    written = {}
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(LOCKED)} IN SHARE ROW EXCLUSIVE MODE")
        copies = ", ".join(f"{copy} = s.{column}" for copy, column in LINK_FACTS.items())
        cursor.execute(
            f"UPDATE annotations_spanactor l SET {copies} FROM annotations_span s "
            f"WHERE s.id = l.span_id AND {LINKS_APART}"
        )
        written["links"] = cursor.rowcount
        for table, (key, afresh) in KEPT.items():
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} ({key}, n) {afresh}")
            written[table] = cursor.rowcount
    return written
