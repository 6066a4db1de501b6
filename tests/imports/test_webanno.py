"""W3C Web Annotation (imports/webanno.py): spans for articles the project holds."""

import json
import re

import pytest

from annotations.models import Actor, Article, Membership, Relation, Role, Span, SpanEvent

from ..corpus import run
from ..factories import ArticleFactory, ProjectFactory
from .helpers import counts, do_import


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
    assert re.fullmatch(
        r"max already marked “.+” as Claim \(characters \d+–\d+\)\.", second.errors[0]["error"]
    )


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
