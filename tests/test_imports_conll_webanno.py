"""Importing CoNLL and W3C Web Annotation: each exporter's file read back, hand-written files,
broken files (nothing created, every bad line listed), and the API, page and command."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.exports import conll as conll_export
from annotations.imports import detect_format
from annotations.models import (
    Actor,
    Article,
    Label,
    Membership,
    Relation,
    Role,
    Span,
    SpanEvent,
)

from . import test_exports
from .api_helpers import API, client_for
from .factories import ArticleFactory, LabelFactory, ProjectFactory
from .test_exports import read_conll, run
from .test_imports import counts, do_import

corpus = test_exports.corpus  # the unicode corpus, as a fixture of this module too


@pytest.fixture
def target(manager):
    """An empty project whose manager is ``max``."""
    project = ProjectFactory(name="Target", slug="target")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    return project


# --- CoNLL --------------------------------------------------------------------------------------


def exported_tokens(body: str, start: int, end: int) -> str:
    """The exporter's tokens inside ``body[start:end]``, as the import joins them."""
    return " ".join(body[s:e] for s, e in conll_export.tokenize(body) if start <= s and e <= end)


def test_conll_export_imports_back_to_the_kept_spans_on_rebuilt_bodies(corpus, target, manager):
    exported, stats, _ = run(corpus.project, "conll")

    result = do_import(target, manager, "conll", exported)

    assert result.errors == []
    assert (result.created, result.spans, result.relations) == (3, 9, 0)
    assert stats.dropped_overlapping == 3  # 12 spans, 9 kept: the import has all of those
    documents, _ = read_conll(exported)
    unicode_article, quiet, putin = Article.objects.filter(project=target).order_by("pk")
    assert [a.body for a in (unicode_article, quiet, putin)] == [
        "\n".join(" ".join(token for token, _ in sentence) for sentence in sentences)
        for sentences in documents
    ]
    assert unicode_article.body.split("\n") == [
        "🇺🇦 𝕏 café cafe\u0301 北京 שלום مرحبا",  # CRLF normalised, combining mark kept
        "ISW assesses that Belarus ' involvement remains unlikely .",
        "Peskov said : “ such speculations are baseless . ” 👨\u200d👩\u200d👧 done !",
        "End .",
    ]
    assert quiet.body == "A quiet day .\nNothing to report ."
    kept = ("flag", "x", "combining", "cjk", "rtl", "assessment", "denial", "family", "claim")
    expected = sorted(
        (
            exported_tokens(s.article.body, s.start, s.end),
            s.label.name,
        )
        for s in (corpus.spans[key] for key in kept)
    )
    imported = Span.objects.filter(project=target).select_related("article", "label", "annotator")
    assert sorted((s.text, s.label.name) for s in imported) == expected
    assert all(s.article.body[s.start : s.end] == s.text for s in imported)
    assert {s.annotator for s in imported} == {manager}
    assert "Belarus ' involvement remains unlikely" not in {s.text for s in imported}
    assert (
        Span.objects.get(project=target, label__name="Assessment", start__gt=20).text
        == "ISW assesses that Belarus ' involvement remains unlikely"
    )
    assert set(Label.objects.filter(project=target).values_list("name", flat=True)) == {
        "Assessment",
        "Claim",
        "Denial",
    }
    again = do_import(target, manager, "conll", exported)
    assert (again.created, again.skipped_duplicates, again.errors) == (0, 3, [])


