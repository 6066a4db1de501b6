"""Imports: every format on good files, on broken files (nothing created), on duplicates,
and the jsonl round trip: export, import into an empty project, export again, same lines."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from annotations import services
from annotations.imports import article_import, detect_format, import_file
from annotations.models import Actor, Article, Label, Membership, Relation, Role, Span, SpanEvent

from . import test_exports
from .factories import ProjectFactory
from .test_exports import run

corpus = test_exports.corpus  # the unicode corpus, as a fixture of this module too

COUNTED = (Article, Span, Relation, Label, Actor, SpanEvent)


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def target(manager):
    """An empty project whose manager is ``max``."""
    project = ProjectFactory(name="Target", slug="target")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    return project


@pytest.fixture
def corpus_target(corpus, manager):
    """An empty project with the corpus's annotators as members."""
    project = ProjectFactory(name="Copy", slug="copy")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    for user in corpus.users.values():
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    return project


def do_import(project, user, fmt, data, **options):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return article_import(project=project, user=user, fmt=fmt, file=io.BytesIO(data), **options)


def spans_of(project):
    return sorted(
        (s.article.body[:10], s.start, s.end, s.text, s.label.name, s.annotator.username)
        for s in Span.objects.filter(project=project).select_related(
            "article", "label", "annotator"
        )
    )


# --- jsonl --------------------------------------------------------------------------------------


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


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "spacy"])
def test_lines_nested_too_deeply_are_reported_not_a_crash(target, manager, fmt):
    deep = "[" * 5000 + "]" * 5000
    metadata = "[" * 40 + "]" * 40
    body = "text" if fmt != "jsonl" else "body"
    meta = "meta" if fmt == "spacy" else "metadata"  # spaCy's article fields are in "meta"
    lines = [
        json.dumps({body: "Fine."}),
        json.dumps({body: "Deep.", meta: "DEEP"}).replace('"DEEP"', deep),
        json.dumps({body: "Deep too.", meta: {"a": "DEEP"}}).replace('"DEEP"', metadata),
    ]
    before = counts()
    result = do_import(target, manager, fmt, "\n".join(lines))
    assert counts() == before and result.created == 0
    errors = {e["line"]: e["error"] for e in result.errors}
    assert sorted(errors) == [2, 3], errors
    assert "nested too deeply" in errors[2]
    assert "Nested more than 32 levels" in errors[3]


@pytest.mark.parametrize("fmt", ["labelstudio", "webanno"])
def test_a_json_file_nested_too_deeply_is_reported_not_a_crash(target, manager, fmt):
    deep = json.dumps([{"data": {"text": "abc", "m": "DEEP"}}])
    deep = deep.replace('"DEEP"', "[" * 5000 + "]" * 5000)
    result = do_import(target, manager, fmt, deep)
    assert result.created == 0
    assert [e["line"] for e in result.errors] == [1]
    assert "nested too deeply" in result.errors[0]["error"]


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


def test_import_needs_a_manager(target, make_member):
    annotator = make_member(Role.ANNOTATOR, in_project=target, username="ann")
    with pytest.raises(PermissionDenied):
        do_import(target, annotator, "jsonl", '{"body": "x"}')
    with pytest.raises(ValidationError) as caught:
        do_import(target, annotator, "xml", "")
    assert "format" in caught.value.message_dict


def test_labels_and_actors_are_matched_by_name_or_created(target, manager):
    claim = Label.objects.create(project=target, name="Threat rhetoric")
    putin = Actor.objects.create(name="Vladimir Putin", kind="person", wikidata_id="Q7747")
    data = json.dumps(
        {
            "body": "Putin threatened Peskov.",
            "spans": [
                {
                    "start": 0,
                    "end": 5,
                    "label": "threat_RHETORIC",
                    "actors": [
                        {"name": "Путин", "wikidata_id": "Q7747", "role": "source"},
                        {"name": "Dmitry Peskov", "kind": "person", "role": "target"},
                    ],
                },
                {"start": 17, "end": 23, "label": "Person"},
            ],
            "relations": [{"from": 0, "to": 1, "label": "targets"}],
        }
    )

    result = do_import(target, manager, "jsonl", data)

    assert result.errors == []
    first, second = Span.objects.filter(project=target).order_by("start")
    assert first.label == claim
    assert [(a.actor, a.role) for a in first.span_actors.order_by("pk")] == [
        (putin, "source"),
        (Actor.objects.get(name="Dmitry Peskov"), "target"),
    ]
    assert second.label.name == "Person" and second.label.kind == "span"
    relation = Relation.objects.get(article__project=target)
    assert (relation.label.name, relation.label.kind) == ("targets", "relation")
    assert relation.annotator == manager == first.annotator


