"""PostgreSQL: the kept counts of migration 0013, made safe against an article redated while
a span of it is saved, and cheaper in a bulk relabel.

- **The redate race.** A span's count is keyed by its article's date, read by the spans'
  statement trigger. A span's foreign key (deferred: checked at commit) takes only a
  key-share lock on its article, which does not stop another transaction from changing the
  date meanwhile: that transaction's row trigger (``assay_spancount_article_moved``) moves
  the spans it sees, not the one being saved, and the span trigger read the old date; the
  span stayed counted at the old date. Now the span trigger first takes a share lock on the
  articles it touches (in id order), so it waits for a redate in flight and then reads the
  new date, and a redate waits for the span's transaction, whose span it then sees and
  moves. ``services.article_update`` locked the article already; bulk ``.update()``,
  imports and plain SQL were exposed.

  The new wait can close a cycle in one case: a write of an existing span (a relabel, a
  restore, a review, an undo, a delete, an actor merge: each holds the span's row, then its
  statement asks for the article; the bulk ones hold many spans first) while a manager
  changes that article's language (``article_update``, the admin's too, holds the article,
  then re-indexes its spans). A redate alone reads the spans without locking them. (A
  redate or language change of several articles in one plain-SQL statement locks them in
  table order, where the span trigger locks in id order: the same risk, by hand.)
  PostgreSQL ends one of the two with a deadlock error, which the app answers as any
  database error: 503, Retry-After, nothing saved (``DatabaseUnavailableMiddleware``).
- **A link's copies of its span's facts** (migration 0009), the same race one level down:
  a link added while another transaction relabels (or regrades, or makes gold) its span
  copied the facts its snapshot saw, and the relabel's trigger rewrote the links it saw, not
  the new one. The link's trigger now reads its span ``FOR SHARE``: it waits for a change in
  flight and copies the facts that commit; a change made after waits for the link's
  transaction, and its trigger then rewrites the new link too.
- **Folds only at the top.** Relabelling many linked spans in one statement rewrites each
  span's links in a row trigger (migration 0009), one statement per span, each firing the
  link counts' trigger and its one-in-fifty fold of the whole project. A fold now runs only
  from a statement the application sent (``pg_trigger_depth() = 1``); the next such
  statement folds what the nested ones wrote.

Written whole here, not imported from 0013: a migration is frozen as it ran. (The reverse
re-creates 0013's functions from 0013's own text, which is what 0013 installed.)
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


def _span_lock(sources: tuple[str, ...]) -> str:
    """Share-lock the articles of the spans in ``sources`` (transition tables), in id order."""
    spans = " UNION ".join(f"SELECT article_id FROM {source}" for source in sources)
    return f"PERFORM 1 FROM annotations_article WHERE id IN ({spans}) ORDER BY id FOR SHARE;"


def _changed(table: str, deltas, project: str, lock) -> str:
    """The statement trigger's function that writes ``table``'s deltas: ``deltas(source,
    sign)`` the SQL of a transition table's; ``project`` its project column; ``lock(sources)``
    what it locks first (or nothing)."""
    key = KEPT[table]
    fold = "pg_trigger_depth() = 1 AND random() < 0.02"
    return f"""
CREATE OR REPLACE FUNCTION {table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  projects bigint[];
  project bigint;
BEGIN
  -- A transition table exists only for the operation that has it: each branch names its own.
  IF TG_OP = 'INSERT' THEN
    {lock(("added",))}
    INSERT INTO {table} {deltas("added", "")};
    IF {fold} THEN
      projects := ARRAY(SELECT DISTINCT {project} FROM added);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    {lock(("gone",))}
    INSERT INTO {table} {deltas("gone", "-")};
    IF {fold} THEN
      projects := ARRAY(SELECT DISTINCT {project} FROM gone);
    END IF;
  ELSE
    {lock(("added", "gone"))}
    INSERT INTO {table}
    SELECT {key}, sum(n) FROM ({deltas("added", "")} UNION ALL {deltas("gone", "-")})
      AS d({key}, n)
    GROUP BY {key} HAVING sum(n) <> 0;
    IF {fold} THEN
      projects := ARRAY(SELECT {project} FROM added UNION SELECT {project} FROM gone);
    END IF;
  END IF;
  FOREACH project IN ARRAY coalesce(projects, '{{}}') LOOP
    IF project IS NOT NULL THEN
      PERFORM assay_counts_compact('{table}', project);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;"""


LINK_FACTS = """
CREATE OR REPLACE FUNCTION assay_spanactor_span_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s.project_id, s.article_id, s.label_id, s.probability, s.gold
    INTO NEW.span_project_id, NEW.span_article_id, NEW.span_label_id, NEW.span_probability,
         NEW.span_gold
    FROM annotations_span s WHERE s.id = NEW.span_id{lock};
  RETURN NEW;
END $$;
"""

POSTGRES = f"""
{_changed("annotations_spancount", _span_deltas, "project_id", _span_lock)}
{_changed("annotations_linkcount", _link_deltas, "span_project_id", lambda sources: "")}
{LINK_FACTS.format(lock=" FOR SHARE")}
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    """Back to 0009's and 0013's functions, as they were."""
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        kept = import_module("annotations.migrations.0013_kept_counts")
        schema_editor.execute(
            kept._changed("annotations_spancount", kept._span_deltas, "project_id").replace(
                "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
            )
            + kept._changed("annotations_linkcount", kept._link_deltas, "span_project_id").replace(
                "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
            )
            + LINK_FACTS.format(lock="")  # 0009's, as it was
        )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_kept_counts"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
