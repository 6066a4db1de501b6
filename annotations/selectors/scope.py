"""Scoping: the projects, articles and spans a user may see, and any queryset kept to them."""

from django.db.models import QuerySet

from annotations.models import Article, Membership, Project, Span


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
