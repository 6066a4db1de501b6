"""Who may do what: the one role authority.

A user's role in a project is their membership's (``annotator``, ``reviewer``, ``manager``);
a superuser is a manager everywhere; anyone else is an outsider (``None``), to whom the
project does not exist. The services, the pages and the API ask here; none decides by itself.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from .models import Membership, Project, Role

MEMBER_ROLES = frozenset(Role.values)
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.MANAGER})
MANAGER_ROLES = frozenset({Role.MANAGER})
SUPERUSER_ROLE = Role.MANAGER  # a superuser is a manager in every project


def role_of(user, membership_role: str | None) -> str | None:
    """The role a membership row gives ``user`` (``None``: no membership), as a read that
    fetched the row with other facts in one query has it: a superuser's is ``manager``."""
    return SUPERUSER_ROLE if user.is_superuser else membership_role


def user_role(*, project: Project | int, user) -> str | None:
    """The user's role in the project, ``manager`` for superusers, ``None`` for outsiders."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return SUPERUSER_ROLE
    project_id = project if isinstance(project, int) else project.pk
    # At most one row; no ordering, as Membership's default one would join project and user.
    roles = (
        Membership.objects.filter(project_id=project_id, user=user)
        .order_by()
        .values_list("role", flat=True)[:1]
    )
    return next(iter(roles), None)


def require_role(
    project: Project | int, user, allowed: Iterable[str] = MEMBER_ROLES, action: str = ""
) -> str:
    """The user's role, if it is one of ``allowed``; else ``PermissionDenied`` saying that the
    role does not allow ``action``."""
    return check_role(user_role(project=project, user=user), allowed, action)


def check_role(role: str | None, allowed: Iterable[str] = MEMBER_ROLES, action: str = "") -> str:
    """``require_role`` on a role already read (the span create statement reads it itself)."""
    if role is None or role not in allowed:
        raise PermissionDenied(f"Your role in this project does not allow you to {action}.")
    return role


def can_review(role: str | None) -> bool:
    """Reviewers and managers set a span's status and see the review queue."""
    return role in REVIEW_ROLES


def sees_only_own_work(role: str | None, project_blind: bool) -> bool:
    """In a blind project an annotator sees only their own spans, relations and history."""
    return project_blind and not can_review(role)


def can_manage(role: str | None) -> bool:
    """Managers change the project, its members, labels and articles, and import."""
    return role in MANAGER_ROLES


# --- spans and relations: who may do what to whose ---------------------------------------------


def check_span_status(role: str | None) -> None:
    """Setting a span's status (on create or later) is a review."""
    if not can_review(role):
        raise PermissionDenied("Only a reviewer or manager sets a span's status.")


def check_gold(role: str | None, action: str = "make gold spans") -> None:
    """Gold spans, the article's adjudicated version, are made and changed by reviewers and
    managers only."""
    if not can_review(role):
        raise PermissionDenied(f"Only a reviewer or manager may {action} (`gold`).")


def check_span_change(role: str, *, own: bool, fields: Iterable[str], gold: bool = False) -> None:
    """The annotator changes their own span; a reviewer or manager sets any span's status,
    and changes any gold span. Only a reviewer or manager names ``gold`` in a change."""
    fields = set(fields)
    if "gold" in fields:
        check_gold(role, "set a span's gold flag")
    if gold:
        check_gold(role, "change a gold span")
        return
    if "status" in fields:
        check_span_status(role)
    if not own and fields - {"status", "gold"}:
        raise PermissionDenied("Only its annotator changes a span; reviewers set its status.")


def check_span_delete(role: str, *, own: bool, gold: bool = False) -> None:
    """The annotator deletes their own spans; a manager may delete any; a reviewer or
    manager removes a gold span."""
    if gold:
        check_gold(role, "remove a gold span")
        return
    if not own and not can_manage(role):
        raise PermissionDenied("Only its annotator or a manager deletes a span.")


def check_span_restore(role: str | None, *, own: bool, gold: bool = False) -> None:
    """A member restores their own span from the history; a reviewer or manager any span
    (and only they a gold span)."""
    if role is None:
        raise PermissionDenied("You are not a member of this project.")
    if gold:
        check_gold(role, "restore a gold span")
    if not own and not can_review(role):
        raise PermissionDenied("Only the span's annotator, a reviewer or a manager restores it.")


def check_span_revert(*, own: bool) -> None:
    """Undo and redo revert the user's own changes only, whatever their role: a reviewer
    undoes someone else's change by changing it again, in the open."""
    if not own:
        raise PermissionDenied("You can undo and redo only your own changes.")


def check_relation_change(role: str, *, own: bool) -> None:
    """Only its annotator changes a relation."""
    if not own:
        raise PermissionDenied("Only its annotator changes a relation.")


def check_relation_delete(role: str, *, own: bool) -> None:
    """A relation is deleted by its annotator or a manager, as a span is."""
    if not own and not can_manage(role):
        raise PermissionDenied("Only its annotator or a manager deletes a relation.")


def require_staff(user, message: str) -> None:
    """The actor registry is shared by every project: deleting or merging is staff's."""
    if not getattr(user, "is_staff", False):
        raise PermissionDenied(message)
