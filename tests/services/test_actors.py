"""actor_create, actor_update, actor_delete: the shared actor registry."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Actor

from ..factories import (
    ActorFactory,
)

pytestmark = pytest.mark.django_db


# --- actors ----------------------------------------------------------------------------------


def test_actor_aliases_are_cleaned():
    actor = services.actor_create(
        name="  Alexander   Lukashenko ",
        kind="person",
        aliases=[" Lukashenka ", "alexander lukashenko", "LUKASHENKA", "Лукашенко\n"],
    )
    actor.refresh_from_db()
    assert actor.name == "Alexander Lukashenko"
    assert actor.aliases == ["Lukashenka", "Лукашенко"]


def test_actor_search_text_is_casefolded_in_every_script():
    actor = services.actor_create(name="Путин", aliases=["Vladimir PUTIN", "Straße"])
    actor.refresh_from_db()
    assert actor.search_text == "путин\nvladimir putin\nstrasse"
    for query in ("ПУТИН", "путин", "Putin", "STRASSE"):
        assert Actor.objects.filter(search_text__contains=query.casefold()).get() == actor


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("aliases", {"aliases": "Putin"}),
        ("aliases", {"aliases": ["ok", 5]}),
        ("aliases", {"aliases": ["Pu\x00tin"]}),
        ("aliases", {"aliases": ["a" * 301]}),
        ("kind", {"kind": "militia"}),
        ("name", {"name": ""}),
        ("name", {"name": " \t\n "}),
        ("name", {"name": "Pu\ud800tin"}),
        ("wikidata_id", {"wikidata_id": "banana"}),
        ("wikidata_id", {"wikidata_id": "q7747"}),
        ("wikidata_id", {"wikidata_id": "Q0"}),
    ],
)
def test_actor_create_validates(field, kwargs):
    with pytest.raises(ValidationError) as caught:
        services.actor_create(**{"name": "Putin", **kwargs})
    assert field in caught.value.message_dict
    assert not Actor.objects.exists()


def test_actor_wikidata_id_unique():
    services.actor_create(name="Vladimir Putin", wikidata_id="Q7747")
    with pytest.raises(ValidationError) as caught:
        services.actor_create(name="Putin", wikidata_id="Q7747")
    assert caught.value.message_dict == {"wikidata_id": ["Q7747 is already “Vladimir Putin”."]}
    services.actor_create(name="ISW")
    services.actor_create(name="RAND")
    assert Actor.objects.filter(wikidata_id="").count() == 2


def test_actor_update_recomputes_aliases_and_search_text():
    actor = services.actor_create(name="Lukashenko", aliases=["Lukashenka"], wikidata_id="Q7982")
    services.actor_update(actor=actor, name="Аляксандр Лукашэнка", aliases=["Lukashenko"])
    actor.refresh_from_db()
    assert actor.aliases == ["Lukashenko"]
    assert actor.search_text == "аляксандр лукашэнка\nlukashenko"
    assert services.actor_update(actor=actor, wikidata_id="Q7982").wikidata_id == "Q7982"


def test_actor_update_validates():
    taken = services.actor_create(name="Belarus", wikidata_id="Q184")
    actor = services.actor_create(name="Lukashenko")
    for changes, field in [
        ({"wikidata_id": "Q184"}, "wikidata_id"),
        ({"wikidata_id": "x"}, "wikidata_id"),
        ({"name": "   "}, "name"),
        ({"aliases": "Lukashenka"}, "aliases"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.actor_update(actor=Actor.objects.get(pk=actor.pk), **changes)
        assert field in caught.value.message_dict
    actor.refresh_from_db()
    assert (actor.name, actor.wikidata_id) == ("Lukashenko", "")
    assert taken.wikidata_id == "Q184"


def test_actor_delete_staff_only(staff, manager):
    actor = ActorFactory()
    with pytest.raises(PermissionDenied):
        services.actor_delete(actor=actor, user=manager)
    services.actor_delete(actor=actor, user=staff)
    assert not Actor.objects.filter(pk=actor.pk).exists()


def test_actor_delete_refused_while_in_use(staff, article, label, annotator):
    actor = ActorFactory(name="Peskov")
    services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        actors=[(actor, "source"), (actor, "mentioned")],
    )
    with pytest.raises(Conflict) as caught:
        services.actor_delete(actor=actor, user=staff)
    assert caught.value.message == "“Peskov” is attached to 1 spans; merge it instead."
    assert Actor.objects.filter(pk=actor.pk).exists()
