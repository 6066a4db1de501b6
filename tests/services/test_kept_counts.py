"""The operator's repair of what PostgreSQL's triggers keep for the analytics
(``services.kept_counts_rebuild``, ``manage.py recount``)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from annotations import services
from annotations.models import Actor, ActorRole
from annotations.selectors import analytics_pg

from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db


def recount(*args) -> str:
    out = io.StringIO()
    call_command("recount", *args, stdout=out)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the counts")
def test_counts_and_links_put_out_of_step_are_found_and_rebuilt(project, label, annotator):
    other = LabelFactory(project=project, name="Claim")
    actor = Actor.objects.create(name="Putin")
    article = ArticleFactory(project=project, body="word " * 20)
    spans = [
        SpanFactory(
            article=article, label=label, annotator=annotator, start=5 * i, end=5 * i + 4,
            actors=[(actor, ActorRole.SOURCE)],
        )
        for i in range(3)
    ]  # fmt: skip
    assert "Kept counts out of step: 0" in recount()
    with connection.cursor() as cursor:  # writes around the triggers, as a partial restore
        cursor.execute("SET session_replication_role = replica")  # no trigger fires
        cursor.execute(
            "UPDATE annotations_span SET label_id = %s WHERE id = %s", [other.pk, spans[0].pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("DELETE FROM annotations_spancount WHERE label_id = %s", [label.pk])
    assert analytics_pg.links_out_of_step() == 1
    assert analytics_pg.counts_out_of_step() > 0
    with pytest.raises(CommandError, match="recount --rebuild"):
        recount()

    out = recount("--rebuild")
    assert "1 links rewritten" in out
    assert "Now out of step: 0 links, 0 kept counts." in out
    assert analytics_pg.links_out_of_step() == 0
    assert analytics_pg.counts_out_of_step() == 0
    assert "Kept counts out of step: 0" in recount()
    assert services.kept_counts_rebuild() == {  # in step: only the counts are rewritten
        "links": 0, "annotations_spancount": 2, "annotations_linkcount": 2,
    }  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the counts")
def test_a_deleted_project_leaves_no_counts(project, label, manager, annotator):
    """Its spans deleted (deltas that sum to zero, not folded away), then the project."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.5)")  # the folds' dice fixed: none folds them here
    actor = Actor.objects.create(name="Putin")
    article = ArticleFactory(project=project, body="word " * 20)
    for i in range(3):
        span = SpanFactory(
            article=article, label=label, annotator=annotator, start=5 * i, end=5 * i + 4,
            actors=[(actor, ActorRole.SOURCE)],
        )  # fmt: skip
        services.span_delete(span=span, user=annotator)
    project_id = project.pk  # delete() clears it
    assert kept_rows(project_id) > 0
    services.project_delete(project=project, user=manager)
    assert kept_rows(project_id) == 0
    assert analytics_pg.counts_out_of_step() == 0


def kept_rows(project_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM annotations_spancount WHERE project_id = %s)"
            " + (SELECT count(*) FROM annotations_linkcount WHERE project_id = %s)",
            [project_id, project_id],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the counts")
def test_a_rebuild_ended_by_a_deadlock_is_tried_again(monkeypatch):
    from annotations.management.commands import recount as command

    answers = [OperationalError("deadlock detected"), {"links": 0}]

    def rebuild():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(command, "kept_counts_rebuild", rebuild)
    err = io.StringIO()
    call_command("recount", "--rebuild", stdout=io.StringIO(), stderr=err)
    assert "trying again" in err.getvalue() and not answers
    answers[:] = [OperationalError("server closed the connection")]
    with pytest.raises(OperationalError):  # not a deadlock: not tried again
        call_command("recount", "--rebuild", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps nothing")
def test_sqlite_has_nothing_to_recount():
    assert "Nothing is kept" in recount("--rebuild")
