"""The search page's pages: how many articles and spans match, each kind paged on its own
(``?apage=``, ``?spage=``), links that keep the search, a bad page number read as the
nearest page, and the same few queries whichever page."""

import re

import pytest
from django.test import Client

from annotations.models import Role

from ..factories import ArticleFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db

WORD = "mobilization"


@pytest.fixture
def corpus(project, label, annotator, settings):
    """7 articles that match, each with a span of the annotator's: 3 pages of 3 each."""
    settings.SEARCH_PER_PAGE = 3
    articles, spans = [], []
    for n in range(7):
        article = ArticleFactory(project=project, body=f"{WORD} of reservists {n}.")
        articles.append(article)
        spans.append(SpanFactory(article=article, label=label, annotator=annotator))
    return articles, spans


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(user, **params):
    response = client_for(user).get("/search/", {"q": WORD, **params})
    assert response.status_code == 200
    return response.content.decode()


def shown(html, kind):
    """The ids of the hits of one kind on the page, in order."""
    if kind == "spans":
        pattern = r'class="hit-open" href="[^"]*\?span=(\d+)"'
    else:
        pattern = r'class="hit-title" href="/projects/[^/]+/articles/(\d+)/'
    return [int(pk) for pk in re.findall(pattern, html)]


def current(html, label):
    """The page number the pager of ``label`` marks as the current one."""
    nav = html.split(f'aria-label="{label} pages"')[1].split("</nav>")[0]
    return int(re.search(r'aria-current="page"[^>]*>(\d+)<', nav).group(1))


def test_each_kind_says_how_many_match_and_pages_on_its_own(annotator, corpus, project):
    articles, spans = corpus
    html = get(annotator)
    assert "(7 spans, best first: 1–3)" in html and "(7 articles, best first: 1–3)" in html
    assert current(html, "Span hits") == current(html, "Article hits") == 1
    assert '<nav class="pager" aria-label="Span hits pages">' in html
    seen = {"spans": [], "articles": []}
    for number in (1, 2, 3):
        html = get(annotator, apage=number, spage=4 - number)
        seen["articles"] += shown(html, "articles")
        assert current(html, "Article hits") == number
        assert current(html, "Span hits") == 4 - number
        assert f"Page {number} of 3" in html
    assert sorted(seen["articles"]) == sorted(a.pk for a in articles)
    assert len(set(seen["articles"])) == 7
    for number in (1, 2, 3):
        seen["spans"] += shown(get(annotator, spage=number), "spans")
    assert sorted(seen["spans"]) == sorted(s.pk for s in spans) and len(set(seen["spans"])) == 7


def test_the_pages_links_keep_the_search_and_the_other_kinds_page(annotator, corpus, project):
    html = get(annotator, project=project.slug, apage=2, spage=3, extra="dropped")
    q = f"q={WORD}&amp;project={project.slug}"
    assert f'href="?{q}&amp;spage=3&amp;apage=1#article-hits" rel="prev"' in html
    assert f'href="?{q}&amp;spage=3&amp;apage=3#article-hits" rel="next"' in html
    assert f'href="?{q}&amp;apage=2&amp;spage=2#span-hits" rel="prev"' in html
    assert html.count('rel="next"') == 1 and "dropped" not in html  # the spans' last page
    # The other kind's first page is left out of the links.
    html = get(annotator, project=project.slug, spage=2, apage=1)
    assert f'href="?{q}&amp;spage=2&amp;apage=2#article-hits" rel="next"' in html
    assert f'href="?{q}&amp;spage=1#span-hits" rel="prev"' in html


@pytest.mark.parametrize(
    "number, expected",
    [("0", 3), ("-1", 3), ("x", 1), ("", 1), ("4", 3), ("99999999999999999999", 3),
     ("9" * 5000, 1), ("1e3", 1), ("2", 2)],
)  # fmt: skip
def test_a_bad_page_number_shows_the_nearest_page(annotator, corpus, number, expected):
    """As Django's ``Paginator.get_page``: not a whole number, the first page; a number out of
    range, 0 and below included, the last."""
    html = get(annotator, apage=number, spage=number)
    assert current(html, "Article hits") == current(html, "Span hits") == expected
    assert len(shown(html, "articles")) == (1 if expected == 3 else 3)


