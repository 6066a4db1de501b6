"""PostgreSQL: a manager's language change of an article and a write of one of its spans,
at the same moment, both land: ``services.article_update`` locks the article's spans before
the article, as a span write does (migration 0014), so neither waits for the other in a
cycle that PostgreSQL would end with a deadlock error."""

import threading
import time

import psycopg
import pytest
from django.db import connection

from annotations import services
from annotations.services import articles

from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks"),
]


def _connect():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
        password=settings["PASSWORD"], dbname=settings["NAME"],
    )  # fmt: skip


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.parametrize("write", ["relabel", "delete"])
def test_a_span_written_while_its_article_changes_language_waits_and_both_land(
    write, monkeypatch, project, manager, label, annotator
):
    """The span's write (plain SQL in a second connection, as a bulk ``.update()`` or the
    review of many spans) begins after the manager's change has begun and before it
    re-indexes the spans: it waits for the change to commit, then lands. Without the spans
    locked first, the change would hold the article while the write held the span, each
    waiting for the other: one of them ended by a deadlock error."""
    article = ArticleFactory(project=project, language="en")
    span = SpanFactory(article=article, label=label, annotator=annotator)
    kept = SpanFactory(article=article, label=label, annotator=annotator, start=4, end=9)
    claim = LabelFactory(project=project, name="Claim")
    sql, params = {
        "relabel": ("UPDATE annotations_span SET label_id = %s WHERE id = %s", [claim.pk, span.pk]),
        "delete": ("DELETE FROM annotations_span WHERE id = %s", [span.pk]),
    }[write]
    errors, pids = [], []

    def theirs():
        with _connect() as other:
            pids.append(other.info.backend_pid)
            try:
                other.execute(sql, params)
                other.commit()
            except psycopg.Error as error:
                errors.append(error)

    thread = threading.Thread(target=theirs)
    validate = articles.article_validate

    def validate_while_the_span_is_written(**kwargs):
        # The change holds its locks now; the span's write begins and must wait for them.
        thread.start()
        deadline = time.monotonic() + 10
        while not (pids and _waiting_for_a_lock(pids[0])):
            assert time.monotonic() < deadline, "the span's write did not wait"
            time.sleep(0.01)
        return validate(**kwargs)

    monkeypatch.setattr(articles, "article_validate", validate_while_the_span_is_written)
    services.article_update(article=article, user=manager, language="ru")
    thread.join(timeout=10)

    assert not thread.is_alive() and errors == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, label_id, search_config::text FROM annotations_span "
            "WHERE article_id = %s ORDER BY id",
            [article.pk],
        )
        rows = cursor.fetchall()
    if write == "relabel":
        assert rows == [(span.pk, claim.pk, "russian"), (kept.pk, label.pk, "russian")]
    else:
        assert rows == [(kept.pk, label.pk, "russian")]
