"""Search and analytics at 10,000 articles and 1,000,000 spans (docs/search.md, "Speed").

PostgreSQL only (migration 0007's function and columns):

- an index on articles' ``language`` (the model's, on SQLite too): the languages in use are
  found by a skip scan (a probe each), and a search whose words stem differently by language
  matches each article in its own configuration through the index, never reading the
  article's vector to check;
- ``annotations_span.search_config``: the configuration the span's vector was made in (its
  article's), kept by the same trigger as the vector, so that a search picks each span's
  query from the row rather than by looking its article up;
- ``annotations_spanactor.span_*``: a copy of the span's project, article, label, probability
  and gold on each of its actor links, kept by triggers (a link takes its span's facts when
  inserted, unless the writer gave them, as the import's COPY does; a span's change of them
  is copied to its links), and a covering index by actor:
  an actor's spans are one run of the index, not 20,000 lookups across the span table. The
  analytics read them (``selectors/analytics_pg.py``);
- the span's search trigger made cheaper: ``assay_ts_config`` rewritten with constant
  configurations (same answers, 7 times faster), no vector made of an empty note, and on
  update only when the text, note or article changed (Django's save names every column).
"""

from importlib import import_module

from django.db import migrations, models

fts = import_module("annotations.migrations.0007_full_text_search")

SPAN_VECTOR = (
    "setweight(to_tsvector({config}, left({text}, 1000000)), 'A') || "
    "CASE WHEN {note} = '' THEN ''::tsvector "
    "ELSE setweight(to_tsvector({config}, left({note}, 100000)), 'B') END"
)


def _config_function() -> str:
    """0007's ``assay_ts_config``, the same answers, with each configuration a constant (the
    planner folds it) rather than a name cast at run time: 1.7 us a call instead of 12."""
    names = " ".join(f"WHEN '{name}' THEN '{name}'::regconfig" for name in fts.CONFIGS)
    tags = " ".join(
        f"WHEN '{tag}' THEN '{name}'::regconfig" for tag, name in fts.LANGUAGE_CONFIGS.items()
    )
    return f"""
CREATE OR REPLACE FUNCTION assay_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN btrim(coalesce(lang, '')) = '' THEN 'english'::regconfig
    ELSE CASE lower(btrim(lang)) {names}
      ELSE CASE split_part(split_part(lower(btrim(lang)), '-', 1), '_', 1) {tags}
           ELSE 'simple'::regconfig END
    END
  END
$$;
"""