def test_no_match_and_a_single_page(annotator, corpus, settings):
    html = get(annotator, q="zeppelin")
    assert "(0 spans)" in html and "(0 articles)" in html and "No span matches." in html
    assert '<nav class="pager"' not in html
    settings.SEARCH_PER_PAGE = 20
    html = get(annotator)
    assert "(7 spans, best first)" in html and '<nav class="pager"' not in html
    assert "(1 article" not in html


def test_a_blind_project_counts_and_pages_an_annotators_own_spans(
    annotator, corpus, project, make_member, label
):
    _, spans = corpus
    bob = make_member(Role.ANNOTATOR, username="bob")
    article = ArticleFactory(project=project, body=f"{WORD} by bob")
    bobs = SpanFactory(article=article, label=label, annotator=bob)
    project.blind = True
    project.save(update_fields=["blind"])
    html = get(bob)
    assert "(1 span, best first)" in html and shown(html, "spans") == [bobs.pk]
    assert "(8 articles, best first: 1–3)" in html and "alice" not in html
    found = [pk for number in (1, 2, 3) for pk in shown(get(annotator, spage=number), "spans")]
    assert sorted(found) == sorted(s.pk for s in spans) and bobs.pk not in found


def test_every_page_takes_the_same_queries(annotator, corpus, django_assert_num_queries):
    """The session and user, the projects' menu, and per kind the page's ids with the
    count and then its rows (PostgreSQL parses the search first, per kind): whichever page,
    so that neither the count nor a snippet costs a query per hit."""
    from django.db import connection

    parse = 2 if connection.vendor == "postgresql" else 0
    client = client_for(annotator)
    for number in ("1", "2", "3"):
        with django_assert_num_queries(2 + 1 + 4 + parse):
            response = client.get("/search/", {"q": WORD, "apage": number, "spage": number})
        assert len(shown(response.content.decode(), "articles")) == (3 if number != "3" else 1)


def test_one_project_of_several(annotator, corpus, project):
    other = ProjectFactory(slug="other")
    other.memberships.create(user=annotator, role=Role.ANNOTATOR)
    ArticleFactory(project=other, body=f"{WORD} elsewhere")
    assert "(8 articles" in get(annotator)
    html = get(annotator, project="other")
    assert "(1 article, best first)" in html and "(0 spans)" in html


def test_many_pages_are_elided(annotator, corpus, settings):
    settings.SEARCH_PER_PAGE = 1
    html = get(annotator, spage=7)
    nav = html.split('aria-label="Span hits pages"')[1].split("</nav>")[0]
    assert re.findall(r">(\d+)</a>", nav) == ["1", "5", "6", "7"]
    assert "<li>…</li>" in nav and current(html, "Span hits") == 7


def test_a_span_hit_quotes_the_whole_span_with_its_hits_marked(annotator, project, label):
    """A span's words are quoted whole, however far from the hit they lie (a fragment cut
    them where the search's words left off: "the fact that Putin ..." read "fact that ...")."""
    words = " ".join(f"word{n}" for n in range(40))
    body = f"The fact that Putin appears {words} before the {WORD} of reservists ends here."
    article = ArticleFactory(project=project, body=body)
    span = SpanFactory(article=article, label=label, annotator=annotator, end=len(body))
    html = get(annotator)
    quoted = re.search(rf'\?span={span.pk}">(.*?)</a>', html, re.S).group(1)
    assert quoted == body.replace(WORD, f"<mark>{WORD}</mark>")


def test_a_very_long_span_hit_is_quoted_in_fragments(annotator, project, label):
    """Past ``WHOLE_MAX`` characters (a span over a whole article), fragments around the hits,
    as an article's: the page does not carry the whole text."""
    from annotations.search.expressions import WHOLE_MAX

    words = " ".join(f"word{n}" for n in range(WHOLE_MAX // 5))
    body = f"{words} before the {WORD} of reservists ends here."
    article = ArticleFactory(project=project, body=body)
    span = SpanFactory(article=article, label=label, annotator=annotator, end=len(body))
    quoted = re.search(rf'\?span={span.pk}">(.*?)</a>', get(annotator), re.S).group(1)
    assert f"<mark>{WORD}</mark>" in quoted and len(quoted) < 400
