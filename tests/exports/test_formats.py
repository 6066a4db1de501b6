"""Exports: the selector, then each format read back by its real consumer where there is one.

The corpus has a flag, an astral letter, combining marks, CJK, Hebrew and Arabic, a ZWJ emoji
and CRLF input; overlapping spans by three annotators; actors with and without Wikidata ids;
a note with a line break; a span across a line break; relations, one of them between two
annotators' spans; an article without spans, and another project's article that must not
leak in.
"""

import csv
import gc
import io
import json
import threading
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.handlers.wsgi import WSGIHandler
from django.db import DataError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotations import services
from annotations.exports import FORMATS, conll, export_stream
from annotations.models import Actor, Label, Relation, Role, Span, SpanActor
from annotations.selectors import exports as export_reads
from annotations.selectors.exports import export_articles
from annotations.selectors.exports_pg import _ReadAhead

from ..corpus import (
    JSONL_KEYS,
    JSONL_SPAN_KEYS,
    UNICODE_BODY,
    at,
    json_lines,
    read_conll,
    run,
)
from ..factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL reads the actors and the spans its own way",
)


# --- the selector ---------------------------------------------------------------------------


def test_export_articles_gives_each_article_with_its_spans_in_order(corpus):
    exported = list(export_articles(project=corpus.project))

    assert [a.id for a in exported] == [a.pk for a in corpus.articles]
    unicode_article, quiet, putin_article = exported
    assert "\r" not in unicode_article.body
    assert quiet.spans == [] and quiet.relations == []
    keys = [(s.start, s.end, s.id) for s in unicode_article.spans]
    assert keys == sorted(keys)
    assert {s.id for s in unicode_article.spans} == {
        s.pk for k, s in corpus.spans.items() if k != "claim"
    }
    for span in unicode_article.spans:
        assert unicode_article.body[span.start : span.end] == span.text
    assessment = next(s for s in unicode_article.spans if s.id == corpus.spans["assessment"].pk)
    assert assessment.label == "Assessment"
    assert assessment.annotator == "alice"
    assert [(a.name, a.kind, a.wikidata_id, a.role) for a in assessment.actors] == [
        ("Institute for the Study of War", "organization", "", "source"),
        ("Belarus", "state", "Q184", "subject"),
    ]
    relations = [
        (unicode_article.spans[r.from_index].id, unicode_article.spans[r.to_index].id, r.label)
        for r in unicode_article.relations
    ]
    assert relations == [
        (corpus.spans["denial"].pk, corpus.spans["involvement"].pk, "Responds to"),
        (corpus.spans["assessment"].pk, corpus.spans["belarus"].pk, "based on"),
    ]
    assert [s.text for s in putin_article.spans] == ["Russia is not interested in absorbing anyone"]


@pytest.mark.parametrize("chunk_size", [1, 2, 500])
def test_export_articles_reads_in_chunks_without_losing_an_article(corpus, chunk_size):
    exported = list(export_articles(project=corpus.project, chunk_size=chunk_size))

    assert [a.id for a in exported] == [a.pk for a in corpus.articles]
    assert sum(len(a.spans) for a in exported) == len(corpus.spans)
    assert sum(len(a.relations) for a in exported) == 2


def test_export_articles_merges_batches_of_articles_within_a_chunk(
    project, annotator, label, relation_label, monkeypatch, django_assert_num_queries
):
    """Articles and relations come in batches inside a chunk; spans and actors, a query a
    chunk, must still land on their own article across the batches' seams."""
    monkeypatch.setattr("annotations.selectors.exports.ARTICLE_BATCH", 2)
    _articles_with_spans(project, annotator, label, relation_label, 7)
    ArticleFactory(project=project, body="No spans here.")  # the last of the second chunk

    # Two chunks of five and three articles; each: spans, actors, then its batches of two
    # articles, each with its relations: 2 + 3 * 2 and 2 + 2 * 2 queries. On PostgreSQL the
    # spans bring their actors' keys, between two settings, and the actors they name are
    # read in one query a chunk.
    with django_assert_num_queries(14 if connection.vendor == "sqlite" else 16 + 2):
        exported = list(export_articles(project=project, chunk_size=5))

    assert [a.id for a in exported] == sorted(a.id for a in exported)
    assert len(exported) == 8
    for article in exported[:7]:
        assert [s.text for s in article.spans] == ["Putin", "Lukashenko"]
        assert [len(s.actors) for s in article.spans] == [0, 1]
        assert [(r.from_index, r.to_index) for r in article.relations] == [(0, 1)]
        assert article.body.startswith(f"Putin spoke to Lukashenko {exported.index(article)} ")
    assert exported[7].spans == [] and exported[7].relations == []