POSTGRES = f"""
{_config_function()}
ALTER TABLE annotations_span ADD COLUMN search_config regconfig;
CREATE OR REPLACE FUNCTION assay_span_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := (
    SELECT assay_ts_config(a.language) FROM annotations_article a WHERE a.id = NEW.article_id);
  NEW.search_vector := {
    SPAN_VECTOR.format(config="NEW.search_config", text="NEW.text", note="NEW.note")
};
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION assay_article_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  config regconfig := assay_ts_config(NEW.language);
BEGIN
  UPDATE annotations_span s SET search_config = config,
    search_vector = {SPAN_VECTOR.format(config="config", text="s.text", note="s.note")}
  WHERE s.article_id = NEW.id;
  RETURN NULL;
END $$;
DROP TRIGGER assay_span_search_vector ON annotations_span;
CREATE TRIGGER assay_span_search_vector
  BEFORE INSERT ON annotations_span
  FOR EACH ROW EXECUTE FUNCTION assay_span_search_vector();
CREATE TRIGGER assay_span_search_vector_update
  BEFORE UPDATE OF text, note, article_id ON annotations_span
  FOR EACH ROW WHEN (
    OLD.text IS DISTINCT FROM NEW.text OR OLD.note IS DISTINCT FROM NEW.note
    OR OLD.article_id IS DISTINCT FROM NEW.article_id)
  EXECUTE FUNCTION assay_span_search_vector();
UPDATE annotations_span s SET search_config = assay_ts_config(a.language)
  FROM annotations_article a WHERE a.id = s.article_id;

ALTER TABLE annotations_spanactor
  ADD COLUMN span_project_id bigint, ADD COLUMN span_article_id bigint,
  ADD COLUMN span_label_id bigint, ADD COLUMN span_probability varchar(32),
  ADD COLUMN span_gold boolean;
CREATE FUNCTION assay_spanactor_span_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s.project_id, s.article_id, s.label_id, s.probability, s.gold
    INTO NEW.span_project_id, NEW.span_article_id, NEW.span_label_id, NEW.span_probability,
         NEW.span_gold
    FROM annotations_span s WHERE s.id = NEW.span_id;
  RETURN NEW;
END $$;
CREATE TRIGGER assay_spanactor_span_facts
  BEFORE INSERT ON annotations_spanactor
  FOR EACH ROW WHEN (NEW.span_project_id IS NULL)
  EXECUTE FUNCTION assay_spanactor_span_facts();
CREATE TRIGGER assay_spanactor_span_facts_update
  BEFORE UPDATE OF span_id ON annotations_spanactor
  FOR EACH ROW WHEN (OLD.span_id IS DISTINCT FROM NEW.span_id)
  EXECUTE FUNCTION assay_spanactor_span_facts();
CREATE FUNCTION assay_span_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE annotations_spanactor SET span_project_id = NEW.project_id,
    span_article_id = NEW.article_id, span_label_id = NEW.label_id,
    span_probability = NEW.probability, span_gold = NEW.gold
  WHERE span_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER assay_span_facts_changed
  AFTER UPDATE OF project_id, article_id, label_id, probability, gold ON annotations_span
  FOR EACH ROW WHEN (
    OLD.project_id IS DISTINCT FROM NEW.project_id
    OR OLD.article_id IS DISTINCT FROM NEW.article_id
    OR OLD.label_id IS DISTINCT FROM NEW.label_id
    OR OLD.probability IS DISTINCT FROM NEW.probability
    OR OLD.gold IS DISTINCT FROM NEW.gold)
  EXECUTE FUNCTION assay_span_facts_changed();
UPDATE annotations_spanactor l SET span_project_id = s.project_id,
  span_article_id = s.article_id, span_label_id = s.label_id,
  span_probability = s.probability, span_gold = s.gold
  FROM annotations_span s WHERE s.id = l.span_id;
CREATE INDEX annotations_spanactor_by_actor ON annotations_spanactor
  (actor_id, role, span_project_id)
  INCLUDE (span_id, span_article_id, span_probability, span_label_id, span_gold);
"""

POSTGRES_REVERSE = f"""
{fts._config_function().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")}
DROP TRIGGER IF EXISTS assay_span_search_vector_update ON annotations_span;
DROP TRIGGER IF EXISTS assay_span_search_vector ON annotations_span;
CREATE TRIGGER assay_span_search_vector
  BEFORE INSERT OR UPDATE OF text, note, article_id ON annotations_span
  FOR EACH ROW EXECUTE FUNCTION assay_span_search_vector();
DROP TRIGGER IF EXISTS assay_span_facts_changed ON annotations_span;
DROP TRIGGER IF EXISTS assay_spanactor_span_facts ON annotations_spanactor;
DROP TRIGGER IF EXISTS assay_spanactor_span_facts_update ON annotations_spanactor;
DROP FUNCTION IF EXISTS assay_span_facts_changed();
DROP FUNCTION IF EXISTS assay_spanactor_span_facts();
ALTER TABLE annotations_spanactor
  DROP COLUMN IF EXISTS span_project_id, DROP COLUMN IF EXISTS span_article_id,
  DROP COLUMN IF EXISTS span_label_id, DROP COLUMN IF EXISTS span_probability,
  DROP COLUMN IF EXISTS span_gold;
CREATE OR REPLACE FUNCTION assay_span_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := (
    SELECT {fts.SPAN_VECTOR.format(text="left(NEW.text, 1000000)", note="left(NEW.note, 100000)")}
    FROM annotations_article a WHERE a.id = NEW.article_id);
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION assay_article_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE annotations_span s SET search_vector = (
    SELECT {fts.SPAN_VECTOR.format(text="left(s.text, 1000000)", note="left(s.note, 100000)")}
    FROM annotations_article a WHERE a.id = s.article_id)
  WHERE s.article_id = NEW.id;
  RETURN NULL;
END $$;
ALTER TABLE annotations_span DROP COLUMN IF EXISTS search_config;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_job"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["language"], name="annotations_article_language"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
