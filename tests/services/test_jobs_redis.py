"""Jobs on RQ (Redis): run by .ci/run with TASKS_URL set, against the Redis on 127.0.0.1:6379."""

import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Article, JobStatus, Role
from annotations.services.jobs import job_import_start

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("TASKS_URL"), reason="set TASKS_URL=redis://… to run jobs on RQ"
    ),
]


def test_on_redis_a_queued_import_is_run_by_an_rq_worker(
    project, make_member, tmp_path, settings, django_capture_on_commit_callbacks
):
    import django_rq

    settings.JOBS_DIR = tmp_path
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    queue = django_rq.get_queue("default")
    queue.empty()
    manager = make_member(Role.MANAGER)
    upload = SimpleUploadedFile(
        "one.jsonl", json.dumps({"title": "On Redis", "body": "Queued on Redis."}).encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = job_import_start(project=project, user=manager, upload=upload)
    assert queue.count == 1

    # SimpleWorker runs the job in this process (no fork), inside the test's transaction.
    worker = django_rq.get_worker(
        "default", worker_class="rq.worker.SimpleWorker", job_class="django_tasks_rq.backend.Job"
    )
    worker.work(burst=True)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Article.objects.filter(project=project, title="On Redis").exists()
