"""Relations: typed links between two spans of one article."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from ..models import (
    Label,
    Relation,
    Span,
)
from ..permissions import MEMBER_ROLES, check_relation_change, check_relation_delete, require_role
from .history import relation_snapshot
from .span_rules import check_label
from .validation import UNSET, given

User = get_user_model()

# --- relations -------------------------------------------------------------------------------


def check_relation_ends(from_span, to_span) -> None:
    """Two spans of one article, not one span twice: saved spans by id, spans an import is
    still checking (without an id yet) by identity."""
    if getattr(from_span, "article_id", None) != getattr(to_span, "article_id", None):
        raise ValidationError({"to_span": "Both spans must be in the same article."})
    same_id = getattr(from_span, "pk", None) is not None and from_span.pk == to_span.pk
    if from_span is to_span or same_id:
        raise ValidationError({"to_span": "A span cannot relate to itself."})


def _check_relation(from_span: Span, to_span: Span, label: Label) -> None:
    check_relation_ends(from_span, to_span)
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
def relation_update(
    *,
    relation: Relation,
    user,
    from_span: Span = UNSET,
    to_span: Span = UNSET,
    label: Label = UNSET,
) -> Relation:
    """Change a relation's ends or label (those given); only its annotator may."""
    changes = given(from_span=from_span, to_span=to_span, label=label)
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


def relations_of_span(span: Span) -> list[dict]:
    """The relations from or to ``span`` (a delete takes them along), as snapshots."""
    return relations_of_spans([span.pk])


def relations_of_spans(span_ids: Iterable[int]) -> list[dict]:
    """The relations from or to any of these spans, as snapshots, oldest first: one query."""
    span_ids = list(span_ids)
    relations = (
        Relation.objects.filter(Q(from_span__in=span_ids) | Q(to_span__in=span_ids))
        .select_related("annotator")
        .order_by("id")
    )
    return [relation_snapshot(relation) for relation in relations]


class RelationFacts:
    """What ``relations_restore`` reads, a query each; a group's restore (``undo``) answers the
    same from reads made once for the group."""

    def spans_found(self, ids: set[int], article_id: int) -> int:
        return Span.objects.filter(pk__in=ids, article_id=article_id).count()

    def label(self, label_id: int) -> Label | None:
        return Label.objects.filter(pk=label_id).first()

    def user(self, username: str):
        return User.objects.filter(username=username).first()

    def relation_exists(self, pk: int, keys: dict) -> bool:
        return Relation.objects.filter(Q(pk=pk) | Q(**keys)).exists()

    def keep(self, relation: Relation) -> None:
        relation.save(force_insert=True)


def relations_restore(
    *, span: Span, snapshots: Iterable[dict], facts: RelationFacts | None = None
) -> list[dict]:
    """Bring back the relations deleted with ``span`` (``relations_of_span``): those whose
    other span exists in the article, whose label is still a relation label of the project
    and whose annotator still exists; one that exists again is not doubled. Answers the
    snapshots of those brought back, same ids (``facts.keep`` stores each)."""
    facts = facts or RelationFacts()
    restored = []
    for snapshot in snapshots:
        ends = {snapshot["from_span"], snapshot["to_span"]}
        if span.pk not in ends or len(ends) != 2:
            continue
        found = facts.spans_found(ends, span.article_id)
        label = facts.label(snapshot["label"])
        annotator = facts.user(snapshot["annotator"])
        if found != 2 or label is None or annotator is None:
            continue
        try:
            check_label(label, span.project_id, Label.Kind.RELATION)
        except ValidationError:
            continue
        keys = {
            "from_span_id": snapshot["from_span"],
            "to_span_id": snapshot["to_span"],
            "label": label,
            "annotator": annotator,
        }
        if facts.relation_exists(snapshot["id"], keys):
            continue
        facts.keep(
            Relation(
                pk=snapshot["id"],
                article_id=span.article_id,
                created_at=datetime.fromisoformat(snapshot["created_at"]),
                **keys,
            )
        )
        restored.append(snapshot)
    return restored
