"""The whole project's analytics from indexes alone (docs/search.md, "Speed").

- spans by (project, article, probability): the timeline counts a project's spans per article
  and step from this index in its order (an index-only scan), not from the span rows, which
  carry their text and search vector;
- on PostgreSQL, the actor links by (span_project_id, role, actor_id, span_probability):
  the distribution per source and the ranking count a project's links from it alone
  (``span_*`` are migration 0009's columns, outside the models).
"""

from django.db import migrations, models

LINKS_INDEX = "annotations_spanactor_by_project"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {LINKS_INDEX} ON annotations_spanactor "
            "(span_project_id, role, actor_id, span_probability)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LINKS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_searchspeed_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="span",
            index=models.Index(
                fields=["project", "article", "probability"], name="annotations_project_25a9d8_idx"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
