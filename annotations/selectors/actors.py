"""The actor registry's reads: counts scoped to the user's projects, and the search."""

from django.db.models import Count, Q, QuerySet

from annotations.models import Actor, Membership


def actors_with_counts(*, user) -> QuerySet[Actor]:
    """Every actor (the registry is shared), with ``span_count``: its spans in the user's
    projects (all for a superuser), so that no count tells of another project's work."""
    spans = Q()
    if not user.is_superuser:
        projects = Membership.objects.filter(user=user).values("project_id")
        spans = Q(span_actors__span__project_id__in=projects)
    return Actor.objects.annotate(
        span_count=Count("span_actors__span", filter=spans, distinct=True)
    )


def actors_search(*, q: str, limit: int = 20) -> QuerySet[Actor]:
    """Actors whose name or an alias contains ``q``, case-folded as ``search_text`` is."""
    qs = Actor.objects.all()
    if q.strip():
        qs = qs.filter(search_text__contains=q.strip().casefold())
    return qs.order_by("name", "id")[:limit]
