"""Jobs: queued with their row, run by the database worker (and by RQ on Redis), progress,
results, failures, a dead worker's job, expiry of the files."""

import json
import os
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from annotations.imports import FormatRefused as ImportFormatRefused
from annotations.models import Article, Job, JobStatus, Role
from annotations.services import jobs as job_services
from annotations.services.jobs import (
    job_export_start,
    job_import_start,
    job_refresh,
    job_run,
    jobs_expire,
    progress_path,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_dir(tmp_path, settings):
    settings.JOBS_DIR = tmp_path / "jobs"
    return settings.JOBS_DIR


@pytest.fixture
def manager(make_member):
    return make_member(Role.MANAGER, username="mona")


def jsonl(*bodies, label="Claim"):
    lines = [
        json.dumps(
            {"title": f"T{n}", "body": body, "spans": [{"start": 0, "end": 4, "label": label}]}
        )
        for n, body in enumerate(bodies)
    ]
    return SimpleUploadedFile("batch.jsonl", "\n".join(lines).encode())


def work():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_an_import_is_queued_and_run_by_the_database_worker(
    project, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_import_start(
            project=project, user=manager, upload=jsonl("Alpha one.", "Beta two.")
        )
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.task_id

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress == 1.0
    assert job.result["created"] == 2 and job.result["spans"] == 2
    assert Article.objects.filter(project=project).count() == 2
    assert not os.path.exists(job.file)  # the upload is removed once read
    assert not progress_path(job.pk).exists()


def test_an_import_with_bad_lines_fails_and_imports_nothing(project, manager):
    bad = SimpleUploadedFile("bad.jsonl", b'{"title": "x", "body": "Fine."}\n{"body": 3}\n')
    job = job_import_start(project=project, user=manager, upload=bad)

    assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert job.error == "1 bad line: nothing was imported."
    assert job.result["errors"][0]["line"] == 2
    assert not Article.objects.filter(project=project).exists()


def test_only_managers_start_an_import(project, annotator):
    with pytest.raises(PermissionDenied):
        job_import_start(project=project, user=annotator, upload=jsonl("Alpha."))
    assert not Job.objects.exists()


def test_an_import_needs_a_file(project, manager):
    with pytest.raises(ValidationError) as refused:
        job_import_start(project=project, user=manager, upload=None)
    assert "file" in refused.value.message_dict


def test_a_format_that_cannot_be_told_or_does_not_fit_is_refused_before_queueing(
    project, manager, jobs_dir
):
    unknown = SimpleUploadedFile("notes.xyz", b"hello")
    doccano = SimpleUploadedFile("d.jsonl", b'{"text": "ISW said.", "label": [[0, 3, "Org"]]}\n')

    with pytest.raises(ImportFormatRefused) as untold:
        job_import_start(project=project, user=manager, upload=unknown)
    with pytest.raises(ImportFormatRefused) as misfit:
        job_import_start(project=project, user=manager, upload=doccano, fmt="jsonl")

    assert "Cannot tell the format" in untold.value.message_dict["format"][0]
    assert misfit.value.fits == "doccano"
    assert not Job.objects.exists() and not (jobs_dir.exists() and any(jobs_dir.iterdir()))


def test_an_export_writes_its_file_with_what_the_stream_gives(corpus, client):
    alice = corpus.users["alice"]
    job = job_export_start(project=corpus.project, user=alice, fmt="jsonl")

    assert job_run(job.pk) == JobStatus.SUCCEEDED

    job.refresh_from_db()
    client.force_login(alice)
    streamed = b"".join(
        client.get(
            f"/projects/{corpus.project.slug}/export/download/?format=jsonl"
        ).streaming_content
    )
    with open(job.file, "rb") as written:
        assert written.read() == streamed
    assert job.result["articles"] == 3 and job.result["spans"] == len(corpus.spans)
    assert job.filename.endswith(".jsonl")


def test_an_export_refuses_a_bad_format_or_filter_before_queueing(project, annotator):
    with pytest.raises(ValidationError):
        job_export_start(project=project, user=annotator, fmt="docx")
    with pytest.raises(ValidationError):
        job_export_start(project=project, user=annotator, status="maybe")
    assert not Job.objects.exists()


def test_a_job_runs_once_even_if_its_task_runs_twice(project, manager):
    job = job_import_start(project=project, user=manager, upload=jsonl("Once only."))
    assert job_run(job.pk) == JobStatus.SUCCEEDED
    assert job_run(job.pk) == JobStatus.SUCCEEDED  # a retry finds it done
    assert Article.objects.filter(project=project).count() == 1


def test_an_error_inside_the_job_fails_it_and_says_why(project, manager, monkeypatch):
    job = job_import_start(project=project, user=manager, upload=jsonl("Boom."))

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(job_services, "import_file_steps", explode)
    assert job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.error == "The job stopped on an error: disk on fire"


def test_progress_is_read_from_the_running_workers_file(project, manager):
    job = job_import_start(project=project, user=manager, upload=jsonl("Slow."))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    progress_path(job.pk).write_text(json.dumps({"progress": 0.42}))

    assert job_refresh(Job.objects.get(pk=job.pk)).progress == 0.42


def test_a_job_whose_worker_died_is_failed_not_running_forever(project, manager):
    job = job_import_start(project=project, user=manager, upload=jsonl("Orphan."))
    long_ago = timezone.now() - timedelta(minutes=3)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=long_ago)
    beat = progress_path(job.pk)
    beat.write_text("{}")
    os.utime(beat, (long_ago.timestamp(), long_ago.timestamp()))

    job = job_refresh(Job.objects.get(pk=job.pk))

    assert job.status == JobStatus.FAILED
    assert "stopped" in job.error and job.finished_at


def test_the_next_job_fails_the_jobs_whose_worker_died_though_no_page_asked(
    project, manager, settings
):
    settings.JOBS_STALE_SECONDS = 30
    dead = job_import_start(project=project, user=manager, upload=jsonl("Orphan."))
    alive = job_import_start(project=project, user=manager, upload=jsonl("Alive."))
    then = timezone.now() - timedelta(seconds=45)
    Job.objects.filter(pk__in=[dead.pk, alive.pk]).update(
        status=JobStatus.RUNNING, heartbeat_at=then
    )
    for job in (dead, alive):
        progress_path(job.pk).write_text("{}")
    os.utime(progress_path(dead.pk), (then.timestamp(), then.timestamp()))
    fresh = job_import_start(project=project, user=manager, upload=jsonl("Fresh one."))

    assert job_run(fresh.pk) == JobStatus.SUCCEEDED

    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses[dead.pk] == JobStatus.FAILED  # its worker was silent for 45 s
    assert statuses[alive.pk] == JobStatus.RUNNING  # its worker wrote a heartbeat just now


def test_a_running_job_with_a_fresh_heartbeat_stays_running(project, manager):
    job = job_import_start(project=project, user=manager, upload=jsonl("Alive."))
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=3)
    )
    progress_path(job.pk).write_text(json.dumps({"progress": 0.5}))  # touched just now

    assert job_refresh(Job.objects.get(pk=job.pk)).status == JobStatus.RUNNING


def test_old_files_are_removed_and_the_rows_kept(corpus, jobs_dir):
    job = job_export_start(project=corpus.project, user=corpus.users["alice"])
    job_run(job.pk)
    job.refresh_from_db()
    stray = jobs_dir / "leftover-import"
    stray.write_bytes(b"x")
    old = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(stray, (old, old))

    assert jobs_expire() == 1  # the stray only: the export is fresh
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=2))
    assert jobs_expire() == 1

    job.refresh_from_db()
    assert job.file == "" and job.status == JobStatus.SUCCEEDED
    assert list(jobs_dir.iterdir()) == []


def test_running_a_job_removes_files_past_their_time(corpus, project, manager):
    old = job_export_start(project=corpus.project, user=corpus.users["alice"])
    job_run(old.pk)
    old.refresh_from_db()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=2))

    job_run(job_import_start(project=project, user=manager, upload=jsonl("Next.")).pk)

    assert not os.path.exists(old.file)
    assert Job.objects.get(pk=old.pk).file == ""