def test_export_leaves_out_a_relation_whose_spans_are_in_two_articles(
    project, annotator, label, relation_label
):
    """``relation_create`` refuses one, but the database does not: the bench's fill made
    them. Its ``to`` would have pointed at whatever span of the first article sits at the
    second span's index in its own article."""
    first = ArticleFactory(project=project, body="Putin spoke.")
    second = ArticleFactory(project=project, body="Lukashenko listened.")
    putin = SpanFactory(article=first, label=label, annotator=annotator, start=0, end=5)
    lukashenko = SpanFactory(article=second, label=label, annotator=annotator, start=0, end=10)
    Relation.objects.create(
        article=first,
        from_span=putin,
        to_span=lukashenko,
        label=relation_label,
        annotator=annotator,
    )

    exported = list(export_articles(project=project))

    assert [len(a.spans) for a in exported] == [1, 1]
    assert [a.relations for a in exported] == [[], []]


def test_export_timestamps_are_the_models_own(corpus):
    """On PostgreSQL they are read from ISO text: the same instants, with no microsecond or
    offset lost, whether the microseconds are zero or not."""
    spans = Span.objects.filter(project=corpus.project).order_by("pk")
    spans.filter(pk=corpus.spans["flag"].pk).update(
        created_at=datetime(2026, 6, 2, 9, 30, tzinfo=UTC),
        updated_at=datetime(2026, 6, 2, 9, 30, 0, 120000, tzinfo=UTC),
    )
    expected = {span.pk: (span.created_at, span.updated_at) for span in spans}

    exported = {s.id: s for a in export_articles(project=corpus.project) for s in a.spans}

    assert {pk: (s.created_at, s.updated_at) for pk, s in exported.items()} == expected
    flag = exported[corpus.spans["flag"].pk]
    assert (flag.created_at.isoformat(), flag.updated_at.isoformat()) == (
        "2026-06-02T09:30:00+00:00",
        "2026-06-02T09:30:00.120000+00:00",
    )
    assert all(s.created_at.utcoffset() == timedelta(0) for s in exported.values())


def test_export_filters_keep_every_article_and_only_matching_spans(corpus):
    by_status = list(export_articles(project=corpus.project, status="accepted"))
    by_label = list(export_articles(project=corpus.project, label=corpus.labels["Claim"].pk))
    by_annotator = list(export_articles(project=corpus.project, annotator="bob"))

    for exported in (by_status, by_label, by_annotator):
        assert [a.id for a in exported] == [a.pk for a in corpus.articles]
    assert [s.id for a in by_status for s in a.spans] == [corpus.spans["claim"].pk]
    assert {s.id for a in by_label for s in a.spans} == {
        corpus.spans[k].pk
        for k in ("flag", "x", "combining", "rtl", "involvement", "family", "claim")
    }
    assert [s.id for a in by_annotator for s in a.spans] == [corpus.spans["belarus"].pk]
    # A relation is exported only when both its spans are.
    assert all(a.relations == [] for a in by_status + by_label + by_annotator)


def test_export_filter_by_label_keeps_relations_among_the_exported_spans(corpus):
    wanted = [corpus.labels["Denial"].pk, corpus.labels["Claim"].pk]
    exported = list(export_articles(project=corpus.project, annotator="alice"))
    assert len(exported[0].relations) == 1  # alice's "based on" points at bob's span
    for label in wanted:
        assert not [
            r for a in export_articles(project=corpus.project, label=label) for r in a.relations
        ]


# The query that follows the spans query: SQLite's span actors, PostgreSQL's relations (there
# the spans query brings the actors, and names their table first).
AFTER_SPANS = "annotations_spanactor" if connection.vendor == "sqlite" else "annotations_relation"


def test_export_skips_a_span_created_while_its_chunk_is_read(corpus):
    """A span with an actor, committed between the spans query and the next query."""
    quiet = corpus.articles[1]
    late = []

    def create_late_span(execute, sql, params, many, context):
        if AFTER_SPANS in sql and not late:
            late.append("creating")  # the span's own queries pass through here too
            late.append(
                SpanFactory(
                    article=quiet,
                    label=corpus.labels["Claim"],
                    annotator=corpus.users["alice"],
                    start=0,
                    end=7,
                    actors=[(ActorFactory(), "subject")],
                )
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(create_late_span):
        exported = list(export_articles(project=corpus.project))

    assert late[-1].text == "A quiet"
    assert exported[1].spans == []
    assert sum(len(a.spans) for a in exported) == 12
    assert [len(a.spans) for a in export_articles(project=corpus.project)][1] == 1


@pytest.fixture
def more_actors(corpus):
    """The corpus with spans of several actors, one of them in two roles, linked out of
    their actors' id order, and an actor of awkward strings."""
    spans = corpus.spans
    strange = ActorFactory(name='\x02 "x" \\ \u2028 🇺🇦', kind="person", wikidata_id="")
    putin = Actor.objects.get(wikidata_id="Q7747")
    for key, actor, role in (
        ("cjk", strange, "target"),
        ("cjk", putin, "mentioned"),
        ("cjk", strange, "source"),
        ("flag", strange, "subject"),
        ("denial", putin, "target"),
    ):
        SpanActor.objects.create(span=spans[key], actor=actor, role=role)
    return corpus


def _links(span_id) -> list[tuple]:
    return [
        (link.actor.name, link.actor.kind, link.actor.wikidata_id, link.role)
        for link in SpanActor.objects.filter(span_id=span_id).select_related("actor").order_by("id")
    ]


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "accepted"}, {"annotator": "alice"}, {"annotator": "bob"}, {"label": 0}],
)
def test_export_spans_bring_their_actors_in_link_order_with_their_roles(more_actors, filters):
    if "label" in filters:
        filters["label"] = more_actors.labels["Claim"].pk
    exported = [s for a in export_articles(project=more_actors.project, **filters) for s in a.spans]

    assert exported
    for span in exported:
        got = [(a.name, a.kind, a.wikidata_id, a.role) for a in span.actors]
        assert got == _links(span.id)
    if not filters:
        cjk = next(span for span in exported if span.id == more_actors.spans["cjk"].pk)
        assert [a.role for a in cjk.actors] == ["target", "mentioned", "source"]
        by_role = {}
        for span in exported:
            for actor in span.actors:
                by_role.setdefault((actor.name, actor.role), set()).add(id(actor))
        assert all(len(objects) == 1 for objects in by_role.values())  # one per actor and role
        assert len(by_role) == 9