CONLL_2003 = """\
-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
to TO B-VP B-Threat_rhetoric
boycott VB I-VP I-Threat_rhetoric
British JJ B-NP I-MISC
lamb NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
Smith NNP I-NP B-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def test_conll_2003_file_written_by_hand(target, manager):
    threat = LabelFactory(project=target, name="Threat rhetoric")
    org = LabelFactory(project=target, name="org")

    result = do_import(target, manager, "conll", CONLL_2003.replace("\n", "\r\n"))

    assert (result.created, result.spans, result.errors) == (2, 7, [])
    eu, brussels = Article.objects.filter(project=target).order_by("pk")
    assert eu.body == ("EU rejects German call to boycott British lamb .\nPeter Blackburn Smith")
    assert brussels.body == "BRUSSELS 1996-08-22"
    spans = [
        (s.text, s.label.name)
        for s in Span.objects.filter(article=eu).select_related("label").order_by("start")
    ]
    assert spans == [
        ("EU", "org"),  # matched whatever the case
        ("German", "MISC"),
        ("to boycott", "Threat rhetoric"),  # the tag's _ is the name's space
        ("British", "MISC"),  # I-MISC after another label starts a span (IOB1)
        ("Peter Blackburn", "PER"),  # I-PER at a sentence's start too
        ("Smith", "PER"),  # B- starts a new one
    ]
    assert Span.objects.get(article=brussels).text == "BRUSSELS"
    assert Span.objects.get(label=threat).label == threat
    assert Span.objects.filter(label=org).count() == 1


def test_conll_without_docstart_is_one_document_and_hash_tokens_are_tokens(target, manager):
    data = "# sent_id = 1\nWe\tO\n#\tB-Tag\nwon\tO\n\nYes\tO\n"

    result = do_import(target, manager, "conll", data)

    assert (result.created, result.errors) == (1, [])
    article = Article.objects.get(project=target)
    assert article.body == "We # won\nYes"
    assert Span.objects.get(article=article).text == "#"


def test_conll_broken_lines_import_nothing_and_are_each_listed(target, manager):
    data = (
        b"-DOCSTART-\tO\n"
        b"\n"
        b"Fine\tB-Claim\n"
        b"Three\tcolumns\tO\n"
        b"Bad\tX-ORG\n"
        b"Empty\tB-\n"
        b"\xff\tO\n"
        b"\n"
        b"# a comment\n"
        b"-DOCSTART-\tO\n"
        b"Second\tB-Claim\n"
        b"Lonely\n"
        b"Gap\t\n"
    )
    before = counts()

    result = do_import(target, manager, "conll", data)

    assert counts() == before
    assert result.created == 0
    assert result.errors == [
        {"line": 4, "error": "3 columns where the first token line (line 3) has 2."},
        {"line": 5, "error": "“X-ORG” is not a tag: O, B-label or I-label."},
        {"line": 6, "error": "“B-” is not a tag: O, B-label or I-label."},
        {"line": 7, "error": "Not UTF-8 text."},
        {"line": 12, "error": "A token line is a token and a tag, at least."},
        {"line": 13, "error": "A token line is a token and a tag, at least."},
    ]


def test_conll_unknown_label_is_an_error_on_the_documents_line(target, manager):
    LabelFactory(project=target, name="Claim")
    data = "-DOCSTART-\tO\n\nFine\tB-Claim\n\n-DOCSTART-\tO\n\nOdd\tB-Nope\n"
    before = counts()

    result = do_import(target, manager, "conll", data, create_labels=False)

    assert counts() == before
    assert result.errors == [
        {"line": 5, "error": "spans[0].label: The project has no label “Nope”."}
    ]


# --- W3C Web Annotation ---------------------------------------------------------------------


@pytest.fixture
def copy_of_corpus(corpus, manager):
    """A project holding the corpus's articles (not its spans), every one with a url."""
    for number, article in enumerate(corpus.articles):
        if not article.url:
            article.url = f"https://example.org/other/{number}"
            article.save(update_fields=["url"])
    project = ProjectFactory(name="Copy", slug="copy")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    for article in corpus.articles:
        ArticleFactory(project=project, body=article.body, url=article.url, title=article.title)
    return project


def span_facts(project):
    """Each span as the web annotation carries it, keyed by its article's url."""
    spans = Span.objects.filter(project=project).select_related("article", "label")
    return sorted(
        (
            s.article.url,
            s.start,
            s.end,
            s.text,
            s.label.name,
            tuple(
                sorted(
                    (a.actor.name, a.actor.kind, a.actor.wikidata_id, a.role)
                    for a in s.span_actors.select_related("actor")
                )
            ),
            s.probability,
            s.confidence,
            s.note,
            s.status,
        )
        for s in spans
    )


def relation_facts(project):
    relations = Relation.objects.filter(article__project=project).select_related(
        "from_span", "to_span", "label"
    )
    return sorted((r.from_span.text, r.to_span.text, r.label.name) for r in relations)


def test_webanno_export_annotates_the_same_articles_by_url(corpus, copy_of_corpus, manager):
    exported, _, _ = run(corpus.project, "webanno")
    actors = Actor.objects.count()

    result = do_import(copy_of_corpus, manager, "webanno", exported)

    assert result.errors == []
    assert (result.created, result.spans, result.relations) == (0, 12, 2)
    assert Article.objects.filter(project=copy_of_corpus).count() == 3
    assert span_facts(copy_of_corpus) == span_facts(corpus.project)
    assert len(span_facts(copy_of_corpus)) == 12
    assert relation_facts(copy_of_corpus) == relation_facts(corpus.project)
    assert Actor.objects.count() == actors  # matched, by Wikidata id or name
    assessment = Span.objects.get(project=copy_of_corpus, probability="unlikely")
    assert (assessment.confidence, assessment.note) == ("moderate", "北京 note\nsecond line")
    assert {s.annotator for s in Span.objects.filter(project=copy_of_corpus)} == {manager}
    flag = Span.objects.get(project=copy_of_corpus, text="🇺🇦")
    assert SpanEvent.objects.get(span_id=flag.pk).after["text"] == "🇺🇦"


