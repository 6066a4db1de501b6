"""The export page's job, a job's page (reload-proof), its file, and the recent jobs list."""

import datetime

import pytest
from django.utils import timezone

from annotations.models import Job, JobStatus
from annotations.services.jobs import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_dir(tmp_path, settings):
    settings.JOBS_DIR = tmp_path


def test_the_export_form_starts_a_job_and_its_page_follows_it(corpus, client):
    client.force_login(corpus.users["alice"])
    slug = corpus.project.slug

    response = client.post(f"/projects/{slug}/export/job/", {"format": "doccano", "status": ""})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{slug}/jobs/{job.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in waiting
    assert 'hx-trigger="every 1s"' in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting  # inside <noscript>

    job_run(job.pk)
    done = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Ready:" in done and "hx-trigger" not in done
    download = client.get(f"/projects/{slug}/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).count(b"\n") == 3  # doccano: a line an article


def test_a_bad_filter_is_refused_and_nothing_queued(corpus, client):
    client.force_login(corpus.users["alice"])

    response = client.post(f"/projects/{corpus.project.slug}/export/job/", {"format": "docx"})

    assert response.status_code == 422
    assert not Job.objects.exists()


def test_the_export_page_lists_my_recent_exports(corpus, client):
    alice = corpus.users["alice"]
    client.force_login(alice)
    client.post(f"/projects/{corpus.project.slug}/export/job/", {"format": "csv"})

    page = client.get(f"/projects/{corpus.project.slug}/export/").content.decode()

    assert "Your recent exports" in page
    assert "queued" in page
    assert "csv</a>, just now:" in page  # not "0 minutes ago"
    Job.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    page = client.get(f"/projects/{corpus.project.slug}/export/").content.decode()
    assert "csv</a>, 5\xa0minutes ago:" in page


def test_someone_elses_job_page_is_not_found(corpus, client):
    client.force_login(corpus.users["alice"])
    client.post(f"/projects/{corpus.project.slug}/export/job/", {"format": "csv"})
    job = Job.objects.get()
    client.force_login(corpus.users["bob"])

    assert client.get(f"/projects/{corpus.project.slug}/jobs/{job.pk}/").status_code == 404


def test_an_expired_export_says_so(corpus, client):
    client.force_login(corpus.users["alice"])
    client.post(f"/projects/{corpus.project.slug}/export/job/", {"format": "csv"})
    job = Job.objects.get()
    job_run(job.pk)
    Job.objects.filter(pk=job.pk).update(file="")

    page = client.get(f"/projects/{corpus.project.slug}/jobs/{job.pk}/").content.decode()

    assert "The file has expired" in page
    assert Job.objects.get().status == JobStatus.SUCCEEDED
    assert client.get(f"/projects/{corpus.project.slug}/jobs/{job.pk}/download/").status_code == 404