@postgresql_only
def test_export_leaves_out_an_actor_deleted_while_its_spans_are_read(corpus):
    """The spans query names Peskov; he is gone by the time the first actors are read."""
    denial = corpus.spans["denial"]
    peskov = denial.actors.get()
    deleted = []

    def delete_actor(execute, sql, params, many, context):
        if '"annotations_actor"' in sql and not deleted:
            deleted.append(True)
            SpanActor.objects.filter(actor=peskov).delete()
            peskov.delete()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_actor):
        exported = list(export_articles(project=corpus.project))

    spans = {span.id: span for article in exported for span in article.spans}
    assert deleted and spans[denial.pk].actors == ()
    assert [a.name for a in spans[corpus.spans["assessment"].pk].actors] == [
        "Institute for the Study of War",
        "Belarus",
    ]


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("export-reader")]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction_reads_ahead_the_same_bytes(corpus, monkeypatch):
    """Outside a transaction a thread of its own reads the spans; inside one (the caller's
    writes would be hidden from it) the caller reads them: the same bytes either way."""
    reads = []
    read = _ReadAhead._read
    monkeypatch.setattr(_ReadAhead, "_read", lambda *args: reads.append(1) or read(*args))
    for fmt in FORMATS:
        for filters in ({}, {"annotator": "alice"}, {"status": "accepted"}):
            ahead = run(corpus.project, fmt, **filters)[0]
            count = len(reads)
            with transaction.atomic():
                direct = run(corpus.project, fmt, **filters)[0]

            assert len(reads) == count > 0, fmt
            assert ahead == direct, (fmt, filters)
    assert not _reader_threads()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_export_left_early_ends_its_reader(project, annotator, label, relation_label):
    _articles_with_spans(project, annotator, label, relation_label, 5)
    articles = export_articles(project=project, chunk_size=2)

    first = next(articles)
    assert len(first.spans) == 2 and len(_reader_threads()) == 1
    articles.close()

    assert not _reader_threads()
    assert len(list(export_articles(project=project, chunk_size=2))) == 5


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("through", ["api", "page"])
def test_a_download_the_client_leaves_ends_its_reader(
    client, project, manager, label, relation_label, through
):
    """As gunicorn does when the client goes away: one chunk read, the response closed, the
    references dropped. That must reach the export, not wait for the garbage collector
    (held off here, as a live reference to the view would)."""
    _articles_with_spans(project, manager, label, relation_label, 5)
    if through == "api":
        url = f"/api/v1/projects/{project.pk}/export/"
        headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=manager).key}"}
    else:
        url = reverse("annotations:project-export-download", args=[project.slug])
        client.force_login(manager)
        headers = {"HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}"}
    environ = RequestFactory().get(url, {"format": "jsonl"}, **headers).environ
    gc.disable()
    try:
        response = WSGIHandler()(environ, lambda status, headers, exc_info=None: None)
        chunks = iter(response)
        assert next(chunks) and len(_reader_threads()) == 1
        response.close()
        del chunks, response
        assert not _reader_threads()
    finally:
        gc.enable()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_export_raises_its_readers_error(corpus, monkeypatch):
    spans = export_reads._export_spans

    def failing(**kwargs):
        rows, make_span = spans(**kwargs)
        return rows.extra(where=["1 / (annotations_span.id - annotations_span.id) = 1"]), make_span

    monkeypatch.setattr(export_reads, "_export_spans", failing)

    with pytest.raises(DataError, match="division by zero"):
        list(export_articles(project=corpus.project))
    assert not _reader_threads()


def _articles_with_spans(project, user, label, relation_label, count):
    for n in range(count):
        article = ArticleFactory(project=project, body=f"Putin spoke to Lukashenko {n} times.")
        first = SpanFactory(article=article, label=label, annotator=user, start=0, end=5)
        second = SpanFactory(
            article=article,
            label=label,
            annotator=user,
            start=15,
            end=25,
            actors=[(ActorFactory(), "subject")],
        )
        services.relation_create(
            from_span=first, to_span=second, label=relation_label, annotator=user
        )


