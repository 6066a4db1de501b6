"""Projects, memberships, labels and actors: the services around the spans."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Actor, Label, Membership, Project, Role
from annotations.services import projects

from ..factories import (
    ActorFactory,
    LabelFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- project_create / update / delete --------------------------------------------------------


def test_project_slug_is_made_from_the_name(outsider):
    project = services.project_create(name="ISW Daily Updates: Belarus", creator=outsider)
    assert project.slug == "isw-daily-updates-belarus"


def test_project_slug_gets_a_unique_suffix(outsider):
    slugs = [services.project_create(name="Belarus", creator=outsider).slug for _ in range(3)]
    assert slugs == ["belarus", "belarus-2", "belarus-3"]


@pytest.mark.parametrize("name", ["Проект Беларусь", "北京", "שלום", "🇺🇦"])
def test_non_latin_name_gets_a_fallback_slug(outsider, name):
    first = services.project_create(name=name, creator=outsider)
    second = services.project_create(name=name, creator=outsider)
    assert (first.slug, second.slug) == ("project", "project-2")
    assert first.name == name


def test_creator_becomes_the_manager(outsider):
    project = services.project_create(name="Belarus", creator=outsider)
    assert Membership.objects.get(project=project).user == outsider
    assert Membership.objects.get(project=project).role == Role.MANAGER
    assert project.created_by == outsider


def test_explicit_slug_is_validated_and_unique(outsider, project):
    assert services.project_create(name="B", slug="bel-2026", creator=outsider).slug == "bel-2026"
    with pytest.raises(ValidationError) as caught:
        services.project_create(name="B", slug=project.slug, creator=outsider)
    assert caught.value.message_dict == {"slug": [f"The slug “{project.slug}” is taken."]}
    with pytest.raises(ValidationError) as caught:
        services.project_create(name="B", slug="not a slug!", creator=outsider)
    assert "slug" in caught.value.message_dict


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("name", {"name": ""}), ("name", {"name": "Bel\x00arus"}), ("name", {"name": "n" * 201})],
)
def test_project_fields_validated(outsider, field, kwargs):
    count = Project.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.project_create(creator=outsider, **kwargs)
    assert field in caught.value.message_dict
    assert Project.objects.count() == count


def test_project_update_by_manager_only(project, manager, reviewer):
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, user=reviewer, name="Mine")
    assert services.project_update(project=project, user=manager, name="Ours").name == "Ours"


def test_project_update_refuses_a_taken_slug_and_unknown_fields(project, manager):
    other = ProjectFactory()
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, user=manager, slug=other.slug)
    assert "slug" in caught.value.message_dict
    with pytest.raises(TypeError, match="colour"):  # not a parameter
        services.project_update(project=project, user=manager, colour="red")


@pytest.fixture
def slug_race(monkeypatch):
    """Make the slug checks miss ``misses`` times, as when another request takes the slug
    between the check and the write: only the unique index can tell then."""
    state = {"misses": 0}
    check = projects._slug_taken

    def late(slug, **kwargs):
        if state["misses"] > 0:
            state["misses"] -= 1
            return False
        return check(slug, **kwargs)

    monkeypatch.setattr(projects, "_slug_taken", late)
    return state


def test_a_slug_taken_at_the_same_instant_gets_the_next_number(outsider, slug_race):
    services.project_create(name="Belarus", creator=outsider)
    slug_race["misses"] = 1
    project = services.project_create(name="Belarus", creator=outsider)
    assert project.slug == "belarus-2"
    assert Membership.objects.get(project=project).role == Role.MANAGER
    assert Project.objects.count() == 2


def test_a_given_slug_taken_at_the_same_instant_is_refused(outsider, project, slug_race):
    slug_race["misses"] = 1
    with pytest.raises(ValidationError) as caught:
        services.project_create(name="B", slug=project.slug, creator=outsider)
    assert caught.value.message_dict == {"slug": [f"The slug “{project.slug}” is taken."]}
    assert Project.objects.count() == 1


def test_a_slug_race_lost_every_time_is_refused_not_a_crash(outsider, monkeypatch):
    services.project_create(name="Belarus", creator=outsider)
    # Each slug made is taken by another request before it is written.
    monkeypatch.setattr(projects, "_unique_slug", lambda base: "belarus")
    with pytest.raises(ValidationError) as caught:
        services.project_create(name="Belarus", creator=outsider)
    assert "try again" in caught.value.message_dict["slug"][0]
    assert Project.objects.count() == 1


def test_a_slug_taken_at_the_same_instant_by_an_update_is_refused(project, manager, slug_race):
    other = ProjectFactory()
    slug_race["misses"] = 1
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, user=manager, slug=other.slug)
    assert "slug" in caught.value.message_dict
    assert Project.objects.get(pk=project.pk).slug != other.slug


def test_project_delete_refused_while_spans_exist(project, manager, article):
    SpanFactory(article=article)
    with pytest.raises(Conflict):
        services.project_delete(project=project, user=manager)
    assert Project.objects.filter(pk=project.pk).exists()


def test_project_delete_without_spans(project, manager, article, label):
    services.project_delete(project=project, user=manager)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Label.objects.filter(pk=label.pk).exists()


# --- membership_set / membership_remove ------------------------------------------------------


def test_manager_adds_and_changes_a_member(project, manager):
    bob = UserFactory(username="bob")
    services.membership_set(project=project, user=manager, member=bob, role=Role.ANNOTATOR)
    services.membership_set(project=project, user=manager, member=bob, role=Role.REVIEWER)
    assert Membership.objects.get(project=project, user=bob).role == Role.REVIEWER


def test_only_a_manager_manages_members(project, reviewer):
    with pytest.raises(PermissionDenied):
        services.membership_set(project=project, user=reviewer, member=reviewer, role=Role.MANAGER)
    assert Membership.objects.get(user=reviewer).role == Role.REVIEWER


def test_bad_role_refused(project, manager):
    with pytest.raises(ValidationError) as caught:
        services.membership_set(project=project, user=manager, member=UserFactory(), role="owner")
    assert "role" in caught.value.message_dict


def test_last_manager_cannot_be_demoted(project, manager):
    with pytest.raises(Conflict) as caught:
        services.membership_set(project=project, user=manager, member=manager, role=Role.REVIEWER)
    assert caught.value.message == "A project needs at least one manager."
    assert Membership.objects.get(user=manager).role == Role.MANAGER


def test_a_manager_can_be_demoted_while_another_remains(project, manager, make_member):
    make_member(Role.MANAGER, username="mia")
    services.membership_set(project=project, user=manager, member=manager, role=Role.ANNOTATOR)
    assert Membership.objects.get(project=project, user=manager).role == Role.ANNOTATOR


def test_last_manager_cannot_be_removed(project, manager):
    with pytest.raises(Conflict):
        services.membership_remove(project=project, user=manager, member=manager)
    assert Membership.objects.filter(project=project, user=manager).exists()


def test_member_removed(project, manager, annotator, outsider):
    services.membership_remove(project=project, user=manager, member=annotator)
    services.membership_remove(project=project, user=manager, member=outsider)  # not a member
    assert list(Membership.objects.filter(project=project).values_list("user", flat=True)) == [
        manager.pk
    ]


# --- labels ----------------------------------------------------------------------------------


def test_label_create_defaults(project, manager):
    first = services.label_create(project=project, user=manager, name="Assessment", hotkey="a")
    second = services.label_create(project=project, user=manager, name="Claim", color="#FCA5A5")
    assert (first.kind, first.order, second.order) == (Label.Kind.SPAN, 0, 1)
    assert second.color == "#FCA5A5"


def test_only_a_manager_creates_labels(project, annotator):
    with pytest.raises(PermissionDenied):
        services.label_create(project=project, user=annotator, name="Mine")


def test_hotkey_clash_names_the_other_label(project, label):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name="Allegation", hotkey="a")
    assert caught.value.message_dict == {
        "hotkey": ["The hotkey “a” is already used by “Assessment”."]
    }


@pytest.mark.parametrize("hotkey", ["?", " "])
def test_reserved_hotkeys_refused(project, hotkey):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name="Claim", hotkey=hotkey)
    assert "reserved" in caught.value.message_dict["hotkey"][0]


def test_hotkey_is_one_character(project):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name="Claim", hotkey="cl")
    assert "hotkey" in caught.value.message_dict


def test_same_hotkey_in_another_project_is_fine(label):
    assert services.label_create(project=ProjectFactory(), name="Other", hotkey="a").pk


@pytest.mark.parametrize(
    ("existing", "new"), [("Assessment", "assessment"), ("Оценка", "ОЦЕНКА"), ("Straße", "STRASSE")]
)
def test_label_names_clash_ignoring_case_in_every_script(project, existing, new):
    LabelFactory(project=project, name=existing)
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name=new)
    assert caught.value.message_dict == {
        "name": [f"The project already has a label named “{existing}”."]
    }


@pytest.mark.parametrize("color", ["red", "#12345", "#GGGGGG", "93c5fd"])
def test_label_color_must_be_hex(project, label, color, manager):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name="Claim", color=color)
    assert "color" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.label_update(label=label, user=manager, color=color)
    assert "color" in caught.value.message_dict
    label.refresh_from_db()
    assert label.color == "#93c5fd"


def test_label_create_refuses_unknown_fields_and_nul(project):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, name="Cla\x00im")
    assert set(caught.value.message_dict) == {"name"}
    with pytest.raises(TypeError, match="shortcut"):  # not a parameter
        services.label_create(project=project, name="Claim", shortcut="c")


def test_label_update_keeps_its_own_name_and_hotkey(label, manager):
    updated = services.label_update(label=label, user=manager, name="ASSESSMENT", hotkey="a")
    assert (updated.name, updated.hotkey) == ("ASSESSMENT", "a")


def test_label_update_refuses_another_labels_name_or_hotkey(project, label, manager):
    claim = LabelFactory(project=project, name="Claim", hotkey="c")
    with pytest.raises(ValidationError) as caught:
        services.label_update(label=claim, user=manager, name="assessment", hotkey="a")
    assert set(caught.value.message_dict) == {"name", "hotkey"}


def test_label_kind_cannot_change_while_in_use(article, label, manager):
    SpanFactory(article=article, label=label)
    with pytest.raises(Conflict):
        services.label_update(label=label, user=manager, kind=Label.Kind.RELATION)
    label.refresh_from_db()
    assert label.kind == Label.Kind.SPAN


def test_label_delete_in_use_by_a_span(article, label, manager):
    SpanFactory(article=article, label=label)
    with pytest.raises(Conflict) as caught:
        services.label_delete(label=label, user=manager)
    assert caught.value.message == "The label “Assessment” is used by 1 spans and 0 relations."
    assert Label.objects.filter(pk=label.pk).exists()


def test_label_delete_in_use_by_a_relation(db):
    relation = RelationFactory()
    root = UserFactory(username="root", is_superuser=True)  # a manager of every project
    with pytest.raises(Conflict):
        services.label_delete(label=relation.label, user=root)


def test_label_delete_unused(label, manager, annotator):
    with pytest.raises(PermissionDenied):
        services.label_delete(label=label, user=annotator)
    services.label_delete(label=label, user=manager)
    assert not Label.objects.filter(pk=label.pk).exists()


# --- actors ----------------------------------------------------------------------------------


def test_actor_aliases_are_cleaned():
    actor = services.actor_create(
        name="  Alexander   Lukashenko ",
        kind="person",
        aliases=[" Lukashenka ", "alexander lukashenko", "", "LUKASHENKA", "Лукашенко\n"],
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
    services.actor_update(actor=actor, name="Аляксандр Лукашэнка", aliases=["Lukashenko", " "])
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


def test_moving_a_label_deleted_meanwhile_is_refused(project, manager):
    label = LabelFactory(project=project)
    Label.objects.filter(pk=label.pk).delete()  # by another request, after this one read it
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        services.label_move(label=label, user=manager, step=1)
