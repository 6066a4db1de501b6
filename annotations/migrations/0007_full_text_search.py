"""Full-text search: PostgreSQL tsvectors with GIN indexes, or SQLite FTS5 tables.

Nothing here is in the models: the columns and tables are read by ``annotations.search``
only. PostgreSQL: ``assay_ts_config(language)`` (the table of ``search/configs.py``, frozen
here), an article's ``search_vector`` generated from its title (A) and body (B), a span's
kept by a trigger from its text (A) and note (B) with its article's configuration (and
again when the article's language changes). SQLite: ``annotations.search.sqlite.ensure_fts``.
"""

from django.db import migrations

LANGUAGE_CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
CONFIGS = sorted(set(LANGUAGE_CONFIGS.values()) | {"simple"})


def _config_function() -> str:
    names = ", ".join(f"'{name}'" for name in CONFIGS)
    tags = " ".join(f"WHEN '{tag}' THEN '{name}'" for tag, name in LANGUAGE_CONFIGS.items())
    return f"""
CREATE FUNCTION assay_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE
    WHEN btrim(coalesce(lang, '')) = '' THEN 'english'
    WHEN lower(btrim(lang)) IN ({names}) THEN lower(btrim(lang))
    ELSE CASE split_part(split_part(lower(btrim(lang)), '-', 1), '_', 1) {tags}
         ELSE 'simple' END
  END)::regconfig
$$;
"""


SPAN_VECTOR = (
    "setweight(to_tsvector(assay_ts_config(a.language), {text}), 'A') || "
    "setweight(to_tsvector(assay_ts_config(a.language), {note}), 'B')"
)

POSTGRES = [
    _config_function(),
    """
ALTER TABLE annotations_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector(assay_ts_config(language), coalesce(title, '')), 'A') ||
  setweight(to_tsvector(assay_ts_config(language), left(body, 1000000)), 'B')
) STORED;
CREATE INDEX annotations_article_search ON annotations_article USING gin (search_vector);
ALTER TABLE annotations_span ADD COLUMN search_vector tsvector;
""",
    f"""
CREATE FUNCTION assay_span_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := (
    SELECT {SPAN_VECTOR.format(text="left(NEW.text, 1000000)", note="left(NEW.note, 100000)")}
    FROM annotations_article a WHERE a.id = NEW.article_id);
  RETURN NEW;
END $$;
CREATE TRIGGER assay_span_search_vector
  BEFORE INSERT OR UPDATE OF text, note, article_id ON annotations_span
  FOR EACH ROW EXECUTE FUNCTION assay_span_search_vector();
CREATE FUNCTION assay_article_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE annotations_span s SET search_vector = (
    SELECT {SPAN_VECTOR.format(text="left(s.text, 1000000)", note="left(s.note, 100000)")}
    FROM annotations_article a WHERE a.id = s.article_id)
  WHERE s.article_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER assay_article_language_changed
  AFTER UPDATE OF language ON annotations_article
  FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
  EXECUTE FUNCTION assay_article_language_changed();
UPDATE annotations_span s
  SET search_vector = {SPAN_VECTOR.format(text="left(s.text, 1000000)", note="left(s.note, 100000)")}
  FROM annotations_article a WHERE a.id = s.article_id;
CREATE INDEX annotations_span_search ON annotations_span USING gin (search_vector);
""",
]

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS assay_article_language_changed ON annotations_article;
DROP TRIGGER IF EXISTS assay_span_search_vector ON annotations_span;
DROP FUNCTION IF EXISTS assay_article_language_changed();
DROP FUNCTION IF EXISTS assay_span_search_vector();
DROP INDEX IF EXISTS annotations_span_search;
DROP INDEX IF EXISTS annotations_article_search;
ALTER TABLE annotations_span DROP COLUMN IF EXISTS search_vector;
ALTER TABLE annotations_article DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS assay_ts_config(text);
"""


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)
    elif connection.vendor == "sqlite":
        from annotations.search.sqlite import ensure_fts

        ensure_fts(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif connection.vendor == "sqlite":
        from annotations.search.sqlite import drop_fts

        drop_fts(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0006_suggestions"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
