"""PostgreSQL's search rows of the articles (``annotations_articlesearch``, migration 0011):
the article's search configuration and its ``tsvector``, in a table of their own so that the
vector is stored in the row rather than out of line. Written by triggers on the articles,
read by ``annotations.search`` only, through the join this model gives; SQLite has no such
table (its FTS5 tables serve instead)."""

from django.db import models

from .core import Article


class ArticleSearch(models.Model):
    article = models.OneToOneField(
        Article,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the articles' delete trigger removes the row
        db_constraint=False,  # a key to the articles would stop Django's flush truncating them
        related_name="search_row",
    )

    class Meta:
        managed = False
        db_table = "annotations_articlesearch"

    def __str__(self):
        return f"search row of article {self.article_id}"
