"""The search page and the analytics page, rendered: what they show, what they escape."""

import datetime

import pytest
from django.test import Client

from annotations.models import Actor, ActorRole

from ..factories import ArticleFactory, SpanFactory

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
    assert "2026-02-01" in html  # the empty month between
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
    page = f"/projects/{project.slug}/analytics/"
    html = client_for(other).get(page).content.decode()
    assert "your own spans only" in html
    assert "<td>97.0</td>" in html and "<td>50.0</td>" not in html  # bob's mean, not theirs
    html = client_for(annotator).get(page).content.decode()
    assert "<td>97.0</td>" not in html and "<td>50.0</td>" in html
    html = client_for(reviewer).get(page).content.decode()
    assert "your own spans only" not in html
    assert "<td>64.75</td>" in html  # January: both annotators' spans


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
