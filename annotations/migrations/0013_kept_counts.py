"""PostgreSQL: counts kept for the analytics of a whole project, so that its charts add up a
few thousand counts rather than read every span and link (at 1,000,000 spans and 2,000,000
links: the timeline 130 to 200 ms, the distribution per source and the actors most assessed
190 to 250 ms; ``bench/search_bench.py``).

- ``annotations_spancount``: spans per (project, the article's date, label, gold,
  probability): the timeline.
- ``annotations_linkcount``: span-actor links per (project, role, actor, label, gold,
  probability), from the links' copies of their span's facts (``span_*``, migration 0009):
  the distribution per source and the ranking.

Each table holds signed deltas, not one row per key: each statement on the spans or the links
adds a row per key it touched (``+n`` inserted, ``-n`` deleted, both for an update), by
statement triggers with transition tables (a bulk insert or an import's COPY is one
statement); an article whose date changes moves its spans' counts (a row trigger, as for its
search row: a statement's transition tables would copy every body). No writer updates a row
another may hold, so annotators saving spans at once never wait on each other here and cannot
deadlock on it. A reader sums a key's rows. Now and then (one statement in fifty, per
project touched) a writer folds a project's rows into one per key (``assay_counts_compact``),
under a transaction-level advisory lock that a second compaction of the same project and
table skips rather than waits for; it folds the rows its snapshot sees, so deltas written
meanwhile stay as they are and nothing is counted twice or lost.

TRUNCATE of the spans or links (Django's test flush) truncates the counts. No model: only
``selectors/analytics_pg.py`` reads them, and its ``counts_out_of_step()`` checks them.
"""

from django.db import migrations

SPAN_KEY = "s.project_id, a.published_on, s.label_id, s.gold, s.probability"
LINK_KEY = "span_project_id, role, actor_id, span_label_id, span_gold, span_probability"
KEPT = {
    "annotations_spancount": "project_id, published_on, label_id, gold, probability",
    "annotations_linkcount": "project_id, role, actor_id, label_id, gold, probability",
}


def _span_deltas(source: str, sign: str) -> str:
    return (
        f"SELECT {SPAN_KEY}, {sign}count(*) FROM {source} s "
        f"JOIN annotations_article a ON a.id = s.article_id GROUP BY {SPAN_KEY}"
    )


def _link_deltas(source: str, sign: str) -> str:
    return (
        f"SELECT {LINK_KEY}, {sign}count(*) FROM {source} WHERE span_project_id IS NOT NULL "
        f"GROUP BY {LINK_KEY}"
    )


def _changed(table: str, deltas, project: str) -> str:
    """The statement trigger's function that writes ``table``'s deltas: ``deltas(source,
    sign)`` the SQL of a transition table's; ``project`` its project column."""
    key = KEPT[table]
    return f"""
CREATE FUNCTION {table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  projects bigint[];
  project bigint;
BEGIN
  -- A transition table exists only for the operation that has it: each branch names its own.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {table} {deltas("added", "")};
    IF random() < 0.02 THEN
      projects := ARRAY(SELECT DISTINCT {project} FROM added);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {table} {deltas("gone", "-")};
    IF random() < 0.02 THEN
      projects := ARRAY(SELECT DISTINCT {project} FROM gone);
    END IF;
  ELSE
    INSERT INTO {table}
    SELECT {key}, sum(n) FROM ({deltas("added", "")} UNION ALL {deltas("gone", "-")})
      AS d({key}, n)
    GROUP BY {key} HAVING sum(n) <> 0;
    IF random() < 0.02 THEN
      projects := ARRAY(SELECT {project} FROM added UNION SELECT {project} FROM gone);
    END IF;
  END IF;
  FOREACH project IN ARRAY coalesce(projects, '{{}}') LOOP
    IF project IS NOT NULL THEN
      PERFORM assay_counts_compact('{table}', project);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
CREATE FUNCTION {table}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE {table};
  RETURN NULL;
END $$;"""


