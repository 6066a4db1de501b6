"""List endpoints use a fixed number of queries however many rows they show."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import Membership, Role, SpanEvent

from ..api_helpers import API, client_for
from ..factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


def _add_rows(kind, n, *, user, project, article, label, first=0):
    """Add ``n`` rows of ``kind`` visible to ``user``."""
    for i in range(first, first + n):
        if kind == "projects":
            p = ProjectFactory()
            Membership.objects.create(project=p, user=user, role=Role.ANNOTATOR)
        elif kind == "members":
            from ..factories import UserFactory

            Membership.objects.create(project=project, user=UserFactory(), role=Role.REVIEWER)
        elif kind == "labels":
            LabelFactory(project=project)
        elif kind == "articles":
            a = ArticleFactory(project=project)
            SpanFactory(article=a, label=label, annotator=user)
        elif kind == "actors":
            actor = ActorFactory(aliases=[f"alias {i}"])
            SpanFactory(
                article=ArticleFactory(project=project),
                label=label,
                annotator=user,
                actors=[(actor, "source")],
            )
        elif kind in ("spans", "history", "relations"):
            a, b = (
                SpanFactory(
                    article=article,
                    label=label,
                    annotator=user,
                    start=start,
                    end=start + 1,
                    actors=[(ActorFactory(), "source"), (ActorFactory(), "subject")],
                )
                for start in (2 * i, 2 * i + 1)
            )
            if kind == "relations":
                rel = LabelFactory(project=project, kind="relation")
                services.relation_create(from_span=a, to_span=b, label=rel, annotator=user)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize(
    ("kind", "path", "limit"),
    [
        ("projects", "projects/", 2),
        ("members", "projects/{project}/members/", 3),
        ("labels", "labels/", 2),
        ("articles", "articles/", 2),
        ("actors", "actors/", 2),
        ("spans", "spans/", 2),
        ("relations", "relations/", 2),
        ("history", "history/", 2),
    ],
)
def test_list_query_count_is_constant(annotator, project, label, kind, path, limit):
    article = ArticleFactory(project=project, body="x" * 100)
    client = client_for(annotator)
    url = API + path.format(project=project.pk)
    rows = {"user": annotator, "project": project, "article": article, "label": label}

    _add_rows(kind, 2, **rows)
    few_queries, few_results = _count(client, url)
    _add_rows(kind, 8, first=2, **rows)
    many_queries, many_results = _count(client, url)

    assert many_results > few_results >= 2
    assert many_queries == few_queries
    # the rows themselves, plus a count for page-number lists or the actors of spans
    assert few_queries <= limit + 1


def test_span_list_with_every_filter_is_still_constant(annotator, project, label):
    article = ArticleFactory(
        project=project, body="x" * 100, published_on=datetime.date(2026, 6, 2)
    )
    isw = ActorFactory(name="ISW")
    url = (
        API + f"spans/?label={label.pk}&source={isw.pk}&subject={isw.pk}&actor={isw.pk}&role=source"
        "&published_after=2000-01-01&probability_min=likely&q=x&annotator=alice"
        "&created_after=2000-01-01"
    )
    client = client_for(annotator)
    for start in range(3):
        SpanFactory(
            article=article,
            label=label,
            annotator=annotator,
            start=start,
            end=start + 1,
            actors=[(isw, "source"), (isw, "subject")],
            probability="likely",
        )
    few, n_few = _count(client, url)
    for start in range(3, 12):
        SpanFactory(
            article=article,
            label=label,
            annotator=annotator,
            start=start,
            end=start + 1,
            actors=[(isw, "source"), (isw, "subject")],
            probability="very_likely",
        )
    many, n_many = _count(client, url)
    assert (n_few, n_many) == (3, 12)
    assert few == many == 2


def test_span_create_is_lean_and_never_loads_the_body(annotator, project, label):
    article = ArticleFactory(project=project, body="word " * 40_000)
    client = client_for(annotator)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            API + "spans/",
            {"article": article.pk, "label": label.pk, "start": 5, "end": 9, "text": "word"},
            format="json",
        )
    assert response.status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries]
    real = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # article, label, the user's projects, role, the slice of the body, span, history event
    assert len(real) <= 7, "\n".join(real)
    body_columns = ('"annotations_article"."body"', '"body"')  # by table or by an alias
    assert all(
        not any(column in s for column in body_columns)
        or ("LENGTH(" in s.upper() and "SUBSTR" in s.upper())
        for s in sql
    ), "the span create read the whole article body"
    # The fast path: the label, the article's project and the membership in one query.
    assert len(real) <= 5, "\n".join(real)
    assert SpanEvent.objects.filter(action="created").count() == 1
