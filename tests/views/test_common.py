"""The helpers every page family shares (``views/common.py``)."""

import pytest
from django.urls import reverse

from annotations.models import Role

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
