"""Relations: typed links between two spans of one article."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import (
    Label,
    Relation,
    Span,
)
from ..permissions import MEMBER_ROLES, check_relation_change, check_relation_delete, require_role
from .span_rules import check_label

# --- relations -------------------------------------------------------------------------------


def _check_relation(from_span: Span, to_span: Span, label: Label) -> None:
    if from_span.article_id != to_span.article_id:
        raise ValidationError({"to_span": "Both spans must be in the same article."})
    if from_span.pk == to_span.pk:
        raise ValidationError({"to_span": "A span cannot relate to itself."})
    check_label(label, from_span.project_id, Label.Kind.RELATION)


def _save_relation(relation: Relation) -> None:
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"non_field_errors": ["You already linked these spans with this label."]}
        ) from exc


@transaction.atomic
def relation_create(*, from_span: Span, to_span: Span, label: Label, annotator) -> Relation:
    """Link two spans of one article with a relation-kind label."""
    require_role(from_span.project_id, annotator, MEMBER_ROLES, "annotate")
    _check_relation(from_span, to_span, label)
    relation = Relation(
        article_id=from_span.article_id,
        from_span=from_span,
        to_span=to_span,
        label=label,
        annotator=annotator,
    )
    _save_relation(relation)
    return relation


def _relation_role(relation: Relation, user) -> str:
    return require_role(relation.article.project_id, user, MEMBER_ROLES, "change relations")


@transaction.atomic
def relation_update(*, relation: Relation, user, **changes) -> Relation:
    check_relation_change(_relation_role(relation, user), own=relation.annotator_id == user.pk)
    for key in ("from_span", "to_span", "label"):
        if key in changes:
            setattr(relation, key, changes[key])
    # A relation stays in its article, hence in the project whose membership was checked.
    if relation.from_span.article_id != relation.article_id:
        raise ValidationError({"from_span": "A relation stays in its article."})
    _check_relation(relation.from_span, relation.to_span, relation.label)
    relation.article_id = relation.from_span.article_id
    _save_relation(relation)
    return relation


@transaction.atomic
def relation_delete(*, relation: Relation, user) -> None:
    """Delete a relation: its annotator, or a manager (as with spans)."""
    check_relation_delete(_relation_role(relation, user), own=relation.annotator_id == user.pk)
    relation.delete()
