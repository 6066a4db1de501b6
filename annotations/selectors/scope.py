"""Scoping: the projects, articles and spans a user may see, and any queryset kept to them."""

from django.db import connection
from django.db.models import Q, QuerySet

from annotations.models import Article, Membership, Project, Role, Span
from annotations.permissions import MEMBER_ROLES, REVIEW_ROLES, sees_only_own_work, user_role


def projects_for_user(*, user) -> QuerySet[Project]:
    """The projects a user belongs to (all of them for a superuser)."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user)


def articles_for_user(*, user) -> QuerySet[Article]:
    qs = Article.objects.all()
    if not user.is_superuser:
        qs = qs.filter(project__memberships__user=user)
    return qs


def spans_for_user(*, user) -> QuerySet[Span]:
    qs = Span.objects.all()
    if not user.is_superuser:
        qs = qs.filter(project__memberships__user=user)
    return qs


def scope_to_user(queryset: QuerySet, *, user, project_field: str = "project") -> QuerySet:
    """Keep the rows of ``queryset`` that lie in the user's projects (all for a superuser).

    A subquery rather than a join, so rows never repeat and lists stay one query.
    """
    if user.is_superuser:
        return queryset
    project_ids = Membership.objects.filter(user=user).values("project_id")
    lookup = "pk" if project_field == "pk" else f"{project_field}_id"  # no join to the project
    return queryset.filter(**{f"{lookup}__in": project_ids})


def blind_project_ids(*, user) -> QuerySet:
    """The blind projects in which the user is an annotator: there they see only their own
    spans, relations and history (``permissions.sees_only_own_work``)."""
    return Membership.objects.filter(
        user=user, project__blind=True, role__in=MEMBER_ROLES - REVIEW_ROLES
    ).values("project_id")


def hide_others_work(
    queryset: QuerySet,
    *,
    user,
    project_field: str = "project",
    owner: Q | None = None,
) -> QuerySet:
    """Keep, in the blind projects where the user is an annotator, only the rows that are
    their own (``owner``, by default ``annotator=user``); rows of other projects stay.

    One subquery, no join: the list queries keep their shape."""
    if user.is_superuser:
        return queryset
    if owner is None:
        owner = Q(annotator=user)
    lookup = "pk" if project_field == "pk" else f"{project_field}_id"
    return queryset.filter(~Q(**{f"{lookup}__in": blind_project_ids(user=user)}) | owner)


def visible_annotator(*, project: Project, user) -> str | None:
    """The username whose spans alone the user may see in ``project`` (a blind project's
    annotator: their own), or ``None`` when they see every span."""
    if not project.blind or user.is_superuser:
        return None
    role = user_role(project=project, user=user)
    return user.get_username() if sees_only_own_work(role, project.blind) else None


def others_hidden_sql(*, project: str, annotator: str) -> str:
    """``hide_others_work`` as a condition for hand-written SQL over rows whose project and
    annotator columns are ``project`` and ``annotator`` (quoted, qualified): two parameters,
    the user's id twice. For a user who is not a superuser."""
    quote = connection.ops.quote_name
    membership, project_meta = Membership._meta, Project._meta
    member_project = quote(membership.get_field("project").column)
    return (
        f"({annotator} = %s OR {project} NOT IN ("
        f"SELECT bm.{member_project} "
        f"FROM {quote(membership.db_table)} bm INNER JOIN {quote(project_meta.db_table)} bp "
        f"ON bp.{quote(project_meta.pk.column)} = bm.{member_project} "
        f"WHERE bm.{quote(membership.get_field('user').column)} = %s "
        f"AND bp.{quote(project_meta.get_field('blind').column)} "
        f"AND bm.{quote(membership.get_field('role').column)} = '{Role.ANNOTATOR.value}'))"
    )
