"""PostgreSQL: an article's search vector moves out of the article's row into a table of its
own, ``annotations_articlesearch`` (article id, configuration, vector), stored in line.

Why: ranking a common word's articles reads every match's vector (``ts_rank_cd`` over all
of them, so that the order is exact). In the article's row the vector, 6 kB and more, was
TOASTed: each read was a lookup in the TOAST index and several chunks, about half the
search's time (docs/search.md, "Speed"). Here the vector is the row (``STORAGE MAIN``: kept
in the page unless the row outgrows it, then compressed, then out of line as before), so a
match's vector is read with the row the GIN scan points at; the article table keeps its
narrow rows for every other read (the timeline's join reads all of it).

Kept by triggers on ``annotations_article``: insert, delete and truncate (Django's test flush)
by statement, with transition tables (a bulk insert or COPY import is one ``INSERT ...
SELECT``); an update by row, only when its id, title, body or language changed (a statement
trigger's transition tables would copy every updated article, body and all, to compare). No foreign key: a table that
references the articles would stop Django's flush from truncating them, and the delete
trigger does the cascade's work. The search configuration is stored as the span's is
(migration 0009), so a search in several languages picks each row's query from the row.
"""

from django.db import migrations, models

ARTICLE_VECTOR = (
    "setweight(to_tsvector({config}, coalesce({title}, '')), 'A') || "
    "setweight(to_tsvector({config}, left({body}, 1000000)), 'B')"
)


def _upsert(rows: str) -> str:
    """The statement that writes the search rows of the articles ``r`` of ``rows``."""
    vector = ARTICLE_VECTOR.format(config="c.config", title="r.title", body="r.body")
    return f"""
  INSERT INTO annotations_articlesearch (article_id, search_config, search_vector)
  SELECT r.id, c.config, {vector}
  FROM {rows}, LATERAL (SELECT assay_ts_config(r.language) AS config) c
  ON CONFLICT (article_id) DO UPDATE
    SET search_config = EXCLUDED.search_config, search_vector = EXCLUDED.search_vector;"""


POSTGRES = f"""
CREATE TABLE annotations_articlesearch (
  article_id bigint PRIMARY KEY,
  search_config regconfig NOT NULL,
  search_vector tsvector NOT NULL
);
ALTER TABLE annotations_articlesearch ALTER COLUMN search_vector SET STORAGE MAIN;
CREATE FUNCTION assay_article_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_upsert("added r")}
  RETURN NULL;
END $$;
CREATE FUNCTION assay_article_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.id IS DISTINCT FROM NEW.id THEN  -- the old id's row, unless another article took it
    DELETE FROM annotations_articlesearch s WHERE s.article_id = OLD.id
      AND NOT EXISTS (SELECT 1 FROM annotations_article a WHERE a.id = OLD.id);
  END IF;{
    _upsert("(SELECT NEW.id, NEW.title, NEW.body, NEW.language) AS r(id, title, body, language)")
}
  RETURN NULL;
END $$;
CREATE FUNCTION assay_article_search_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM annotations_articlesearch s USING gone g WHERE s.article_id = g.id;
  RETURN NULL;
END $$;
CREATE FUNCTION assay_article_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE annotations_articlesearch;
  RETURN NULL;
END $$;
CREATE TRIGGER assay_article_search_insert AFTER INSERT ON annotations_article
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION assay_article_search_insert();
CREATE TRIGGER assay_article_search_update
  AFTER UPDATE OF id, title, body, language ON annotations_article
  FOR EACH ROW WHEN ((OLD.id, OLD.title, OLD.body, OLD.language)
                     IS DISTINCT FROM (NEW.id, NEW.title, NEW.body, NEW.language))
  EXECUTE FUNCTION assay_article_search_update();
CREATE TRIGGER assay_article_search_delete AFTER DELETE ON annotations_article
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION assay_article_search_delete();
CREATE TRIGGER assay_article_search_truncate AFTER TRUNCATE ON annotations_article
  FOR EACH STATEMENT EXECUTE FUNCTION assay_article_search_truncate();
INSERT INTO annotations_articlesearch (article_id, search_config, search_vector)
  SELECT id, assay_ts_config(language), search_vector FROM annotations_article ORDER BY id;
DROP INDEX annotations_article_search;
ALTER TABLE annotations_article DROP COLUMN search_vector;
CREATE INDEX annotations_article_search ON annotations_articlesearch USING gin (search_vector);
ANALYZE annotations_articlesearch;
"""

POSTGRES_REVERSE = f"""
DROP TRIGGER IF EXISTS assay_article_search_insert ON annotations_article;
DROP TRIGGER IF EXISTS assay_article_search_update ON annotations_article;
DROP TRIGGER IF EXISTS assay_article_search_delete ON annotations_article;
DROP TRIGGER IF EXISTS assay_article_search_truncate ON annotations_article;
DROP FUNCTION IF EXISTS assay_article_search_insert();
DROP FUNCTION IF EXISTS assay_article_search_update();
DROP FUNCTION IF EXISTS assay_article_search_delete();
DROP FUNCTION IF EXISTS assay_article_search_truncate();
DROP TABLE IF EXISTS annotations_articlesearch;
ALTER TABLE annotations_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  {ARTICLE_VECTOR.format(config="assay_ts_config(language)", title="title", body="body")}
) STORED;
CREATE INDEX annotations_article_search ON annotations_article USING gin (search_vector);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0010_analytics_covering_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearch",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="search_row",
                        serialize=False,
                        to="annotations.article",
                    ),
                ),
            ],
            options={"db_table": "annotations_articlesearch", "managed": False},
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
