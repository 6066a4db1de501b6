"""The annotate page's suggestion actions: a suggestion accepted through the span create
(its actor and grade along), every suggestion of a kind accepted, label all occurrences,
and a span's proposals (shown, then taken)."""

import functools
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import estimative, selectors, services
from annotations.models import Actor, Span, SpanActor, SpanEvent
from annotations.suggestions import LabelChooser
from annotations.views.common import id_runs

from ..factories import ArticleFactory, LabelFactory, ProjectFactory
from ..suggestions.conftest import fresh_matcher  # noqa: F401  (autouse: a matcher per test)

HX = {"HTTP_HX_REQUEST": "true"}
# Proposals taken: session, user, the workspace, the span, its links, the registry's version,
# the actors, the change (10, its own read of the links among them), the panel (4).
TAKE_QUERIES = 21
BODY = (
    "Peskov said that Minsk would probably not join. Lukashenko met Putin in Minsk.\n"
    "Minsk denied it."
)


def url(name, article, *args):
    return reverse(f"annotations:{name}", args=[article.project.slug, article.pk, *args])


STATEMENT = "Minsk would probably not join"  # Peskov's, its grade "probably not"


def _statement(world, annotator):
    start = BODY.index(STATEMENT)
    return services.span_create(
        article=world["article"], start=start, end=start + len(STATEMENT),
        label=world["labels"]["Claim"], annotator=annotator,
    )  # fmt: skip


@pytest.fixture
def world(project, annotator, client):
    client.force_login(annotator)
    actors = {
        name.split()[-1]: services.actor_create(
            name=name, kind=Actor.Kind.PERSON, aliases=[name.split()[-1]]
        )
        for name in ("Dmitry Peskov", "Alexander Lukashenko", "Vladimir Putin")
    }
    labels = {
        name: LabelFactory(project=project, name=name, hotkey=hotkey)
        for name, hotkey in (("Actor", "m"), ("Estimative phrase", "e"), ("Claim", "c"))
    }
    article = ArticleFactory(project=project, body=BODY)
    return {"client": client, "actors": actors, "labels": labels, "article": article}


def test_the_page_carries_the_suggestion_urls_and_keys(world):
    article = world["article"]
    html = world["client"].get(url("annotate", article)).content.decode()
    assert f'data-suggestions-url="/api/v1/articles/{article.pk}/suggestions/"' in html
    assert 'data-label-all-url="' + url("label-all", article) in html
    assert 'id="sg-layer"' in html and 'id="sg-bar"' in html
    for kind in ("actor", "estimative", "source"):
        assert f'data-kind="{kind}"' in html
    # The key help lists the new keys.
    assert "<kbd>Backspace</kbd> on a suggestion" in html
    assert "<kbd>Alt</kbd>+<kbd>Shift</kbd>+ a label's key" in html
    assert "<kbd>s</kbd></th><td>Hide or show the suggestions" in html
    assert 'id="sg-toggle" aria-pressed="true"' in html


def test_a_suggestion_accepted_brings_its_actor_and_grade(world, annotator):
    article, client = world["article"], world["client"]
    start = BODY.index("probably not")
    response = client.post(
        url("span-create", article),
        {"start": start, "end": start + 12, "label": world["labels"]["Estimative phrase"].pk,
         "probability": "unlikely"},
        **HX,
    )  # fmt: skip
    assert response.status_code == 200
    assert Span.objects.get().probability == "unlikely"
    response = client.post(
        url("span-create", article),
        {"start": 0, "end": 6, "label": world["labels"]["Actor"].pk,
         "actor": world["actors"]["Peskov"].pk, "role": "mentioned"},
        **HX,
    )  # fmt: skip
    assert response.status_code == 200
    span = Span.objects.get(start=0)
    assert list(span.span_actors.values_list("actor__name", "role")) == [
        ("Dmitry Peskov", "mentioned")
    ]
    assert "Dmitry Peskov" in response.content.decode()  # the panel shows the actor


def test_a_suggestion_with_a_bad_actor_or_grade_is_refused_whole(world):
    article, client = world["article"], world["client"]
    label = world["labels"]["Actor"].pk
    bad = client.post(
        url("span-create", article),
        {"start": 0, "end": 6, "label": label, "actor": 999_999, "role": "mentioned"},
        **HX,
    )
    assert bad.status_code == 422
    bad = client.post(
        url("span-create", article),
        {"start": 0, "end": 6, "label": label, "probability": "surely"},
        **HX,
    )
    assert bad.status_code == 422 and "probability" in bad.content.decode().lower()
    assert not Span.objects.exists()