def _triggers(table: str, on: str) -> str:
    return f"""
CREATE TRIGGER {table}_insert AFTER INSERT ON {on}
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION {table}_changed();
CREATE TRIGGER {table}_update AFTER UPDATE ON {on}
  REFERENCING OLD TABLE AS gone NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION {table}_changed();
CREATE TRIGGER {table}_delete AFTER DELETE ON {on}
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {table}_changed();
CREATE TRIGGER {table}_truncate AFTER TRUNCATE ON {on}
  FOR EACH STATEMENT EXECUTE FUNCTION {table}_truncate();"""


_MOVED = "SELECT project_id, {date}, label_id, gold, probability, {sign}count(*) FROM " + (
    "annotations_span WHERE article_id = NEW.id GROUP BY project_id, label_id, gold, probability"
)

POSTGRES = f"""
CREATE TABLE annotations_spancount (
  project_id bigint NOT NULL,
  published_on date,
  label_id bigint,
  gold boolean,
  probability varchar(32),
  n bigint NOT NULL
);
CREATE INDEX annotations_spancount_project ON annotations_spancount (project_id);
CREATE TABLE annotations_linkcount (
  project_id bigint NOT NULL,
  role varchar(16) NOT NULL,
  actor_id bigint NOT NULL,
  label_id bigint,
  gold boolean,
  probability varchar(32),
  n bigint NOT NULL
);
CREATE INDEX annotations_linkcount_project ON annotations_linkcount (project_id, role);
CREATE FUNCTION assay_counts_compact(kept regclass, project bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  key text := CASE kept::text
    WHEN 'annotations_spancount' THEN '{KEPT["annotations_spancount"]}'
    WHEN 'annotations_linkcount' THEN '{KEPT["annotations_linkcount"]}' END;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext(kept::text), hashtext(project::text)) THEN
    RETURN;  -- another transaction is folding this project's rows
  END IF;
  EXECUTE 'WITH gone AS (DELETE FROM ' || kept::text || ' WHERE project_id = $1 RETURNING '
    || key || ', n) INSERT INTO ' || kept::text || ' SELECT ' || key || ', sum(n) FROM gone '
    || 'GROUP BY ' || key || ' HAVING sum(n) <> 0' USING project;
END $$;
{_changed("annotations_spancount", _span_deltas, "project_id")}
{_changed("annotations_linkcount", _link_deltas, "span_project_id")}
CREATE FUNCTION assay_spancount_article_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO annotations_spancount
  {_MOVED.format(date="OLD.published_on", sign="-")}
  UNION ALL {_MOVED.format(date="NEW.published_on", sign="")};
  RETURN NULL;
END $$;
{_triggers("annotations_spancount", "annotations_span")}
{_triggers("annotations_linkcount", "annotations_spanactor")}
CREATE TRIGGER annotations_spancount_article_moved
  AFTER UPDATE OF published_on ON annotations_article
  FOR EACH ROW WHEN (OLD.published_on IS DISTINCT FROM NEW.published_on)
  EXECUTE FUNCTION assay_spancount_article_moved();
INSERT INTO annotations_spancount {_span_deltas("annotations_span", "")};
INSERT INTO annotations_linkcount {_link_deltas("annotations_spanactor", "")};
ANALYZE annotations_spancount;
ANALYZE annotations_linkcount;
"""

POSTGRES_REVERSE = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS {table}_{op} ON {on};"""
        for table, on in (
            ("annotations_spancount", "annotations_span"),
            ("annotations_linkcount", "annotations_spanactor"),
        )
        for op in ("insert", "update", "delete", "truncate")
    )
    + """
DROP TRIGGER IF EXISTS annotations_spancount_article_moved ON annotations_article;
DROP FUNCTION IF EXISTS assay_spancount_article_moved();
DROP FUNCTION IF EXISTS annotations_spancount_changed();
DROP FUNCTION IF EXISTS annotations_spancount_truncate();
DROP FUNCTION IF EXISTS annotations_linkcount_changed();
DROP FUNCTION IF EXISTS annotations_linkcount_truncate();
DROP FUNCTION IF EXISTS assay_counts_compact(regclass, bigint);
DROP TABLE IF EXISTS annotations_spancount;
DROP TABLE IF EXISTS annotations_linkcount;
"""
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_article_project_id_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
