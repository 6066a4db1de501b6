"""``selectors.pages.KeyedPaginator`` (a page past the first reads its ids, then its rows by
id) gives what Django's paginator gives, page by page: the pages' three lists (the project's
articles, the actors, the assignments) for an annotator with assignments and spans, a user in
two projects and a superuser; and the querysets it leaves to Django (a slice, rows repeated
by a join, a window). From a review of the change."""

import datetime

import pytest
from django.core.paginator import Paginator
from django.db.models import Window
from django.db.models.functions import RowNumber

from annotations.models import Article, ArticleProgress, Assignment, Membership, Role
from annotations.selectors import actors_with_counts, project_articles
from annotations.selectors.assignments import project_assignments
from annotations.selectors.pages import KeyedPaginator

from ..factories import ActorFactory, ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db


def every_page(paginator_class, queryset, per_page, row):
    paginator = paginator_class(queryset, per_page)
    return [[row(r) for r in paginator.page(n).object_list] for n in paginator.page_range]


def test_the_pages_lists_are_djangos_pages(project, annotator, make_member):
    bob = make_member(Role.ANNOTATOR, username="bob")
    other = ProjectFactory(slug="elsewhere")
    Membership.objects.create(project=other, user=annotator, role=Role.MANAGER)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    actors = [ActorFactory(name=f"Actor {n % 4}") for n in range(9)]
    for n in range(11):
        date = None if n % 4 == 0 else datetime.date(2026, 1 + n % 3, 1)
        place = project if n % 5 else other
        article = ArticleFactory(project=place, body=f"alpha beta gamma {n}", published_on=date)
        people = [annotator, bob] if place == project else [annotator, annotator]
        for k, who in enumerate(people[: n % 3]):
            gold, links = place == other and k == 1, [(actors[(n + k) % 9], "source")]
            SpanFactory(article=article, annotator=who, start=6 * k, end=6 * k + 4,
                        gold=gold, actors=links)  # fmt: skip
        if n % 2:
            Assignment.objects.create(project=place, article=article, annotator=annotator)
        if n % 3 == 0:
            ArticleProgress.objects.create(
                article=article, user=annotator, done_at=datetime.datetime.now(datetime.UTC)
            )
    for user in (annotator, bob, root):
        for status in ("", "done", "todo"):
            listed = project_articles(project=project, user=user, status=status)
            row = lambda a: (a.pk, a.my_span_count, a.my_done_at, a.mine)  # noqa: E731
            for size in (1, 2, 3):
                assert every_page(KeyedPaginator, listed, size, row) == every_page(
                    Paginator, listed, size, row
                ), (user, status, size)
        actors_page = actors_with_counts(user=user).order_by("name", "id")
        row = lambda a: (a.pk, a.span_count)  # noqa: E731
        assert every_page(KeyedPaginator, actors_page, 2, row) == every_page(
            Paginator, actors_page, 2, row
        )
    for who in ("", "annotator"):
        listed = project_assignments(project=project, annotator=who)
        row = lambda a: (a.pk, a.article.title, a.annotator.username, a.done, a.started)  # noqa: E731
        assert every_page(KeyedPaginator, listed, 2, row) == every_page(Paginator, listed, 2, row)


@pytest.fixture
def articles(project, annotator):
    made = [ArticleFactory(project=project, body=f"alpha beta {n}") for n in range(5)]
    for article in made:
        for k in range(2):  # two spans each: a join to them repeats each article
            SpanFactory(article=article, annotator=annotator, start=6 * k, end=6 * k + 4)
    return made


def test_a_sliced_queryset(articles):
    # Django pages a slice; _by_id filters it: TypeError "Cannot filter a query once a slice
    # has been taken."
    queryset = Article.objects.filter(pk__in=[a.pk for a in articles]).order_by("id")[:4]
    pk = lambda a: a.pk  # noqa: E731
    assert every_page(KeyedPaginator, queryset, 2, pk) == every_page(Paginator, queryset, 2, pk)


def test_rows_repeated_by_a_join(articles, annotator):
    # A filter across a to-many relation, no distinct(): each article twice. Django's page 2
    # is 2 rows; the ids' re-read returns every joined row of those ids (3 or 4 rows).
    queryset = Article.objects.filter(
        pk__in=[a.pk for a in articles], spans__annotator=annotator
    ).order_by("id")
    pk = lambda a: a.pk  # noqa: E731
    assert every_page(KeyedPaginator, queryset, 3, pk) == every_page(Paginator, queryset, 3, pk)


def test_a_window_annotation(articles):
    # pk__in is a WHERE: the window is computed over the page's rows alone on the re-read.
    queryset = (
        Article.objects.filter(pk__in=[a.pk for a in articles])
        .annotate(place=Window(RowNumber(), order_by="id"))
        .order_by("id")
    )
    row = lambda a: (a.pk, a.place)  # noqa: E731
    assert every_page(KeyedPaginator, queryset, 2, row) == every_page(Paginator, queryset, 2, row)


@pytest.mark.parametrize("number", [None, "", "x", "0", "-1", "1", "2", "3", "4", "10" * 20])
def test_get_page_is_djangos_and_reads_a_ranked_page_with_its_count(
    articles, number, django_assert_num_queries
):
    """``get_page`` answers Django's page for any number; a ranked search's page in range
    is the ids with their count, then the rows (Django's counts the matches first)."""
    from annotations.search import search_articles

    ranked = search_articles(Article.objects.all(), "alpha").order_by("-search_rank", "id")
    pk = lambda a: a.pk  # noqa: E731
    theirs = Paginator(ranked, 2).get_page(number)
    expected = [pk(a) for a in theirs.object_list]
    # Not a number: page 1 read at once; out of range: the count, and the last page.
    at_once = number in (None, "", "x", "1", "2", "3")
    with django_assert_num_queries(2 if at_once else 3 if number != "4" else 4):
        ours = KeyedPaginator(ranked, 2).get_page(number)
        assert [pk(a) for a in ours] == expected and ours.number == theirs.number
        assert ours.paginator.count == 5