def test_webanno_matches_urns_and_refuses_a_span_the_user_already_has(corpus, manager):
    # The project's own export, imported by its manager: the quiet and Putin articles have no
    # url, so they are named urn:assay:article:<id>.
    exported, _, _ = run(corpus.project, "webanno")
    assert f'"urn:assay:article:{corpus.articles[2].pk}"' in exported

    first = do_import(corpus.project, manager, "webanno", exported)
    assert (first.spans, first.relations, first.errors) == (12, 2, [])
    before = counts()
    second = do_import(corpus.project, manager, "webanno", exported)

    assert counts() == before
    items = json.loads(exported)["first"]["items"]
    tagging = [n for n, item in enumerate(items, 1) if item["motivation"] == "tagging"]
    assert tagging == [*range(1, 12), 14]  # the first article's relations are 12 and 13
    assert [e["line"] for e in second.errors] == tagging
    assert second.errors[0]["error"] == "max already has this “Claim” span in the article."


def annotation(source, start, end, exact, label="Claim", *bodies, id=None):
    item = {
        "type": "Annotation",
        "motivation": "tagging",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": label}, *bodies],
        "target": {
            "source": source,
            "selector": [
                {"type": "TextPositionSelector", "start": start, "end": end},
                {"type": "TextQuoteSelector", "exact": exact},
            ],
        },
    }
    if id:
        item["id"] = id
    return item


def link(first, second, label="Responds to"):
    return {
        "type": "Annotation",
        "motivation": "linking",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": label}],
        "target": [first, second],
    }


def collection(*items):
    return json.dumps(
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "AnnotationCollection",
            "first": {"type": "AnnotationPage", "items": list(items)},
        },
        ensure_ascii=False,
    )


def test_webanno_broken_annotations_import_nothing_and_are_each_listed(target, manager):
    url, other = "https://example.org/a", "https://example.org/b"
    ArticleFactory(project=target, url=url, body="Putin denied it. Peskov agreed.")
    ArticleFactory(project=target, url=other, body="Another text.")
    no_position = annotation(url, 0, 5, "Putin")
    no_position["target"]["selector"] = no_position["target"]["selector"][1:]
    items = [
        annotation(url, 0, 5, "Putin", id="a"),
        annotation("https://example.org/none", 0, 5, "Putin"),
        annotation(url, 0, 5, "Pusin"),
        no_position,
        annotation(url, 6, 12, "denied", "Claim", {"purpose": "tagging", "value": "Denial"}),
        annotation(url, 6, 12, "denied", "Claim", {"purpose": "assessing", "value": "likely"}),
        annotation(url, 6, 12, "denied", "Claim", {"purpose": "describing", "value": "x"}),
        link("a", "nowhere"),
        link("a", "b"),
        "not an annotation",
        annotation(
            url,
            17,
            23,
            "Peskov",
            "Claim",
            {"purpose": "assessing", "value": "perhaps", "assay:property": "probability"},
        ),
        annotation(url, 17, 99, "Peskov"),
        annotation(other, 0, 7, "Another", id="b"),
        annotation(url, 0, 5, "Putin"),
        annotation("", 0, 5, "Putin"),
    ]
    before = counts()

    result = do_import(target, manager, "webanno", collection(*items))

    assert counts() == before
    errors = {e["line"]: e["error"] for e in result.errors}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    assert errors[2] == "No article of this project has the url “https://example.org/none”."
    assert errors[3] == "text: Does not match the article: body[0:5] is 'Putin'."
    assert errors[4] == "The target has no TextPositionSelector."
    assert errors[5] == "One tagging body (the label) is needed; there are 2."
    assert errors[6].startswith("An assessing body names its assay:property")
    assert errors[7] == "A body with purpose “describing” is not imported."
    assert errors[8] == "The target “nowhere” is not a span annotation of this file."
    assert errors[9].startswith("A relation links two spans of one article, whose targets")
    assert errors[10] == "An annotation is a JSON object of type Annotation."
    assert errors[11].startswith("probability:")
    assert errors[12] == "end: Must be at most 31, the length of the article."
    assert errors[14] == "max has this “Claim” span twice."
    assert errors[15] == "The target's source is blank: it names no article."
    assert do_import(target, manager, "webanno", "{nope").errors[0]["error"].startswith("Not JSON")
    assert do_import(target, manager, "webanno", '{"type": "Thing"}').errors == [
        {
            "line": 1,
            "error": "Not an AnnotationCollection, an AnnotationPage or an Annotation.",
        }
    ]


