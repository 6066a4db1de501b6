"""The search page and the analytics page, rendered: what they show, what they escape."""

import datetime
import re

import pytest
from django.test import Client

from annotations.models import Actor, ActorRole

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hits(project, label, annotator):
    body = "Lukashenko <b>refused</b> the draft & said <script>alert(1)</script> mobilization."
    article = ArticleFactory(project=project, title="Minsk <i>talks</i>", body=body)
    start = body.index("Lukashenko")
    span = SpanFactory(
        article=article, label=label, annotator=annotator, start=start, end=start + 27
    )
    return article, span


def test_search_page_escapes_and_marks(annotator, project, hits):
    article, span = hits
    html = client_for(annotator).get("/search/", {"q": "refuses"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>refused" not in html
    assert "<mark>refused</mark>" in html
    assert f"/projects/{project.slug}/articles/{article.pk}/?span={span.pk}" in html
    assert "Minsk &lt;i&gt;talks&lt;/i&gt;" in html
    # The article's hit opens it at the snippet's first marked words.
    assert f"/projects/{project.slug}/articles/{article.pk}/?find=refused" in html


def test_search_page_says_whose_span_each_hit_is(annotator, reviewer, project, label, hits):
    """Two annotators' spans on the same words read the same: each hit says whose it is, or
    that it is gold."""
    from annotations import services

    _, span = hits
    services.span_promote(span=span, user=reviewer)
    html = client_for(reviewer).get("/search/", {"q": "refuses"}).content.decode()
    assert f"by {annotator.username}" in html
    assert '<span class="badge done">gold</span>' in html


def test_search_page_in_one_project_and_bad_input(annotator, project, hits, outsider):
    client = client_for(annotator)
    for q in ['"open', "\x00", "&|!:*()", "x" * 10_000, ""]:
        assert client.get("/search/", {"q": q}).status_code == 200
    assert client.get("/search/", {"q": "war", "project": project.slug}).status_code == 200
    assert client.get("/search/", {"q": "war", "project": "nope"}).status_code == 404
    html = client_for(outsider).get("/search/", {"q": "refuses"}).content.decode()
    assert "<mark>" not in html


def test_project_page_has_a_search_box_and_the_analytics_link(annotator, project):
    html = client_for(annotator).get(f"/projects/{project.slug}/").content.decode()
    assert 'action="/search/"' in html and f'value="{project.slug}"' in html
    assert f"/projects/{project.slug}/analytics/" in html


@pytest.fixture
def assessed(project, label, annotator):
    isw = Actor.objects.create(name="ISW <x>", search_text="isw")
    belarus = Actor.objects.create(name="Belarus", search_text="belarus")
    for i, (day, probability) in enumerate(
        [(datetime.date(2026, 1, 5), "unlikely"), (datetime.date(2026, 3, 5), "likely")]
    ):
        article = ArticleFactory(project=project, body=f"Text {i} here.", published_on=day)
        SpanFactory(
            article=article, label=label, annotator=annotator, probability=probability,
            actors=[(isw, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)],
        )  # fmt: skip
    return isw, belarus


def test_analytics_page(annotator, project, assessed, django_assert_max_num_queries):
    isw, _ = assessed
    client = client_for(annotator)
    with django_assert_max_num_queries(12):
        response = client.get(f"/projects/{project.slug}/analytics/", {"actor": isw.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 3 and html.count("<table") == 3
    assert "ISW &lt;x&gt;" in html and "<x>" not in html
    assert "2026-02-01" in html  # the empty month between, in the table
    assert '<h2 id="timeline-title">Spans per month</h2>' in html
    timeline = html.split('id="timeline-title"')[1].split("</svg>")[0]
    axis = re.findall(r'<text class="axis" [^>]*text-anchor="middle">([^<]*)</text>', timeline)
    assert axis == ["Jan 2026", "Feb 2026", "Mar 2026"]  # months by their names
    assert (
        f"/api/v1/projects/{project.pk}/analytics/timeline/?actor={isw.pk}&amp;format=csv" in html
    )
    assert "style=" not in html and "<script>" not in html.split("</head>")[1]


def test_analytics_page_names_a_bad_filter(annotator, project, assessed, outsider):
    client = client_for(annotator)
    response = client.get(
        f"/projects/{project.slug}/analytics/", {"actor": "999999", "interval": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "actor:" in html and "interval:" in html
    assert client_for(outsider).get(f"/projects/{project.slug}/analytics/").status_code == 404


def actor_options(html: str) -> list[tuple[str, str, bool]]:
    """The actor picker's options: ``(value, text, selected)``."""
    select = re.search(r'<select id="id_actor".*?</select>', html, re.S).group(0)
    return [
        (value, text, bool(selected))
        for value, selected, text in re.findall(
            r'<option value="([^"]*)"( selected)?[^>]*>([^<]*)</option>', select
        )
    ]


@pytest.fixture
def bystanders(assessed):
    """Actors the project's spans do not link: one in another project, one in none."""
    elsewhere = ProjectFactory()
    kremlin = Actor.objects.create(name="Kremlin", search_text="kremlin")
    SpanFactory(
        article=ArticleFactory(project=elsewhere), label=LabelFactory(project=elsewhere),
        actors=[(kremlin, ActorRole.SUBJECT)],
    )  # fmt: skip
    return kremlin, Actor.objects.create(name="Aardvark", search_text="aardvark")


def test_analytics_page_offers_the_projects_actors(annotator, project, assessed, bystanders):
    isw, belarus = assessed
    html = client_for(annotator).get(f"/projects/{project.slug}/analytics/").content.decode()
    assert actor_options(html) == [
        ("", "Any actor", False),
        (str(belarus.pk), "Belarus", False),
        (str(isw.pk), "ISW &lt;x&gt;", False),
    ]
    assert 'id="id_actor_q"' not in html  # two actors: nothing to find


def test_analytics_page_keeps_the_picked_actor_that_has_no_span(
    annotator, project, assessed, bystanders
):
    """A bookmarked page shows what it counts: the actor picked, even with no span here."""
    isw, belarus = assessed
    kremlin, _ = bystanders
    page = f"/projects/{project.slug}/analytics/"
    html = client_for(annotator).get(page, {"actor": kremlin.pk}).content.decode()
    assert actor_options(html) == [
        ("", "Any actor", False),
        (str(kremlin.pk), "Kremlin", True),
        (str(belarus.pk), "Belarus", False),
        (str(isw.pk), "ISW &lt;x&gt;", False),
    ]
    assert 'role="alert"><p>actor' not in html
    assert "No span of a dated article matches these filters." in html
    html = client_for(annotator).get(page, {"actor": f"0{isw.pk}"}).content.decode()
    assert (str(isw.pk), "ISW &lt;x&gt;", True) in actor_options(html)
    assert len(actor_options(html)) == 3  # listed once


def test_analytics_page_names_an_unknown_actor_and_picks_none(annotator, project, assessed):
    response = client_for(annotator).get(
        f"/projects/{project.slug}/analytics/", {"actor": "999999"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "actor: There is no actor 999999." in html
    assert [selected for _, _, selected in actor_options(html)] == [False] * 3


def test_analytics_page_finds_actors_past_the_first(
    annotator, project, assessed, monkeypatch, django_assert_max_num_queries
):
    """Past ``ACTOR_CHOICES`` the <select> lists the first by name and a finder narrows it:
    submitted with the form (no script), or as you type (htmx swaps the <select> alone)."""
    from annotations.views import analytics

    isw, belarus = assessed
    monkeypatch.setattr(analytics, "ACTOR_CHOICES", 1)
    client, page = client_for(annotator), f"/projects/{project.slug}/analytics/"
    html = client.get(page).content.decode()
    assert 'id="id_actor_q"' in html and 'hx-include="#id_actor"' in html
    assert actor_options(html) == [
        ("", "Any actor", False),
        (str(belarus.pk), "Belarus", False),
        ("", "… and more: find them by name", False),
    ]
    html = client.get(page, {"actor_q": "isw"}).content.decode()
    assert actor_options(html)[1:] == [(str(isw.pk), "ISW &lt;x&gt;", False)]
    assert 'value="isw"' in html and "actor_q" not in html.split('id="timeline"')[1]
    for words in ["\x00isw", "%_" * 300, "'; --"]:  # the words are bounded, never SQL
        assert client.get(page, {"actor_q": words}).status_code == 200
    with django_assert_max_num_queries(6):  # no chart is read
        response = client.get(
            page, {"actor_q": "nothing", "actor": belarus.pk}, headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    assert html.startswith('<select id="id_actor"') and "<svg" not in html
    assert "HX-Request" in response["Vary"]
    assert actor_options(html) == [
        ("", "Any actor", False),
        (str(belarus.pk), "Belarus", True),
        ("", "No actor of the project matches “nothing”", False),
    ]


def test_analytics_page_in_a_blind_project_counts_an_annotators_own_spans(
    annotator, reviewer, project, label, assessed, make_member
):
    """Another annotator's assessments are not shown to an annotator of a blind project,
    not even counted: the page (and its CSV links, the API's) count their own spans."""
    isw, belarus = assessed
    project.blind = True
    project.save(update_fields=["blind"])
    other = make_member(username="bob")
    article = ArticleFactory(project=project, body="Bob's.", published_on=datetime.date(2026, 1, 9))
    SpanFactory(
        article=article, label=label, annotator=other, probability="almost_certain",
        actors=[(isw, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)],
    )  # fmt: skip
    mine = Actor.objects.create(name="Wagner", search_text="wagner")
    SpanFactory(article=article, label=label, annotator=annotator, actors=[(mine, "source")])
    page = f"/projects/{project.slug}/analytics/"
    html = client_for(other).get(page).content.decode()
    assert "your own spans only" in html
    assert [text for _, text, _ in actor_options(html)] == ["Any actor", "Belarus", "ISW &lt;x&gt;"]
    assert (str(mine.pk), "Wagner", False) in actor_options(
        client_for(reviewer).get(page).content.decode()
    )
    assert "<td>97.0</td>" in html and "<td>50.0</td>" not in html  # bob's mean, not theirs
    html = client_for(annotator).get(page).content.decode()
    assert "<td>97.0</td>" not in html and "<td>50.0</td>" in html
    html = client_for(reviewer).get(page).content.decode()
    assert "your own spans only" not in html
    assert "<td>64.75</td>" in html  # January: both annotators' spans
    newcomer = make_member(username="nell")  # no span yet: the list says whose spans it reads
    html = client_for(newcomer).get(page).content.decode()
    assert actor_options(html)[1:] == [("", "None of your spans has an actor yet", False)]
    html = client_for(other).get(page, {"actor_q": "wagner"}).content.decode()
    assert actor_options(html)[1:] == [("", "No actor of your spans matches “wagner”", False)]


def test_search_page_in_a_blind_project_shows_an_annotator_only_their_own(
    annotator, project, hits, make_member
):
    """The search page reads spans as the API's list does: in a blind project another
    annotator's span (and whose it is) is not found."""
    _, span = hits
    project.blind = True
    project.save(update_fields=["blind"])
    other = make_member()
    html = client_for(other).get("/search/", {"q": "refuses"}).content.decode()
    assert f"?span={span.pk}" not in html and annotator.username not in html
    html = client_for(annotator).get("/search/", {"q": "refuses"}).content.decode()
    assert f"?span={span.pk}" in html


def test_first_marked():
    from annotations.search import MARK_START as A
    from annotations.search import MARK_STOP as Z
    from annotations.search import first_marked

    assert first_marked(f"Minsk {A}refused{Z} the {A}draft{Z}") == "refused"
    assert first_marked(f"{A}{A}Lukashenko{Z}{Z} said") == "Lukashenko"
    assert first_marked(f"open {A}ended") == "ended"
    assert first_marked("no hit") == "" and first_marked(None) == ""
