"""``selectors.search.search_hits``: the search page's pages of article and span hits. Paged
through, each kind gives every hit the user may find once, in the ranked order (rank, then
id), with its count; a bad page number reads as the nearest page; only the page's rows get a
snippet."""

import pytest
from django.db import connection

from annotations.models import Role
from annotations.search import search_articles, search_spans
from annotations.selectors.search import ArticleHit, SpanHit, search_hits, searchable

from ..factories import ArticleFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db

WORD = "mobilization"


@pytest.fixture
def corpus(project, label, annotator, make_member):
    """13 articles that match in the project (ranks in four groups, so ties cross the pages),
    3 that do not, one that matches in a project the annotator is not in; a span of the
    annotator's on each match, one or two words long, and 4 of bob's."""
    bob = make_member(Role.ANNOTATOR, username="bob")
    spans = {"alice": [], "bob": []}
    for n in range(13):
        words = " ".join([WORD] * (n % 4 + 1))
        article = ArticleFactory(project=project, body=f"{words} of reservists, report {n}.")
        end = len(WORD) if n % 2 else len(f"{WORD} {WORD}" if n % 4 else f"{WORD} of")
        for who in [annotator, bob] if n % 3 == 0 else [annotator]:
            span = SpanFactory(article=article, label=label, annotator=who, end=end)
            spans[who.username].append(span)
    for n in range(3):
        ArticleFactory(project=project, body=f"Nothing to see {n}.")
    ArticleFactory(project=ProjectFactory(slug="elsewhere"), body=f"{WORD} elsewhere")
    return bob, spans


def ranked(user, kind, project=None):
    """Every hit's id, in the order the pages must give: rank first, then id."""
    articles, spans = searchable(user=user, project=project)
    search = search_articles(articles, WORD) if kind == "articles" else search_spans(spans, WORD)
    return list(search.order_by("-search_rank", "id").values_list("pk", "search_rank"))


def paged(user, kind, per_page, project=None):
    """Every page of one kind, by its number, in turn."""
    first = getattr(search_hits(user=user, text=WORD, project=project, per_page=per_page), kind)
    pages = [first]
    for number in range(2, first.paginator.num_pages + 1):
        hits = search_hits(
            user=user, text=WORD, per_page=per_page, project=project,
            article_page=number, span_page=number,
        )  # fmt: skip
        pages.append(getattr(hits, kind))
    return pages


