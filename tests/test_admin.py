"""The admin writes through the services: refusals show on the form and change nothing."""

import pytest

from annotations.models import (
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    SpanEvent,
)

from .factories import ArticleFactory, LabelFactory, RelationFactory, SpanFactory, UserFactory


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


# --- members and labels: through the services, refusals on the form -------------------------


def _inline_management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def project_form(project, memberships=(), labels=(), **rows):
    """The project's change form with its inlines: ``memberships`` and ``labels`` are
    (object, overrides) pairs for the existing rows."""
    data = {"name": project.name, "slug": project.slug, "description": project.description}
    data |= _inline_management("memberships", len(memberships), len(memberships))
    data |= _inline_management("labels", len(labels), len(labels))
    for i, (membership, overrides) in enumerate(memberships):
        row = {"id": membership.pk, "project": project.pk, "user": membership.user_id}
        row |= {"role": membership.role, **overrides}
        data |= {f"memberships-{i}-{key}": value for key, value in row.items()}
    for i, (label, overrides) in enumerate(labels):
        row = {"id": label.pk, "project": project.pk, "name": label.name, "kind": label.kind}
        row |= {"color": label.color, "hotkey": label.hotkey, "category": label.category}
        row |= {"order": label.order, **overrides}
        data |= {f"labels-{i}-{key}": value for key, value in row.items()}
    return data | rows


@pytest.fixture
def managed(manager, project):
    return Membership.objects.get(project=project, user=manager)


def test_membership_admin_refuses_to_demote_the_last_manager(staff_client, managed):
    response = staff_client.post(
        f"/admin/annotations/membership/{managed.pk}/change/",
        {"project": managed.project_id, "user": managed.user_id, "role": Role.ANNOTATOR},
    )
    assert response.status_code == 200
    assert "at least one manager" in response.content.decode()
    managed.refresh_from_db()
    assert managed.role == Role.MANAGER


def test_membership_admin_changes_a_role_through_the_service(staff_client, managed, annotator):
    member = Membership.objects.get(user=annotator)
    response = staff_client.post(
        f"/admin/annotations/membership/{member.pk}/change/",
        {"project": member.project_id, "user": member.user_id, "role": Role.REVIEWER},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.REVIEWER


def test_membership_admin_does_not_delete_the_last_manager(staff_client, managed):
    response = staff_client.post(
        f"/admin/annotations/membership/{managed.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert "at least one manager" in response.content.decode()
    assert Membership.objects.filter(pk=managed.pk).exists()


def test_project_inline_refuses_to_demote_or_remove_the_last_manager(
    staff_client, project, managed
):
    url = f"/admin/annotations/project/{project.pk}/change/"
    for overrides in ({"role": Role.ANNOTATOR}, {"DELETE": "on"}):
        response = staff_client.post(url, project_form(project, [(managed, overrides)]))
        assert response.status_code == 200
        assert "at least one manager" in response.content.decode()
        managed.refresh_from_db()
        assert managed.role == Role.MANAGER


def test_project_inline_may_hand_over_the_manager_role(staff_client, project, managed, annotator):
    member = Membership.objects.get(user=annotator)
    url = f"/admin/annotations/project/{project.pk}/change/"
    data = project_form(
        project, [(managed, {"role": Role.ANNOTATOR}), (member, {"role": Role.MANAGER})]
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert dict(Membership.objects.values_list("user__username", "role")) == {
        "max": Role.ANNOTATOR,
        "alice": Role.MANAGER,
    }


def test_label_admin_refuses_a_reserved_hotkey(staff_client, project):
    response = staff_client.post(
        "/admin/annotations/label/add/",
        {"project": project.pk, "name": "Claim", "kind": "span", "color": "#93c5fd",
         "hotkey": "?", "description": "", "category": "", "order": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert not Label.objects.exists()


def test_label_admin_refuses_a_kind_change_of_a_label_in_use(staff_client):
    span = SpanFactory()
    label = span.label
    response = staff_client.post(
        f"/admin/annotations/label/{label.pk}/change/",
        {"name": label.name, "kind": "relation", "color": label.color, "hotkey": "",
         "description": "", "category": "", "order": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "in use" in response.content.decode()
    label.refresh_from_db()
    assert label.kind == "span"


def test_project_inline_refuses_a_reserved_hotkey(staff_client, project, managed):
    label = LabelFactory(project=project, name="Claim", hotkey="c")
    url = f"/admin/annotations/project/{project.pk}/change/"
    response = staff_client.post(url, project_form(project, labels=[(label, {"hotkey": "?"})]))
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    label.refresh_from_db()
    assert label.hotkey == "c"


def test_label_list_order_is_saved_through_the_service(staff_client, project):
    label = LabelFactory(project=project, name="Claim")
    response = staff_client.post(
        "/admin/annotations/label/",
        {**_inline_management("form", 1, 1), "form-0-id": label.pk, "form-0-order": 7,
         "_save": "Save"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    label.refresh_from_db()
    assert label.order == 7


def test_admin_adds_a_project_whose_creator_manages_it(staff_client):
    response = staff_client.post(
        "/admin/annotations/project/add/", {"name": "Belarus", "slug": "belarus", "description": ""}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    project = Project.objects.get()
    assert project.slug == "belarus"
    assert Membership.objects.get(project=project).role == Role.MANAGER


def test_admin_deletes_a_relation_through_the_service(staff_client):
    relation = RelationFactory()
    staff_client.post(f"/admin/annotations/relation/{relation.pk}/delete/", {"post": "yes"})
    assert not Relation.objects.filter(pk=relation.pk).exists()
