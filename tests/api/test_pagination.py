"""Page-numbered lists (``selectors.pages.KeyedPaginator``): a page past the first reads its
ids, then its rows by id, and answers exactly what Django's paginator answers."""

import pytest
from django.core.paginator import Paginator

from annotations.api.pagination import PagePagination

from ..api_helpers import API, client_for
from ..factories import ActorFactory, ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


def test_every_page_is_djangos_page(monkeypatch, annotator, project, django_assert_max_num_queries):
    actors = [ActorFactory(name=f"Actor {n % 3}") for n in range(5)]  # names shared: order by id
    for n in range(7):
        dated = None if n % 3 == 0 else f"2026-0{1 + n % 2}-01"
        article = ArticleFactory(project=project, body=f"word {n} " * 3, published_on=dated)
        for k in range(n % 3):
            SpanFactory(article=article, annotator=annotator, start=2 * k, end=2 * k + 4,
                        actors=[(actors[(n + k) % 5], "source")])  # fmt: skip
    client = client_for(annotator)
    asked = [
        (kind, {"page_size": size, "page": page, **extra})
        for kind, extra in (("articles/", {}), ("actors/", {}), ("articles/", {"search": "word"}))
        for size in (2, 3)
        for page in (1, 2, 3, 4)
    ] + [("articles/", {"page": 99}), ("articles/", {"page": "last", "page_size": 3})]

    def answers():
        return [
            (response.status_code, response.json())
            for response in (client.get(API + kind, params) for kind, params in asked)
        ]

    ours = answers()
    monkeypatch.setattr(PagePagination, "django_paginator_class", Paginator)
    assert ours == answers()
    assert [code for code, _ in ours].count(404) == 6  # pages past the last, as Django says
    third = [
        body for (_, params), (_, body) in zip(asked, ours, strict=True) if params["page"] == 3
    ]
    assert all(body["results"] for body in third[:2])  # the articles' third pages have rows