@pytest.mark.parametrize("per_page", [1, 4, 5, 20])
def test_the_pages_give_every_hit_once_in_ranked_order(corpus, annotator, per_page):
    bob, _ = corpus
    for user, kind, expected in [
        (annotator, "articles", 13),
        (annotator, "spans", 13 + 5),
        (bob, "spans", 13 + 5),
    ]:
        full = ranked(user, kind)
        pages = paged(user, kind, per_page)
        ids = [hit.pk for page in pages for hit in page]
        assert ids == [pk for pk, _ in full], (user, kind, per_page)
        assert len(ids) == len(set(ids)) == expected
        assert [page.paginator.count for page in pages] == [expected] * len(pages)
        assert [page.number for page in pages] == list(range(1, -(-expected // per_page) + 1))
        ranks = [rank for _, rank in full]
        assert ranks == sorted(ranks, reverse=True)
    # The ranks tie across the pages (13 articles, 4 ranks): the id orders them.
    assert len({rank for _, rank in ranked(annotator, "articles")}) < 13


def test_the_hits_keep_their_fields_and_snippets(corpus, annotator, project, label):
    _, spans = corpus
    hits = search_hits(user=annotator, text=WORD, per_page=50)
    article = hits.articles[0]
    assert isinstance(article, ArticleHit) and article.project_slug == project.slug
    assert article.first_hit.lower() == WORD and "<mark>" in article.snippet
    assert article.project_name == project.name and article.title.startswith("Article")
    by_pk = {hit.pk: hit for hit in hits.spans}
    span = spans["alice"][1]
    hit = by_pk[span.pk]
    assert isinstance(hit, SpanHit)
    assert (hit.article_id, hit.article_title, hit.label, hit.label_color, hit.annotator) == (
        span.article_id, span.article.title, label.name, label.color, "alice"
    )  # fmt: skip
    assert f"<mark>{WORD}</mark>".lower() in hit.snippet.lower() and not hit.gold


def test_a_blind_project_hides_anothers_spans_on_every_page(corpus, annotator, project):
    bob, spans = corpus
    project.blind = True
    project.save(update_fields=["blind"])
    for user, own in [(annotator, spans["alice"]), (bob, spans["bob"])]:
        pages = paged(user, "spans", 3)
        assert sorted(hit.pk for page in pages for hit in page) == sorted(s.pk for s in own)
        assert pages[0].paginator.count == len(own)
        assert {hit.annotator for page in pages for hit in page} == {user.username}
    # Articles stay: another's work is spans, not the articles.
    assert search_hits(user=bob, text=WORD, per_page=20).articles.paginator.count == 13


def test_an_outsider_and_one_project(corpus, annotator, outsider):
    hits = search_hits(user=outsider, text=WORD, per_page=20)
    assert hits.articles.paginator.count == hits.spans.paginator.count == 0
    assert list(hits.articles) == list(hits.spans) == [] and hits.articles.number == 1
    other = ProjectFactory(slug="other")
    other.memberships.create(user=annotator, role=Role.ANNOTATOR)
    ArticleFactory(project=other, body=f"{WORD} in the other project")
    assert search_hits(user=annotator, text=WORD, per_page=20).articles.paginator.count == 14
    alone = search_hits(user=annotator, text=WORD, project=other, per_page=20)
    assert alone.articles.paginator.count == 1 and alone.spans.paginator.count == 0


@pytest.mark.parametrize(
    "number, expected",
    [(None, 1), ("", 1), ("x", 1), ("1.5", 1), (0, 4), ("0", 4), (-1, 4), ("-1", 4),
     (2, 2), ("4", 4), (5, 4), ("99", 4), (10**30, 4), ("9" * 5000, 1), ("2.0", 1), (" 2 ", 2)],
)  # fmt: skip
def test_a_bad_page_number_reads_as_the_nearest_page(corpus, annotator, number, expected):
    """As ``Paginator.get_page``: not a whole number, the first page; out of range, the last."""
    hits = search_hits(user=annotator, text=WORD, per_page=4, article_page=number)
    full = [pk for pk, _ in ranked(annotator, "articles")]
    assert hits.articles.number == expected
    assert [hit.pk for hit in hits.articles] == full[(expected - 1) * 4 : expected * 4]
    assert hits.spans.number == 1


def test_only_the_pages_rows_get_a_snippet(corpus, annotator, django_assert_num_queries):
    """Per kind, the page's ids with the count (a window over the ranking), then its rows
    by id with their snippets: the costly snippet is never computed over every match."""
    # SQLite: an article's fragments by snippet(), a span's whole text by highlight().
    marks = ("ts_headline(",) if connection.vendor == "postgresql" else ("snippet(", "highlight(")
    parse = 2 if connection.vendor == "postgresql" else 0  # the search parsed, per kind
    for number in (1, 2, 3):
        with django_assert_num_queries(4 + parse) as queries:
            hits = search_hits(
                user=annotator, text=WORD, per_page=5, article_page=number, span_page=number
            )
            [(hit.snippet, hit.first_hit) for hit in hits.articles]
            [(hit.snippet, hit.annotator) for hit in hits.spans]
        with_snippet = [
            q["sql"] for q in queries.captured_queries if any(m in q["sql"] for m in marks)
        ]
        assert len(with_snippet) == 2
        assert all(" OVER " not in sql and "LIMIT" not in sql for sql in with_snippet)
        assert (len(hits.articles), len(hits.spans)) == ((5, 5) if number < 3 else (3, 5))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite without FTS5")
def test_without_fts5_the_pages_go_by_id_and_a_span_shows_its_words(corpus, annotator, monkeypatch):
    """The substring fallback ranks every match alike: the pages go by id. It makes no
    snippet, so a span hit shows its own words (not its article's title)."""
    from annotations.search import expressions

    monkeypatch.setattr(expressions, "_fts_ready", lambda: False)
    _, spans = corpus
    pages = paged(annotator, "spans", 4)
    hits = [hit for page in pages for hit in page]
    assert [hit.pk for hit in hits] == sorted(s.pk for s in spans["alice"] + spans["bob"])
    assert all(hit.snippet.lower().startswith(WORD) for hit in hits)
    articles = paged(annotator, "articles", 4)
    assert [hit.pk for page in articles for hit in page] == sorted(
        pk for pk, _ in ranked(annotator, "articles")
    )