def test_webanno_by_hand_with_an_actor_and_a_relation_in_any_order(target, manager):
    article = ArticleFactory(project=target, body="Putin denied it. Peskov agreed.")
    source = f"urn:assay:article:{article.pk}"
    actor = {
        "type": "TextualBody",
        "purpose": "identifying",
        "value": "Dmitry Peskov",
        "assay:role": "source",
        "assay:kind": "person",
        "assay:wikidata_id": "Q1234567",
    }
    items = [
        link("urn:x:1", "urn:x:2"),
        annotation(source, 6, 12, "denied", "Denial", id="urn:x:1"),
        annotation(source, 17, 23, "Peskov", "Claim", actor, id="urn:x:2"),
    ]

    result = do_import(target, manager, "webanno", json.dumps(items))

    assert (result.spans, result.relations, result.errors) == (2, 1, [])
    relation = Relation.objects.get(article=article)
    assert (relation.from_span.text, relation.to_span.text) == ("denied", "Peskov")
    assert relation.label.kind == "relation"
    link_ = Span.objects.get(text="Peskov").span_actors.select_related("actor").get()
    assert (link_.actor.name, link_.actor.kind, link_.actor.wikidata_id, link_.role) == (
        "Dmitry Peskov",
        "person",
        "Q1234567",
        "source",
    )


def test_webanno_another_projects_article_is_not_a_target(target, manager, project):
    elsewhere = ArticleFactory(project=project, body="Not yours.")
    data = json.dumps(annotation(f"urn:assay:article:{elsewhere.pk}", 0, 3, "Not"))

    result = do_import(target, manager, "webanno", data)

    assert result.errors == [
        {
            "line": 1,
            "error": f"This project has no article {elsewhere.pk} "
            f"(urn:assay:article:{elsewhere.pk}).",
        }
    ]
    assert not Span.objects.exists()


# --- the API, the page and the command ------------------------------------------------------


def api_upload(user, project, name, content, fmt):
    return client_for(user).post(
        f"{API}projects/{project.pk}/import/?format={fmt}",
        {"file": SimpleUploadedFile(name, content.encode())},
        format="multipart",
    )


def test_api_imports_conll_and_webanno(manager, target):
    conll_response = api_upload(manager, target, "data.txt", "Putin\tB-Person\nsaid\tO\n", "conll")
    article = Article.objects.get(project=target)
    web = json.dumps(annotation(f"urn:assay:article:{article.pk}", 6, 10, "said"))
    web_response = api_upload(manager, target, "data.json", web, "webanno")
    bad_response = api_upload(manager, target, "data.txt", "Putin\tX\n", "conll")

    assert conll_response.status_code == 200, conll_response.content
    assert conll_response.json() == {
        "created": 1,
        "skipped_duplicates": 0,
        "spans": 1,
        "relations": 0,
        "errors": [],
        "members_added": [],
    }
    assert web_response.status_code == 200, web_response.content
    assert web_response.json()["spans"] == 1 and web_response.json()["created"] == 0
    assert sorted(Span.objects.values_list("text", flat=True)) == ["Putin", "said"]
    assert bad_response.status_code == 400
    assert bad_response.json()["errors"] == [
        {"line": 1, "error": "“X” is not a tag: O, B-label or I-label."}
    ]


@pytest.mark.parametrize(("name", "fmt"), [("a.conll", "conll"), ("export.JSONLD", "webanno")])
def test_detect_conll_and_webanno_from_the_extension(name, fmt):
    assert detect_format(name) == fmt


def test_the_import_page_offers_conll_and_webanno(client, manager, target):
    client.force_login(manager)

    html = client.get(reverse("annotations:project-import", args=[target.slug])).content.decode()

    assert '<option value="conll">conll</option>' in html
    assert '<option value="webanno">webanno</option>' in html
    assert ".conll" in html and ".jsonld" in html


