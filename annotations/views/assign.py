"""The assign page: a manager spreads the project's articles over annotators
(``services.project_assign``), sees each one's load and progress, and takes assignments back."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..models import Assignment, Role
from ..permissions import can_manage
from ..selectors.assignments import assignment_loads, project_assignments, work_state
from ..selectors.pages import KeyedPaginator
from .common import user_project_for, whole_number
from .errors import catch_refusal

ASSIGNMENTS_PER_PAGE = 50


def _manager_project(request, slug):
    return user_project_for(
        request, slug, may=can_manage, refusal="Only a manager of the project assigns its articles."
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_assign(request, slug):
    """Pick annotators and how many per article, and spread the articles evenly; below,
    each member's load and progress, and the assignments (by annotator) to take back."""
    project = _manager_project(request, slug)
    picked = request.POST.getlist("annotators") if request.method == "POST" else None
    per_article = request.POST.get("per_article", "1") if request.method == "POST" else "1"
    error, status = "", 200
    if request.method == "POST":
        number = whole_number(per_article.strip())
        with catch_refusal() as refused:
            created = services.project_assign(
                project=project,
                user=request.user,
                annotators=picked,
                per_article=number if number is not None else per_article,
            )
        if not refused:
            url = reverse("annotations:project-assign", args=[project.slug])
            return redirect(f"{url}?{urlencode({'created': created})}")
        error, status = refused.message, refused.status
    loads = assignment_loads(project=project)
    if picked is None:  # at first, every annotator
        picked = [load.username for load in loads if load.role == Role.ANNOTATOR]
    annotator = request.GET.get("annotator", "")[:150]
    page = KeyedPaginator(
        project_assignments(project=project, annotator=annotator), ASSIGNMENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    for assignment in page:
        assignment.state = work_state(done=assignment.done, started=assignment.started)
    created = request.GET.get("created", "")
    context = {
        "project": project,
        "loads": loads,
        "picked": set(picked),
        "per_article": per_article,
        "error": error,
        "created": int(created) if created.isdecimal() and len(created) < 9 else None,
        "page": page,
        "annotator": annotator,
        "query": urlencode({"annotator": annotator} if annotator else {}),
    }
    return render(request, "annotations/project_assign.html", context, status=status)


@login_required
@require_POST
def assignment_remove(request, slug, assignment_id):
    """Take an assignment back (``services.assignment_delete``); the annotator's spans stay."""
    project = _manager_project(request, slug)
    assignment = get_object_or_404(
        Assignment.objects.select_related("annotator", "article"),
        pk=assignment_id,
        project=project,
    )
    services.assignment_delete(assignment=assignment, user=request.user)
    url = reverse("annotations:project-assign", args=[project.slug])
    query = request.POST.get("query", "")
    return redirect(f"{url}?{query}" if query else url)
