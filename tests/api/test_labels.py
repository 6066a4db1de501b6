"""labels/: a project's label scheme."""

import pytest

from annotations.models import Label

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


def test_list_filters_by_project(annotator, project, label, other_project_objects):  # noqa: F811
    mine_elsewhere = ProjectFactory()
    from annotations.models import Membership

    Membership.objects.create(project=mine_elsewhere, user=annotator, role="annotator")
    other = LabelFactory(project=mine_elsewhere, name="Claim")
    client = client_for(annotator)
    ids = [item["id"] for item in client.get(API + "labels/").json()["results"]]
    assert sorted(ids) == sorted([label.pk, other.pk])  # never the hidden project's
    response = client.get(API + f"labels/?project={project.pk}")
    assert response.json()["results"] == [
        {
            "id": label.pk,
            "project": project.pk,
            "name": "Assessment",
            "kind": "span",
            "color": "#93c5fd",
            "hotkey": "a",
            "description": "",
            "category": "",
            "order": 0,
        }
    ]


def test_manager_creates_label_with_default_kind(manager, project):
    response = client_for(manager).post(
        API + "labels/",
        {"project": project.pk, "name": "Claim", "color": "#ff0000", "hotkey": "c"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "span"
    assert Label.objects.get(pk=response.json()["id"]).hotkey == "c"


def test_annotator_and_reviewer_cannot_create(annotator, reviewer, project):
    for user in (annotator, reviewer):
        response = client_for(user).post(
            API + "labels/", {"project": project.pk, "name": "Claim"}, format="json"
        )
        assert response.status_code == 403
    assert not Label.objects.exists()


def test_label_in_another_project_cannot_be_created(manager, other_project_objects):  # noqa: F811
    response = client_for(manager).post(
        API + "labels/",
        {"project": other_project_objects["project"].pk, "name": "Sneaky"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["project"][0]
    assert not Label.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Assessment"}, "name"),
        ({"name": "assessment"}, "name"),
        ({"name": "New", "hotkey": "a"}, "hotkey"),
        ({"name": "New", "hotkey": "ab"}, "hotkey"),
        ({"name": "New", "color": "red"}, "color"),
        ({"name": "New", "kind": "chapter"}, "kind"),
        ({"name": "New", "order": -1}, "order"),
        ({"name": "New", "order": 2**70}, "order"),
        ({"name": ""}, "name"),
    ],
)
def test_create_validates(manager, project, label, payload, field):
    response = client_for(manager).post(
        API + "labels/", {"project": project.pk, **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Label.objects.count() == 1


def test_manager_changes_a_label(manager, label):
    response = client_for(manager).patch(
        API + f"labels/{label.pk}/", {"name": "Judgement", "color": "#00ff00"}, format="json"
    )
    assert response.status_code == 200
    label.refresh_from_db()
    assert (label.name, label.color) == ("Judgement", "#00ff00")


def test_annotator_cannot_change_or_delete(annotator, label):
    client = client_for(annotator)
    assert (
        client.patch(API + f"labels/{label.pk}/", {"name": "X"}, format="json").status_code == 403
    )
    assert client.delete(API + f"labels/{label.pk}/").status_code == 403
    assert Label.objects.filter(pk=label.pk, name="Assessment").exists()


def test_hidden_label_answers_404(manager, other_project_objects):  # noqa: F811
    hidden = other_project_objects["label"]
    client = client_for(manager)
    assert client.get(API + f"labels/{hidden.pk}/").status_code == 404
    assert client.patch(API + f"labels/{hidden.pk}/", {"name": "X"}).status_code == 404
    assert client.delete(API + f"labels/{hidden.pk}/").status_code == 404


def test_delete_unused_label(manager, label):
    assert client_for(manager).delete(API + f"labels/{label.pk}/").status_code == 204
    assert not Label.objects.filter(pk=label.pk).exists()


def test_delete_label_in_use_is_a_conflict(manager, annotator, label, article):
    SpanFactory(article=article, label=label, annotator=annotator)
    response = client_for(manager).delete(API + f"labels/{label.pk}/")
    assert response.status_code == 409
    assert "used by 1 spans" in response.json()["detail"]
    assert Label.objects.filter(pk=label.pk).exists()


def test_kind_of_a_label_in_use_cannot_change(manager, annotator, label, article):
    SpanFactory(article=article, label=label, annotator=annotator)
    response = client_for(manager).patch(
        API + f"labels/{label.pk}/", {"kind": "relation"}, format="json"
    )
    assert response.status_code == 409