@pytest.mark.parametrize("count", [1, 6])
def test_export_query_count_does_not_grow_with_articles_in_a_chunk(
    project, annotator, label, relation_label, count, django_assert_num_queries
):
    _articles_with_spans(project, annotator, label, relation_label, count)

    # articles, spans, span actors, relations: four queries for a chunk, whatever it holds;
    # on PostgreSQL the spans bring their actors' keys, planned without JIT (two settings),
    # and the actors they name are read in one query (here one a second span)
    queries = 4 if connection.vendor == "sqlite" else 6
    with django_assert_num_queries(queries):
        exported = list(export_articles(project=project))

    assert len(exported) == count
    assert all(len(a.spans) == 2 and len(a.spans[1].actors) == 1 for a in exported)
    assert all(len(a.relations) == 1 for a in exported)


@pytest.mark.parametrize("count", [3, 300])
def test_export_query_count_does_not_grow_with_actors(
    project, annotator, label, count, django_assert_num_queries
):
    """A span for each actor, none shared, and one span naming several: the actors are read
    a batch of spans at a time, not each the first time a span names it."""
    article = ArticleFactory(project=project, body="x" * (count + 10))
    actors = ActorFactory.create_batch(count)
    for n, actor in enumerate(actors):
        SpanFactory(
            article=article, label=label, annotator=annotator, start=n, end=n + 1,
            actors=[(actor, "subject")],
        )  # fmt: skip
    SpanFactory(
        article=article, label=label, annotator=annotator, start=count, end=count + 3,
        actors=[(actors[0], "source"), (ActorFactory(), "target")],
    )  # fmt: skip

    # articles, spans, span actors, relations (SQLite); articles, spans between two
    # settings, the actors, relations (PostgreSQL)
    with django_assert_num_queries(4 if connection.vendor == "sqlite" else 6):
        (exported,) = export_articles(project=project)

    named = [(a.name, a.role) for span in exported.spans for a in span.actors]
    assert named[:count] == [(actor.name, "subject") for actor in actors]
    assert named[count:] == [(actors[0].name, "source"), (named[-1][0], "target")]


