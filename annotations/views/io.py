"""The export and import pages."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from .. import selectors
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import export_stream
from ..forms import ExportFilterForm
from ..imports import FORMATS as IMPORT_FORMATS
from ..models import Article, JobKind, Span, SpanStatus
from ..permissions import can_manage
from ..services.jobs import job_import_start
from .common import filter_spans, label_and_annotator_choices, user_project, user_project_for
from .errors import catch_refusal, error_response
from .jobs import recent_jobs


def _export_filters(request, project) -> tuple[dict, dict]:
    """The export form's choices and the filters picked, unknown values left out."""
    labels, annotators = label_and_annotator_choices(project)
    formats = list(EXPORT_FORMATS)
    form = ExportFilterForm(request.GET, formats=formats, labels=labels, annotators=annotators)
    picked = form.picked()
    choices = {
        "formats": formats,
        "statuses": SpanStatus.choices,
        "labels": labels,
        "annotators": annotators,
    }
    return choices, picked


def _export_count(project, picked: dict, user) -> dict:
    """What an export with these filters holds: every article, the spans that match."""
    spans = filter_spans(Span.objects.filter(project=project), picked)
    spans = selectors.hide_others_work(spans, user=user)  # a blind project's annotator
    return {
        "articles": Article.objects.filter(project=project).count(),
        "spans": spans.count(),
        "format": picked["format"],
        "query": urlencode({key: value for key, value in picked.items() if value}),
    }


@login_required
@require_safe
@vary_on_headers("HX-Request")
def project_export(request, slug):
    """The export form: format and filters, with a live count of what the file will hold."""
    project = user_project(request, slug)
    choices, picked = _export_filters(request, project)
    context = {"project": project, **choices, "picked": picked, "count": None}
    context["count"] = _export_count(project, picked, request.user)
    if request.htmx:
        return render(request, "annotations/partials/io/export_count.html", context)
    context["recent_jobs"] = recent_jobs(request.user, project, JobKind.EXPORT)
    return render(request, "annotations/project_export.html", context)


@login_required
@require_safe
def project_export_download(request, slug):
    """The export file itself, streamed as the selector reads it."""
    project = user_project(request, slug)
    with catch_refusal(ValidationError) as refused:
        content_type, filename, chunks, _ = export_stream(
            project,
            request.GET.get("format") or "jsonl",
            status=request.GET.get("status") or None,
            label=request.GET.get("label") or None,
            annotator=request.GET.get("annotator") or None,
            gold=request.GET.get("gold") or None,
            visible_to=selectors.visible_annotator(project=project, user=request.user),
        )
    if refused:  # a filter the form does not offer, as the API answers it
        return error_response(request, refused.message, 400)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _import_page(request, project, *, error="", picked=None, suggestion=None, status=200):
    return render(
        request,
        "annotations/partials/io/import_result.html"
        if request.htmx
        else "annotations/project_import.html",
        {
            "project": project,
            "formats": list(IMPORT_FORMATS),
            "picked": picked or _import_choices(),
            "error": error,
            "suggestion": suggestion,
            "recent_jobs": recent_jobs(request.user, project, JobKind.IMPORT),
        },
        status=status,
    )


def _import_choices(data=None) -> dict:
    """The form's choices as posted (the boxes left out unticked), or its defaults."""
    if data is None:
        return {"format": "auto", "create_labels": True, "create_actors": True}
    fmt = data.get("format") or "auto"
    return {
        "format": fmt if fmt in IMPORT_FORMATS else "auto",
        "create_labels": bool(data.get("create_labels")),
        "create_actors": bool(data.get("create_actors")),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def project_import(request, slug):
    """Managers upload a file of articles; the import runs as a job, whose page follows (all
    or nothing, every bad line listed there). A format that is unknown, cannot be told, or
    does not fit the file is refused here at once, with the format that fits."""
    project = user_project_for(
        request, slug, may=can_manage, refusal="Only a manager of the project imports articles."
    )
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _import_page(request, project)
    picked = _import_choices(request.POST)
    with catch_refusal() as refused:
        job = job_import_start(
            project=project,
            user=request.user,
            upload=request.FILES.get("file"),
            fmt=request.POST.get("format") or "auto",
            create_labels=picked["create_labels"],
            create_actors=picked["create_actors"],
        )
    if refused:
        return _import_page(
            request,
            project,
            error=refused.message,
            picked=picked,
            suggestion=getattr(refused.error, "fits", None),
            status=refused.status,
        )
    url = reverse("annotations:job-detail", args=[project.slug, job.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
