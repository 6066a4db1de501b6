"""The search page: articles and spans across the user's projects (or one of them), a page of
each at a time."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from .. import selectors
from ..search import SEARCH_MAX, clean_search
from ..selectors.search import search_hits
from .common import user_project


@login_required
@require_safe
def search_page(request):
    """``?q=`` in websearch syntax; ``?project=`` (a slug) keeps to that project; ``?apage=``
    and ``?spage=`` are the pages of the articles and of the spans, each kept in the other's
    links (a bad number reads as the nearest page, as ``Paginator.get_page`` does)."""
    text = clean_search(request.GET.get("q", ""))
    slug = request.GET.get("project", "")
    project = user_project(request, slug) if slug else None
    context = {
        "q": text,
        "project": project,
        "projects": selectors.projects_for_user(user=request.user).order_by("name"),
        "searched": bool(text),
        "max_length": SEARCH_MAX,
    }
    if text:
        hits = search_hits(
            user=request.user,
            text=text,
            project=project,
            per_page=settings.SEARCH_PER_PAGE,
            article_page=request.GET.get("apage"),
            span_page=request.GET.get("spage"),
        )
        search = {"q": text, **({"project": project.slug} if project else {})}
        spans, articles = hits.spans, hits.articles
        context["spans"] = _kind(spans, "span", "spage", {**search, "apage": articles})
        context["articles"] = _kind(articles, "article", "apage", {**search, "spage": spans})
    return render(request, "annotations/search.html", context)


def _kind(page, noun: str, param: str, keep: dict) -> dict:
    """What the page shows of one kind of hit: its page, how many match, and its pages'
    links (``?{query}{param}=N``: the search and the other kind's page number, kept)."""
    count = page.paginator.count
    keep = {key: getattr(value, "number", value) for key, value in keep.items()}
    return {
        "page": page,
        "total": f"{count:,} {noun}{'' if count == 1 else 's'}",
        "query": urlencode({key: value for key, value in keep.items() if value != 1}),
        "param": param,
        "pages": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