def test_export_query_count_grows_with_chunks(
    project, annotator, label, relation_label, django_assert_num_queries
):
    _articles_with_spans(project, annotator, label, relation_label, 5)

    # two full chunks, a short last one (and on PostgreSQL the actors each chunk names)
    with django_assert_num_queries(12 if connection.vendor == "sqlite" else 15 + 3):
        exported = list(export_articles(project=project, chunk_size=2))

    assert len(exported) == 5


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"fmt": "xml"}, "format"),
        ({"fmt": None}, "format"),
        ({"fmt": "csv", "status": "gold"}, "status"),
        ({"fmt": "csv", "label": "Claim"}, "label"),
        ({"fmt": "csv", "label": "1; DROP TABLE"}, "label"),
        ({"fmt": "csv", "annotator": "a\x00"}, "annotator"),
    ],
)
def test_export_stream_refuses_a_bad_format_or_filter_before_streaming(
    project, arguments, field, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        export_stream(project, **arguments)
    assert list(caught.value.message_dict) == [field]


def test_export_stream_refuses_a_label_of_another_project(project):
    other = LabelFactory(project=ProjectFactory())

    with pytest.raises(ValidationError) as caught:
        export_stream(project, "jsonl", label=other.pk)
    assert list(caught.value.message_dict) == ["label"]


def test_export_stream_names_the_file_and_reads_nothing_before_iteration(
    corpus, django_assert_num_queries
):
    with django_assert_num_queries(0):
        content_type, filename, _, stats = export_stream(corpus.project, "brat")
    assert content_type == "application/zip"
    assert filename == f"{corpus.project.slug}-brat.zip"
    assert stats.articles == 0


def test_every_format_counts_the_articles_spans_and_relations(corpus):
    for fmt in FORMATS:
        _, stats, _ = run(corpus.project, fmt)
        assert (stats.articles, stats.spans, stats.relations) == (3, 12, 2), fmt


# --- jsonl ----------------------------------------------------------------------------------


def test_jsonl_is_the_specs_line_shape_with_every_field(corpus):
    text, _, _ = run(corpus.project, "jsonl")

    lines = json_lines(text)
    assert "🇺🇦" in text and "\\u" not in text  # ensure_ascii=False
    assert len(lines) == 3
    for record in lines:
        assert list(record) == JSONL_KEYS
        for span in record["spans"]:
            assert list(span) == JSONL_SPAN_KEYS
            assert record["body"][span["start"] : span["end"]] == span["text"]
    first, quiet, putin = lines
    assert first["body"] == UNICODE_BODY.replace("\r\n", "\n")
    assert first["metadata"] == {"a": {"b": None, "y": [1, "שלום"]}, "z": 1}
    assert list(first["metadata"]) == ["a", "z"]
    assert (first["title"], first["source"], first["url"]) == (
        "Флаг 🇺🇦 and 北京",
        "ISW",
        "https://example.org/isw/1",
    )
    assert (first["external_id"], first["published_on"], first["author"]) == (
        "isw-1",
        "2026-06-02",
        "ISW team",
    )
    assert quiet["spans"] == [] and quiet["relations"] == [] and quiet["published_on"] is None
    assert putin["spans"] == [
        {
            "start": 11,
            "end": 55,
            "text": "Russia is not interested in absorbing anyone",
            "label": "Claim",
            "actors": [
                {
                    "name": "Vladimir Putin",
                    "kind": "person",
                    "wikidata_id": "Q7747",
                    "role": "source",
                }
            ],
            "probability": "almost_certain",
            "confidence": None,
            "note": "",
            "status": "accepted",
            "annotator": "rita",
        }
    ]
    spans = first["spans"]
    relations = [
        (spans[r["from"]]["text"], spans[r["to"]]["text"], r["label"]) for r in first["relations"]
    ]
    assert relations == [
        ("such speculations are baseless", "Belarus' involvement remains unlikely", "Responds to"),
        ("ISW assesses that Belarus' involvement remains unlikely", "Belarus", "based on"),
    ]
    note = next(s for s in spans if s["label"] == "Assessment" and s["actors"])["note"]
    assert note == "北京 note\nsecond line"


def test_jsonl_lines_are_what_json_dumps_gives_even_for_awkward_strings(corpus):
    """The lines are put together from pieces: each must be exactly the compact ``dumps`` of
    the record it holds, escaping included."""
    awkward = 'quote " backslash \\ tab \t nul-ish \x01 \x1f del \x7f \u2028 \U0001f1fa\U0001f1e6'
    Span.objects.filter(pk=corpus.spans["assessment"].pk).update(note=awkward)
    Label.objects.filter(pk=corpus.labels["Claim"].pk).update(name='Cl"aim \\ \u00e9')
    text, _, _ = run(corpus.project, "jsonl")

    for line in text.split("\n")[:-1]:
        record = json.loads(line)
        assert line == json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    notes = [s["note"] for record in json_lines(text) for s in record["spans"]]
    assert awkward in notes


def test_jsonl_is_deterministic(corpus):
    assert run(corpus.project, "jsonl")[0] == run(corpus.project, "jsonl")[0]


# --- doccano and spaCy ------------------------------------------------------------------------


def test_doccano_lines_hold_text_and_label_triples(corpus):
    text, _, _ = run(corpus.project, "doccano")

    lines = json_lines(text)
    assert [line["text"] for line in lines] == [a.body for a in corpus.articles]
    assert lines[1]["label"] == []
    triples = lines[0]["label"]
    assert len(triples) == 11
    for start, end, label in triples:
        assert isinstance(start, int) and isinstance(end, int)
        assert label in corpus.labels
    assert [lines[0]["text"][start:end] for start, end, label in triples if label == "Denial"] == [
        "such speculations are baseless"
    ]
    assert lines[0]["article_id"] == corpus.articles[0].pk


def test_spacy_lines_become_docs_with_strictly_aligned_spans(corpus):
    import spacy  # in the dev extras: a missing spaCy fails here rather than skipping

    text, _, _ = run(corpus.project, "spacy")

    nlp = spacy.blank("xx")
    checked = 0
    for record in json_lines(text):
        doc = nlp.make_doc(record["text"])
        for span in record["spans"]:
            aligned = doc.char_span(
                span["start"], span["end"], label=span["label"], alignment_mode="strict"
            )
            assert aligned is not None, span
            assert aligned.text == record["text"][span["start"] : span["end"]]
            assert aligned.label_ == span["label"]
            checked += 1
        assert record["meta"]["article_id"] in {a.pk for a in corpus.articles}
    assert checked == 12


# --- W3C Web Annotation -------------------------------------------------------------------------


def test_webanno_selectors_quote_the_body_exactly(corpus):
    text, _, chunks = run(corpus.project, "webanno")

    collection = json.loads(text)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == 12 + 2
    assert chunks > len(items)  # streamed an annotation at a time
    bodies = {a.url or f"urn:assay:article:{a.pk}": a.body for a in corpus.articles}
    spans = [item for item in items if item["motivation"] == "tagging"]
    assert len(spans) == 12
    for item in spans:
        assert item["type"] == "Annotation"
        body = bodies[item["target"]["source"]]
        position, quote = item["target"]["selector"]
        assert position["type"] == "TextPositionSelector"
        assert quote["type"] == "TextQuoteSelector"
        start, end = position["start"], position["end"]
        assert quote["exact"] == body[start:end]
        assert quote["prefix"] == body[max(start - 32, 0) : start]
        assert quote["suffix"] == body[end : end + 32]
        assert len(quote["prefix"]) == min(start, 32)
        assert len(quote["suffix"]) == min(len(body) - end, 32)
        assert item["body"][0]["purpose"] == "tagging"
    assessment = next(
        i for i in spans if i["id"] == f"urn:assay:span:{corpus.spans['assessment'].pk}"
    )
    assert assessment["creator"]["nickname"] == "alice"
    assert [(b["purpose"], b["value"]) for b in assessment["body"]] == [
        ("tagging", "Assessment"),
        ("identifying", "Institute for the Study of War"),
        ("identifying", "Belarus"),
        ("assessing", "unlikely"),
        ("assessing", "moderate"),
        ("commenting", "北京 note\nsecond line"),
    ]
    assert assessment["body"][2]["assay:wikidata_id"] == "Q184"
    assert assessment["body"][2]["assay:role"] == "subject"
    links = [item for item in items if item["motivation"] == "linking"]
    assert [(link["body"][0]["value"], link["target"]) for link in links] == [
        (
            "Responds to",
            [
                f"urn:assay:span:{corpus.spans['denial'].pk}",
                f"urn:assay:span:{corpus.spans['involvement'].pk}",
            ],
        ),
        (
            "based on",
            [
                f"urn:assay:span:{corpus.spans['assessment'].pk}",
                f"urn:assay:span:{corpus.spans['belarus'].pk}",
            ],
        ),
    ]


def test_webanno_of_an_empty_project_is_valid_json(project):
    text, stats, _ = run(project, "webanno")
    assert json.loads(text)["first"]["items"] == []
    assert json.loads(text)["total"] == 0 == stats.articles


# --- Label Studio -------------------------------------------------------------------------------


def test_labelstudio_tasks_have_one_annotation_per_annotator(corpus):
    text, stats, _ = run(corpus.project, "labelstudio")

    tasks = json.loads(text)
    assert [t["data"]["text"] for t in tasks] == [a.body for a in corpus.articles]
    first, quiet, putin = tasks
    assert quiet["annotations"] == []
    assert first["data"]["assay_annotators"] == ["alice", "bob"]
    assert putin["data"]["assay_annotators"] == ["rita"]
    regions = {}
    for annotation in first["annotations"]:
        for result in annotation["result"]:
            if result["type"] == "labels":
                value = result["value"]
                assert (result["from_name"], result["to_name"]) == ("label", "text")
                assert value["text"] == first["data"]["text"][value["start"] : value["end"]]
                regions[result["id"]] = value
    assert len(regions) == 11
    alice_results = first["annotations"][0]["result"]
    relations = [r for r in alice_results if r["type"] == "relation"]
    assert relations == [
        {
            "from_id": f"span-{corpus.spans['denial'].pk}",
            "to_id": f"span-{corpus.spans['involvement'].pk}",
            "type": "relation",
            "direction": "right",
            "labels": ["Responds to"],
        }
    ]
    alice_ids = {r["id"] for r in alice_results if r["type"] == "labels"}
    assert {relations[0]["from_id"], relations[0]["to_id"]} <= alice_ids
    # alice's "based on" points at bob's span: it fits in neither annotation, and is counted.
    assert stats.dropped_relations == 1
    note = next(r for r in alice_results if r.get("meta"))
    assert note["meta"] == {"text": ["北京 note\nsecond line"]}


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_is_a_span_a_row_read_by_the_csv_module(corpus):
    text, _, chunks = run(corpus.project, "csv")

    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, *rows = rows
    assert header == [
        "article_id",
        "external_id",
        "title",
        "source",
        "published_on",
        "span_id",
        "start",
        "end",
        "text",
        "label",
        "actors",
        "probability",
        "confidence",
        "status",
        "annotator",
        "note",
        "created_at",
    ]
    assert chunks == 1 + 12  # the header, then a chunk a row
    assert len(rows) == 12
    records = [dict(zip(header, row, strict=True)) for row in rows]
    bodies = {str(a.pk): a.body for a in corpus.articles}
    for record in records:
        assert (
            bodies[record["article_id"]][int(record["start"]) : int(record["end"])]
            == (record["text"])
        )
    assessment = next(r for r in records if r["span_id"] == str(corpus.spans["assessment"].pk))
    assert assessment["actors"] == "Institute for the Study of War:source; Belarus:subject"
    assert assessment["note"] == "北京 note\nsecond line"
    assert (assessment["probability"], assessment["confidence"]) == ("unlikely", "moderate")
    assert (assessment["title"], assessment["published_on"]) == ("Флаг 🇺🇦 and 北京", "2026-06-02")
    belarus = next(r for r in records if r["span_id"] == str(corpus.spans["belarus"].pk))
    assert (belarus["probability"], belarus["confidence"], belarus["actors"]) == ("", "", "")
    assert belarus["annotator"] == "bob"
    across = next(r for r in records if r["label"] == "Threat rhetoric")
    assert across["text"] == "unlikely.\nPeskov said"


def test_csv_filters_by_status(corpus):
    text, _, _ = run(corpus.project, "csv", status="accepted")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[header.index("span_id")] for row in rows] == [str(corpus.spans["claim"].pk)]


