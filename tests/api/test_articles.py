"""articles/: the texts of a project."""

import datetime
import json

import pytest

from annotations.models import Article

from ..api_helpers import API, client_for, other_project_objects, send_json  # noqa: F401
from ..factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


def test_list_leaves_the_body_out(annotator, article):
    response = client_for(annotator).get(API + "articles/")
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert "body" not in item
    assert set(item) == {
        "id",
        "project",
        "title",
        "source",
        "url",
        "published_on",
        "author",
        "language",
        "external_id",
        "metadata",
        "span_count",
        "created_at",
    }


def test_detail_has_body_and_span_count(annotator, article, label):
    SpanFactory(article=article, label=label, annotator=annotator)
    data = client_for(annotator).get(API + f"articles/{article.pk}/").json()
    assert data["body"] == article.body
    assert data["span_count"] == 1


@pytest.mark.parametrize("who", ["annotator", "superuser"])
def test_detail_answers_as_the_general_way(who, annotator, article, label, django_user_model):
    """A plain GET reads the article with one written-out query; with a query parameter the
    ORM's scoped queryset does. Both answer the same."""
    Article.objects.filter(pk=article.pk).update(
        published_on=datetime.date(2026, 6, 1),
        metadata={"b": [1, {"c": None}], "a": "Лукашенко 🇺🇦"},
        title="A “title”",
    )
    SpanFactory(article=article, label=label, annotator=annotator)
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root", password=None)
    else:
        user = annotator
    client = client_for(user)
    plain = client.get(API + f"articles/{article.pk}/")
    general = client.get(API + f"articles/{article.pk}/?format=json")
    assert plain.status_code == general.status_code == 200
    assert plain.json() == general.json()
    assert plain.json()["metadata"] == {"b": [1, {"c": None}], "a": "Лукашенко 🇺🇦"}
    assert plain.json()["span_count"] == 1


@pytest.mark.parametrize(
    "pk", ["0", "9223372036854775807", "9223372036854775808", "9" * 40, "1" * 5000]
)
def test_detail_of_no_article_is_404(annotator, article, pk):
    assert client_for(annotator).get(API + f"articles/{pk}/").status_code == 404


def _nested(depth: int) -> str:
    return "[" * (depth - 1) + "1" + "]" * (depth - 1)


@pytest.mark.parametrize("depth", [33, 200, 870, 900, 930, 960, 5000])
def test_metadata_nested_too_deep_is_refused_not_a_crash(manager, project, article, depth):
    """Past 32 levels metadata is refused by the service; far past it the parser refuses it.
    In between, storing it used to recurse until Python gave up (a 500)."""
    client = client_for(manager)
    before = list(Article.objects.values_list("id", "metadata"))
    created = json.dumps({"project": project.pk, "body": "Deep.", "metadata": {"a": "DEEP"}})
    created = client.generic(
        "POST", API + "articles/", created.replace('"DEEP"', _nested(depth)), "application/json"
    )
    patched = json.dumps({"metadata": {"a": "DEEP"}}).replace('"DEEP"', _nested(depth))
    patched = client.generic("PATCH", API + f"articles/{article.pk}/", patched, "application/json")
    for response in (created, patched):
        assert response.status_code == 400, response.content[:200]
    assert list(Article.objects.values_list("id", "metadata")) == before


def test_metadata_nested_32_levels_is_kept(manager, project):
    metadata = {"a": json.loads(_nested(31))}
    response = client_for(manager).post(
        API + "articles/", {"project": project.pk, "body": "Deep.", "metadata": metadata},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content[:200]
    assert response.json()["metadata"] == metadata


def test_filters(annotator, project, other_project_objects):  # noqa: F811
    isw = ArticleFactory(
        project=project,
        title="Belarus update",
        body="Lukashenko spoke.",
        source="ISW",
        published_on=datetime.date(2026, 6, 2),
    )
    rand = ArticleFactory(
        project=project,
        title="RAND brief",
        body="Deterrence in the Baltics.",
        source="RAND",
        published_on=datetime.date(2026, 5, 1),
    )
    client = client_for(annotator)

    def ids(query):
        response = client.get(API + "articles/" + query)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["results"]}

    assert ids("") == {isw.pk, rand.pk}
    assert ids(f"?project={project.pk}") == {isw.pk, rand.pk}
    assert ids(f"?project={other_project_objects['project'].pk}") == set()
    assert ids("?q=belarus") == {isw.pk}
    assert ids("?q=BALTICS") == {rand.pk}
    assert ids("?source=isw") == {isw.pk}
    assert ids("?published_after=2026-06-01") == {isw.pk}
    assert ids("?published_before=2026-05-31") == {rand.pk}
    assert client.get(API + "articles/?published_after=June").status_code == 400


