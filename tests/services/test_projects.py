"""project_create, project_update, project_delete, membership_add/_set/_remove."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Label, Membership, Project, Role
from annotations.services import projects

from ..factories import (
    ProjectFactory,
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


def test_membership_add_names_an_unknown_user_and_a_member_already_there(project, manager):
    with pytest.raises(ValidationError) as unknown:
        services.membership_add(project=project, user=manager, username="nobody", role="annotator")
    assert unknown.value.message_dict == {"username": ["No one has the username “nobody”."]}
    with pytest.raises(ValidationError) as twice:
        services.membership_add(project=project, user=manager, username="max", role="annotator")
    assert twice.value.message_dict["username"][0].startswith("max is already a member, as manager")
    UserFactory(username="bob")
    added = services.membership_add(
        project=project, user=manager, username=" bob ", role="reviewer"
    )
    assert (added.user.username, added.role) == ("bob", Role.REVIEWER)


def test_membership_add_is_for_managers(project, reviewer):
    UserFactory(username="bob")
    with pytest.raises(PermissionDenied):
        services.membership_add(project=project, user=reviewer, username="bob", role="annotator")


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
