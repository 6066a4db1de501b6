"""jobs/{id}/: a job's state as the SPEC has it, only to its user, and an export's file."""

import pytest

from annotations.models import Job, JobStatus
from annotations.services.jobs import job_export_start, job_run

from ..api_helpers import API, client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_dir(tmp_path, settings):
    settings.JOBS_DIR = tmp_path


def test_a_job_answers_the_specs_fields(corpus):
    alice = corpus.users["alice"]
    job = job_export_start(project=corpus.project, user=alice, fmt="csv")

    queued = client_for(alice).get(f"{API}jobs/{job.pk}/").json()
    assert {
        key: queued[key] for key in ("id", "kind", "status", "progress", "result", "error")
    } == {
        "id": job.pk,
        "kind": "export",
        "status": "queued",
        "progress": 0.0,
        "result": None,
        "error": "",
    }
    assert queued["download"] is None

    job_run(job.pk)
    done = client_for(alice).get(f"{API}jobs/{job.pk}/").json()
    assert done["status"] == "succeeded" and done["progress"] == 1.0
    assert done["result"]["spans"] == len(corpus.spans)
    assert done["download"].endswith(f"/api/v1/jobs/{job.pk}/download/")

    file = client_for(alice).get(done["download"])
    assert file.status_code == 200
    assert file["Content-Type"].startswith("text/csv")
    assert b"".join(file.streaming_content).startswith(b"article_id")


def test_another_users_job_is_not_found(corpus):
    job = job_export_start(project=corpus.project, user=corpus.users["alice"])
    bob = corpus.users["bob"]

    assert client_for(bob).get(f"{API}jobs/{job.pk}/").status_code == 404
    assert client_for(bob).get(f"{API}jobs/{job.pk}/download/").status_code == 404
    assert client_for(bob).get(f"{API}jobs/").json()["results"] == []
    assert client_for().get(f"{API}jobs/{job.pk}/").status_code == 401


def test_no_file_to_download_until_the_export_is_done(corpus):
    alice = corpus.users["alice"]
    job = job_export_start(project=corpus.project, user=alice)

    response = client_for(alice).get(f"{API}jobs/{job.pk}/download/")

    assert response.status_code == 404
    assert "not a finished export" in response.json()["detail"]


def test_the_list_is_the_users_jobs_newest_first(corpus):
    alice = corpus.users["alice"]
    first = job_export_start(project=corpus.project, user=alice)
    second = job_export_start(project=corpus.project, user=alice, fmt="csv")
    job_export_start(project=corpus.project, user=corpus.users["bob"])

    ids = [job["id"] for job in client_for(alice).get(f"{API}jobs/").json()["results"]]

    assert ids == [second.pk, first.pk]


def test_jobs_are_read_only(corpus):
    alice = corpus.users["alice"]
    job = job_export_start(project=corpus.project, user=alice)
    api = client_for(alice)

    assert api.delete(f"{API}jobs/{job.pk}/").status_code == 405
    assert api.post(f"{API}jobs/", {}, format="json").status_code == 405
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_a_superuser_sees_every_job(corpus):
    job = job_export_start(project=corpus.project, user=corpus.users["alice"])
    boss = UserFactory(is_superuser=True, is_staff=True)

    assert client_for(boss).get(f"{API}jobs/{job.pk}/").status_code == 200