# --- doccano, spaCy, Label Studio ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["doccano", "spacy"])
def test_doccano_and_spacy_exports_import_back(corpus, corpus_target, manager, fmt):
    exported, _, _ = run(corpus.project, fmt)

    result = do_import(corpus_target, manager, fmt, exported)

    assert (result.created, result.errors) == (3, [])
    imported = [(b, s, e, t, label) for b, s, e, t, label, _ in spans_of(corpus_target)]
    original = [(b, s, e, t, label) for b, s, e, t, label, _ in spans_of(corpus.project)]
    assert imported == original
    article = Article.objects.get(project=corpus_target, external_id="isw-1")
    assert (article.title, article.source, article.url) == (
        "Флаг 🇺🇦 and 北京",
        "ISW",
        "https://example.org/isw/1",
    )


def test_doccano_older_keys_and_entities(target, manager):
    lines = [
        {"data": "Old data key.", "labels": [[0, 3, "Claim"]], "Comments": []},
        {
            "id": 7,
            "text": "Entities and relations.",
            "entities": [
                {"id": 1, "label": "Claim", "start_offset": 0, "end_offset": 8},
                {"id": 2, "label": "Claim", "start_offset": 13, "end_offset": 22},
            ],
            "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "supports"}],
        },
    ]

    result = do_import(target, manager, "doccano", "\n".join(json.dumps(x) for x in lines))

    assert (result.created, result.spans, result.relations, result.errors) == (2, 3, 1, [])
    old = Article.objects.get(project=target, body="Old data key.")
    assert old.metadata == {"Comments": []}
    assert Span.objects.get(article=old).text == "Old"
    assert Relation.objects.get(article__project=target).label.name == "supports"


def test_labelstudio_export_imports_back_with_annotators_and_relations(
    corpus, corpus_target, manager
):
    exported, _, _ = run(corpus.project, "labelstudio")

    result = do_import(corpus_target, manager, "labelstudio", exported)

    assert (result.created, result.errors) == (3, [])
    assert spans_of(corpus_target) == spans_of(corpus.project)
    relation = Relation.objects.get(article__project=corpus_target)  # "based on" was dropped
    assert (relation.from_span.text, relation.to_span.text, relation.label.name) == (
        "such speculations are baseless",
        "Belarus' involvement remains unlikely",
        "Responds to",
    )
    note = Span.objects.get(project=corpus_target, probability=None, note__startswith="北京")
    assert note.note == "北京 note\nsecond line"


def test_labelstudio_task_from_label_studio_itself(target, manager):
    tasks = [
        {
            "id": 1,
            "data": {"text": "Peskov denied it.", "site": "TASS"},
            "annotations": [
                {
                    "completed_by": 3,
                    "result": [
                        {
                            "id": "a1",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {
                                "start": 7,
                                "end": 13,
                                "text": "denied",
                                "labels": ["Denial"],
                            },
                        }
                    ],
                }
            ],
            "predictions": [],
        },
        "not a task",
    ]

    result = do_import(target, manager, "labelstudio", json.dumps(tasks))

    assert result.errors == [{"line": 2, "error": "A task is a JSON object."}]
    assert not Article.objects.filter(project=target).exists()
    result = do_import(target, manager, "labelstudio", json.dumps(tasks[:1]))
    assert result.errors == []
    span = Span.objects.get(project=target)
    assert (span.text, span.label.name, span.annotator) == ("denied", "Denial", manager)
    assert span.article.metadata == {"site": "TASS"}


# --- brat ---------------------------------------------------------------------------------------


