"""Jobs: a page's import or export done outside the request, on Django's Tasks API.

``job_import_start`` and ``job_export_start`` check the caller's role and the request's values
at once (a refusal raises here, before anything is queued), keep what the job needs on disk
under ``settings.JOBS_DIR``, and queue ``annotations.tasks.run_job`` once the job's row is
committed. ``job_run`` is the task's body: the same import and export as the API's, with the
progress written to the row as it goes. ``job_refresh`` tells a job whose worker died from one
still running (``jobs_sweep``: all of them, at each job's start); ``jobs_expire`` removes the
files of old jobs.
"""

import json
import logging
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import describe
from ..exports import FORMATS as EXPORT_FORMATS
from ..exports import export_stream
from ..imports import import_file_steps, import_format
from ..models import Article, Job, JobKind, JobStatus
from ..permissions import can_manage, user_role
from ..selectors.exports import export_filters

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=2)
# A queued job that no worker took in this long is failed, so that a page never waits forever.
QUEUED_AT_MOST = timedelta(hours=6)
KEEP_FILES_FOR = timedelta(hours=24)


def _jobs_dir() -> Path:
    path = Path(settings.JOBS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _enqueue(job: Job) -> None:
    """Queue the job's task once its row is committed (a worker must find it)."""
    from ..tasks import run_job  # the tasks module imports this one

    def enqueue():
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def job_import_start(*, project, user, upload, fmt="auto", create_labels=True, create_actors=True):
    """An import of ``upload`` into ``project``, queued. Only managers import. The format is
    settled first (``imports.import_format`` with its sniff): one that is unknown, cannot be
    told from the name, or does not fit the file's first records raises ``FormatRefused``
    (naming the format that fits, when one does) and nothing is stored or queued."""
    if not can_manage(user_role(project=project, user=user)):
        raise PermissionDenied("Only a manager of the project imports articles.")
    if upload is None:
        raise ValidationError({"file": "Choose a file."})
    fmt = import_format(upload, fmt, sniff=True)
    name = Path(getattr(upload, "name", "") or "upload").name[:200]
    stored = _jobs_dir() / f"{uuid.uuid4().hex}-import"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with transaction.atomic():
        job = Job.objects.create(
            kind=JobKind.IMPORT,
            project=project,
            user=user,
            params={
                "format": fmt,
                "create_labels": bool(create_labels),
                "create_actors": bool(create_actors),
                "size": stored.stat().st_size,
            },
            file=str(stored),
            filename=name,
        )
        _enqueue(job)
    return job


def job_export_start(*, project, user, fmt="jsonl", status=None, label=None, annotator=None):
    """An export of ``project`` in ``fmt`` with the span filters, queued. Every member may
    export (the project is among the user's: the caller found it so)."""
    if user_role(project=project, user=user) is None:
        raise PermissionDenied("Only a member of the project exports it.")
    if not isinstance(fmt, str) or fmt not in EXPORT_FORMATS:
        raise ValidationError(
            {"format": f"Unknown format “{fmt}”; choose one of: {', '.join(EXPORT_FORMATS)}."}
        )
    export_filters(project, status=status, label=label, annotator=annotator)  # raises if bad
    with transaction.atomic():
        job = Job.objects.create(
            kind=JobKind.EXPORT,
            project=project,
            user=user,
            params={"format": fmt, "status": status, "label": label, "annotator": annotator},
        )
        _enqueue(job)
    return job


class _Progress:
    """The job's progress and heartbeat, in a small file beside its data (``JOBS_DIR``), at
    most every ``HEARTBEAT_EVERY``: an import writes in one transaction, so a row updated from
    inside it would show nothing to the page until the end (and SQLite would wait on it)."""

    def __init__(self, job: Job):
        self.path, self.last = progress_path(job.pk), timezone.now()
        self.write(0.0)

    def write(self, share: float | None) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"progress": share}))
        partial.replace(self.path)

    def __call__(self, share: float | None) -> None:
        now = timezone.now()
        if now - self.last >= HEARTBEAT_EVERY:
            self.last = now
            self.write(None if share is None else max(0.0, min(share, 0.99)))


def progress_path(job_id: int) -> Path:
    return _jobs_dir() / f"job-{job_id}.progress"


def job_run(job_id: int) -> str:
    """Run the job (the task's body). Returns its final status. Each run first fails the jobs
    whose worker died (``jobs_sweep``) and removes the files of jobs past ``KEEP_FILES_FOR``:
    the workers keep the queue and their directory tidy by themselves."""
    jobs_sweep()
    try:
        jobs_expire()
    except OSError:
        log.exception("could not remove old job files")
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not taken:  # run already, failed meanwhile, or gone: a retry does nothing twice
        return Job.objects.filter(pk=job_id).values_list("status", flat=True).first() or "gone"
    job = Job.objects.select_related("project", "user").get(pk=job_id)
    progress = _Progress(job)
    try:
        if job.kind == JobKind.IMPORT:
            result, failed = _run_import(job, progress)
        else:
            result, failed = _run_export(job, progress)
    except (ValidationError, PermissionDenied) as refusal:
        words = describe(refusal) if isinstance(refusal, ValidationError) else str(refusal)
        return _finish(job, JobStatus.FAILED, error=words)
    except Exception as error:  # a job never dies silently: its page shows why
        log.exception("job %s failed", job.pk)
        return _finish(job, JobStatus.FAILED, error=f"The job stopped on an error: {error}")
    if failed:
        return _finish(job, JobStatus.FAILED, result=result, error=failed)
    return _finish(job, JobStatus.SUCCEEDED, result=result)


