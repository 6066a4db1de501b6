"""label_create, label_update, label_move, label_delete: a project's labels."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Label

from ..factories import (
    LabelFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    UserFactory,
    superuser,
)

pytestmark = pytest.mark.django_db


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
        services.label_create(project=project, user=superuser(), name="Allegation", hotkey="a")
    assert caught.value.message_dict == {
        "hotkey": ["The hotkey “a” is already used by “Assessment”."]
    }


@pytest.mark.parametrize("hotkey", ["?", " "])
def test_reserved_hotkeys_refused(project, hotkey):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, user=superuser(), name="Claim", hotkey=hotkey)
    assert "reserved" in caught.value.message_dict["hotkey"][0]


def test_hotkey_is_one_character(project):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, user=superuser(), name="Claim", hotkey="cl")
    assert "hotkey" in caught.value.message_dict


def test_same_hotkey_in_another_project_is_fine(label):
    assert services.label_create(
        project=ProjectFactory(), user=superuser(), name="Other", hotkey="a"
    ).pk


@pytest.mark.parametrize(
    ("existing", "new"), [("Assessment", "assessment"), ("Оценка", "ОЦЕНКА"), ("Straße", "STRASSE")]
)
def test_label_names_clash_ignoring_case_in_every_script(project, existing, new):
    LabelFactory(project=project, name=existing)
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, user=superuser(), name=new)
    assert caught.value.message_dict == {
        "name": [f"The project already has a label named “{existing}”."]
    }


@pytest.mark.parametrize("color", ["red", "#12345", "#GGGGGG", "93c5fd"])
def test_label_color_must_be_hex(project, label, color, manager):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, user=superuser(), name="Claim", color=color)
    assert "color" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.label_update(label=label, user=manager, color=color)
    assert "color" in caught.value.message_dict
    label.refresh_from_db()
    assert label.color == "#93c5fd"


def test_label_create_refuses_unknown_fields_and_nul(project):
    with pytest.raises(ValidationError) as caught:
        services.label_create(project=project, user=superuser(), name="Cla\x00im")
    assert set(caught.value.message_dict) == {"name"}
    with pytest.raises(TypeError, match="shortcut"):  # not a parameter
        services.label_create(project=project, user=superuser(), name="Claim", shortcut="c")


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


def test_moving_a_label_deleted_meanwhile_is_refused(project, manager):
    label = LabelFactory(project=project)
    Label.objects.filter(pk=label.pk).delete()  # by another request, after this one read it
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        services.label_move(label=label, user=manager, step=1)


def test_adding_a_label_names_who_does_it(project):
    """No ``user`` is a TypeError, not a write that skips the role check."""
    with pytest.raises(TypeError):
        services.label_create(project=project, name="Nobody's")
    assert not project.labels.filter(name="Nobody's").exists()


def test_a_new_label_gets_a_colour_no_label_of_its_project_has(project, manager):
    first = services.label_create(project=project, user=manager, name="Assessment")
    second = services.label_create(project=project, user=manager, name="Claim")
    third = services.label_create(project=project, user=manager, name="Denial", color="#67e8f9")
    fourth = services.label_create(project=project, user=manager, name="Evidence")
    colors = [first.color, second.color, third.color, fourth.color]
    assert len(set(colors)) == 4 and "#93c5fd" not in colors
    assert fourth.color not in ("#67e8f9", first.color, second.color)
    other = services.label_create(project=ProjectFactory(), user=superuser(), name="Assessment")
    assert other.color == first.color  # per project