# --- brat -------------------------------------------------------------------------------------


def _brat(corpus, **filters):
    data, stats, chunks = run(corpus.project, "brat", **filters)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive, stats, chunks


def _ann_lines(archive, article):
    return archive.read(f"article-{article.pk}.ann").decode().splitlines()


def test_brat_offsets_slice_the_txt_to_the_quoted_text(corpus):
    archive, stats, chunks = _brat(corpus)

    assert chunks > 2 * len(corpus.articles)  # streamed file by file
    names = archive.namelist()
    assert names[-1] == "annotation.conf"
    assert sorted(names[:-1]) == sorted(
        f"article-{a.pk}.{ext}" for a in corpus.articles for ext in ("txt", "ann")
    )
    t_lines = 0
    for article in corpus.articles:
        txt = archive.read(f"article-{article.pk}.txt").decode()
        assert txt == article.body
        for line in _ann_lines(archive, article):
            if line.startswith("T"):
                _, type_offsets, text = line.split("\t")
                label, offsets = type_offsets.split(" ", 1)
                pieces = [tuple(map(int, piece.split())) for piece in offsets.split(";")]
                assert " ".join(txt[start:end] for start, end in pieces) == text
                assert " " not in label
                t_lines += 1
    assert t_lines == 12
    assert stats.dropped_spans == 0 and stats.dropped_relations == 0


