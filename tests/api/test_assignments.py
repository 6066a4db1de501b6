"""Assignments over the API: one, a list all or nothing, the even spread, the filters."""

from collections import Counter

import pytest

from annotations.models import Assignment, Role

from ..api_helpers import API, client_for
from ..factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotators(make_member):
    return [make_member(Role.ANNOTATOR, username=name) for name in ("ann", "ben", "cat")]


def test_a_manager_assigns_one_and_a_list(project, article, manager, annotators):
    client = client_for(manager)
    response = client.post(
        API + "assignments/", {"article": article.pk, "annotator": "ann"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["article"] == article.pk and body["annotator"] == "ann"
    assert body["project"] == project.pk and set(body) == {
        "id", "project", "article", "annotator", "created_at"
    }  # fmt: skip
    duplicate = client.post(
        API + "assignments/", {"article": article.pk, "annotator": "ann"}, format="json"
    )
    assert duplicate.status_code == 400
    second = ArticleFactory(project=project)
    items = [
        {"article": second.pk, "annotator": "ben"},
        {"article": second.pk, "annotator": "nobody"},
    ]
    response = client.post(API + "assignments/", items, format="json")
    assert response.status_code == 400
    assert response.json()["items"][0]["index"] == 1
    assert "annotator" in response.json()["items"][0]["errors"]
    assert Assignment.objects.count() == 1  # all or nothing
    response = client.post(API + "assignments/", items[:1], format="json")
    assert response.status_code == 201 and len(response.json()) == 1


def test_a_non_member_is_named(article, manager, outsider):
    response = client_for(manager).post(
        API + "assignments/", {"article": article.pk, "annotator": outsider.username}, format="json"
    )
    assert response.status_code == 400
    assert "annotator" in response.json()


def test_only_managers_assign_and_delete(article, manager, annotators):
    ann = annotators[0]
    payload = {"article": article.pk, "annotator": "ann"}
    assert client_for(ann).post(API + "assignments/", payload, format="json").status_code == 403
    pk = client_for(manager).post(API + "assignments/", payload, format="json").json()["id"]
    assert client_for(ann).get(f"{API}assignments/{pk}/").status_code == 200
    assert client_for(ann).delete(f"{API}assignments/{pk}/").status_code == 403
    assert client_for(manager).delete(f"{API}assignments/{pk}/").status_code == 204
    assert not Assignment.objects.exists()


def test_filters_and_assigned_to(project, manager, annotators):
    articles = [ArticleFactory(project=project) for _ in range(3)]
    client = client_for(manager)
    for article, name in zip(articles, ("ann", "ben", "ann"), strict=True):
        client.post(API + "assignments/", {"article": article.pk, "annotator": name}, format="json")
    listed = client.get(f"{API}assignments/?annotator=ann&project={project.pk}").json()
    assert [row["article"] for row in listed["results"]] == [articles[0].pk, articles[2].pk]
    listed = client.get(f"{API}assignments/?article={articles[1].pk}").json()
    assert [row["annotator"] for row in listed["results"]] == ["ben"]
    mine = client.get(f"{API}articles/?assigned_to=ann").json()
    assert sorted(row["id"] for row in mine["results"]) == [articles[0].pk, articles[2].pk]
    assert client.get(f"{API}assignments/?who=ann").status_code == 400


@pytest.mark.parametrize(("articles", "per_article"), [(10, 2), (7, 1), (5, 3), (4, 5)])
def test_assign_spreads_evenly(project, manager, annotators, articles, per_article):
    made = [ArticleFactory(project=project) for _ in range(articles)]
    response = client_for(manager).post(
        f"{API}projects/{project.pk}/assign/",
        {"annotators": ["ann", "ben", "cat"], "per_article": per_article},
        format="json",
    )
    assert response.status_code == 201, response.content
    wanted = min(per_article, 3)
    assert response.json() == {"created": articles * wanted}
    per = Counter(Assignment.objects.values_list("article_id", flat=True))
    assert all(per[article.pk] == wanted for article in made)
    load = Counter(Assignment.objects.values_list("annotator__username", flat=True))
    assert max(load.values()) - min(load.values()) <= 1
    again = client_for(manager).post(
        f"{API}projects/{project.pk}/assign/",
        {"annotators": ["ann", "ben", "cat"], "per_article": per_article},
        format="json",
    )
    assert again.json() == {"created": 0}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"annotators": ["ann"], "per_article": 0}, "per_article"),
        ({"annotators": ["ann"], "per_article": 1000}, "per_article"),
        ({"annotators": ["ann", "stranger"]}, "annotator"),
        ({"annotators": []}, "annotators"),
    ],
)
def test_assign_refuses_bad_input(project, article, manager, annotators, payload, field):
    UserFactory(username="stranger")
    response = client_for(manager).post(
        f"{API}projects/{project.pk}/assign/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Assignment.objects.exists()


def test_assign_by_an_annotator_is_refused(project, article, annotators):
    response = client_for(annotators[0]).post(
        f"{API}projects/{project.pk}/assign/", {"annotators": ["ann"]}, format="json"
    )
    assert response.status_code == 403


def test_blind_is_a_managers_project_field(project, manager, annotators):
    response = client_for(annotators[0]).patch(
        f"{API}projects/{project.pk}/", {"blind": True}, format="json"
    )
    assert response.status_code == 403
    response = client_for(manager).patch(
        f"{API}projects/{project.pk}/", {"blind": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["blind"] is True
