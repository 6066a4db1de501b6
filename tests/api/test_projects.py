"""projects/ and projects/{id}/members/."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotations.models import Membership, Project, Role

from ..api_helpers import API, client_for
from ..factories import ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_list_shows_only_my_projects_with_my_role(annotator, project):
    ProjectFactory(name="Not mine")
    response = client_for(annotator).get(API + "projects/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"next", "previous", "results"}
    assert body["results"] == [
        {
            "id": project.pk,
            "name": project.name,
            "slug": project.slug,
            "description": "",
            "blind": False,
            "created_at": body["results"][0]["created_at"],
            "my_role": "annotator",
        }
    ]


def test_superuser_sees_every_project_as_manager(project):
    ProjectFactory()
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    results = client_for(admin).get(API + "projects/").json()["results"]
    assert len(results) == 2
    assert {p["my_role"] for p in results} == {"manager"}


def test_create_makes_slug_and_creator_manager(outsider):
    client = client_for(outsider)
    response = client.post(API + "projects/", {"name": "ISW Belarus"}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["slug"] == "isw-belarus"
    assert data["my_role"] == "manager"
    assert Membership.objects.get(project_id=data["id"], user=outsider).role == Role.MANAGER
    second = client.post(API + "projects/", {"name": "ISW Belarus"}, format="json").json()
    assert second["slug"] == "isw-belarus-2"


def test_head_of_the_members_reads_and_never_writes(manager, project):
    """HEAD is a safe method: answered as GET (a session skips CSRF for it), never a write."""
    UserFactory(username="eve")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)
    url = API + f"projects/{project.pk}/members/"
    payload = json.dumps({"username": "eve", "role": "manager"})
    for body in ({"data": payload, "content_type": "application/json"}, {}):
        assert client.generic("HEAD", url, **body).status_code == 200
    assert not Membership.objects.filter(project=project, user__username="eve").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "slug": "not a slug!"}, "slug"),
        ({"name": "A", "slug": "project-taken"}, "slug"),
    ],
)
def test_create_validates(outsider, payload, field):
    ProjectFactory(slug="project-taken")
    response = client_for(outsider).post(API + "projects/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Project.objects.count() == 1


def test_another_project_answers_404(outsider, project):
    client = client_for(outsider)
    assert client.get(API + f"projects/{project.pk}/").status_code == 404
    assert client.patch(API + f"projects/{project.pk}/", {"name": "x"}).status_code == 404
    assert client.delete(API + f"projects/{project.pk}/").status_code == 404
    assert client.get(API + f"projects/{project.pk}/members/").status_code == 404


def test_only_a_manager_changes_the_project(annotator, reviewer, manager, project):
    for user in (annotator, reviewer):
        response = client_for(user).patch(
            API + f"projects/{project.pk}/", {"name": "New"}, format="json"
        )
        assert response.status_code == 403
        assert "detail" in response.json()
    response = client_for(manager).patch(
        API + f"projects/{project.pk}/", {"name": "New", "description": "d"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "New"
    assert response.json()["my_role"] == "manager"
    project.refresh_from_db()
    assert (project.name, project.description) == ("New", "d")


def test_delete_project(manager, annotator, project):
    assert client_for(annotator).delete(API + f"projects/{project.pk}/").status_code == 403
    assert client_for(manager).delete(API + f"projects/{project.pk}/").status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


def test_delete_project_with_spans_is_a_conflict(manager, annotator, article, label, project):
    SpanFactory(article=article, label=label, annotator=annotator)
    response = client_for(manager).delete(API + f"projects/{project.pk}/")
    assert response.status_code == 409
    assert "spans" in response.json()["detail"]


# --- members -----------------------------------------------------------------------------


def test_members_list(annotator, manager, project):
    response = client_for(annotator).get(API + f"projects/{project.pk}/members/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"username": "alice", "role": "annotator"},
        {"username": "max", "role": "manager"},
    ]


def test_manager_adds_and_changes_members(manager, project):
    UserFactory(username="bob")
    client = client_for(manager)
    url = API + f"projects/{project.pk}/members/"
    response = client.post(url, {"username": "bob", "role": "reviewer"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"username": "bob", "role": "reviewer"}
    response = client.patch(url + "bob/", {"role": "annotator"}, format="json")
    assert response.status_code == 200
    assert Membership.objects.get(project=project, user__username="bob").role == "annotator"
    assert client.delete(url + "bob/").status_code == 204
    assert not Membership.objects.filter(project=project, user__username="bob").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "nobody", "role": "annotator"}, "username"),
        ({"username": "bob", "role": "boss"}, "role"),
        ({"role": "annotator"}, "username"),
    ],
)
def test_member_add_validates(manager, project, payload, field):
    UserFactory(username="bob")
    response = client_for(manager).post(
        API + f"projects/{project.pk}/members/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Membership.objects.filter(project=project, user__username="bob").exists()


def test_only_managers_manage_members(annotator, reviewer, project):
    UserFactory(username="bob")
    url = API + f"projects/{project.pk}/members/"
    for user in (annotator, reviewer):
        client = client_for(user)
        response = client.post(url, {"username": "bob", "role": "manager"}, format="json")
        assert response.status_code == 403
        assert client.patch(url + "alice/", {"role": "manager"}, format="json").status_code == 403
        assert client.delete(url + "alice/").status_code == 403
    assert Membership.objects.get(project=project, user=annotator).role == "annotator"


def test_unknown_member_answers_404(manager, project):
    UserFactory(username="bob")
    url = API + f"projects/{project.pk}/members/bob/"
    assert client_for(manager).patch(url, {"role": "manager"}, format="json").status_code == 404
    assert client_for(manager).delete(url).status_code == 404


def test_last_manager_stays(manager, project):
    url = API + f"projects/{project.pk}/members/max/"
    response = client_for(manager).patch(url, {"role": "annotator"}, format="json")
    assert response.status_code == 409
    assert "manager" in response.json()["detail"]
    assert client_for(manager).delete(url).status_code == 409
    assert Membership.objects.get(project=project, user=manager).role == "manager"
