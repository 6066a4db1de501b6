"""PostgreSQL: a manager's change of an article while one of its spans is written, at the
same moment.

- A language change and a span's write both land: ``services.article_update`` locks the
  article's spans before the article, as a span write does (migration 0014), so neither
  waits for the other in a cycle that PostgreSQL would end with a deadlock error.
- A span made meanwhile is indexed in the new language (migration 0015).
- A span made while the body changes (allowed while no span refers to it) is checked
  against the body that commits: span creation reads the article ``FOR SHARE``."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from annotations import services
from annotations.models import Article, Span
from annotations.services import articles

from ..factories import ActorFactory, ArticleFactory, LabelFactory, SpanFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks"),
]


def _waiting_for_a_lock(pid: int) -> bool:
    # From the lock table, not pg_stat_activity: that is read once per transaction, and
    # this runs inside article_update's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return cursor.fetchone()[0]


def _during_an_article_update(monkeypatch, *, article, user, write, **changes) -> list:
    """Make ``changes`` to ``article`` (``services.article_update``, by default its
    language to Russian); once it holds its locks, and before it writes (and re-indexes the
    spans), ``write`` runs in a thread (a connection of its own): the write must wait for a
    lock; then the change goes on. Returns what the write raised."""
    errors, pids = [], []

    def theirs():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            write()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=theirs)
    validate = articles.article_validate

    def validate_while_the_span_is_written(**kwargs):
        thread.start()
        deadline = time.monotonic() + 10
        while not (pids and _waiting_for_a_lock(pids[0])):
            assert time.monotonic() < deadline and not errors, f"no wait for a lock: {errors}"
            time.sleep(0.01)
        return validate(**kwargs)

    monkeypatch.setattr(articles, "article_validate", validate_while_the_span_is_written)
    services.article_update(article=article, user=user, **(changes or {"language": "ru"}))
    thread.join(timeout=10)
    assert not thread.is_alive()
    return errors


def _rows(article):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, label_id, search_config::text FROM annotations_span "
            "WHERE article_id = %s ORDER BY id",
            [article.pk],
        )
        return cursor.fetchall()


def _sql(sql, params):
    def write():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return write


@pytest.mark.parametrize("write", ["relabel", "delete"])
def test_a_span_written_while_its_article_changes_language_waits_and_both_land(
    write, monkeypatch, project, manager, label, annotator
):
    """The span's write (plain SQL, as a bulk ``.update()`` or the review of many spans)
    begins after the manager's change has begun and before it re-indexes the spans: it
    waits for the change to commit, then lands. Without the spans locked first, the change
    would hold the article while the write held the span, each waiting for the other: one
    of them ended by a deadlock error."""
    article = ArticleFactory(project=project, language="en")
    span = SpanFactory(article=article, label=label, annotator=annotator)
    kept = SpanFactory(article=article, label=label, annotator=annotator, start=4, end=9)
    claim = LabelFactory(project=project, name="Claim")
    sql, params = {
        "relabel": ("UPDATE annotations_span SET label_id = %s WHERE id = %s", [claim.pk, span.pk]),
        "delete": ("DELETE FROM annotations_span WHERE id = %s", [span.pk]),
    }[write]

    errors = _during_an_article_update(
        monkeypatch, article=article, user=manager, write=_sql(sql, params)
    )

    assert errors == []
    if write == "relabel":
        assert _rows(article) == [(span.pk, claim.pk, "russian"), (kept.pk, label.pk, "russian")]
    else:
        assert _rows(article) == [(kept.pk, label.pk, "russian")]


def test_a_span_made_while_its_article_changes_language_is_indexed_in_the_new_one(
    monkeypatch, project, manager, label, annotator
):
    """A new span holds no row the change could wait for: its search trigger reads the
    article ``FOR SHARE`` (migration 0015), so it waits for the change and is indexed in
    the language that commits (without it: in the old one, and the re-indexing, which
    could not see the span yet, left it so)."""
    article = ArticleFactory(project=project, language="en")
    kept = SpanFactory(article=article, label=label, annotator=annotator, start=4, end=9)
    made = []

    def make():
        made.append(SpanFactory(article=article, label=label, annotator=annotator))

    errors = _during_an_article_update(monkeypatch, article=article, user=manager, write=make)

    assert errors == []
    assert _rows(article) == [(kept.pk, label.pk, "russian"), (made[0].pk, label.pk, "russian")]


@pytest.mark.parametrize("way", ["one statement", "with an actor"])
def test_a_span_made_while_the_body_changes_is_checked_against_the_new_body(
    way, monkeypatch, project, manager, label, annotator
):
    """The first span of an article is made while a manager replaces its body: the span
    waits for the change and is refused, its words not the new body's at its offsets
    (without the lock it was checked against the old body and saved over the new one).
    Both ways of ``span_create`` on PostgreSQL: the one statement, and the ORM's with an
    actor (``role_and_slice``)."""
    article = ArticleFactory(project=project, body="Belarus remains unlikely to join the war.")
    new_body = "Minsk denies any plan to join the war."
    extra = {}
    if way == "with an actor":
        extra["actors"] = [{"actor": ActorFactory().pk, "role": "source"}]

    def make():
        services.span_create(
            article=article.pk, start=0, end=7, label=label.pk, annotator=annotator,
            text="Belarus", **extra,
        )  # fmt: skip

    errors = _during_an_article_update(
        monkeypatch, article=article, user=manager, write=make, body=new_body
    )

    assert Article.objects.get(pk=article.pk).body == new_body
    assert not Span.objects.filter(article=article).exists()
    assert [type(error) for error in errors] == [ValidationError]
    assert "body[0:7] is 'Minsk d'" in str(errors[0])
