"""The search page: articles and spans across the user's projects (or one of them)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import selectors
from ..search import SEARCH_MAX, clean_search
from ..selectors.search import search_hits
from .common import user_project


@login_required
@require_safe
def search_page(request):
    """``?q=`` in websearch syntax; ``?project=`` (a slug) keeps to that project."""
    text = clean_search(request.GET.get("q", ""))
    slug = request.GET.get("project", "")
    project = user_project(request, slug) if slug else None
    articles, spans = ([], [])
    if text:
        articles, spans = search_hits(user=request.user, text=text, project=project)
    context = {
        "q": text,
        "project": project,
        "projects": selectors.projects_for_user(user=request.user).order_by("name"),
        "articles": articles,
        "spans": spans,
        "searched": bool(text),
        "max_length": SEARCH_MAX,
    }
    return render(request, "annotations/search.html", context)
