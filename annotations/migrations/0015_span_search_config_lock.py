"""PostgreSQL: a span made while its article's language changes is indexed in the language
that commits.

The span's search trigger (``assay_span_search_vector``, migration 0009) reads its article's
language to choose the configuration of the span's vector. A new span holds no row another
transaction could wait for, and the trigger read the language its snapshot saw: a span
inserted while a manager changed the article's language (uncommitted) took the old
configuration, and the language change's re-indexing (``assay_article_language_changed``)
could not see the span yet. The span stayed indexed in the old language (a search stemmed
in the new one missed it) until its text changed.

The trigger now reads the article ``FOR SHARE``: it waits for a language change in flight and
reads the language that commits; a change that begins after waits for the span's transaction
and then re-indexes the span with the others. Within one statement the lock is taken once
(the rows after the first find it held), and the spans' statement trigger takes the same
lock a moment later anyway (migration 0014). The reverse restores 0009's function.
"""

from importlib import import_module

from django.db import migrations

SPAN_VECTOR = import_module("annotations.migrations.0009_searchspeed_indexes").SPAN_VECTOR


def _function(lock: str) -> str:
    vector = SPAN_VECTOR.format(config="NEW.search_config", text="NEW.text", note="NEW.note")
    return f"""
CREATE OR REPLACE FUNCTION assay_span_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := (
    SELECT assay_ts_config(a.language) FROM annotations_article a WHERE a.id = NEW.article_id{lock});
  NEW.search_vector := {vector};
  RETURN NEW;
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(" FOR SHARE"))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(""))


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0014_kept_counts_locks"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
