"""The search page's reads: the articles and the spans of the user's projects that match a
websearch string, best first, a page of each at a time, each hit with a highlighted snippet
and where it opens."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.utils.safestring import SafeString

from annotations.models import Article, Span
from annotations.search import first_marked, marked_html, search_articles, search_spans

from .pages import KeyedPaginator
from .scope import hide_others_work, scope_to_user


@dataclass(frozen=True)
class ArticleHit:
    pk: int
    title: str
    source: str
    published_on: object
    project_slug: str
    project_name: str
    snippet: SafeString
    first_hit: str  # the words of the snippet's first hit: where the article opens


@dataclass(frozen=True)
class SpanHit:
    pk: int
    article_id: int
    article_title: str
    label: str
    label_color: str
    project_slug: str
    project_name: str
    snippet: SafeString
    note: str
    annotator: str
    gold: bool


@dataclass(frozen=True)
class SearchHits:
    """A page of each kind of hit (``Page``s of ``ArticleHit`` and ``SpanHit``), each with
    its own number, and its paginator's ``count`` of every match."""

    articles: Page
    spans: Page


def searchable(*, user, project=None):
    """The articles and the spans the user may find (in ``project``, or in all theirs):
    the one rule for the search page."""
    articles = scope_to_user(Article.objects.all(), user=user)
    # In a blind project an annotator finds only their own spans, as in the API's list.
    spans = hide_others_work(scope_to_user(Span.objects.all(), user=user), user=user)
    if project is not None:
        articles, spans = articles.filter(project=project), spans.filter(project=project)
    return articles, spans


def search_hits(
    *,
    user,
    text: str,
    project=None,
    per_page: int,
    article_page: object = 1,
    span_page: object = 1,
) -> SearchHits:
    """Page ``article_page`` of the articles (snippet from the body) and page ``span_page``
    of the spans (their whole text, hits marked) that match ``text`` in the user's projects (or
    ``project``), ranked best first, ties by id, so that the pages neither repeat nor skip a
    hit. A page number as Django's ``Paginator.get_page`` reads it: not a number, the
    first; past the end, the last. Per kind, two queries (``KeyedPaginator``): the page's
    ids with the count of every match, then its rows, so that only the page's rows get a
    snippet (``ts_headline``, FTS5's ``snippet``: the costly part). Snippets are HTML,
    escaped, the hits in ``<mark>``."""
    articles, spans = searchable(user=user, project=project)
    articles = (
        search_articles(articles, text, snippet="body")
        .order_by("-search_rank", "id")
        .select_related("project")
        .only("title", "source", "published_on", "project__slug", "project__name")
    )
    spans = (
        search_spans(spans, text, snippet="text", whole=True)
        .order_by("-search_rank", "id")
        .select_related("article", "label", "project", "annotator")
        .only(
            "text", "note", "gold", "article__title", "label__name", "label__color",
            "project__slug", "project__name", "annotator__username",
        )
    )  # fmt: skip
    article_rows = KeyedPaginator(articles, per_page).get_page(article_page)
    span_rows = KeyedPaginator(spans, per_page).get_page(span_page)
    return SearchHits(articles=_hits(article_rows, _article_hit), spans=_hits(span_rows, _span_hit))


def _hits(page: Page, hit) -> Page:
    return Page([hit(row) for row in page], page.number, page.paginator)


def _article_hit(article: Article) -> ArticleHit:
    project, snippet = article.project, article.search_snippet
    return ArticleHit(
        article.pk, article.title, article.source, article.published_on, project.slug,
        project.name, marked_html(snippet), first_marked(snippet),
    )  # fmt: skip


def _span_hit(span: Span) -> SpanHit:
    annotator = span.annotator.get_username() if span.annotator_id else ""
    return SpanHit(
        span.pk, span.article_id, span.article.title, span.label.name, span.label.color,
        span.project.slug, span.project.name, marked_html(span.search_snippet or span.text),
        span.note, annotator, span.gold,
    )  # fmt: skip