def test_manager_creates_article(manager, project):
    response = client_for(manager).post(
        API + "articles/",
        {
            "project": project.pk,
            "body": "Line one\r\nLine two  ",
            "source": "ISW",
            "published_on": "2026-06-03",
            "metadata": {"k": ["v"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["body"] == "Line one\nLine two  "  # newlines normalised, spaces kept
    assert data["title"] == "Line one"
    assert data["span_count"] == 0
    assert data["metadata"] == {"k": ["v"]}


def test_annotator_cannot_create_change_or_delete(annotator, reviewer, project, article):
    for user in (annotator, reviewer):
        client = client_for(user)
        response = client.post(
            API + "articles/", {"project": project.pk, "body": "New text"}, format="json"
        )
        assert response.status_code == 403
        assert client.patch(API + f"articles/{article.pk}/", {"title": "X"}).status_code == 403
        assert client.delete(API + f"articles/{article.pk}/").status_code == 403
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "a\u0000b"}, "body"),
        ({"body": "a\ud800b"}, "body"),
        ({"body": "ok", "title": "t\u0000"}, "title"),
        ({"body": "ok", "metadata": {"k": "\u0000"}}, "metadata"),
        ({"body": "ok", "metadata": ["not", "a", "dict"]}, "metadata"),
        ({"body": "ok", "url": "not a url"}, "url"),
        ({"body": "ok", "published_on": "2026-13-01"}, "published_on"),
        ({"body": "ok", "title": "x" * 501}, "title"),
        ({"body": 12}, "body"),
        ({}, "body"),
    ],
)
def test_create_validates(manager, project, payload, field):
    response = send_json(
        client_for(manager), "post", API + "articles/", {"project": project.pk, **payload}
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Article.objects.exists()


def test_same_text_twice_is_refused(manager, project, article):
    response = client_for(manager).post(
        API + "articles/", {"project": project.pk, "body": article.body}, format="json"
    )
    assert response.status_code == 400
    assert "already has this text" in response.json()["body"][0]


def test_article_of_another_project_cannot_be_created_or_seen(manager, other_project_objects):  # noqa: F811
    hidden = other_project_objects["article"]
    client = client_for(manager)
    response = client.post(
        API + "articles/",
        {"project": other_project_objects["project"].pk, "body": "Sneaky"},
        format="json",
    )
    assert response.status_code == 400
    assert client.get(API + f"articles/{hidden.pk}/").status_code == 404
    assert client.patch(API + f"articles/{hidden.pk}/", {"title": "x"}).status_code == 404
    assert client.delete(API + f"articles/{hidden.pk}/").status_code == 404


def test_manager_changes_an_article(manager, article):
    response = client_for(manager).patch(
        API + f"articles/{article.pk}/",
        {"title": "New title", "body": "A new text."},
        format="json",
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.title, article.body) == ("New title", "A new text.")


def test_body_is_frozen_once_spans_exist(manager, annotator, article, label):
    SpanFactory(article=article, label=label, annotator=annotator)
    client = client_for(manager)
    response = client.patch(API + f"articles/{article.pk}/", {"body": "Changed."}, format="json")
    assert response.status_code == 409
    assert "spans" in response.json()["detail"]
    assert (
        client.patch(
            API + f"articles/{article.pk}/", {"title": "Still fine"}, format="json"
        ).status_code
        == 200
    )


def test_delete(manager, annotator, article, label):
    client = client_for(manager)
    span = SpanFactory(article=article, label=label, annotator=annotator)
    assert client.delete(API + f"articles/{article.pk}/").status_code == 409
    span.delete()
    assert client.delete(API + f"articles/{article.pk}/").status_code == 204
    assert not Article.objects.exists()
