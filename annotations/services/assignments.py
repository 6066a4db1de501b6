"""Assignments: which annotator annotates which article; one by one, or spread evenly."""

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..errors import describe
from ..models import Article, Assignment, Membership, Project
from ..permissions import MANAGER_ROLES, require_role

User = get_user_model()

MAX_PER_ARTICLE = 100  # annotators an article may be spread to at once


def _members(project_id: int, usernames: Iterable[str]) -> dict[str, Any]:
    """The project's members among ``usernames``, by username; anyone else is a 400 naming
    ``annotator``."""
    usernames = list(dict.fromkeys(usernames))
    found = {
        membership.user.get_username(): membership.user
        for membership in Membership.objects.filter(
            project_id=project_id, user__username__in=usernames
        ).select_related("user")
    }
    if missing := [name for name in usernames if name not in found]:
        raise ValidationError(
            {"annotator": f"Not a member of this project: {', '.join(map(str, missing))}."}
        )
    return found


def _create(project: Project, article: Article, annotator) -> Assignment:
    try:
        with transaction.atomic():
            return Assignment.objects.create(project=project, article=article, annotator=annotator)
    except IntegrityError as exc:
        raise ValidationError(
            {
                "non_field_errors": [
                    f"Article {article.pk} is already assigned to {annotator.get_username()}."
                ]
            }
        ) from exc


@transaction.atomic
def assignment_create(*, article: Article, annotator: str, user) -> Assignment:
    """Assign ``article`` to the member named ``annotator``; managers. A non-member, or the
    same assignment twice: ``ValidationError``."""
    project = article.project
    require_role(project, user, MANAGER_ROLES, "assign articles")
    member = _members(project.pk, [annotator])[annotator]
    return _create(project, article, member)


class BulkAssignmentError(ValidationError):
    """Items of a list of assignments are invalid; ``item_errors`` as for spans
    (``[{"index", "errors"}]``), nothing created."""

    def __init__(self, item_errors: list[dict[str, Any]]):
        super().__init__(
            {
                "items": [
                    f"Item {error['index']}: {describe(ValidationError(error['errors']))}"
                    for error in item_errors
                ]
            }
        )
        self.item_errors = item_errors


@transaction.atomic
def assignments_create(*, items: list[Mapping[str, Any]], user) -> list[Assignment]:
    """Many assignments (``{"article", "annotator"}`` each), all or nothing; errors name the
    item's index (from 0)."""
    created, errors = [], []
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                created.append(
                    assignment_create(
                        article=item["article"], annotator=item["annotator"], user=user
                    )
                )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            errors.append({"index": index, "errors": messages})
    if errors:
        raise BulkAssignmentError(errors)
    return created


@transaction.atomic
def assignment_delete(*, assignment: Assignment, user) -> None:
    require_role(assignment.project_id, user, MANAGER_ROLES, "remove assignments")
    assignment.delete()


@transaction.atomic
def project_assign(
    *,
    project: Project,
    user,
    annotators: list[str],
    per_article: int = 1,
    articles: list[int] | None = None,
) -> int:
    """Spread articles over ``annotators`` evenly: each article ends with ``min(per_article,
    len(annotators))`` assignees (counting those it has), given each time to the least
    loaded annotator not on it yet, so that no annotator gets more than one article more
    than another. ``articles`` (ids of the project) defaults to the project's articles with
    fewer than ``per_article`` assignees. Managers. Answers the number created."""
    require_role(project, user, MANAGER_ROLES, "assign articles")
    if isinstance(per_article, bool) or not isinstance(per_article, int):
        raise ValidationError({"per_article": "A whole number is required."})
    if not 1 <= per_article <= MAX_PER_ARTICLE:
        raise ValidationError({"per_article": f"Must be between 1 and {MAX_PER_ARTICLE}."})
    if not annotators:
        raise ValidationError({"annotators": "Name at least one annotator."})
    members = _members(project.pk, annotators)
    ordered = sorted(members)
    wanted = min(per_article, len(ordered))
    assigned: dict[int, set[int]] = {}
    for article_id, annotator_id in Assignment.objects.filter(project=project).values_list(
        "article_id", "annotator_id"
    ):
        assigned.setdefault(article_id, set()).add(annotator_id)
    chosen = Article.objects.filter(project=project).order_by("pk")
    if articles is not None:
        ids = set(articles)
        found = set(chosen.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := sorted(ids - found):
            raise ValidationError({"articles": f"Not articles of this project: {missing}."})
        chosen = chosen.filter(pk__in=ids)
    ids = [pk for pk in chosen.values_list("pk", flat=True) if len(assigned.get(pk, ())) < wanted]
    load = Counter(
        Assignment.objects.filter(project=project, annotator__in=members.values()).values_list(
            "annotator__username", flat=True
        )
    )
    new = []
    for article_id in ids:
        on_it = assigned.setdefault(article_id, set())
        for _ in range(wanted - len(on_it)):
            free = [name for name in ordered if members[name].pk not in on_it]
            if not free:
                break
            name = min(free, key=lambda name: (load[name], name))
            load[name] += 1
            on_it.add(members[name].pk)
            new.append(Assignment(project=project, article_id=article_id, annotator=members[name]))
    Assignment.objects.bulk_create(new)
    return len(new)
