"""The actor registry's counts (``selectors.actors_with_counts``): each actor's spans in the
user's projects, once each however many roles link it; PostgreSQL's fast path (the links'
copy of their span's project) answers what the ORM's join of each link's span answers."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef

from annotations import services
from annotations.models import Actor, Membership, Role, SpanActor
from annotations.selectors import actors_with_counts

from ..factories import ActorFactory, ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

PATHS = [False, True] if connection.vendor == "postgresql" else [False]


@pytest.fixture
def registry(project, annotator):
    other = ProjectFactory(slug="other")
    stranger = UserFactory(username="stranger")
    Membership.objects.create(project=other, user=stranger, role=Role.ANNOTATOR)
    both = UserFactory(username="both")
    for place in (project, other):
        Membership.objects.create(project=place, user=both, role=Role.ANNOTATOR)
    belarus, putin, isw, unused = (
        ActorFactory(name=name) for name in ("Belarus", "Putin", "ISW", "Unused")
    )
    mine = ArticleFactory(project=project, body="Belarus may join the war, ISW assesses.")
    theirs = ArticleFactory(project=other, body="Putin said Belarus would not join.")
    links = {
        (mine, annotator): [[(belarus, "subject"), (belarus, "source")], [(isw, "source")]],
        (theirs, stranger): [[(putin, "source"), (belarus, "subject")], [(putin, "subject")]],
    }
    for (article, user), spans in links.items():
        for n, actors in enumerate(spans):
            SpanFactory(article=article, annotator=user, start=n, end=n + 2, actors=actors)
    # A span changed after its links were made (the trigger copies its facts): counted once.
    span = SpanActor.objects.filter(actor=isw).get().span
    services.span_update(span=span, user=annotator, probability="likely", version=span.version)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {
        "annotator": annotator, "stranger": stranger, "both": both, "root": root,
        "actors": (belarus, putin, isw, unused),
    }  # fmt: skip


@pytest.mark.parametrize("fast", PATHS)
def test_each_actor_counts_its_spans_in_my_projects_once(registry, fast):
    expected = {
        "annotator": (1, 0, 1, 0),
        "stranger": (1, 2, 0, 0),
        "both": (2, 2, 1, 0),
        "root": (2, 2, 1, 0),
    }
    for who, counts in expected.items():
        listed = actors_with_counts(user=registry[who], fast=fast).order_by("name", "id")
        got = {actor.pk: actor.span_count for actor in listed}
        assert tuple(got[actor.pk] for actor in registry["actors"]) == counts, (who, fast)
    outsider = UserFactory(username="nobody")
    assert {a.span_count for a in actors_with_counts(user=outsider, fast=fast)} == {0}


@pytest.mark.parametrize("fast", PATHS)
def test_a_page_of_actors_counts_only_its_own_links(registry, fast):
    """The count is a subquery of each listed actor: no join of every link, no GROUP BY."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as read:
        page = list(actors_with_counts(user=registry["both"], fast=fast).order_by("name")[:2])
    assert [a.name for a in page] == ["Belarus", "ISW"]
    (sql,) = [q["sql"] for q in read.captured_queries]
    assert 'JOIN "annotations_spanactor"' not in sql
    assert 'GROUP BY "annotations_actor"' not in sql


def test_actor_counts_inside_another_query(project, annotator):
    """Nested in another query, the count's actor column is relabelled with it."""
    # The PostgreSQL RawSQL names the outer table ``annotations_actor``; as a subquery its
    # table is relabelled (U0) and the name points nowhere: ProgrammingError on PostgreSQL,
    # the right answer on SQLite (the ORM path).
    used = ActorFactory(name="Used")
    ActorFactory(name="Unused")
    article = ArticleFactory(project=project, body="Used said so.")
    SpanFactory(article=article, annotator=annotator, start=0, end=4, actors=[(used, "source")])
    counted = actors_with_counts(user=annotator).filter(span_count__gt=0)
    assert [a.pk for a in counted] == [used.pk]
    links = SpanActor.objects.filter(actor__in=counted.values("pk"))
    assert [link.actor_id for link in links] == [used.pk]


def test_actor_counts_correlated_under_an_actor_query(project, annotator):
    # Under an outer query of actors the name binds to the OUTER row: silently wrong.
    # "Actors of a kind that another actor with spans has": Unused (same kind as Used).
    used, unused = ActorFactory(name="Used"), ActorFactory(name="Unused")
    assert used.kind == unused.kind
    article = ArticleFactory(project=project, body="Used said so.")
    SpanFactory(article=article, annotator=annotator, start=0, end=4, actors=[(used, "source")])
    counted = actors_with_counts(user=annotator).filter(span_count__gt=0)
    others = counted.filter(kind=OuterRef("kind")).exclude(pk=OuterRef("pk"))
    found = Actor.objects.filter(Exists(others)).order_by("id")
    assert [a.pk for a in found] == [unused.pk], connection.vendor