def test_brat_splits_a_span_at_line_breaks_and_writes_attributes_notes_and_references(corpus):
    archive, _, _ = _brat(corpus)
    body = corpus.articles[0].body
    lines = _ann_lines(archive, corpus.articles[0])
    by_text = {line.split("\t")[2]: line.split("\t")[0] for line in lines if line[0] == "T"}

    across = corpus.spans["across"]
    newline = body.index("\n", across.start)
    tid = by_text["unlikely. Peskov said"]
    assert (
        f"{tid}\tThreat_rhetoric {across.start} {newline};{newline + 1} {across.end}\t"
        + ("unlikely. Peskov said")
        in lines
    )
    tid = by_text["ISW assesses that Belarus' involvement remains unlikely"]
    rest = [line.split("\t", 1)[1] for line in lines if f" {tid}" in line and line[0] != "T"]
    assert f"Probability {tid} unlikely" in rest
    assert f"Confidence {tid} moderate" in rest
    assert f"Status {tid} pending" in rest
    assert f"Annotator {tid} alice" in rest
    assert f"Reference {tid} Wikidata:Q184\tBelarus" in rest
    assert f"AnnotatorNotes {tid}\t北京 note second line" in rest
    assert (
        f"AnnotatorNotes {tid}\tactors: Institute for the Study of War (source); Belarus (subject)"
        in rest
    )
    relations = [line.split("\t")[1] for line in lines if line[0] == "R"]
    denial, involvement = (
        by_text["such speculations are baseless"],
        by_text["Belarus' involvement remains unlikely"],
    )
    assert f"Responds_to Arg1:{denial} Arg2:{involvement}" in relations
    assert f"based_on Arg1:{tid} Arg2:{by_text['Belarus']}" in relations

    putin_lines = _ann_lines(archive, corpus.articles[2])
    assert "N1\tReference T1 Wikidata:Q7747\tVladimir Putin" in putin_lines
    assert _ann_lines(archive, corpus.articles[1]) == []

    conf = archive.read("annotation.conf").decode()
    entities = conf.split("[entities]\n")[1].split("\n\n")[0].splitlines()
    assert entities == ["Assessment", "Claim", "Denial", "Threat_rhetoric"]
    assert "Responds_to\tArg1:<ENTITY>, Arg2:<ENTITY>" in conf
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in conf
    assert "Annotator\tArg:<ENTITY>, Value:alice|bob|rita" in conf


def test_brat_drops_and_counts_a_span_of_line_breaks_only(project, annotator, label):
    article = ArticleFactory(project=project, body="One.\n\nTwo.")
    SpanFactory(article=article, label=label, annotator=annotator, start=4, end=6)
    SpanFactory(article=article, label=label, annotator=annotator, start=0, end=4)

    data, stats, _ = run(project, "brat")

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert (
        archive.read(f"article-{article.pk}.ann").decode().startswith("T1\tAssessment 0 4\tOne.\n")
    )
    assert stats.dropped_spans == 1


# --- CoNLL --------------------------------------------------------------------------------------


def test_conll_tokenizer_keeps_graphemes_of_every_script_whole():
    text = "🇺🇦 𝕏 cafe\u0301 北京 שלום مرحبا Belarus' 👨\u200d👩\u200d👧 1\ufe0f\u20e3 👍🏽 नमस्ते."
    assert [text[s:e] for s, e in conll.tokenize(text)] == [
        "🇺🇦",
        "𝕏",
        "cafe\u0301",
        "北京",
        "שלום",
        "مرحبا",
        "Belarus",
        "'",
        "👨\u200d👩\u200d👧",
        "1\ufe0f\u20e3",
        "👍🏽",
        "नमस्ते",
        ".",
    ]