def test_the_command_imports_conll_and_webanno(manager, target, tmp_path):
    path = tmp_path / "in.conll"
    path.write_text("Putin\tB-Person\nsaid\tO\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import", "target", str(path), "-f", "conll", "--user", "max", stdout=out)

    assert out.getvalue().strip() == (
        "Imported 1 articles, 1 spans, 0 relations; skipped 0 duplicates."
    )
    article = Article.objects.get(project=target)
    web = tmp_path / "in.jsonld"
    web.write_text(json.dumps(annotation(f"urn:assay:article:{article.pk}", 6, 10, "said")))
    call_command("import", "target", str(web), "-f", "webanno", "--user", "max", stdout=out)
    assert Span.objects.filter(article=article).count() == 2
    with pytest.raises(CommandError, match="1 bad lines"):
        call_command(
            "import", "target", str(web), "-f", "webanno", "--user", "max", stderr=io.StringIO()
        )


def test_a_conll_export_filtered_by_annotator_imports_that_layer(corpus, target, manager):
    # Exported for one annotator, the overlaps the export dropped are another layer's.
    exported, stats, _ = run(corpus.project, "conll", annotator="bob")

    result = do_import(target, manager, "conll", exported)

    assert (result.spans, stats.dropped_overlapping, result.errors) == (1, 0, [])
    assert Span.objects.get(project=target).text == "Belarus"


# --- from a review: odd input is a listed error, never a 500 or a silent change ------------


@pytest.mark.parametrize(
    "source", ["http://a.example/\ud800", "http://a.example/1\x00", "urn:assay:article:1\x00"]
)
def test_webanno_a_source_no_text_field_can_hold_is_a_listed_error(target, manager, source):
    data = json.dumps(annotation(source, 0, 3, "abc"))  # ASCII escapes: the surrogate travels
    result = do_import(target, manager, "webanno", data)
    assert [e["line"] for e in result.errors] == [1]
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [{"assay:role": ["x"]}, {"assay:role": {"a": 1}}, {"assay:wikidata_id": ["Q1"]},
     {"assay:wikidata_id": "Q1\ud800"}, {"assay:wikidata_id": "Q1\x00"}, {"value": "Pu\ud800tin"},
     {"value": "Pu\x00tin"}],
)  # fmt: skip
def test_webanno_an_actor_of_odd_types_or_characters_is_a_listed_error(target, manager, extra):
    article = ArticleFactory(project=target, url="http://a.example/1", body="Putin spoke.")
    actor = {"type": "TextualBody", "purpose": "identifying", "value": "Putin", **extra}
    data = json.dumps(annotation(article.url, 0, 5, "Putin", "Claim", actor))
    result = do_import(target, manager, "webanno", data)
    assert [e["line"] for e in result.errors] == [1]
    assert not Span.objects.exists() and not Actor.objects.exists()


def test_webanno_an_urn_in_other_digits_names_no_article(target, manager):
    ArticleFactory(project=target, body="Putin spoke.")
    data = json.dumps(annotation("urn:assay:article:\u0661", 0, 5, "Putin"))
    result = do_import(target, manager, "webanno", data)
    assert [e["line"] for e in result.errors] == [1] and not Span.objects.exists()


def test_conll_tokens_starting_with_a_hash_are_text_and_comments_are_not(target, manager):
    data = (
        "-DOCSTART-\tO\n\nPress\tO\n#\ufe0f\u20e3\tB-Key\nnow\tO\n\n"
        "# a comment, whatever it says\n# assay: kept 1 of 1 spans\n"
    )
    result = do_import(target, manager, "conll", data)
    assert result.errors == [] and result.created == 1
    span = Span.objects.get()
    assert (span.article.body, span.text) == ("Press #\ufe0f\u20e3 now", "#\ufe0f\u20e3")


@pytest.mark.parametrize("data", ["x\r\tO\n\nfoo\tO\nbar\tB-L\nbaz\tO\n", "a\tO\rb\tB-X\r"])
def test_conll_a_carriage_return_inside_a_line_is_a_listed_error(target, manager, data):
    result = do_import(target, manager, "conll", data)
    assert [e["line"] for e in result.errors] == [1]
    assert "control character" in result.errors[0]["error"]
    assert counts()["Article"] == counts()["Span"] == 0


def test_conll_width_is_that_of_the_first_good_token_line(target, manager):
    result = do_import(target, manager, "conll", "lonely\nfoo\tO\nbar\tB-L\n")
    assert [(e["line"], e["error"]) for e in result.errors] == [
        (1, "A token line is a token and a tag, at least.")
    ]