def test_brat_export_imports_back(corpus, corpus_target, manager):
    # brat types hold no spaces: "Threat_rhetoric" finds the target's "Threat rhetoric".
    Label.objects.create(project=corpus_target, name="Threat rhetoric")
    exported, _, _ = run(corpus.project, "brat")

    result = do_import(corpus_target, manager, "brat", exported)

    assert (result.created, result.errors) == (3, [])
    assert spans_of(corpus_target) == spans_of(corpus.project)
    assessment = Span.objects.get(project=corpus_target, probability="unlikely")
    assert (assessment.confidence, assessment.note) == ("moderate", "北京 note second line")
    assert sorted(
        (a.actor.name, a.role) for a in assessment.span_actors.select_related("actor")
    ) == [("Belarus", "subject"), ("Institute for the Study of War", "source")]
    assert Span.objects.get(project=corpus_target, label__name="Threat rhetoric").text == (
        "unlikely.\nPeskov said"
    )
    assert Relation.objects.filter(article__project=corpus_target).count() == 2


def test_brat_broken_files(target, manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Good text.")
        archive.writestr("a.ann", "T1\tClaim 0 4\tGood\n")
        archive.writestr("b.txt", "Bad text.")
        archive.writestr("b.ann", "T1\tClaim zero 4\tBad\nE1\tEvent:T1\n")
        archive.writestr("c.txt", "Offsets past the end.")
        archive.writestr("c.ann", "T1\tClaim 0 400\tOffsets\n")
    before = counts()

    result = do_import(target, manager, "brat", buffer.getvalue())

    assert counts() == before
    assert [e["line"] for e in result.errors] == [2, 3]
    assert result.errors[0]["error"].startswith("b.ann line 1: not a brat annotation")
    assert do_import(target, manager, "brat", b"not a zip").errors == [
        {"line": 1, "error": "Not a zip file."}
    ]


def test_brat_file_that_unpacks_too_large_is_refused_unread(target, manager, monkeypatch):
    from annotations.imports import brat

    monkeypatch.setattr(brat, "MAX_MEMBER_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "Fine.")
        archive.writestr("b.txt", "x" * 5000)  # a few bytes packed
        archive.writestr("c.txt", "Fine too.")
        archive.writestr("c.ann", "T1\tClaim 0 4\t" + "y" * 5000 + "\n")
    assert len(buffer.getvalue()) < 1000
    before = counts()
    result = do_import(target, manager, "brat", buffer.getvalue())
    assert counts() == before
    assert [(e["line"], e["error"]) for e in result.errors] == [
        (2, "b.txt unpacks to more than 0 MB."),
        (3, "c.ann unpacks to more than 0 MB."),
    ]


def test_brat_zip_that_unpacks_too_large_in_all_is_refused(target, manager, monkeypatch):
    from annotations.imports import brat

    monkeypatch.setattr(brat, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(brat, "MAX_ARCHIVE_BYTES", 1500)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("a", "b", "c"):
            archive.writestr(f"{name}.txt", name * 800)  # each within its bound, not all three
    result = do_import(target, manager, "brat", buffer.getvalue())
    assert result.created == 0
    assert [(e["line"], e["error"].startswith("the zip unpacks")) for e in result.errors] == [
        (2, True),
        (3, True),
    ]


# --- CSV and plain files --------------------------------------------------------------------------


def test_csv_articles(target, manager):
    data = (
        "title,body,source,url,published_on,desk\r\n"
        'One,"First body,\r\nwith a comma",ISW,https://example.org/1,2026-06-02,east\r\n'
        "Two,Second body,,,,\r\n"
    )

    result = do_import(target, manager, "csv", data)

    assert (result.created, result.errors) == (2, [])
    one, two = Article.objects.filter(project=target).order_by("pk")
    assert (one.title, one.body, one.source, str(one.published_on)) == (
        "One",
        "First body,\nwith a comma",
        "ISW",
        "2026-06-02",
    )
    assert one.metadata == {"desk": "east"}
    assert (two.title, two.published_on, two.metadata) == ("Two", None, {})


def test_csv_broken_rows_are_reported_by_line(target, manager):
    data = (
        "title,body,published_on\n"
        "Fine,Body one,2026-06-02\n"
        'Multi,"two\nlines",not a date\n'
        "Short,row\n"
        "Empty,,\n"
    )

    result = do_import(target, manager, "csv", data)

    assert [e["line"] for e in result.errors] == [3, 5, 6]
    assert result.errors[0]["error"].startswith("published_on:")
    assert result.errors[1]["error"] == "2 cells where the header has 3."
    assert result.errors[2]["error"].startswith("body:")
    assert not Article.objects.filter(project=target).exists()
    assert do_import(target, manager, "csv", "title\nx\n").errors == [
        {"line": 1, "error": "The header has no “body” column."}
    ]


def test_plain_text_markdown_and_html(target, manager):
    do_import(target, manager, "txt", "Headline\r\n\r\nBody text 🇺🇦.")
    do_import(target, manager, "md", "Intro line\n\n# The *real* title\n\nText.")
    html = (
        "<html><head><title> ISW  update </title><style>p{}</style></head><body>"
        "<script>var x = 1;</script><h1>Heading</h1><p>First   paragraph &amp; more.</p>"
        "<ul><li>one</li><li>two</li></ul><p>Last<br>line</p></body></html>"
    )
    do_import(target, manager, "html", html)

    txt, md, page = Article.objects.filter(project=target).order_by("pk")
    assert (txt.title, txt.body) == ("Headline", "Headline\n\nBody text 🇺🇦.")
    assert md.title == "The *real* title"
    assert page.title == "ISW update"
    assert page.body == "Heading\n\nFirst paragraph & more.\n\none\n\ntwo\n\nLast\nline"
    assert do_import(target, manager, "txt", b"\xff\xfe bad").errors == [
        {"line": 1, "error": "Not UTF-8 text."}
    ]


# --- the command ----------------------------------------------------------------------------------


def test_import_command(corpus, corpus_target, manager, tmp_path):
    exported, _, _ = run(corpus.project, "jsonl")
    path = tmp_path / "in.jsonl"
    path.write_text(exported, encoding="utf-8")
    out = io.StringIO()

    call_command("import", "copy", str(path), "--user", "max", stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip() == (
        "Imported 3 articles, 12 spans, 2 relations; skipped 0 duplicates."
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "ok"}\n{"nobody": 1}\n', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad lines"):
        call_command("import", "copy", str(bad), "--user", "max", stderr=err)
    assert "line 2: nobody: Unknown field." in err.getvalue()
    assert Article.objects.filter(project=corpus_target).count() == 3


def test_import_command_says_whom_it_made_an_annotator(corpus, target, manager, tmp_path):
    exported, _, _ = run(corpus.project, "jsonl")
    path = tmp_path / "in.jsonl"
    path.write_text(exported, encoding="utf-8")
    out = io.StringIO()

    call_command("import", "target", str(path), "--user", "max", stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip().splitlines() == [
        "Imported 3 articles, 12 spans, 2 relations; skipped 0 duplicates.",
        "New annotators of the project, named in the file: alice, bob, rita.",
    ]


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


def test_import_command_prints_progress(target, manager, tmp_path, monkeypatch):
    monkeypatch.setattr("annotations.management.commands.import.PROGRESS_EVERY", 2)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(f'{{"body": "Text {n}"}}\n' for n in range(5)), encoding="utf-8")
    err = io.StringIO()

    call_command("import", "target", str(path), "--user", "max", stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == ["… 2 articles", "… 4 articles"]


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


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.jsonl", "jsonl"), ("A.JSON", "labelstudio"), ("x.zip", "brat"), ("t.htm", "html")],
)
def test_detect_format_from_the_extension(name, fmt):
    assert detect_format(name) == fmt


def test_import_file_detects_the_format_or_asks_for_it(target, manager):
    upload = io.BytesIO(b"Title line\nsome text")
    upload.name = "note.txt"

    result = import_file(target, manager, upload, "auto", create_labels=False, create_actors=False)

    assert (result.created, result.errors) == (1, [])
    nameless = io.BytesIO(b"text")
    with pytest.raises(ValidationError) as caught:
        import_file(target, manager, nameless)
    assert "format" in caught.value.message_dict
