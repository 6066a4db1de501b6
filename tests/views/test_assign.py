"""The assign page (managers), an annotator's assignments first on the project page, and the
annotate page's previous/next along them."""

import datetime

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Assignment, Role
from annotations.selectors.assignments import WorkState, assignment_loads

from ..factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(project):
    return [
        ArticleFactory(project=project, title=f"A{n}", published_on=datetime.date(2026, 6, 30 - n))
        for n in range(6)
    ]


def assign_url(project):
    return reverse("annotations:project-assign", args=[project.slug])


def test_only_managers_reach_the_assign_page(
    client, project, annotator, reviewer, manager, outsider
):
    for user, status in ((manager, 200), (reviewer, 403), (annotator, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(assign_url(project)).status_code == status, user


def test_assign_evenly_then_see_load_and_unassign(
    client, project, articles, annotator, manager, make_member
):
    bob = make_member(Role.ANNOTATOR, username="bob")
    client.force_login(manager)
    page = client.get(assign_url(project)).content.decode()
    # Annotators are ticked at first; the manager is offered but not ticked.
    assert 'value="alice" checked' in page and 'value="bob" checked' in page
    assert 'value="max" checked' not in page
    answer = client.post(assign_url(project), {"annotators": ["alice", "bob"], "per_article": "1"})
    assert answer.status_code == 302 and "created=6" in answer["Location"]
    loads = {load.username: load for load in assignment_loads(project=project)}
    assert (loads["alice"].assigned, loads["bob"].assigned, loads["max"].assigned) == (3, 3, 0)
    # Progress: one done, one started.
    first, second = Assignment.objects.filter(annotator=bob).order_by("id")[:2]
    services.article_mark_done(article=first.article, user=bob, done=True)
    SpanFactory(article=second.article, annotator=bob)
    page = client.get(answer["Location"]).content.decode()
    assert "6 assignments made." in page
    assert 'value="1" aria-label="bob: 1 of 3 done"' in page
    loads = {load.username: load for load in assignment_loads(project=project)}
    assert (loads["bob"].done, loads["bob"].started) == (1, 1)
    remove = reverse("annotations:assignment-remove", args=[project.slug, first.pk])
    assert client.post(remove, {"query": "annotator=bob"})["Location"].endswith("?annotator=bob")
    assert not Assignment.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("data", "field_words"),
    [
        ({"annotators": ["alice"], "per_article": "0"}, "Must be between 1 and 100"),
        ({"annotators": ["alice"], "per_article": "1000"}, "Must be between 1 and 100"),
        ({"annotators": ["alice"], "per_article": "two"}, "A whole number is required"),
        ({"annotators": ["alice", "eve"], "per_article": "1"}, "Not a member of this project: eve"),
        ({"per_article": "1"}, "Name at least one annotator"),
    ],
)
def test_bad_input_shows_the_services_message_and_changes_nothing(
    client, project, articles, annotator, manager, outsider, data, field_words
):
    client.force_login(manager)
    answer = client.post(assign_url(project), data)
    assert answer.status_code == 422
    assert field_words in answer.content.decode()
    assert not Assignment.objects.exists()


def test_an_annotators_assignments_come_first_with_their_state(
    client, project, articles, annotator, manager
):
    services.project_assign(project=project, user=manager, annotators=["alice"], per_article=1)
    Assignment.objects.filter(article__in=articles[:4]).delete()  # alice keeps A4 and A5
    services.article_mark_done(article=articles[5], user=annotator, done=True)
    client.force_login(annotator)
    page = client.get(reverse("annotations:project-detail", args=[project.slug]))
    titles = [article.title for article in page.context["page"]]
    assert titles == ["A4", "A5", "A0", "A1", "A2", "A3"]
    states = {a.title: a.my_state for a in page.context["page"]}
    assert states["A5"] == WorkState.DONE and states["A4"] == WorkState.NOT_STARTED
    html = page.content.decode()
    assert html.count("Assigned to you") == 2 and "Your 2 assignments come first" in html


def test_previous_and_next_follow_the_users_assignments(
    client, project, articles, annotator, manager
):
    for article in (articles[1], articles[3], articles[5]):
        services.assignment_create(article=article, annotator="alice", user=manager)
    client.force_login(annotator)

    def neighbours(article):
        page = client.get(reverse("annotations:annotate", args=[project.slug, article.pk]))
        return page.context["previous_url"], page.context["next_url"]

    def annotate(article):
        return reverse("annotations:annotate", args=[project.slug, article.pk])

    # Their list: A1, A3, A5 (assigned to them), then A0, A2, A4.
    assert neighbours(articles[1]) == (None, annotate(articles[3]))
    assert neighbours(articles[3]) == (annotate(articles[1]), annotate(articles[5]))
    # From their last assignment on to the first article that is not theirs, and back.
    assert neighbours(articles[5]) == (annotate(articles[3]), annotate(articles[0]))
    assert neighbours(articles[0]) == (annotate(articles[5]), annotate(articles[2]))
    # An article not assigned to them: the others only, theirs were shown first.
    assert neighbours(articles[2]) == (annotate(articles[0]), annotate(articles[4]))
    assert neighbours(articles[4]) == (annotate(articles[2]), None)
    client.force_login(manager)  # nothing assigned to the manager: the project's order
    assert neighbours(articles[3]) == (annotate(articles[2]), annotate(articles[4]))
