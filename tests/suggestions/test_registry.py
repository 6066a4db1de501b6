"""The registry refuses what could never be found in a text, and says so."""

import pytest
from django.core.exceptions import ValidationError

from annotations import services
from annotations.models import Actor

from ..api_helpers import API, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("alias", ["X", "", "  ", "...", "—", "A.", "7"])
def test_an_alias_that_cannot_match_is_refused(alias):
    with pytest.raises(ValidationError) as caught:
        services.actor_create(name="Vladimir Putin", aliases=["Putin", alias])
    [message] = caught.value.message_dict["aliases"]
    assert "two letters or digits" in message
    assert not Actor.objects.exists()


@pytest.mark.parametrize("alias", ["G7", "EU", "Ук", "U.S.", "北京"])
def test_short_aliases_that_can_match_are_kept(alias):
    assert services.actor_create(name="Someone", aliases=[alias]).aliases == [alias]


def test_the_api_answers_400_naming_the_alias(outsider):
    response = client_for(outsider).post(
        API + "actors/", {"name": "Vladimir Putin", "aliases": ["Putin", "P"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "aliases": ["“P” cannot be found in a text: an alias needs at least two letters or digits."]
    }


def test_update_refuses_too_and_a_merge_keeps_what_the_registry_held(staff):
    actor = services.actor_create(name="Dmitry Peskov", aliases=["Peskov"])
    with pytest.raises(ValidationError):
        services.actor_update(actor=actor, aliases=["!"])
    short = services.actor_create(name="P")  # a name is never refused; it is never matched
    kept = services.actor_merge(keep=actor, remove=short, user=staff)
    assert kept.aliases == ["Peskov", "P"]


def test_every_change_moves_the_registry_version(staff):
    actor = services.actor_create(name="Dmitry Peskov")
    created = actor.updated_at
    services.actor_update(actor=actor, aliases=["Peskov"])
    actor.refresh_from_db()
    assert actor.updated_at > created
