"""Assay's own jsonl (imports/jsonl.py): the round trip (export, import into an empty
project, export again, same lines), broken lines, duplicates, the annotators it names."""

import json

from annotations.models import Article, Label, Membership, Role, Span, SpanEvent

from ..corpus import run
from .helpers import counts, do_import


def test_jsonl_round_trip_is_exact(corpus, corpus_target, manager):
    exported, _, _ = run(corpus.project, "jsonl")

    result = do_import(corpus_target, manager, "jsonl", exported)

    assert result.errors == []
    assert (result.created, result.skipped_duplicates, result.spans, result.relations) == (
        3,
        0,
        12,
        2,
    )
    again, _, _ = run(corpus_target, "jsonl")
    assert again == exported


def test_jsonl_round_trip_into_an_empty_project_keeps_the_three_annotators(corpus, target, manager):
    exported, _, _ = run(corpus.project, "jsonl")

    result = do_import(target, manager, "jsonl", exported)

    assert result.errors == []
    assert result.members_added == ["alice", "bob", "rita"]
    assert result.as_dict()["members_added"] == ["alice", "bob", "rita"]
    roles = dict(Membership.objects.filter(project=target).values_list("user__username", "role"))
    assert roles == {"max": Role.MANAGER, "alice": Role.ANNOTATOR, "bob": Role.ANNOTATOR,
                     "rita": Role.ANNOTATOR}  # fmt: skip
    again, _, _ = run(target, "jsonl")
    assert again == exported


def test_jsonl_an_unknown_annotator_is_an_error_on_its_line_and_nothing_is_written(
    corpus, target, manager
):
    exported, _, _ = run(corpus.project, "jsonl")
    lines = exported.splitlines(keepends=True)
    second = json.loads(lines[1])
    second["spans"] = [{"start": 0, "end": 1, "label": "Claim", "annotator": "nobody"}]
    lines[1] = json.dumps(second) + "\n"
    before = counts()

    result = do_import(target, manager, "jsonl", "".join(lines))

    assert result.errors == [{"line": 2, "error": "spans[0].annotator: No user “nobody”."}]
    assert result.members_added == []
    assert counts() == before
    assert list(
        Membership.objects.filter(project=target).values_list("user__username", flat=True)
    ) == ["max"]


def test_jsonl_import_records_a_created_event_for_each_span(corpus, corpus_target, manager):
    exported, _, _ = run(corpus.project, "jsonl")

    do_import(corpus_target, manager, "jsonl", exported)

    events = SpanEvent.objects.filter(project=corpus_target)
    assert events.count() == 12
    assert {e.action for e in events} == {"created"}
    assert {e.user for e in events} == {manager}
    span = Span.objects.get(project=corpus_target, label__name="Assessment", probability="unlikely")
    event = events.get(span_id=span.pk)
    assert event.after["text"] == span.text
    assert {link["role"] for link in event.after["actors"]} == {"source", "subject"}


def test_jsonl_with_bodies_only_creates_articles_and_derives_titles(target, manager):
    data = '{"body": "First line\\r\\nsecond"}\n\n{"body": "Other", "source": "ISW"}\n'

    result = do_import(target, manager, "jsonl", data)

    assert (result.created, result.errors) == (2, [])
    first, other = Article.objects.filter(project=target).order_by("pk")
    assert (first.title, first.body) == ("First line", "First line\nsecond")
    assert other.source == "ISW"


def test_jsonl_broken_lines_import_nothing_and_are_each_reported(target, manager):
    Label.objects.create(project=target, name="Claim")
    lines = [
        '{"body": "Fine article."}',
        "{not json",
        '{"title": "no body"}',
        '{"body": "Span past the end.", "spans": [{"start": 0, "end": 99, "label": "Claim"}]}',
        '{"body": "Wrong text.", "spans": [{"start": 0, "end": 5, "text": "Right", '
        '"label": "Claim"}]}',
        '{"body": "Unknown label.", "spans": [{"start": 0, "end": 7, "label": "Nope"}]}',
        '{"body": "Bad grade.", "spans": [{"start": 0, "end": 3, "label": "Claim", '
        '"probability": "perhaps"}]}',
        '{"body": "Stranger.", "spans": [{"start": 0, "end": 3, "label": "Claim", '
        '"annotator": "eve"}]}',
        '{"body": "Bad relation.", "spans": [{"start": 0, "end": 3, "label": "Claim"}], '
        '"relations": [{"from": 0, "to": 4, "label": "x"}]}',
        '{"body": "NUL \\u0000 inside."}',
        "[1, 2]",
        '{"body": "Unknown key.", "colour": "red"}',
    ]
    before = counts()

    result = do_import(target, manager, "jsonl", "\n".join(lines), create_labels=False)

    assert counts() == before
    assert result.created == 0
    errors = {e["line"]: e["error"] for e in result.errors}
    assert sorted(errors) == list(range(2, 13))
    assert errors[2].startswith("Not JSON")
    assert errors[3] == "body: Required."
    assert errors[4] == "spans[0].end: Must be at most 18, the length of the article."
    assert "body[0:5] is 'Wrong'" in errors[5]
    assert errors[6] == "spans[0].label: The project has no label “Nope”."
    assert errors[7].startswith("spans[0].probability:")
    assert errors[8] == "spans[0].annotator: No user “eve”."  # one who exists becomes a member
    assert errors[9] == "relations[0].to: No span 4 in this article's spans."
    assert "NUL" in errors[10] and errors[10].startswith("body:")
    assert errors[11] == "A line is a JSON object."
    assert errors[12] == "colour: Unknown field."


def test_jsonl_labels_and_actors_made_for_a_failed_line_are_not_kept(target, manager):
    lines = [
        '{"body": "One.", "spans": [{"start": 0, "end": 3, "label": "New", '
        '"actors": [{"name": "Brand New Actor", "kind": "person"}], "probability": "maybe"}]}',
        '{"body": "Two.", "spans": [{"start": 0, "end": 3, "label": "New", '
        '"actors": [{"name": "Brand New Actor"}]}]}',
    ]
    before = counts()

    result = do_import(target, manager, "jsonl", "\n".join(lines))

    assert [e["line"] for e in result.errors] == [1]
    assert counts() == before


def test_jsonl_duplicates_are_skipped_and_counted(corpus, corpus_target, manager):
    exported, _, _ = run(corpus.project, "jsonl")
    first_line = exported.split("\n")[0]

    first = do_import(corpus_target, manager, "jsonl", exported + first_line + "\n")
    second = do_import(corpus_target, manager, "jsonl", exported)

    assert (first.created, first.skipped_duplicates) == (3, 1)
    assert (second.created, second.skipped_duplicates, second.errors) == (0, 3, [])
    assert Article.objects.filter(project=corpus_target).count() == 3
    assert Span.objects.filter(project=corpus_target).count() == 12
