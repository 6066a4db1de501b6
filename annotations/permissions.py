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


def user_role(*, project: Project | int, user) -> str | None:
    """The user's role in the project, ``manager`` for superusers, ``None`` for outsiders."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.MANAGER
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
    role = user_role(project=project, user=user)
    if role is None or role not in allowed:
        raise PermissionDenied(f"Your role in this project does not allow you to {action}.")
    return role


def can_review(role: str | None) -> bool:
    """Reviewers and managers set a span's status and see the review queue."""
    return role in REVIEW_ROLES


def can_manage(role: str | None) -> bool:
    """Managers change the project, its members, labels and articles, and import."""
    return role in MANAGER_ROLES
