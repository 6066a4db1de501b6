"""A project's article list and an article's previous/next (selectors/articles.py): walking
next from the list's first article visits the list, and previous walks it back, on any
project, each step one query that reads only the neighbours."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.models import Article, Assignment, Role
from annotations.selectors.articles import article_neighbours, project_articles

from ..factories import ArticleFactory

pytestmark = pytest.mark.django_db

DATES = [None, datetime.date(2026, 1, 1), datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)]


def sorted_list(articles, user=None):
    """The list's order worked out in Python: the user's assignments first, then newest
    first with undated ones last, then by id."""

    def key(article):
        mine = user is not None and user.pk in {a.annotator_id for a in article.assignments.all()}
        date = article.published_on
        return (not mine, date is None, -(date.toordinal() if date else 0), article.pk)

    return [article.pk for article in sorted(articles, key=key)]


def walk(start, user, side):
    """The ids met following ``side`` (0: previous, 1: next) from ``start``."""
    met, at = [], start
    while at is not None:
        met.append(at)
        at = article_neighbours(article=Article.objects.get(pk=at), user=user)[side]
        assert len(met) <= Article.objects.count(), met  # no cycle
    return met


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
        st.tuples(st.sampled_from(DATES), st.sets(st.sampled_from(["alice", "bob", "mona"]))),
        min_size=1,
        max_size=9,
    )
)
def test_previous_and_next_walk_the_users_list(project, make_member, rows):
    with transaction.atomic():  # undone after each example, as it passes or fails
        users = {
            "alice": make_member(Role.ANNOTATOR, username="alice"),
            "bob": make_member(Role.ANNOTATOR, username="bob"),
            "mona": make_member(Role.MANAGER, username="mona"),  # a manager with assignments
            "rita": make_member(Role.REVIEWER, username="rita"),  # never assigned
        }
        make_articles(project, rows, users)
        articles = list(Article.objects.filter(project=project).prefetch_related("assignments"))
        for user in [None, *users.values()]:
            wanted = sorted_list(articles, user)
            if user is not None:
                listed = project_articles(project=project, user=user)
                assert [a.pk for a in listed] == wanted, user
            assert walk(wanted[0], user, 1) == wanted, user
            assert walk(wanted[-1], user, 0) == wanted[::-1], user
        transaction.set_rollback(True)  # the next example starts from an empty project


@pytest.mark.parametrize("count", [3, 120])
def test_neighbours_are_one_query_however_many_articles(
    project, make_member, django_assert_num_queries, count
):
    alice = make_member(Role.ANNOTATOR, username="alice")
    rita = make_member(Role.REVIEWER, username="rita")  # nothing assigned
    dates = [DATES[n % len(DATES)] for n in range(count)]
    make_articles(
        project, [(date, {"alice"} if n % 3 == 0 else set()) for n, date in enumerate(dates)],
        {"alice": alice},
    )  # fmt: skip
    mine = Assignment.objects.filter(annotator=alice).count()
    for user in (None, alice, rita):
        listed = [a.pk for a in project_articles(project=project, user=user or rita)]
        # The ends, and where alice's list goes from her last assignment to the others.
        for at in sorted({0, 1, mine - 1, mine, len(listed) - 1}):
            article = Article.objects.get(pk=listed[at])
            with django_assert_num_queries(1) as read:
                found = article_neighbours(article=article, user=user)
            assert found == (listed[at - 1] if at else None, (listed[at + 1 :] or [None])[0])
            # Every subquery (each range of the order, each way, and each EXISTS saying
            # whether an article is theirs) stops at one row: no list of ids is read.
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
