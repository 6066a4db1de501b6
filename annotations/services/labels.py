"""A project's labels: unique names and hotkeys, a color, a kind fixed once in use."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..colors import next_label_color
from ..errors import Conflict
from ..models import (
    Label,
    Project,
)
from ..permissions import MANAGER_ROLES, require_role
from .validation import UNSET, clean_fields, given

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

RESERVED_HOTKEYS = frozenset("? ")

# --- labels ----------------------------------------------------------------------------------


def _check_label_unique(project: Project, name: str, hotkey: str, exclude_pk=None) -> None:
    others = Label.objects.filter(project=project).exclude(pk=exclude_pk)
    errors = {}
    # Case-folded in Python: SQLite's LOWER() and LIKE fold ASCII only, so "Оценка" and
    # "оценка" would both pass the database there. A project has few labels.
    folded = name.casefold()
    clash_name = next(
        (n for n in others.values_list("name", flat=True) if n.casefold() == folded), None
    )
    if clash_name is not None:
        errors["name"] = f"The project already has a label named “{clash_name}”."
    if hotkey:
        if hotkey in RESERVED_HOTKEYS:
            errors["hotkey"] = f"“{hotkey}” is reserved for the page's own shortcuts."
        else:
            clash = others.filter(hotkey=hotkey).first()
            if clash:
                errors["hotkey"] = f"The hotkey “{hotkey}” is already used by “{clash.name}”."
    if errors:
        raise ValidationError(errors)


def _check_color(data: Mapping[str, Any]) -> None:
    """The database's ``color_hex`` check, as a 400 that names the field."""
    if "color" in data and not _COLOR.fullmatch(data["color"]):
        raise ValidationError({"color": f"“{data['color']}” is not a color such as #93c5fd."})


@transaction.atomic
def label_create(
    *,
    project: Project,
    user,
    name: str,
    kind: str = Label.Kind.SPAN,
    color: str = UNSET,
    hotkey: str = "",
    description: str = "",
    category: str = "",
    order: int = UNSET,
) -> Label:
    """Add a label (span or relation kind) to a project; names and hotkeys stay unique;
    without a ``color``, the first of ``colors.PALETTE`` the project does not use yet.

    Managers only."""
    require_role(project, user, MANAGER_ROLES, "change the labels")
    fields = given(
        name=name, kind=kind, color=color, hotkey=hotkey, description=description,
        category=category, order=order,
    )  # fmt: skip
    data = clean_fields(Label, fields)
    _check_color(data)
    _check_label_unique(project, data.get("name", ""), data.get("hotkey", ""))
    if "order" not in data:
        data["order"] = Label.objects.filter(project=project).count()
    if "color" not in data:  # a colour no label of the project has yet
        used = Label.objects.filter(project=project).values_list("color", flat=True)
        data["color"] = next_label_color(used)
    label = Label(project=project, **data)
    _save_label(label)
    return label


def _save_label(label: Label) -> None:
    """Save in a savepoint: what the checks above let through but the database refuses (its
    ``LOWER(name)`` folds some letters unlike ``casefold``: ``İ``) is a ValidationError."""
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError as exc:
        raise ValidationError("The label clashes with another (name, hotkey or color).") from exc


@transaction.atomic
def label_update(
    *,
    label: Label,
    user,
    name: str = UNSET,
    kind: str = UNSET,
    color: str = UNSET,
    hotkey: str = UNSET,
    description: str = UNSET,
    category: str = UNSET,
    order: int = UNSET,
) -> Label:
    """Change a label's fields (those given); its kind only while no span or relation uses
    it. Managers only."""
    require_role(label.project, user, MANAGER_ROLES, "change the labels")
    changes = given(
        name=name, kind=kind, color=color, hotkey=hotkey, description=description,
        category=category, order=order,
    )  # fmt: skip
    data = clean_fields(Label, changes)
    _check_color(data)
    if "kind" in data and data["kind"] != label.kind and label_in_use(label):
        raise Conflict("The label is in use; its kind cannot change.")
    _check_label_unique(
        label.project, data.get("name", label.name), data.get("hotkey", label.hotkey), label.pk
    )
    for key, value in data.items():
        setattr(label, key, value)
    _save_label(label)
    return label


@transaction.atomic
def label_move(*, label: Label, user, step: int) -> None:
    """Move a label one place in its project's scheme (``step`` -1 up, 1 down) and number
    them 0, 1, 2...: all or nothing, and only the order is written (labels an admin saved
    with values the form refuses move as well)."""
    require_role(label.project, user, MANAGER_ROLES, "change the labels")
    labels = list(
        Label.objects.select_for_update().filter(project=label.project_id).order_by("order", "name")
    )
    index = next((i for i, item in enumerate(labels) if item.pk == label.pk), None)
    if index is None:
        raise ValidationError("The label was deleted meanwhile.")
    other = index + step
    if 0 <= other < len(labels):
        labels[index], labels[other] = labels[other], labels[index]
    for position, item in enumerate(labels):
        if item.order != position:
            Label.objects.filter(pk=item.pk).update(order=position)


def label_in_use(label: Label) -> bool:
    return label.spans.exists() or label.relations.exists()


@transaction.atomic
def label_delete(*, label: Label, user) -> None:
    """Delete a label no span or relation uses. Managers only."""
    require_role(label.project, user, MANAGER_ROLES, "change the labels")
    spans, relations = label.spans.count(), label.relations.count()
    if spans or relations:
        raise Conflict(
            f"The label “{label.name}” is used by {spans} spans and {relations} relations."
        )
    label.delete()
