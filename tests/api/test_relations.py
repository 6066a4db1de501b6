"""relations/: typed links between two spans of one article."""

import pytest

from annotations import services
from annotations.models import Relation, Role

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(annotator, project, article, label):
    first = SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)
    second = SpanFactory(article=article, label=label, annotator=annotator, start=4, end=12)
    supports = LabelFactory(project=project, name="Supports", kind="relation")
    return {"first": first, "second": second, "supports": supports, "span_label": label}


def payload(setup, **extra):
    return {
        "from_span": setup["first"].pk,
        "to_span": setup["second"].pk,
        "label": setup["supports"].pk,
        **extra,
    }


def test_create_and_read(annotator, article, setup):
    client = client_for(annotator)
    response = client.post(API + "relations/", payload(setup), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data == {
        "id": data["id"],
        "article": article.pk,
        "from_span": setup["first"].pk,
        "to_span": setup["second"].pk,
        "label": setup["supports"].pk,
        "annotator": "alice",
        "created_at": data["created_at"],
    }
    assert client.get(API + f"relations/{data['id']}/").json() == data


def test_create_validates(annotator, project, label, setup, other_project_objects):  # noqa: F811
    elsewhere = ArticleFactory(project=project, body="Another article.")
    far = SpanFactory(article=elsewhere, label=label, annotator=annotator, start=0, end=7)
    hidden = other_project_objects
    cases = [
        (payload(setup, to_span=far.pk), "to_span", "same article"),
        (payload(setup, to_span=setup["first"].pk), "to_span", "itself"),
        (payload(setup, label=setup["span_label"].pk), "label", "not a relation label"),
        (payload(setup, label=hidden["relation_label"].pk), "label", "does not exist"),
        (payload(setup, to_span=hidden["span"].pk), "to_span", "does not exist"),
        (payload(setup, from_span="x"), "from_span", "Incorrect type"),
        (payload(setup, from_span=2**70), "from_span", "does not exist"),
        ({"from_span": setup["first"].pk}, "to_span", "required"),
    ]
    client = client_for(annotator)
    for body, field, message in cases:
        response = client.post(API + "relations/", body, format="json")
        assert response.status_code == 400, body
        assert message in str(response.json()[field]), response.json()
    assert not Relation.objects.exists()


def test_duplicate_is_refused(annotator, setup):
    client = client_for(annotator)
    assert client.post(API + "relations/", payload(setup), format="json").status_code == 201
    response = client.post(API + "relations/", payload(setup), format="json")
    assert response.status_code == 400
    assert Relation.objects.count() == 1


@pytest.fixture
def relation(annotator, setup):
    return services.relation_create(
        from_span=setup["first"],
        to_span=setup["second"],
        label=setup["supports"],
        annotator=annotator,
    )


def test_owner_changes_and_deletes(annotator, relation, setup, project):
    refutes = LabelFactory(project=project, name="Refutes", kind="relation")
    client = client_for(annotator)
    url = API + f"relations/{relation.pk}/"
    response = client.patch(
        url,
        {"label": refutes.pk, "from_span": setup["second"].pk, "to_span": setup["first"].pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    relation.refresh_from_db()
    assert (relation.label, relation.from_span) == (refutes, setup["second"])
    assert client.patch(url, {"label": setup["span_label"].pk}, format="json").status_code == 400
    assert client.delete(url).status_code == 204
    assert not Relation.objects.exists()


def test_others_cannot_change_or_delete(make_member, manager, relation, project):
    refutes = LabelFactory(project=project, name="Refutes", kind="relation")
    bob = make_member(Role.ANNOTATOR, username="bob")
    url = API + f"relations/{relation.pk}/"
    for user in (bob, manager):
        client = client_for(user)
        assert client.patch(url, {"label": refutes.pk}, format="json").status_code == 403
    assert client_for(bob).delete(url).status_code == 403
    assert Relation.objects.get().label.name == "Supports"
    assert client_for(manager).delete(url).status_code == 204  # as a span: managers delete
    assert not Relation.objects.exists()


def test_outsider_gets_404(outsider, relation):
    client = client_for(outsider)
    assert client.get(API + f"relations/{relation.pk}/").status_code == 404
    assert client.delete(API + f"relations/{relation.pk}/").status_code == 404
    assert client.get(API + "relations/").json()["results"] == []


def test_filters(annotator, project, article, relation, setup):
    client = client_for(annotator)

    def ids(query):
        response = client.get(API + "relations/" + query)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    assert ids("") == [relation.pk]
    assert ids(f"?project={project.pk}") == [relation.pk]
    assert ids(f"?article={article.pk}") == [relation.pk]
    assert ids(f"?article={article.pk + 1000}") == []
    assert ids(f"?label={setup['supports'].pk}") == [relation.pk]
    assert ids(f"?label={setup['span_label'].pk}") == []
    assert client.get(API + "relations/?article=x").status_code == 400


def test_deleting_a_span_deletes_its_relations(annotator, relation, setup):
    assert client_for(annotator).delete(API + f"spans/{setup['first'].pk}/").status_code == 204
    assert not Relation.objects.exists()
