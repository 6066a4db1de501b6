"""The admin writes through the services: refusals show on the form and change nothing."""

import pytest

from annotations.models import Actor, Article, Label, SpanEvent

from .factories import ArticleFactory, LabelFactory, SpanFactory, UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def article_form(project, **overrides):
    return {
        "project": project.pk,
        "title": "A title",
        "body": "First line\r\nsecond line",
        "source": "ISW",
        "url": "",
        "published_on": "",
        "author": "",
        "language": "en",
        "external_id": "",
        "metadata": "{}",
        **overrides,
    }


def test_admin_adds_an_article_through_the_service(staff_client, project):
    response = staff_client.post("/admin/annotations/article/add/", article_form(project))

    assert response.status_code == 302
    article = Article.objects.get()
    assert article.body == "First line\nsecond line"
    assert len(article.sha256) == 64


def test_admin_refuses_a_duplicate_body_on_the_form(staff_client, project):
    ArticleFactory(project=project, body="First line\nsecond line")

    response = staff_client.post("/admin/annotations/article/add/", article_form(project))

    assert response.status_code == 200
    assert "already has this text" in response.content.decode()
    assert Article.objects.count() == 1


def test_admin_refuses_a_nul_character(staff_client, project):
    response = staff_client.post(
        "/admin/annotations/article/add/", article_form(project, title="bad\x00title")
    )

    assert response.status_code == 200
    assert Article.objects.count() == 0


def test_admin_freezes_the_body_of_an_annotated_article(staff_client):
    span = SpanFactory()
    article = span.article
    url = f"/admin/annotations/article/{article.pk}/change/"

    page = staff_client.get(url).content.decode()
    response = staff_client.post(
        url, article_form(article.project, title="New title", body="Another text")
    )

    assert 'name="body"' not in page
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "New title"
    assert article.body != "Another text"


def test_admin_refuses_aliases_that_are_not_a_list(staff_client):
    response = staff_client.post(
        "/admin/annotations/actor/add/",
        {"name": "Putin", "kind": "person", "aliases": '"Путин"', "wikidata_id": ""},
    )

    assert response.status_code == 200
    assert "list of strings" in response.content.decode()
    assert not Actor.objects.exists()


def test_admin_actor_search_text_follows_aliases(staff_client):
    staff_client.post(
        "/admin/annotations/actor/add/",
        {"name": "Vladimir Putin", "kind": "person", "aliases": '["Путин"]', "wikidata_id": ""},
    )

    assert Actor.objects.get().search_text == "vladimir putin\nпутин"


def test_admin_does_not_delete_a_label_in_use(staff_client):
    span = SpanFactory()

    response = staff_client.post(
        f"/admin/annotations/label/{span.label_id}/delete/", {"post": "yes"}, follow=True
    )

    assert "Cannot delete label" in response.content.decode()
    assert Label.objects.filter(pk=span.label_id).exists()


def test_admin_deletes_an_unused_label(staff_client, project):
    label = LabelFactory(project=project)

    staff_client.post(f"/admin/annotations/label/{label.pk}/delete/", {"post": "yes"})

    assert not Label.objects.filter(pk=label.pk).exists()


def test_admin_span_delete_is_recorded(staff_client):
    span = SpanFactory()

    staff_client.post(f"/admin/annotations/span/{span.pk}/delete/", {"post": "yes"})

    event = SpanEvent.objects.get(action="deleted")
    assert event.span_id == span.pk
    assert event.before["text"] == span.text


@pytest.mark.parametrize(
    "model", ["project", "membership", "label", "article", "actor", "span", "relation", "spanevent"]
)
def test_every_admin_list_answers(staff_client, model):
    SpanFactory()
    assert staff_client.get(f"/admin/annotations/{model}/").status_code == 200
    assert staff_client.get(f"/admin/annotations/{model}/?q=x").status_code == 200
