"""SQLite's FTS5 tables: kept in step, restored when a table rebuild drops their triggers; the
substring fallback where FTS5 is missing."""

import pytest
from django.db import connection

from annotations.models import Article
from annotations.search import expressions, search_articles
from annotations.search.sqlite import ensure_fts

from ..factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5"),
]


def found(text):
    return list(search_articles(Article.objects.all(), text).values_list("pk", flat=True))


def test_lost_triggers_come_back_and_the_index_is_rebuilt(project):
    article = ArticleFactory(project=project, body="Minsk hosts the drills.")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER assay_article_fts_ai")  # as a table rebuild would
    missed = ArticleFactory(project=project, body="Drills near Brest.")
    assert found("drills") == [article.pk]
    assert ensure_fts(connection)
    assert sorted(found("drills")) == sorted([article.pk, missed.pk])


def test_without_fts5_every_word_is_a_substring(project, monkeypatch):
    monkeypatch.setattr(expressions, "_fts_ready", lambda: False)
    article = ArticleFactory(project=project, title="Беларусь", body="Minsk hosts the drills.")
    assert found("БЕЛАРУСЬ drills") == [article.pk]
    assert found("drills brest") == []
    assert found("&|!") == []
