"""The analyst's pages (server-rendered, htmx)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.shortcuts import render

from .selectors import projects_for_user


@login_required
def project_list(request):
    """The projects the signed-in user belongs to."""
    projects = (
        projects_for_user(user=request.user)
        .annotate(article_count=Count("articles", distinct=True))
        .order_by(F("name").asc())
    )
    return render(request, "annotations/project_list.html", {"projects": projects})