def iob2_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(first, last, label)`` token ranges; IOB2 is checked on the way."""
    spans, current = [], None
    for index, tag in enumerate([*tags, "O"]):
        if current and tag != f"I-{current[2]}":
            spans.append(tuple(current))
            current = None
        if tag.startswith("B-"):
            current = [index, index, tag[2:]]
        elif tag.startswith("I-"):
            assert current and tag[2:] == current[2], f"I- without B- at {index}"
            current[1] = index
        else:
            assert tag == "O"
    return spans


def test_conll_resolves_overlaps_by_the_documented_rule(project, annotator, make_member):
    bob = make_member(Role.ANNOTATOR, username="bob")
    claim = LabelFactory(project=project, name="Claim")
    denial = LabelFactory(project=project, name="Denial")
    threat = LabelFactory(project=project, name="Threat rhetoric")
    body = "Putin met Lukashenko in Minsk. They talked.\nNothing else."
    article = ArticleFactory(project=project, body=body)

    def span(piece, label, user=annotator):
        return SpanFactory(article=article, label=label, annotator=user, **at(body, piece))

    span("Putin met Lukashenko", claim)  # 20 code points: the longest, kept
    span("Lukashenko in Minsk", denial)  # 19, overlaps it: dropped
    span("Minsk", threat)  # overlaps only the dropped one: kept
    span("talk", claim)  # inside a token: widened to "talked"
    span("Nothing", claim)  # a tie with the next: the lower id wins
    span("Nothing", denial, user=bob)

    text, stats, _ = run(project, "conll")

    assert text == (
        "-DOCSTART-\tO\n"
        "\n"
        "Putin\tB-Claim\nmet\tI-Claim\nLukashenko\tI-Claim\nin\tO\n"
        "Minsk\tB-Threat_rhetoric\n.\tO\n"
        "\n"
        "They\tO\ntalked\tB-Claim\n.\tO\n"
        "\n"
        "Nothing\tB-Claim\nelse\tO\n.\tO\n"
        "\n"
        "# assay: kept 4 of 6 spans; dropped 2 overlapping spans (rule: longest span kept, "
        "then earliest start, then lowest id); dropped 0 spans that cover no token; "
        "widened 1 spans to whole tokens\n"
    )
    assert (stats.dropped_overlapping, stats.widened_to_tokens, stats.dropped_no_token) == (2, 1, 0)


def test_conll_ties_in_length_go_to_the_earlier_start(project, annotator, label):
    body = "aa bb cc"
    article = ArticleFactory(project=project, body=body)
    SpanFactory(article=article, label=label, annotator=annotator, start=3, end=8)  # "bb cc"
    SpanFactory(article=article, label=label, annotator=annotator, start=0, end=5)  # "aa bb"

    text, stats, _ = run(project, "conll")

    documents, _ = read_conll(text)
    assert documents == [[[("aa", "B-Assessment"), ("bb", "I-Assessment"), ("cc", "O")]]]
    assert stats.dropped_overlapping == 1


def test_conll_reads_back_to_the_kept_spans_of_the_corpus(corpus):
    text, stats, _ = run(corpus.project, "conll")

    documents, trailer = read_conll(text)
    assert len(documents) == 3
    assert trailer == [
        f"# assay: kept {12 - stats.dropped_overlapping} of 12 spans; dropped "
        f"{stats.dropped_overlapping} overlapping spans (rule: {conll.RULE}); dropped 0 spans "
        "that cover no token; widened 0 spans to whole tokens"
    ]
    kept = set()
    by_article = {
        a.pk: [s for s in corpus.spans.values() if s.article_id == a.pk] for a in corpus.articles
    }
    for article, sentences in zip(corpus.articles, documents, strict=True):
        tokens = conll.tokenize(article.body)
        flat = [pair for sentence in sentences for pair in sentence]
        assert [token for token, _ in flat] == [article.body[s:e] for s, e in tokens]
        for first, last, label in iob2_spans([tag for _, tag in flat]):
            start, end = tokens[first][0], tokens[last][1]
            match = [
                s
                for s in by_article[article.pk]
                if (s.start, s.end) == (start, end) and s.label.name.replace(" ", "_") == label
            ]
            assert match, (article.body[start:end], label)
            kept.add(match[0].pk)
    spans = corpus.spans
    # Nested in "ISW assesses … unlikely", which is longer: dropped.
    assert spans["assessment"].pk in kept
    assert spans["involvement"].pk not in kept and spans["belarus"].pk not in kept
    # "unlikely.\nPeskov said" overlaps the assessment's last token: dropped, so the sentence
    # breaks at the line break; the Threat rhetoric tag appears nowhere.
    assert spans["across"].pk not in kept
    assert kept == {
        spans[k].pk
        for k in ("flag", "x", "combining", "cjk", "rtl", "assessment", "denial", "family", "claim")
    }
    assert stats.dropped_overlapping == 3


def test_conll_keeps_a_span_across_a_line_break_in_one_sentence(project, annotator, label):
    article = ArticleFactory(project=project, body="It ends.\nIt goes on.")
    SpanFactory(article=article, label=label, annotator=annotator, start=3, end=11)

    text, _, _ = run(project, "conll")

    documents, _ = read_conll(text)
    assert documents == [
        [
            [
                ("It", "O"),
                ("ends", "B-Assessment"),
                (".", "I-Assessment"),
                ("It", "I-Assessment"),
                ("goes", "O"),
                ("on", "O"),
                (".", "O"),
            ]
        ]
    ]


def test_conll_drops_and_counts_a_span_that_covers_no_token(project, annotator, label):
    article = ArticleFactory(project=project, body="One.  Two.")
    SpanFactory(article=article, label=label, annotator=annotator, start=4, end=6)

    text, stats, _ = run(project, "conll")

    assert stats.dropped_no_token == 1
    assert "B-" not in text
    assert "dropped 1 spans that cover no token" in text.splitlines()[-1]
