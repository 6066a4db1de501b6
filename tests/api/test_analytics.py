"""projects/{id}/analytics/: the timeline to the SPEC's letter, JSON and CSV, its 400s; the
distribution per source; the actors most assessed."""

import datetime

import pytest
from django.test import Client

from annotations.models import ActorRole

from ..api_helpers import API, client_for
from ..factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(db):
    from annotations.models import Actor

    return {
        name: Actor.objects.create(name=name, kind="other", search_text=name.casefold())
        for name in ("ISW", "Belarus", "Peskov", "Nobody")
    }


@pytest.fixture
def data(project, label, annotator, actors):
    def span(published_on, probability, source, subject, i):
        article = ArticleFactory(
            project=project, body=f"Assessment number {i} of the war.", published_on=published_on
        )
        links = [(actors[source], ActorRole.SOURCE), (actors[subject], ActorRole.SUBJECT)]
        return SpanFactory(
            article=article, label=label, annotator=annotator, probability=probability,
            actors=links,
        )  # fmt: skip

    D = datetime.date
    span(D(2026, 1, 5), "unlikely", "ISW", "Belarus", 1)
    span(D(2026, 1, 25), "likely", "ISW", "Belarus", 2)
    span(D(2026, 3, 2), None, "ISW", "Belarus", 3)
    span(D(2026, 3, 9), "very_unlikely", "Peskov", "Belarus", 4)
    span(None, "almost_certain", "ISW", "Belarus", 5)  # undated: left out of the timeline
    return actors


def url(project, what="timeline"):
    return f"{API}projects/{project.pk}/analytics/{what}/"


def test_timeline_by_month(annotator, project, data):
    params = {"actor": data["ISW"].pk, "role": "source"}
    body = client_for(annotator).get(url(project), params).json()
    assert body["interval"] == "month"
    assert [(p["period"], p["count"]) for p in body["series"]] == [
        ("2026-01-01", 2), ("2026-02-01", 0), ("2026-03-01", 1)
    ]  # fmt: skip
    january = body["series"][0]
    assert january["probability"]["unlikely"] == 1 and january["probability"]["likely"] == 1
    assert january["mean_probability"] == 50.0
    assert body["series"][1]["mean_probability"] is None
    assert body["series"][2]["mean_probability"] is None  # one span, not graded
    assert set(january["probability"]) == {
        "almost_no_chance", "very_unlikely", "unlikely", "roughly_even_chance", "likely",
        "very_likely", "almost_certain",
    }  # fmt: skip


def test_timeline_by_week_and_day_and_filters(annotator, project, label, data):
    client = client_for(annotator)
    weeks = client.get(url(project), {"interval": "week"}).json()["series"]
    assert weeks[0]["period"] == "2026-01-05" and weeks[-1]["period"] == "2026-03-09"
    assert len(weeks) == 10 and sum(p["count"] for p in weeks) == 4
    days = client.get(url(project), {"interval": "day", "actor": data["Peskov"].pk}).json()
    assert [p["period"] for p in days["series"]] == ["2026-03-09"]
    assert days["series"][0]["mean_probability"] == 12.5
    by_label = client.get(url(project), {"label": label.pk, "role": "subject"}).json()
    assert sum(p["count"] for p in by_label["series"]) == 4
    subject_isw = client.get(url(project), {"actor": data["ISW"].pk, "role": "subject"}).json()
    assert subject_isw["series"] == []
    assert client.get(url(project), {"gold": "false"}).json()["series"] != []
    assert client.get(url(project), {"gold": "true"}).json()["series"] == []


def test_an_actor_of_no_span_gives_an_empty_series(annotator, project, data):
    body = client_for(annotator).get(url(project), {"actor": data["Nobody"].pk}).json()
    assert body == {"interval": "month", "series": []}


@pytest.mark.parametrize(
    ("params", "named"),
    [({"actor": "999999"}, "actor"), ({"actor": "x"}, "actor"), ({"interval": "year"}, "interval"),
     ({"published_after": "2026-13-01"}, "published_after"), ({"role": "boss"}, "role"),
     ({"label": "999999"}, "label"), ({"gold": "maybe"}, "gold"), ({"lable": "1"}, "lable"),
     ({"format": "xml"}, "format"), ({"actor": "9" * 30}, "actor")],
)  # fmt: skip
def test_bad_parameters_are_400_naming_them(annotator, project, data, params, named):
    response = client_for(annotator).get(url(project), params)
    assert response.status_code == 400
    assert named in response.json()


