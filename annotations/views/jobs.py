"""A job's page: the progress of an import or export run outside the request, kept across a
reload or a closed tab (the job's id is in the address), its result, and an export's file."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from ..models import JobKind, JobStatus
from ..selectors.jobs import jobs_for_user
from ..services.jobs import job_export_start, job_refresh
from .common import user_project
from .errors import answers_refusals

POLL_EVERY = "1s"


def _job(request, slug, job_id):
    project = user_project(request, slug)
    job = get_object_or_404(jobs_for_user(request.user), pk=job_id, project=project)
    return project, job_refresh(job)


def recent_jobs(user, project, kind, count=5):
    """The user's last jobs of this kind in the project, for the import and export pages."""
    return [
        job_refresh(job) for job in jobs_for_user(user).filter(project=project, kind=kind)[:count]
    ]


@login_required
@require_POST
@answers_refusals
def project_export_job(request, slug):
    """The export form, run as a job: its page follows."""
    project = user_project(request, slug)
    job = job_export_start(
        project=project,
        user=request.user,
        fmt=request.POST.get("format") or "jsonl",
        status=request.POST.get("status") or None,
        label=request.POST.get("label") or None,
        annotator=request.POST.get("annotator") or None,
    )
    return redirect("annotations:job-detail", slug=project.slug, job_id=job.pk)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def job_detail(request, slug, job_id):
    """The job's state; while it runs, the page asks again every second (htmx), or reloads
    itself every two seconds without JavaScript."""
    project, job = _job(request, slug, job_id)
    context = {"project": project, "job": job, "poll": POLL_EVERY}
    if request.htmx:
        return render(request, "annotations/partials/jobs/job_state.html", context)
    return render(request, "annotations/job_detail.html", context)


@login_required
@require_safe
def job_download(request, slug, job_id):
    """A finished export's file, while it is kept."""
    _, job = _job(request, slug, job_id)
    path = Path(job.file) if job.file else None
    if job.kind != JobKind.EXPORT or job.status != JobStatus.SUCCEEDED or not path:
        raise Http404("This job has no file to download.")
    if not path.is_file():
        raise Http404("The file of this export has expired: export again.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.filename or path.name,
        content_type=(job.result or {}).get("content_type") or "application/octet-stream",
    )
