"""The search page's reads: the articles and the spans of the user's projects that match a
websearch string, best first, each with a highlighted snippet and where it opens."""

from dataclasses import dataclass

from django.db.models import F
from django.utils.safestring import SafeString

from annotations.models import Article, Span
from annotations.search import first_marked, marked_html, search_articles, search_spans

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


def search_hits(
    *, user, text: str, project=None, limit: int = 20
) -> tuple[list[ArticleHit], list[SpanHit]]:
    """The best ``limit`` articles (snippet from the body) and spans (from the text) that
    match ``text`` in the user's projects (or ``project``): two queries. Snippets are HTML,
    escaped, the hits in ``<mark>``."""
    articles = scope_to_user(Article.objects.all(), user=user)
    # In a blind project an annotator finds only their own spans, as in the API's list.
    spans = hide_others_work(scope_to_user(Span.objects.all(), user=user), user=user)
    if project is not None:
        articles, spans = articles.filter(project=project), spans.filter(project=project)
    article_rows = (
        search_articles(articles, text, snippet="body")
        .order_by("-search_rank", "id")
        .values_list(
            "pk", "title", "source", "published_on", "project__slug", "project__name",
            "search_snippet",
        )[:limit]
    )  # fmt: skip
    span_rows = (
        search_spans(spans, text, snippet="text")
        .order_by("-search_rank", "id")
        .annotate(article_title=F("article__title"))
        .values_list(
            "pk", "article_id", "article_title", "label__name", "label__color",
            "project__slug", "project__name", "search_snippet", "note", "annotator__username",
            "gold",
        )[:limit]
    )  # fmt: skip
    article_hits = [
        ArticleHit(*row[:-1], marked_html(row[-1]), first_marked(row[-1])) for row in article_rows
    ]
    span_hits = [SpanHit(*row[:7], marked_html(row[7] or row[2]), *row[8:]) for row in span_rows]
    return article_hits, span_hits
