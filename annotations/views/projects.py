"""The project list and a project's articles."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors
from ..forms import ArticleFilterForm
from ..models import Article, Assignment
from ..permissions import can_manage, can_review, user_role
from ..selectors import projects_for_user
from ..selectors.assignments import work_state
from ..selectors.pages import KeyedPaginator
from .common import user_project

ARTICLES_PER_PAGE = 25


@login_required
@require_safe
def project_list(request):
    """The projects the signed-in user belongs to."""
    projects = (
        projects_for_user(user=request.user)
        .annotate(article_count=Count("articles", distinct=True))
        .order_by(F("name").asc())
    )
    return render(request, "annotations/project_list.html", {"projects": projects})


@login_required
@require_safe
@vary_on_headers("HX-Request")
def project_detail(request, slug):
    """A project's articles: search, filters, my progress, pages of 25."""
    project = user_project(request, slug)
    role = user_role(project=project, user=request.user)
    sources = (
        Article.objects.filter(project=project)
        .exclude(source="")
        .order_by("source")
        .values_list("source", flat=True)
        .distinct()
    )
    form = ArticleFilterForm(request.GET or None, sources=list(sources))
    filters = form.cleaned_data if form.is_valid() else {}
    my_assignments = Assignment.objects.filter(project=project, annotator=request.user).count()
    articles = selectors.project_articles(
        project=project,
        user=request.user,
        q=filters.get("q") or "",
        source=filters.get("source") or "",
        published_after=filters.get("published_after"),
        published_before=filters.get("published_before"),
        status=filters.get("status") or "",
        assigned=my_assignments > 0,
    )
    page = KeyedPaginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    for article in page:
        article.my_state = work_state(
            done=bool(article.my_done_at), started=article.my_span_count > 0
        )
    if can_review(role):  # where adjudication stands, for those who settle it
        statuses = selectors.article_gold_status(article_ids=[a.pk for a in page])
        for article in page:
            article.gold_status = selectors.GoldStatus(statuses[article.pk])
    context = {
        "project": project,
        "can_review": can_review(role),
        "can_manage": can_manage(role),
        "form": form,
        "page": page,
        "query": urlencode(query),
        "filtered": bool(query),
        "my_assignments": my_assignments,
    }
    if request.htmx:
        return render(request, "annotations/partials/projects/article_results.html", context)
    return render(request, "annotations/project_detail.html", context)
