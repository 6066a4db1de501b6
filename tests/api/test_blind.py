"""A blind project: an annotator sees nothing of another's work, anywhere they read; the
reviewer sees everything."""

import json

import pytest
from django.urls import reverse

from annotations.models import Role

from ..api_helpers import API, client_for
from ..factories import LabelFactory, RelationFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def blind(project, article, label, annotator, reviewer, make_member):
    project.blind = True
    project.save()
    bob = make_member(Role.ANNOTATOR, username="bob")
    relation_label = LabelFactory(project=project, name="Responds", kind="relation")
    mine = SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)
    theirs = SpanFactory(article=article, label=label, annotator=bob, start=0, end=3)
    RelationFactory(
        from_span=theirs,
        to_span=SpanFactory(article=article, label=label, annotator=bob, start=4, end=12),
        label=relation_label,
    )
    return {"mine": mine, "theirs": theirs, "bob": bob}


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_the_api_lists_only_my_spans_relations_and_history(blind, annotator, reviewer, article):
    mine, theirs = blind["mine"], blind["theirs"]
    me = client_for(annotator)
    assert ids(me.get(API + "spans/")) == [mine.pk]
    assert ids(me.get(f"{API}spans/?article={article.pk}")) == [mine.pk]  # the fast path
    assert ids(me.get(f"{API}spans/?article={article.pk}&annotator=bob")) == []
    assert me.get(f"{API}spans/{theirs.pk}/").status_code == 404
    assert ids(me.get(API + "relations/")) == []
    history = me.get(f"{API}history/?article={article.pk}").json()["results"]
    assert {event["span"] for event in history} == {mine.pk}
    assert me.get(f"{API}articles/{article.pk}/").json()["span_count"] == 1
    assert me.get(API + "articles/").json()["results"][0]["span_count"] == 1
    # The reviewer sees everything.
    them = client_for(reviewer)
    assert len(ids(them.get(API + "spans/"))) == 3
    assert len(ids(them.get(f"{API}spans/?article={article.pk}"))) == 3
    assert len(ids(them.get(API + "relations/"))) == 1
    assert them.get(f"{API}articles/{article.pk}/").json()["span_count"] == 3


def test_exports_and_agreement_hold_only_my_work(blind, annotator, reviewer, project):
    url = f"{API}projects/{project.pk}/export/?format=jsonl"
    for client, expected in ((client_for(annotator), {"alice"}), (client_for(reviewer), None)):
        lines = b"".join(client.get(url).streaming_content).decode().splitlines()
        annotators = {span["annotator"] for line in lines for span in json.loads(line)["spans"]}
        assert annotators == (expected or {"alice", "bob"})
    mine = client_for(annotator).get(f"{API}projects/{project.pk}/agreement/").json()
    assert mine["annotators"] == ["alice"] and mine["pairs"] == [] and mine["alpha"] is None
    theirs = client_for(reviewer).get(f"{API}projects/{project.pk}/agreement/").json()
    assert theirs["annotators"] == ["alice", "bob"] and len(theirs["pairs"]) == 1


def test_pages_show_only_my_work(blind, annotator, client, project, article):
    client.force_login(annotator)
    page = client.get(reverse("annotations:annotate", args=[project.slug, article.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="item-{blind["mine"].pk}"' in html
    assert f'id="item-{blind["theirs"].pk}"' not in html
    download = client.get(
        reverse("annotations:project-export-download", args=[project.slug]) + "?format=csv"
    )
    rows = b"".join(download.streaming_content).decode().strip().splitlines()[1:]
    assert len(rows) == 1 and ",alice," in rows[0]
    count = client.get(reverse("annotations:project-export", args=[project.slug]))
    assert count.context["count"]["spans"] == 1
    agreement = client.get(reverse("annotations:project-agreement", args=[project.slug]))
    assert agreement.context["result"].annotators == ["alice"]
    assert client.get(reverse("annotations:project-review", args=[project.slug])).status_code in (
        403,
        404,
    )


def test_a_project_that_is_not_blind_shows_everyone(blind, annotator, project):
    project.blind = False
    project.save()
    assert len(ids(client_for(annotator).get(API + "spans/"))) == 3
