"""``q`` is case-insensitive in every script on both databases (SQLite's LIKE folds ASCII)."""

import pytest

from annotations.models import Article
from annotations.selectors.articles import project_articles

from .api_helpers import API, client_for
from .factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "ISW: Беларусь и Ёлка, Straße, ΣΟΦΙΑ, İstanbul, 北京 and plain ASCII."


@pytest.fixture
def texts(project, label, annotator):
    article = ArticleFactory(project=project, title="Ёлка и Беларусь", body=BODY)
    ArticleFactory(project=project, title="Other", body="Nothing to see.")
    spans = {}
    for word in ("Беларусь", "Ёлка", "ΣΟΦΙΑ", "北京", "ASCII"):
        start = BODY.index(word)
        spans[word] = SpanFactory(
            article=article, label=label, annotator=annotator, start=start, end=start + len(word)
        )
    return article, spans


@pytest.mark.parametrize(
    ("q", "found"),
    [("беларусь", "Беларусь"), ("ЁЛКА", "Ёлка"), ("σοφια", "ΣΟΦΙΑ"), ("北京", "北京"),
     ("ascii", "ASCII"), ("elka", None)],
)  # fmt: skip
def test_span_q_ignores_case_in_every_script(annotator, texts, q, found):
    _, spans = texts
    results = client_for(annotator).get(API + "spans/", {"q": q}).json()["results"]
    assert [s["id"] for s in results] == ([spans[found].pk] if found else [])


@pytest.mark.parametrize("q", ["ёлка", "БЕЛАРУСЬ", "σοφια", "isw"])
def test_article_q_and_the_project_page_ignore_case_in_every_script(annotator, project, texts, q):
    article, _ = texts
    results = client_for(annotator).get(API + "articles/", {"q": q}).json()["results"]
    assert [a["id"] for a in results] == [article.pk]
    if q.casefold() in article.title.casefold():  # the page searches titles only
        listed = project_articles(project=project, user=annotator, q=q)
        assert [a.pk for a in listed] == [article.pk]
    assert Article.objects.count() == 2