def _finish(job: Job, status, *, result=None, error="") -> str:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        error=error,
        progress=1.0 if status == JobStatus.SUCCEEDED else job.progress,
        finished_at=timezone.now(),
    )
    if job.kind == JobKind.IMPORT:  # the upload is not needed any more
        Path(job.file).unlink(missing_ok=True)
    progress_path(job.pk).unlink(missing_ok=True)
    return status


def _run_import(job: Job, progress: _Progress):
    params, size = job.params, job.params.get("size") or 0
    with open(job.file, "rb") as raw:
        upload = File(raw, name=job.filename)
        steps = import_file_steps(
            job.project,
            job.user,
            upload,
            params.get("format") or "auto",
            create_labels=params.get("create_labels", True),
            create_actors=params.get("create_actors", True),
        )
        try:
            while True:
                next(steps)
                progress(raw.tell() / size if size else None)
        except StopIteration as stop:
            result = stop.value
    answer = result.as_dict()
    if result.errors:
        count = len(result.errors)
        return answer, f"{count} bad line{'s' if count != 1 else ''}: nothing was imported."
    return answer, ""


def _run_export(job: Job, progress: _Progress):
    params = job.params
    content_type, filename, chunks, stats = export_stream(
        job.project,
        params["format"],
        status=params.get("status"),
        label=params.get("label"),
        annotator=params.get("annotator"),
    )
    total = Article.objects.filter(project=job.project).count()
    target = _jobs_dir() / f"{uuid.uuid4().hex}-export"
    partial = target.with_suffix(".part")
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
                progress(stats.articles / total if total else None)
        partial.rename(target)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
        partial.unlink(missing_ok=True)
    Job.objects.filter(pk=job.pk).update(file=str(target), filename=filename)
    job.file, job.filename = str(target), filename
    answer = {
        "articles": stats.articles,
        "spans": stats.spans,
        "relations": stats.relations,
        "content_type": content_type,
        "filename": filename,
        "bytes": target.stat().st_size,
    }
    return answer, ""


def stale_after() -> timedelta:
    """A running job silent this long has lost its worker (killed, machine gone)."""
    return timedelta(seconds=settings.JOBS_STALE_SECONDS)


def jobs_sweep() -> int:
    """Fail every job whose worker died or that no worker took (``job_refresh``), so that none
    is left running forever, even one whose page nobody opens again. Returns how many."""
    now = timezone.now()
    suspects = Job.objects.filter(
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after())
        | Q(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_AT_MOST)
    )
    return sum(job_refresh(job).status == JobStatus.FAILED for job in suspects)


def job_refresh(job: Job) -> Job:
    """The job as it stands, its progress read from its worker's file. One whose worker stopped
    answering (no heartbeat for ``stale_after()``), or that no worker took, is failed now, with
    why, rather than shown as running forever."""
    now = timezone.now()
    beat = job.heartbeat_at or job.created_at
    if job.status == JobStatus.RUNNING:
        path = progress_path(job.pk)
        try:
            stat, state = path.stat(), json.loads(path.read_text())
        except (OSError, ValueError):
            pass
        else:
            beat = max(beat, datetime.fromtimestamp(stat.st_mtime, tz=UTC))
            if isinstance(state.get("progress"), int | float):
                job.progress = float(state["progress"])
    lost = None
    if job.status == JobStatus.RUNNING and beat < now - stale_after():
        lost = "The worker running this job stopped (it was killed or its machine went away)."
    elif job.status == JobStatus.QUEUED and job.created_at < now - QUEUED_AT_MOST:
        lost = "No worker took this job: is the job worker running?"
    if lost:
        Job.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.FAILED,
            error=f"{lost} Nothing of it was kept; start it again.",
            finished_at=now,
        )
        progress_path(job.pk).unlink(missing_ok=True)
        job.refresh_from_db()
    return job


def jobs_expire(*, older_than: timedelta = KEEP_FILES_FOR) -> int:
    """Remove the files of jobs finished more than ``older_than`` ago (the rows stay, their
    ``file`` emptied) and stray files nobody names. Returns the number of files removed."""
    cutoff = timezone.now() - older_than
    removed = 0
    old = Job.objects.filter(finished_at__lt=cutoff).exclude(file="")
    for job in old:
        Path(job.file).unlink(missing_ok=True)
        removed += 1
    old.update(file="")
    named = set(Job.objects.exclude(file="").values_list("file", flat=True))
    for path in _jobs_dir().iterdir():
        if str(path) not in named and path.stat().st_mtime < cutoff.timestamp():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
    return removed
