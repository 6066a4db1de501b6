"""The COPY writer (imports/writer_copy.py) and its ORM twin (imports/writer_orm.py): the same
records written both ways give the same rows, the same history and the same errors."""

import json

import pytest
from django.db import connection

from annotations.models import Article, Membership, Relation, Role, Span, SpanActor, SpanEvent
from annotations.selectors import analytics_pg

from ..corpus import run
from ..factories import ProjectFactory
from .helpers import do_import
from .test_webanno import annotation, collection, link

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere the ORM writes"
)

ARTICLE_FIELDS = (
    "title", "body", "source", "url", "published_on", "author", "language", "external_id",
    "metadata", "sha256", "created_by_id",
)  # fmt: skip


def written(project) -> dict:
    """Every row an import wrote into ``project``, its ids replaced by what they name, and its
    timestamps checked against each other (an event's ``at`` is its span's ``created_at``)."""
    articles = Article.objects.filter(project=project)
    bodies = {article.pk: article.sha256 for article in articles}
    spans = Span.objects.filter(project=project).select_related("label", "annotator")
    keys = {
        span.pk: (bodies[span.article_id], span.start, span.end, span.label.name) for span in spans
    }
    rows = []
    for span in spans:
        actors = sorted(span.span_actors.values_list("actor__name", "role"))
        values = (span.text, span.annotator.username, span.probability, span.confidence)
        values += (span.note, span.status, span.version, actors)
        rows.append((keys[span.pk], *values))
        assert span.updated_at == span.created_at
    events = []
    for event in SpanEvent.objects.filter(project=project).select_related("user"):
        after = dict(event.after)
        span = spans.get(pk=event.span_id)
        assert (after.pop("id"), after.pop("article"), after.pop("project")) == (
            span.pk,
            span.article_id,
            project.pk,
        )
        assert after.pop("label") == span.label_id
        assert after.pop("created_at") == after.pop("updated_at") == event.at.isoformat()
        assert event.at == span.created_at and event.before is None
        events.append((keys[event.span_id], event.action, event.user.username, after))
    relations = [
        (keys[r.from_span_id], keys[r.to_span_id], r.label.name, r.annotator.username)
        for r in Relation.objects.filter(article__project=project).select_related(
            "label", "annotator"
        )
    ]
    return {
        "articles": sorted(articles.values_list(*ARTICLE_FIELDS)),
        "spans": sorted(rows, key=repr),
        "events": sorted(events, key=repr),
        "relations": sorted(relations),
    }


def both_ways(monkeypatch, manager, fmt, data_for):
    """Import ``data_for(project)`` into two empty projects, by COPY and by the ORM; the two
    results and the two projects' rows."""
    answers = []
    for use_copy in (True, False):
        monkeypatch.setattr("annotations.imports.writer.USE_COPY", use_copy)
        project = ProjectFactory(name=f"Copy {use_copy}", slug=f"copy-{use_copy}".lower())
        Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
        result = do_import(project, manager, fmt, data_for(project))
        answers.append((project, result))
    return answers


def test_copy_and_orm_write_the_same_rows_and_history(corpus, manager, monkeypatch):
    exported, _, _ = run(corpus.project, "jsonl")

    (copied, by_copy), (ormed, by_orm) = both_ways(
        monkeypatch, manager, "jsonl", lambda project: exported
    )

    assert by_copy.as_dict() == by_orm.as_dict()
    assert by_copy.errors == [] and by_copy.spans == 12 and by_copy.relations == 2
    assert written(copied) == written(ormed)
    assert run(copied, "jsonl")[0] == run(ormed, "jsonl")[0] == exported
    # The links' copies of their spans' facts (the analytics'): COPY writes them itself.
    assert SpanActor.objects.filter(span__project=copied).exists()
    assert analytics_pg.links_out_of_step() == 0
    assert analytics_pg.counts_out_of_step() == 0  # COPY fires the statement triggers

    # Spans for articles the projects hold (webanno): the same again, beside the first rows.
    def web(project):
        article = Article.objects.get(project=project, title="Quiet")
        source = f"urn:assay:article:{article.pk}"
        first = annotation(source, 0, 3, article.body[:3], "Claim", id="#a")
        second = annotation(source, 4, 7, article.body[4:7], "Denial", id="#b")
        return collection(first, second, link("#a", "#b"))

    for use_copy, project in ((True, copied), (False, ormed)):
        monkeypatch.setattr("annotations.imports.writer.USE_COPY", use_copy)
        result = do_import(project, manager, "webanno", web(project))
        assert (result.errors, result.spans, result.relations) == ([], 2, 1)
    assert written(copied) == written(ormed)


def test_copy_and_orm_give_the_same_errors_and_write_nothing(corpus, manager, monkeypatch):
    exported, _, _ = run(corpus.project, "jsonl")
    lines = exported.splitlines()
    lines.insert(1, json.dumps({"body": "x", "spans": [{"start": 0, "end": 2, "label": "C"}]}))
    lines.append(json.dumps({"body": "y", "spans": [{"start": 0, "end": 1, "label": "C",
                                                      "annotator": "nobody"}]}))  # fmt: skip

    (copied, by_copy), (ormed, by_orm) = both_ways(
        monkeypatch, manager, "jsonl", lambda project: "\n".join(lines)
    )

    assert by_copy.as_dict() == by_orm.as_dict()
    assert [error["line"] for error in by_copy.errors] == [2, 5]
    for project in (copied, ormed):
        assert not Article.objects.filter(project=project).exists()
        assert list(Membership.objects.filter(project=project).values_list("role")) == [
            (Role.MANAGER,)
        ]