def test_accept_all_of_a_kind_makes_each_span_once(world, annotator):
    article, client = world["article"], world["client"]
    response = client.post(url("suggestions-accept-all", article), {"kind": "actor"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accepted 3 actor mentions as spans." in html
    spans = Span.objects.filter(annotator=annotator).order_by("start")
    assert [s.text for s in spans] == ["Peskov", "Lukashenko", "Putin"]
    assert [s.span_actors.get().actor.name for s in spans] == [
        "Dmitry Peskov", "Alexander Lukashenko", "Vladimir Putin"
    ]  # fmt: skip
    assert all(s.label.name == "Actor" for s in spans)
    assert SpanEvent.objects.filter(action="created").count() == spans.count()
    # The events that made them, for the page's undo of the group (as runs of ids).
    made = json.loads(response["HX-Trigger"])["assay:made"]
    assert made["events"] == id_runs(SpanEvent.objects.values_list("pk", flat=True))
    assert made["message"] == "Accepted 3 actor mentions as spans."
    # Made once: the next request finds none left.
    again = client.post(url("suggestions-accept-all", article), {"kind": "actor"}, **HX)
    assert again.status_code == 422
    assert "No actor mention suggestions are left" in again.content.decode()


def test_accept_all_leaves_those_without_a_label_and_says_so(world, annotator):
    article, client = world["article"], world["client"]
    world["labels"]["Claim"].delete()  # nothing proposes a label for a statement now
    response = client.post(url("suggestions-accept-all", article), {"kind": "source"}, **HX)
    assert response.status_code == 200
    assert "without a proposed label stayed" in response.content.decode()
    assert not Span.objects.exists()


def test_accept_all_is_all_or_nothing(world, annotator, monkeypatch):
    article, client = world["article"], world["client"]
    from annotations.services import spans_bulk

    real = spans_bulk.span_checked  # each item's rules, in the bulk create
    calls = []

    @functools.wraps(real)
    def refuse_the_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError({"text": "Refused for the test."})
        return real(**kwargs)

    monkeypatch.setattr(spans_bulk, "span_checked", refuse_the_second)
    response = client.post(url("suggestions-accept-all", article), {"kind": "actor"}, **HX)
    assert response.status_code == 422
    assert "Refused for the test." in response.content.decode()
    assert not Span.objects.exists()


def test_accept_all_refuses_more_than_one_bulk_create_takes(world, annotator, monkeypatch):
    from annotations.services import suggestions as suggestion_service

    monkeypatch.setattr(suggestion_service, "MAX_OCCURRENCES", 2)  # the article has 3 mentions
    article, client = world["article"], world["client"]
    response = client.post(url("suggestions-accept-all", article), {"kind": "actor"}, **HX)
    assert response.status_code == 422
    assert "3 suggestions to accept at once; at most 2." in response.content.decode()
    assert not Span.objects.exists()


def test_accept_all_never_asks_the_projects_suggestion_server(world, annotator, monkeypatch):
    from annotations import selectors

    real, asked = selectors.article_suggestions, []

    def spy(**kwargs):
        asked.append(kwargs.get("backend", True))
        return real(**kwargs)

    monkeypatch.setattr(selectors, "article_suggestions", spy)
    article, client = world["article"], world["client"]
    response = client.post(url("suggestions-accept-all", article), {"kind": "actor"}, **HX)
    assert response.status_code == 200 and asked == [False]


def test_accept_all_of_another_projects_article_is_404(world, annotator):
    other = ArticleFactory(project=ProjectFactory(slug="other"), body=BODY)
    response = world["client"].post(url("suggestions-accept-all", other), {"kind": "actor"}, **HX)
    assert response.status_code == 404


def test_label_all_occurrences_reports_made_and_skipped(world, annotator):
    article, client = world["article"], world["client"]
    claim = world["labels"]["Claim"]
    start = BODY.index("Minsk")
    data = {"start": start, "end": start + 5, "label": claim.pk}
    response = client.post(url("label-all", article), data, **HX)
    assert response.status_code == 200
    assert "Labelled 3 occurrences of “Minsk” as Claim." in response.content.decode()
    assert Span.objects.filter(label=claim, text="Minsk").count() == 3
    again = client.post(url("label-all", article), data, **HX).content.decode()
    assert "Labelled 0 occurrences" in again and "3 already had that label" in again
    assert Span.objects.count() == 3


def test_label_all_refuses_another_projects_label(world, annotator):
    article, client = world["article"], world["client"]
    foreign = LabelFactory(project=ProjectFactory(slug="elsewhere"), name="Foreign")
    start = BODY.index("Minsk")
    response = client.post(
        url("label-all", article), {"start": start, "end": start + 5, "label": foreign.pk}, **HX
    )
    assert response.status_code == 422
    assert "span labels" in response.content.decode()
    assert not Span.objects.exists()


def test_a_span_panel_proposes_actors_source_and_grade_then_takes_them(world, annotator):
    article, client = world["article"], world["client"]
    claim = world["labels"]["Claim"]
    statement = "Minsk would probably not join"
    start = BODY.index(statement)
    span = services.span_create(
        article=article, start=start, end=start + len(statement), label=claim, annotator=annotator
    )
    shown = client.get(url("span-proposals", article, span.pk), **HX).content.decode()
    assert "Dmitry Peskov" in shown and "source" in shown  # the speaker
    assert "Probability Unlikely" in shown and "probably not" in shown
    taken = client.post(url("span-proposals", article, span.pk), {"version": span.version}, **HX)
    assert taken.status_code == 200
    span.refresh_from_db()
    assert span.probability == "unlikely"
    assert list(SpanActor.objects.filter(span=span).values_list("actor__name", "role")) == [
        ("Dmitry Peskov", "source")
    ]
    # Taken: nothing is proposed any more; a stale version is refused.
    assert (
        "proposals-form" not in client.get(url("span-proposals", article, span.pk)).content.decode()
    )
    stale = client.post(url("span-proposals", article, span.pk), {"version": 1}, **HX)
    assert stale.status_code == 200 and "Nothing left to take" in stale.content.decode()


def test_proposals_of_another_users_span_are_404(world, annotator, make_member):
    article = world["article"]
    other = make_member(username="bob")
    span = services.span_create(
        article=article, start=0, end=6, label=world["labels"]["Actor"], annotator=other
    )
    response = world["client"].get(url("span-proposals", article, span.pk), **HX)
    assert response.status_code == 404


def test_taking_proposals_on_a_stale_panel_is_refused(world, annotator):
    article, client = world["article"], world["client"]
    span = _statement(world, annotator)
    services.span_update(span=span, user=annotator, version=span.version, note="changed")
    stale = client.post(url("span-proposals", article, span.pk), {"version": 1}, **HX)
    assert stale.status_code == 409
    span.refresh_from_db()
    assert span.probability is None and not SpanActor.objects.filter(span=span).exists()


def test_the_panel_shows_the_grade_its_words_state_once(world, annotator):
    """The panel and its proposals (loaded after it) name the grade once: among the
    proposals, as a button that sets only that field."""
    article, client = world["article"], world["client"]
    span = _statement(world, annotator)
    panel = client.get(url("span-panel", article, span.pk), **HX).content.decode()
    proposals = client.get(url("span-proposals", article, span.pk), **HX).content.decode()
    shown = panel + proposals
    assert shown.count("Unlikely (20–45 %)</button>") == 1
    assert shown.count("“probably not”") == 1
    assert 'data-set-field="id_probability" data-value="unlikely"' in proposals


def test_taking_proposals_reads_the_words_and_the_links_once(
    world, annotator, monkeypatch, django_assert_num_queries
):
    """One ``estimative.suggest`` for the proposals taken and the panel answered, and the
    span's actor links read once for what is proposed and what is kept."""
    article, client = world["article"], world["client"]
    span = _statement(world, annotator)
    client.get(url("span-proposals", article, span.pk), **HX)  # the matcher built, the cache warm
    calls = []
    real = estimative.suggest
    monkeypatch.setattr(estimative, "suggest", lambda text: calls.append(text) or real(text))
    with django_assert_num_queries(TAKE_QUERIES) as taken:
        answer = client.post(url("span-proposals", article, span.pk), {"version": 1}, **HX)
    assert answer.status_code == 200 and "Took Dmitry Peskov (source)" in answer.content.decode()
    assert calls == [STATEMENT]
    links = [q["sql"] for q in taken.captured_queries if 'FROM "annotations_spanactor"' in q["sql"]]
    # The view's one read (what is proposed, and kept), the service's, the panel's after.
    assert len([sql for sql in links if sql.lstrip().startswith("SELECT")]) == 3


def test_proposals_from_links_read_by_the_caller_are_those_read_by_the_selector(world, annotator):
    article = world["article"]
    statement = "Peskov said that Minsk would probably not join. Lukashenko met Putin"
    span = services.span_create(
        article=article, start=0, end=len(statement), label=world["labels"]["Claim"],
        annotator=annotator,
        actors=[{"actor": world["actors"]["Putin"].pk, "role": "mentioned"}],
    )  # fmt: skip
    labels = LabelChooser((label.pk, label.name) for label in world["labels"].values())
    read = selectors.span_proposals(article=article, span=span, labels=labels)
    held = selectors.span_actor_links(span=span)
    given = selectors.span_proposals(article=article, span=span, labels=labels, held=held)
    assert held == [{"actor": world["actors"]["Putin"].pk, "role": "mentioned"}]
    assert given == read and read.actors  # Putin is held; Lukashenko and Peskov are proposed
    assert ("Vladimir Putin", "mentioned") not in [(a.name, r) for a, r in read.actors]
