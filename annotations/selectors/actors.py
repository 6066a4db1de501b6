"""The actor registry's reads: counts scoped to the user's projects, and the search."""

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from annotations.models import Actor, Membership, SpanActor


class _SpansInProjectsOf(Func):
    """PostgreSQL: the distinct spans linked to the actor (the expression) in the projects
    of a user. A link carries its span's project (``span_project_id``, migration 0009, kept
    by triggers), so the count is read from the covering index by actor
    (``annotations_spanactor_by_actor``) alone, without a lookup of each span. A ``Func`` so
    that the actor's column is relabelled with its query when nested in another."""

    template = (
        "(SELECT count(DISTINCT l.span_id) FROM annotations_spanactor l "
        "WHERE l.actor_id = %(expressions)s AND l.span_project_id IN "
        "(SELECT m.project_id FROM annotations_membership m WHERE m.user_id = %(user)d))"
    )
    output_field = IntegerField()


def actors_with_counts(*, user, fast: bool | None = None) -> QuerySet[Actor]:
    """Every actor (the registry is shared), with ``span_count``: its spans in the user's
    projects (all for a superuser), so that no count tells of another project's work.

    A subquery of each listed actor rather than a join and GROUP BY of every link: a page of
    50 actors counts their links only (2,000,000 links: 2.8 s for the page when it grouped
    them all). ``fast`` (by default on PostgreSQL) reads the links' copy of their span's
    project; otherwise each link's span is joined. ``tests/selectors/test_actors.py`` holds
    the two to the same counts."""
    if fast is None:
        fast = connection.vendor == "postgresql"
    if not user.is_superuser and fast:
        return Actor.objects.annotate(span_count=_SpansInProjectsOf(F("pk"), user=int(user.pk)))
    links = SpanActor.objects.filter(actor=OuterRef("pk"))
    if not user.is_superuser:
        projects = Membership.objects.filter(user=user).values("project_id")
        links = links.filter(span__project_id__in=projects)
    counted = links.order_by().values("actor").annotate(n=Count("span", distinct=True)).values("n")
    return Actor.objects.annotate(span_count=Coalesce(Subquery(counted), 0))


def actors_search(
    *, q: str, limit: int = 20, among: QuerySet[Actor] | None = None
) -> QuerySet[Actor]:
    """Actors (of ``among``, by default the registry) whose name or an alias contains ``q``,
    case-folded as ``search_text`` is; all of them for an empty ``q``."""
    qs = Actor.objects.all() if among is None else among
    if q.strip():
        qs = qs.filter(search_text__contains=q.strip().casefold())
    return qs.order_by("name", "id")[:limit]
