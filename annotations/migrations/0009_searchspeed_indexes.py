"""Search and analytics at 10,000 articles and 1,000,000 spans (docs/search.md, "Speed").

PostgreSQL only (migration 0007's function and columns):

- an index on articles' ``language`` (the model's, on SQLite too): the languages in use are
  found by a skip scan (a probe each), and a search whose words stem differently by language
  matches each article in its own configuration through the index, never reading the
  article's vector to check;
- ``annotations_span.search_config``: the configuration the span's vector was made in (its
  article's), kept by the same trigger as the vector, so that a search picks each span's
  query from the row rather than by looking its article up.
"""

from importlib import import_module

from django.db import migrations, models

fts = import_module("annotations.migrations.0007_full_text_search")

SPAN_VECTOR = (
    "setweight(to_tsvector({config}, left({text}, 1000000)), 'A') || "
    "setweight(to_tsvector({config}, left({note}, 100000)), 'B')"
)

POSTGRES = f"""
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
UPDATE annotations_span s SET search_config = assay_ts_config(a.language)
  FROM annotations_article a WHERE a.id = s.article_id;
"""

POSTGRES_REVERSE = f"""
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
