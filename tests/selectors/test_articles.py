"""A project's article list and an article's previous/next (selectors/articles.py): the
neighbours read in one query answer what walking the whole list answered, on any project."""

import datetime

import pytest
from django.db import transaction
from django.db.models import OuterRef
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.models import Article, Assignment, Role
from annotations.selectors.articles import ARTICLE_ORDER, article_neighbours, project_articles
from annotations.selectors.assignments import assigned_to

from ..factories import ArticleFactory

pytestmark = pytest.mark.django_db

DATES = [None, datetime.date(2026, 1, 1), datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)]


def listed_neighbours(*, article, user=None):
    """The answer before it was one query: every article id of the project, each with an
    EXISTS for "assigned?", and the neighbours found in that list."""
    articles = Article.objects.filter(project_id=article.project_id).order_by(*ARTICLE_ORDER)
    if user is None:
        rows = [(pk, False) for pk in articles.values_list("id", flat=True)]
    else:
        rows = list(
            articles.annotate(mine=assigned_to(OuterRef("pk"), user)).values_list("id", "mine")
        )
    ids = [pk for pk, _ in rows]
    assigned = [pk for pk, mine in rows if mine]
    if article.pk in assigned:
        ids = assigned
    index = ids.index(article.pk)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following


def listed_order(*, project, user):
    """The list's order before: assignments first for every user."""
    return list(
        Article.objects.filter(project=project)
        .annotate(mine=assigned_to(OuterRef("pk"), user))
        .order_by("-mine", *ARTICLE_ORDER)
        .values_list("id", "mine")
    )


def make_articles(project, rows, users):
    """Articles of ``rows`` ``(date, to whom of users it is assigned)``, in that order."""
    made = []
    for date, to in rows:
        article = ArticleFactory(project=project, published_on=date)
        for user in to:
            Assignment.objects.create(project=project, article=article, annotator=users[user])
        made.append(article)
    return made


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(DATES), st.sets(st.sampled_from(["alice", "bob"]))),
        min_size=1,
        max_size=9,
    )
)
def test_neighbours_and_order_are_those_of_the_whole_list(project, make_member, rows):
    with transaction.atomic():  # undone after each example, as it passes or fails
        users = {
            "alice": make_member(Role.ANNOTATOR, username="alice"),
            "bob": make_member(Role.ANNOTATOR, username="bob"),
            "rita": make_member(Role.REVIEWER, username="rita"),  # never assigned
        }
        articles = make_articles(project, rows, users)
        for user in [None, *users.values()]:
            for article in articles:
                wanted = listed_neighbours(article=article, user=user)
                assert article_neighbours(article=article, user=user) == wanted, (article, user)
            if user is not None:
                listed = list(
                    project_articles(project=project, user=user).values_list("id", "mine")
                )
                assert listed == listed_order(project=project, user=user)
        transaction.set_rollback(True)  # the next example starts from an empty project


@pytest.mark.parametrize("count", [3, 120])
def test_neighbours_are_one_query_however_many_articles(
    project, make_member, django_assert_num_queries, count
):
    alice = make_member(Role.ANNOTATOR, username="alice")
    dates = [DATES[n % len(DATES)] for n in range(count)]
    articles = make_articles(
        project, [(date, {"alice"} if n % 3 == 0 else set()) for n, date in enumerate(dates)],
        {"alice": alice},
    )  # fmt: skip
    for article in (articles[0], articles[1], articles[-1]):
        for user in (None, alice):
            with django_assert_num_queries(1) as read:
                article_neighbours(article=article, user=user)
            # Every subquery (each way, and the EXISTS saying whether this one is theirs)
            # stops at one row: no list of the project's articles is read.
            sql = read.captured_queries[0]["sql"]
            assert sql.count("SELECT") - 1 == sql.count("LIMIT 1") >= 2


def test_the_list_looks_up_assignments_only_for_a_user_who_has_some(
    project, make_member, django_assert_num_queries
):
    alice = make_member(Role.ANNOTATOR, username="alice")
    rita = make_member(Role.REVIEWER, username="rita")
    articles = make_articles(project, [(None, set()), (DATES[1], {"alice"})], {"alice": alice})
    with django_assert_num_queries(1) as read:
        assert list(project_articles(project=project, user=rita, assigned=False)) == articles[::-1]
    assert "annotations_assignment" not in read.captured_queries[0]["sql"]
    with django_assert_num_queries(1) as read:
        listed = project_articles(project=project, user=alice, assigned=True)
        assert [(a.pk, a.mine) for a in listed] == [(articles[1].pk, True), (articles[0].pk, False)]
    assert "annotations_assignment" in read.captured_queries[0]["sql"]
    with django_assert_num_queries(2):  # not told: it asks
        assert [a.mine for a in project_articles(project=project, user=rita)] == [False, False]


def test_the_list_counts_my_own_spans_and_reads_the_pages_rows_only(project, make_member):
    """``my_span_count`` is the user's own spans that are not gold, 0 for an article with
    none; ``my_done_at`` their progress; both by subqueries of the listed rows, so the list
    never joins and groups the project's spans (670 ms for a page at 1M spans when it did)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from annotations.models import ArticleProgress

    from ..factories import SpanFactory

    alice = make_member(Role.REVIEWER, username="alice")  # who may make gold
    bob = make_member(Role.ANNOTATOR, username="bob")
    first, second, third = (
        ArticleFactory(project=project, body=f"one two three {n}", published_on=DATES[n + 1])
        for n in range(3)
    )
    for start in (0, 4):
        SpanFactory(article=first, annotator=alice, start=start, end=start + 3)
    SpanFactory(article=first, annotator=bob)
    SpanFactory(article=second, annotator=alice, gold=True)
    SpanFactory(article=second, annotator=bob)
    ArticleProgress.objects.create(article=second, user=alice, done_at=timezone.now())
    ArticleProgress.objects.create(article=third, user=bob, done_at=timezone.now())
    with CaptureQueriesContext(connection) as read:
        rows = list(project_articles(project=project, user=alice, assigned=False))
    assert [(a.pk, a.my_span_count, a.my_done_at is not None) for a in rows] == [
        (third.pk, 0, False),
        (second.pk, 0, True),
        (first.pk, 2, False),
    ]
    (sql,) = [q["sql"] for q in read.captured_queries]
    assert 'JOIN "annotations_span"' not in sql and 'GROUP BY "annotations_article"' not in sql
    todo = project_articles(project=project, user=alice, assigned=False, status="todo")
    assert [a.pk for a in todo] == [third.pk, first.pk]
