"""Reads shared by the pages, the API and the exports, scoped to what a user may see."""

from django.db.models import Count, QuerySet

from .models import Actor, Article, Membership, Project, Role, Span


def user_role(*, project: Project | int, user) -> str | None:
    """The user's role in the project, ``manager`` for superusers, ``None`` for outsiders."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.MANAGER
    project_id = project if isinstance(project, int) else project.pk
    return (
        Membership.objects.filter(project_id=project_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


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


def actors_with_counts() -> QuerySet[Actor]:
    return Actor.objects.annotate(span_count=Count("span_actors__span", distinct=True))
