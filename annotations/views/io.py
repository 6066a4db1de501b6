"""The export and import pages."""

import json
import time
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import export_stream
from ..forms import ExportFilterForm
from ..imports import FORMATS as IMPORT_FORMATS
from ..imports import detect_format, fitting_format, import_file_steps, run_steps
from ..models import Article, JobKind, Span, SpanStatus
from ..permissions import can_manage, user_role
from .common import filter_spans, label_and_annotator_choices, user_project
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


def _suggestion(upload, picked: dict, refused) -> str | None:
    """For a refused import (``refused``: its result with errors, or the refusal itself),
    the format the file fits better than the one it was read as (``imports/fits.py``)."""
    if upload is None or isinstance(refused, PermissionDenied):
        return None
    fmt = picked["format"]
    return fitting_format(upload, detect_format(upload.name) if fmt in ("", "auto") else fmt)


def _import_page(
    request, project, *, result=None, error="", picked=None, suggestion=None, status=200
):
    return render(
        request,
        "annotations/partials/io/import_result.html"
        if request.htmx or request.headers.get("Accept") == IMPORT_PROGRESS_TYPE
        else "annotations/project_import.html",
        {
            "project": project,
            "formats": list(IMPORT_FORMATS),
            "picked": picked or {"format": "auto", "create_labels": True, "create_actors": True},
            "result": result,
            "error": error,
            "suggestion": suggestion,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def project_import(request, slug):
    """Managers upload a file of articles: all or nothing, every bad line listed."""
    project = user_project(request, slug)
    if not can_manage(user_role(project=project, user=request.user)):
        raise PermissionDenied("Only a manager of the project imports articles.")
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _import_page(request, project)
    picked = {
        "format": request.POST.get("format") or "auto",
        "create_labels": bool(request.POST.get("create_labels")),
        "create_actors": bool(request.POST.get("create_actors")),
    }
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, project, error="Choose a file.", picked=picked, status=422)
    with catch_refusal() as refused:
        steps = import_file_steps(
            project,
            request.user,
            upload,
            picked["format"],
            create_labels=picked["create_labels"],
            create_actors=picked["create_actors"],
        )
        if request.headers.get("Accept") == IMPORT_PROGRESS_TYPE:
            return StreamingHttpResponse(
                _import_progress(request, project, upload, steps, picked),
                content_type=IMPORT_PROGRESS_TYPE,
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        result = run_steps(steps)
    if refused:
        return _import_page(
            request,
            project,
            error=refused.message,
            picked=picked,
            suggestion=_suggestion(upload, picked, refused.error),
            status=refused.status,
        )
    return _import_page(
        request,
        project,
        result=result,
        picked=picked,
        suggestion=_suggestion(upload, picked, result) if result.errors else None,
        status=422 if result.errors else 200,
    )


IMPORT_PROGRESS_TYPE = "application/x-ndjson"
IMPORT_PROGRESS_EVERY = 0.25  # seconds between two progress lines


def _import_progress(request, project, upload, steps, picked):
    """The import page's answer when its script asks for progress (``Accept:
    application/x-ndjson``): a JSON line ``{"done", "read"}`` every quarter second while the
    import runs (records read so far, the share of the file read), then ``{"status", "html"}``
    with the result's fragment. The import is the same one transaction: a client that goes
    away closes this generator, and that rolls it back."""
    size, last = upload.size or 0, time.monotonic()
    try:
        with catch_refusal() as refused:
            while True:
                try:
                    done = next(steps)
                except StopIteration as stop:
                    result, error, status = stop.value, "", 422 if stop.value.errors else 200
                    break
                if time.monotonic() - last >= IMPORT_PROGRESS_EVERY:
                    last = time.monotonic()
                    read = min(upload.tell() / size, 1.0) if size else None
                    yield json.dumps({"done": done, "read": read}) + "\n"
    finally:
        steps.close()  # left before its end (the client went away): rolled back, at once
    suggestion = None
    if refused:
        result, error, status = None, refused.message, refused.status
        suggestion = _suggestion(upload, picked, refused.error)
    elif result.errors:
        suggestion = _suggestion(upload, picked, result)
    html = render_to_string(
        "annotations/partials/io/import_result.html",
        {"project": project, "result": result, "error": error, "suggestion": suggestion},
        request,
    )
    yield json.dumps({"status": status, "html": html}) + "\n"
