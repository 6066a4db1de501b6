"""An article's project indexed with its id, (project, id), in place of the project alone.

A ranked article search ranks the matches' search rows and keeps those of the articles the
filters leave (``selectors.pages.KeyedPaginator``): the articles' ids of a project come from
this index alone (an index-only scan), not from the article rows. Every lookup by project
alone still has an index that starts with it. The new index is made before the old one goes.
Django's AlterField also drops the foreign key's constraint and adds it again, which checks
every article while it locks the articles and the projects (a second for 100,000 articles).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0011_article_search_table"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["project", "id"], name="annotations_article_project"),
        ),
        migrations.AlterField(
            model_name="article",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="articles",
                to="annotations.project",
            ),
        ),
    ]
