"""The import page in Chromium: the upload becomes a job, whose page follows it through a
reload and a closed tab to its result; the spans are then on the article."""

import json
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Job, JobStatus, Span
from annotations.services import jobs as job_services

from .conftest import screenshot

pytestmark = pytest.mark.e2e

ARTICLES = 3000


@pytest.fixture
def held(monkeypatch):
    """The import stops once a fifth of its file is read, until the test lets it go."""
    gate, reached = threading.Event(), threading.Event()
    monkeypatch.setattr(job_services, "HEARTBEAT_EVERY", timedelta(0))
    report = job_services._Progress.__call__

    def call(self, share):
        report(self, share)
        if share is not None and share > 0.2 and not gate.is_set():
            reached.set()
            gate.wait(timeout=60)

    monkeypatch.setattr(job_services._Progress, "__call__", call)
    return gate, reached


def test_import_through_the_page_runs_as_a_job_that_outlives_a_reload(
    page, live_server, workspace, worker, held, tmp_path
):
    gate, reached = held
    path = tmp_path / "articles.jsonl"
    first = {
        "title": "Spans inside",
        "body": "ISW assesses that Belarus is unlikely to join.",
        "spans": [
            {"start": 0, "end": 3, "label": "Assessment"},
            {"start": 18, "end": 25, "label": "Claim"},
        ],
    }
    rest = [{"title": f"No {n}", "body": f"Article 🇺🇦 number {n}."} for n in range(ARTICLES - 1)]
    path.write_text("\n".join(json.dumps(line) for line in [first, *rest]))

    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    expect(page.get_by_role("heading", name="Import of “articles.jsonl”")).to_be_visible()
    expect(page.locator("#job-state")).to_contain_text("Waiting for a worker")

    worker.start()
    assert reached.wait(timeout=30), "the job did not start"
    expect(page.locator("#job-state")).to_contain_text("Running…", timeout=10_000)
    page.reload()  # mid-way: the job runs on, and the page finds it again
    expect(page.locator("#job-state")).to_contain_text("Running…")
    assert Article.objects.filter(project=workspace.project).count() == 1  # nothing half-there
    screenshot(page, "import-job-running.png", full_page=True)

    url = page.url
    page.close()  # the tab closed; another one opened later finds the job
    again = page.context.new_page()
    gate.set()
    again.goto(url)
    state = again.locator("#job-state")
    expect(state).to_contain_text(f"Imported {ARTICLES} articles", timeout=60_000)
    expect(state).to_contain_text("2 spans")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.progress == 1.0
    assert Article.objects.filter(project=workspace.project).count() == ARTICLES + 1
    assert Span.objects.filter(article__title="Spans inside").count() == 2
    screenshot(again, "import-job-done.png", full_page=True)
    again.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    expect(again.locator(".recent-jobs")).to_contain_text("articles.jsonl")
    screenshot(again, "import-page.png", full_page=True)

    article = Article.objects.get(title="Spans inside")
    again.goto(f"{live_server.url}/projects/{workspace.project.slug}/articles/{article.pk}/")
    expect(again.locator("#doc-text mark[data-spans]")).to_have_count(2)
    expect(again.locator("[data-span-link]")).to_have_count(2)


def test_a_file_in_the_wrong_format_is_refused_at_once_with_the_one_that_fits(
    page, live_server, workspace, tmp_path
):
    path = tmp_path / "doccano.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"text": f"ISW assesses {n}.", "label": [[0, 3, "Assessment"]]})
            for n in range(5)
        )
    )
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import").click()

    result = page.locator("#import-result")
    expect(result).to_contain_text("This looks like a doccano file")
    screenshot(page, "import-refused-format.png", full_page=True)
    assert not Job.objects.exists()
    page.get_by_role("button", name="Import it as doccano").click()  # the same file, as doccano
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert job.params["format"] == "doccano"


def test_a_file_with_bad_lines_fails_its_job_and_the_page_lists_them(
    page, live_server, workspace, worker, tmp_path
):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"body": "Fine."}\n{not json\n{"title": "no body"}\n')
    worker.start()
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import").click()

    state = page.locator("#job-state")
    expect(state).to_contain_text("The job failed.", timeout=30_000)
    expect(state).to_contain_text("2 bad lines: nothing was imported.")
    expect(state.locator("table.import-errors tbody tr")).to_have_count(2)
    assert Article.objects.filter(project=workspace.project).count() == 1  # the fixture's
    screenshot(page, "import-job-failed.png", full_page=True)
