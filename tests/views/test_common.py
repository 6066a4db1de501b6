"""The helpers every page family shares (``views/common.py``)."""

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Role, Span
from annotations.views.common import posted_version

from ..factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db

MANAGERS_ONLY = {Role.MANAGER}
REVIEWERS = {Role.REVIEWER, Role.MANAGER}


def _pages(project, article, span):
    """Each page some roles only see: its method, its address, who sees it, and the words
    that refuse the others."""
    slug = project.slug
    assign = "Only a manager of the project assigns its articles."
    imports = "Only a manager of the project imports articles."
    compares = "Only a reviewer or manager of the project compares annotators."
    reviews = "Only a reviewer or manager of the project reviews its spans."
    return [
        ("get", reverse("annotations:project-assign", args=[slug]), MANAGERS_ONLY, assign),
        ("post", reverse("annotations:project-assign", args=[slug]), MANAGERS_ONLY, assign),
        ("get", reverse("annotations:project-import", args=[slug]), MANAGERS_ONLY, imports),
        ("post", reverse("annotations:project-import", args=[slug]), MANAGERS_ONLY, imports),
        (
            "get",
            reverse("annotations:article-compare", args=[slug, article.pk]),
            REVIEWERS,
            compares,
        ),
        (
            "post",
            reverse("annotations:compare-promote", args=[slug, article.pk, span.pk]),
            REVIEWERS,
            compares,
        ),
        ("get", reverse("annotations:project-review", args=[slug]), REVIEWERS, reviews),
        ("post", reverse("annotations:span-review", args=[slug, span.pk]), REVIEWERS, reviews),
        ("post", reverse("annotations:review-bulk", args=[slug]), REVIEWERS, reviews),
    ]


def test_pages_for_some_roles_are_404_to_outsiders_and_403_in_words_to_other_members(
    client, project, annotator, reviewer, manager, outsider
):
    article = ArticleFactory(project=project)
    span = SpanFactory(article=article, annotator=annotator)
    users = {Role.ANNOTATOR: annotator, Role.REVIEWER: reviewer, Role.MANAGER: manager}
    data = {"article": article.pk}  # the bulk review's article; the other pages ignore it
    for method, url, allowed, refusal in _pages(project, article, span):
        client.force_login(outsider)
        assert getattr(client, method)(url, data).status_code == 404, url
        for role, user in users.items():
            client.force_login(user)
            answer = getattr(client, method)(url, data)
            if role in allowed:
                assert answer.status_code not in (403, 404), (url, role)
            else:
                assert answer.status_code == 403, (url, role)
                assert refusal in answer.content.decode(), (url, role)


@pytest.mark.parametrize(
    ("posted", "version"),
    [
        ({"version": "3"}, 3),
        ({}, None),
        ({"version": ""}, None),
        ({"version": "three"}, "three"),
        ({"version": "²"}, "²"),
        ({"version": "-1"}, "-1"),
        ({"version": "9" * 5000}, "9" * 5000),
    ],
)
def test_a_posted_version_is_a_whole_number_none_or_as_posted(rf, posted, version):
    assert posted_version(rf.post("/", posted)) == version


VERSION_ANSWERS = [
    ({}, "Required: the version your change is based on."),
    ({"version": ""}, "Required: the version your change is based on."),
    ({"version": "three"}, "A whole number is required."),
    ({"version": "²"}, "A whole number is required."),
    ({"version": "9" * 5000}, "A whole number is required."),
]


def test_every_page_that_changes_a_span_reads_its_version_alike(
    client, project, label, annotator, reviewer
):
    """The review queue, the compare page's gold edit and a span's proposals taken: the same
    words for a version missing or no whole number, and nothing changed."""
    statement = "Minsk would probably not join."
    article = ArticleFactory(project=project, body=statement)
    span = services.span_create(
        article=article, start=0, end=len(statement) - 1, label=label, annotator=annotator
    )
    gold = services.span_promote(span=span, user=reviewer)
    posts = [
        (annotator, _article_url("span-proposals", article, span.pk), {}),
        (reviewer, reverse("annotations:span-review", args=[project.slug, span.pk]), {
            "status": "accepted"}),
        (reviewer, _article_url("compare-edit", article, gold.pk), {"probability": "likely"}),
    ]  # fmt: skip
    before = sorted(Span.objects.values_list("pk", "version", "status", "probability"))
    for user, url, fields in posts:
        client.force_login(user)
        for posted, words in VERSION_ANSWERS:
            answer = client.post(url, {**fields, **posted}, HTTP_HX_REQUEST="true")
            assert answer.status_code == 422, (url, posted)
            assert words in answer.content.decode(), (url, posted)
    assert sorted(Span.objects.values_list("pk", "version", "status", "probability")) == before


def _article_url(name, article, *args):
    return reverse(f"annotations:{name}", args=[article.project.slug, article.pk, *args])