def test_timeline_csv(annotator, project, data):
    response = client_for(annotator).get(url(project), {"format": "csv", "actor": data["ISW"].pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "period,count,almost_no_chance,very_unlikely,unlikely,roughly_even_chance,likely,"
        "very_likely,almost_certain,mean_probability"
    )
    assert lines[1] == "2026-01-01,2,0,0,1,0,1,0,0,50.0"
    assert lines[2] == "2026-02-01,0,0,0,0,0,0,0,0,"


def test_outsiders_get_404(outsider, project, data):
    assert client_for(outsider).get(url(project)).status_code == 404
    assert client_for().get(url(project)).status_code in (401, 403)


def test_sources_and_actors(annotator, project, data):
    client = client_for(annotator)
    sources = client.get(url(project, "sources")).json()["results"]
    assert [(s["name"], s["count"], s["ungraded"]) for s in sources] == [
        ("ISW", 4, 1), ("Peskov", 1, 0)
    ]  # fmt: skip
    assert sources[0]["probability"]["almost_certain"] == 1
    ranked = client.get(url(project, "actors")).json()["results"]
    assert ranked == [{"rank": 1, "actor": data["Belarus"].pk, "name": "Belarus", "count": 5}]
    by_source = client.get(url(project, "actors"), {"rank_role": "source", "limit": 1}).json()
    assert [r["name"] for r in by_source["results"]] == ["ISW"]
    csv = client.get(url(project, "sources"), {"format": "csv"}).content.decode().splitlines()
    assert csv[0].startswith("actor,name,count,") and csv[1].startswith(f"{data['ISW'].pk},ISW,4,")


def test_a_blind_projects_annotator_counts_only_their_own_spans(
    annotator, reviewer, project, label, data, make_member
):
    """Blind annotation hides another annotator's work everywhere an annotator reads (the
    SPEC): the timeline, the distribution per source and the ranking count only their own
    spans, on either database's path, in JSON and CSV; a reviewer still counts every span."""
    project.blind = True
    project.save(update_fields=["blind"])
    bob = make_member(username="bob")
    article = ArticleFactory(
        project=project, body="Bob's view.", published_on=datetime.date(2026, 1, 9)
    )
    links = [(data["Peskov"], ActorRole.SOURCE), (data["Nobody"], ActorRole.SUBJECT)]
    SpanFactory(
        article=article, label=label, annotator=bob, probability="almost_certain", actors=links
    )
    expected = {"": [2, 0, 2], "actor": [1], "role": [2, 0, 2], "label": [2, 0, 2]}
    for params in ({}, {"actor": data["Peskov"].pk}, {"role": "source"}, {"label": label.pk}):
        mine = client_for(annotator).get(url(project), params).json()["series"]
        assert [p["count"] for p in mine] == expected[next(iter(params), "")], params
        assert not any(p["probability"]["almost_certain"] for p in mine), params
        theirs = client_for(bob).get(url(project), params).json()["series"]
        assert [p["count"] for p in theirs] == [1], params
    csv = client_for(annotator).get(url(project), {"format": "csv"}).content.decode()
    assert "2026-01-01,2," in csv
    sources = client_for(annotator).get(url(project, "sources")).json()["results"]
    assert [(s["name"], s["count"]) for s in sources] == [("ISW", 4), ("Peskov", 1)]
    ranked = client_for(annotator).get(url(project, "actors")).json()["results"]
    assert [r["name"] for r in ranked] == ["Belarus"]
    everyone = client_for(reviewer).get(url(project, "sources")).json()["results"]
    assert [(s["name"], s["count"]) for s in everyone] == [("ISW", 4), ("Peskov", 2)]


def test_a_timeline_of_too_many_periods_is_400_naming_interval(annotator, project, label):
    """One article dated in year 1 beside today's: by day, 740,000 periods (145 MB of JSON,
    four minutes for the page) were answered; past MAX_PERIODS the interval is refused,
    named, and the dates narrowed answer again."""
    for day in (datetime.date(1, 1, 1), datetime.date(2026, 1, 1)):
        article = ArticleFactory(project=project, body=f"Text of {day}.", published_on=day)
        SpanFactory(article=article, label=label, annotator=annotator, probability="likely")
    client = client_for(annotator)
    for interval in ("day", "week", "month"):
        response = client.get(url(project), {"interval": interval})
        assert response.status_code == 400, interval
        assert "published_after" in response.json()["interval"][0]
    csv = client.get(url(project), {"format": "csv"})
    assert csv.status_code == 400 and "interval" in csv.json()
    narrowed = client.get(url(project), {"interval": "day", "published_after": "2020-01-01"})
    assert narrowed.status_code == 200
    assert [p["count"] for p in narrowed.json()["series"]] == [1]
    page = Client()
    page.force_login(annotator)
    response = page.get(f"/projects/{project.slug}/analytics/", {"interval": "day"})
    html = response.content.decode()
    assert response.status_code == 200 and "interval: 0001-01-01 to 2026-01-01" in html
    assert html.count('<section class="card chart"') == 3  # the other charts still there


def test_periods_between():
    from annotations.metrics.analytics import MAX_PERIODS, periods_between, timeline

    D = datetime.date
    assert periods_between(D(2025, 11, 30), D(2026, 2, 1), "month") == 4
    assert periods_between(D(2026, 1, 5), D(2026, 1, 18), "week") == 2
    assert periods_between(D(2026, 1, 5), D(2026, 1, 5), "day") == 1
    last = D(2026, 1, 1) + datetime.timedelta(days=MAX_PERIODS - 1)
    assert len(timeline([(D(2026, 1, 1), None, 1), (last, None, 1)], "day")) == MAX_PERIODS
