"""The writer (imports/writer.py): who imports, batches, the history it records."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.models import Article, Role, Span, SpanEvent

from ..corpus import run
from .helpers import do_import


def test_import_needs_a_manager(target, make_member):
    annotator = make_member(Role.ANNOTATOR, in_project=target, username="ann")
    with pytest.raises(PermissionDenied):
        do_import(target, annotator, "jsonl", '{"body": "x"}')
    with pytest.raises(ValidationError) as caught:
        do_import(target, annotator, "xml", "")
    assert "format" in caught.value.message_dict


def test_import_writes_in_batches_and_skips_what_the_project_holds(target, manager, monkeypatch):
    monkeypatch.setattr("annotations.imports.writer.BATCH", 2)
    do_import(target, manager, "txt", "Body 4")
    lines = "\n".join(
        json.dumps({"body": f"Body {n}", "spans": [{"start": 0, "end": 4, "label": "Word"}]})
        for n in range(1, 6)
    )
    progress = []

    result = do_import(target, manager, "jsonl", lines, progress=progress.append)

    assert (result.created, result.skipped_duplicates, result.spans) == (4, 1, 4)
    assert progress == [1, 2, 3, 4, 5]
    assert Article.objects.filter(project=target).count() == 5
    assert Span.objects.filter(project=target, article__body="Body 4").count() == 0
    assert (
        Span.objects.filter(project=target).count()
        == SpanEvent.objects.filter(project=target).count()
        == 4
    )


def test_import_history_snapshots_equal_span_snapshot(corpus, corpus_target, manager):
    exported, _, _ = run(corpus.project, "jsonl")

    do_import(corpus_target, manager, "jsonl", exported)

    spans = Span.objects.filter(project=corpus_target).select_related("annotator")
    assert spans.count() == 12
    for span in spans:
        event = SpanEvent.objects.get(span_id=span.pk)
        assert event.before is None
        assert event.after == services.span_snapshot(span)
        assert event.at == span.created_at and event.article_id == span.article_id


def test_import_remembers_grades_but_still_refuses_a_bad_one(target, manager):
    spans = [{"start": 0, "end": 4, "label": "Word", "probability": "likely"}]
    lines = [json.dumps({"body": f"Body {n}", "spans": spans}) for n in range(3)] + [
        json.dumps({"body": "Odd", "spans": [{**spans[0], "end": 3, "confidence": 1}]})
    ]

    result = do_import(target, manager, "jsonl", "\n".join(lines))

    assert [e["line"] for e in result.errors] == [4]
    assert result.errors[0]["error"].startswith("spans[0].confidence:")


def test_import_checks_spans_and_relations_by_the_services_rules(target, manager):
    """The label kind, an actor's role and a relation's two ends: the importer asks the
    services' own checks, so it answers their messages, by line."""
    services.label_create(project=target, user=manager, name="Responds", kind="relation")
    word = {"start": 0, "end": 4, "label": "Word"}
    lines = [
        {"body": "Body one", "spans": [{**word, "label": "Responds"}]},
        {"body": "Body two", "spans": [{**word, "actors": [{"name": "Putin", "role": "boss"}]}]},
        {
            "body": "Body three",
            "spans": [word],
            "relations": [{"from": 0, "to": 0, "label": "Responds"}],
        },
    ]

    result = do_import(target, manager, "jsonl", "\n".join(json.dumps(line) for line in lines))

    errors = {error["line"]: error["error"] for error in result.errors}
    assert "The label “Responds” is not a span label." in errors[1]
    assert "“boss” is not a role: source, subject, target, mentioned." in errors[2]
    assert "A span cannot relate to itself." in errors[3]
    assert not Article.objects.filter(project=target).exists()
