"""actors/: the registry shared by all projects."""

import pytest
from django.contrib.auth import get_user_model

from annotations.models import Actor

from ..api_helpers import API, client_for, send_json
from ..factories import ActorFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_any_signed_in_user_creates_and_reads(outsider):
    client = client_for(outsider)
    response = client.post(
        API + "actors/",
        {
            "name": "Alexander Lukashenko",
            "kind": "person",
            "aliases": ["Lukashenka", "Лукашенко"],
            "wikidata_id": "Q1",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data == {
        "id": data["id"],
        "name": "Alexander Lukashenko",
        "kind": "person",
        "aliases": ["Lukashenka", "Лукашенко"],
        "description": "",
        "wikidata_id": "Q1",
        "span_count": 0,
    }
    assert client.get(API + f"actors/{data['id']}/").json() == data


def test_search_matches_name_and_aliases_in_every_script(outsider):
    putin = ActorFactory(name="Владимир Путин", aliases=["Vladimir Putin"])
    isw = ActorFactory(name="ISW", aliases=["Institute for the Study of War"], kind="organization")
    ActorFactory(name="Straße", aliases=[])
    client = client_for(outsider)

    def names(query):
        response = client.get(API + "actors/" + query)
        assert response.status_code == 200
        return [item["name"] for item in response.json()["results"]]

    assert names("?q=путин") == [putin.name]
    assert names("?q=PUTIN") == [putin.name]
    assert names("?q=study of") == [isw.name]
    assert names("?q=STRASSE") == ["Straße"]  # casefold, which SQL LOWER() is not
    assert names("?kind=organization") == [isw.name]
    assert client.get(API + "actors/?kind=planet").status_code == 400


def test_span_count(annotator, article, label):
    actor = ActorFactory(name="Belarus", kind="state")
    SpanFactory(article=article, label=label, annotator=annotator, actors=[(actor, "subject")])
    data = client_for(annotator).get(API + f"actors/{actor.pk}/").json()
    assert data["span_count"] == 1


def test_span_count_tells_only_of_my_projects(annotator, outsider, article, label):
    actor = ActorFactory(name="Belarus", kind="state")
    for start in (0, 4):
        SpanFactory(
            article=article, label=label, annotator=annotator, start=start, end=start + 3,
            actors=[(actor, "subject"), (actor, "source")],
        )  # fmt: skip
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user, count in ((annotator, 2), (outsider, 0), (root, 2)):
        client = client_for(user)
        assert client.get(API + f"actors/{actor.pk}/").json()["span_count"] == count
        (listed,) = client.get(API + "actors/?q=belarus").json()["results"]
        assert listed["span_count"] == count
    # Still in use, whoever asks: only the count is scoped.
    assert client_for(root).delete(API + f"actors/{actor.pk}/").status_code == 409


def test_change(outsider):
    actor = ActorFactory(name="Peskov")
    response = client_for(outsider).patch(
        API + f"actors/{actor.pk}/", {"aliases": ["Dmitry Peskov"]}, format="json"
    )
    assert response.status_code == 200
    actor.refresh_from_db()
    assert actor.aliases == ["Dmitry Peskov"]
    assert "dmitry peskov" in actor.search_text


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "A", "kind": "planet"}, "kind"),
        ({"name": "A", "aliases": "not a list"}, "aliases"),
        ({"name": "A", "aliases": [1, 2]}, "aliases"),
        ({"name": "A", "aliases": ["\u0000"]}, "aliases"),
        ({"name": "A", "wikidata_id": "Q0"}, "wikidata_id"),
        ({"name": "A", "wikidata_id": "P31"}, "wikidata_id"),
        ({"name": "A", "wikidata_id": "Q42"}, "wikidata_id"),  # taken
        ({"name": "x" * 301}, "name"),
    ],
)
def test_create_validates(outsider, payload, field):
    ActorFactory(name="Douglas Adams", wikidata_id="Q42")
    response = send_json(client_for(outsider), "post", API + "actors/", payload)
    assert response.status_code == 400
    assert field in response.json()
    assert Actor.objects.count() == 1


def test_only_staff_delete(outsider):
    actor = ActorFactory(name="Nobody")
    assert client_for(outsider).delete(API + f"actors/{actor.pk}/").status_code == 403
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    assert client_for(staff).delete(API + f"actors/{actor.pk}/").status_code == 204
    assert not Actor.objects.filter(pk=actor.pk).exists()


def test_actor_in_use_is_a_conflict(annotator, article, label):
    actor = ActorFactory(name="Belarus", kind="state")
    SpanFactory(article=article, label=label, annotator=annotator, actors=[(actor, "subject")])
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    response = client_for(staff).delete(API + f"actors/{actor.pk}/")
    assert response.status_code == 409
    assert "1 spans" in response.json()["detail"]
    assert Actor.objects.filter(pk=actor.pk).exists()
