"""The export and import pages: the live count, the streamed download, the upload and its job."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import services
from annotations.models import Article, Job, Label, Role, Span, SpanEvent
from annotations.services.jobs import job_run

from ..factories import ArticleFactory, LabelFactory

HX = {"HTTP_HX_REQUEST": "true"}


def export_url(project):
    return reverse("annotations:project-export", args=[project.slug])


def download_url(project):
    return reverse("annotations:project-export-download", args=[project.slug])


def import_url(project):
    return reverse("annotations:project-import", args=[project.slug])


@pytest.fixture
def dataset(project, annotator, reviewer, label):
    """Two articles, three spans: alice's two (one accepted), rita's one of another label."""
    claim = LabelFactory(project=project, name="Claim", hotkey="c")
    first = ArticleFactory(project=project, title="First", body="Putin met Lukashenko 🇺🇦 in Minsk.")
    ArticleFactory(project=project, title="Second", body="Nothing happened.")
    services.span_create(article=first, start=0, end=5, label=label, annotator=annotator)
    accepted = services.span_create(
        article=first, start=10, end=20, label=label, annotator=annotator
    )
    services.span_update(span=accepted, user=reviewer, version=accepted.version, status="accepted")
    services.span_create(article=first, start=0, end=20, label=claim, annotator=reviewer)
    return {"claim": claim, "first": first}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- export ----------------------------------------------------------------------------------


def test_export_page_shows_the_form_and_the_count(client, annotator, project, dataset):
    client.force_login(annotator)

    response = client.get(export_url(project))

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'id="export-count"' in html
    assert (response.context["count"]["articles"], response.context["count"]["spans"]) == (2, 3)
    assert all(f'<option value="{fmt}"' in html for fmt in ("jsonl", "conll", "brat", "csv"))
    assert f'action="/projects/{project.slug}/export/job/"' in html  # the form makes a job
    assert f'href="{download_url(project)}?format=jsonl"' in html  # or streams it at once


def test_export_count_over_htmx_is_the_fragment_and_follows_the_filters(
    client, annotator, project, dataset, label
):
    client.force_login(annotator)

    response = client.get(
        export_url(project), {"format": "conll", "label": label.pk, "annotator": "alice"}, **HX
    )

    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<p id="export-count"')
    assert "2 articles" in html and "2 spans" in html
    assert "last line" in html  # CoNLL's dropped spans are reported in its trailer
    accepted = client.get(export_url(project), {"status": "accepted"}, **HX).content.decode()
    assert "1 span<" in accepted.replace("</strong>", "<")
    nobody = client.get(export_url(project), {"annotator": "nobody"}, **HX)
    assert nobody.context["count"]["spans"] == 3  # an unknown annotator is not a filter


def test_download_streams_jsonl_with_a_file_name(client, annotator, project, dataset):
    client.force_login(annotator)

    response = client.get(download_url(project), {"format": "jsonl"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}.jsonl"'
    lines = [json.loads(line) for line in _body(response).decode().splitlines()]
    assert [line["title"] for line in lines] == ["First", "Second"]
    assert [span["text"] for span in lines[0]["spans"]] == [
        "Putin",
        "Putin met Lukashenko",
        "Lukashenko",
    ]


def test_download_applies_the_filters_in_each_format(client, annotator, project, dataset):
    client.force_login(annotator)

    response = client.get(
        download_url(project), {"format": "csv", "status": "accepted", "annotator": "alice"}
    )

    assert response["Content-Disposition"].endswith(f'filename="{project.slug}.csv"')
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    assert [(row["text"], row["status"], row["annotator"]) for row in rows] == [
        ("Lukashenko", "accepted", "alice")
    ]
    claim = client.get(download_url(project), {"format": "doccano", "label": dataset["claim"].pk})
    first = json.loads(_body(claim).decode().splitlines()[0])
    assert first["label"] == [[0, 20, "Claim"]]
    brat = client.get(download_url(project), {"format": "brat"})
    assert brat["Content-Type"] == "application/zip" and _body(brat)[:2] == b"PK"


def test_download_refuses_a_bad_format_before_streaming(client, annotator, project, dataset):
    client.force_login(annotator)

    response = client.get(download_url(project), {"format": "xml"})

    assert response.status_code == 400 and not response.streaming
    assert "Unknown format" in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"label": "1" * 5000}, {"label": str(10**30)}, {"annotator": "a\x00b"},
              {"annotator": "x" * 200}],
)  # fmt: skip
def test_download_refuses_bad_filters_before_streaming(client, annotator, project, dataset, query):
    client.force_login(annotator)
    response = client.get(download_url(project), {"format": "jsonl", **query})
    assert response.status_code == 400 and not response.streaming
    assert "Content-Disposition" not in response
    api = client.get(f"/api/v1/projects/{project.pk}/export/", {"format": "jsonl", **query})
    assert api.status_code == 400 and set(api.json()) == set(query)


def test_export_pages_need_membership(client, project, outsider, dataset):
    assert client.get(export_url(project)).status_code == 302
    client.force_login(outsider)
    assert client.get(export_url(project)).status_code == 404
    assert client.get(download_url(project)).status_code == 404


def test_project_page_links_export_for_members_and_import_for_managers(
    client, project, annotator, manager
):
    page = reverse("annotations:project-detail", args=[project.slug])
    client.force_login(annotator)
    html = client.get(page).content.decode()
    assert f'href="{export_url(project)}"' in html and import_url(project) not in html
    client.force_login(manager)
    assert f'href="{import_url(project)}"' in client.get(page).content.decode()


# --- import: the page uploads, a job imports, the job's page shows the result ------------------


@pytest.fixture
def jobs_dir(tmp_path, settings):
    settings.JOBS_DIR = tmp_path / "jobs"
    return settings.JOBS_DIR


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def _job_page(client, response) -> str:
    """Run the job the import page queued (as the worker would), then read its page."""
    assert response.status_code == 302, response.content.decode()[:500]
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    job_run(job.pk)
    return client.get(response["Location"]).content.decode()


def test_import_page_shows_the_upload_form(client, manager, project):
    client.force_login(manager)

    html = client.get(import_url(project)).content.decode()

    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "data-import-progress" in html and 'id="import-progress"' in html
    assert 'name="create_labels"' in html and 'name="create_actors"' in html


def test_import_queues_a_job_and_its_page_reports_created_and_duplicates(
    client, manager, project, jobs_dir
):
    client.force_login(manager)
    ArticleFactory(project=project, body="Already here.")
    lines = [
        {"body": "Already here."},
        {
            "title": "New",
            "body": "Putin met Lukashenko.",
            "spans": [
                {
                    "start": 0,
                    "end": 5,
                    "label": "Person",
                    "actors": [{"name": "Putin", "role": "subject"}],
                }
            ],
        },
        {"body": "Another one."},
    ]
    data = "\n".join(json.dumps(line) for line in lines)

    response = client.post(
        import_url(project),
        {
            "file": _upload("data.jsonl", data),
            "format": "auto",
            "create_labels": "1",
            "create_actors": "1",
        },
    )

    job = Job.objects.get()
    assert (job.kind, job.status, job.params["format"]) == ("import", "queued", "jsonl")
    assert response["Location"] == reverse("annotations:job-detail", args=[project.slug, job.pk])
    assert not Article.objects.filter(project=project, title="New").exists()  # not yet
    html = _job_page(client, response)
    assert "Imported <strong>2 articles</strong>" in html and "1 duplicate" in html
    assert Article.objects.filter(project=project).count() == 3
    assert Label.objects.filter(project=project, name="Person").exists()
    assert SpanEvent.objects.filter(project=project).count() == 1
    listed = client.get(import_url(project)).content.decode()
    assert "Your recent imports" in listed and "data.jsonl" in listed


def test_over_htmx_the_page_is_sent_to_the_jobs_page(client, manager, project, jobs_dir):
    client.force_login(manager)
    response = client.post(import_url(project), {"file": _upload("a.txt", "Text.")}, **HX)
    job = Job.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/projects/{project.slug}/jobs/{job.pk}/"


def test_a_broken_file_fails_its_job_lists_every_bad_line_and_creates_nothing(
    client, manager, project, jobs_dir
):
    client.force_login(manager)
    data = "\n".join(
        [
            '{"body": "Fine."}',
            "{not json",
            '{"body": "Short.", "spans": [{"start": 0, "end": 99, "label": "Claim"}]}',
            '{"title": "no body"}',
        ]
    )

    response = client.post(
        import_url(project), {"file": _upload("bad.jsonl", data), "format": "jsonl"}
    )

    html = _job_page(client, response)
    assert "The job failed." in html
    assert "3 bad lines: nothing was imported." in html
    assert "<td>3</td><td>spans[0].end: Must be at most 6, the length of the article.</td>" in html
    assert "<td>4</td><td>body: Required.</td>" in html
    assert "looks like" not in html  # refused for its content, not its format
    assert Article.objects.filter(project=project).count() == 0
    assert Span.objects.count() == 0


def test_import_without_create_labels_refuses_an_unknown_label(client, manager, project, jobs_dir):
    client.force_login(manager)
    data = json.dumps({"body": "Text.", "spans": [{"start": 0, "end": 4, "label": "Nope"}]})

    response = client.post(import_url(project), {"file": _upload("x.jsonl", data)})

    assert "The project has no label “Nope”." in _job_page(client, response)
    assert not Article.objects.filter(project=project).exists()


DOCCANO = "\n".join(
    json.dumps({"text": f"ISW assesses {n}.", "label": [[0, 3, "Org"]]}) for n in range(3)
)
SUGGESTION = "This looks like a <strong>doccano</strong> file: import it as doccano."


def test_a_doccano_file_imported_as_jsonl_is_refused_at_once_with_the_format_that_fits(
    client, manager, project, jobs_dir
):
    client.force_login(manager)

    response = client.post(import_url(project), {"file": _upload("d.jsonl", DOCCANO)}, **HX)

    html = response.content.decode()
    assert response.status_code == 422 and "<html" not in html
    assert "“d.jsonl” does not read as jsonl." in html
    assert SUGGESTION in html and 'data-import-as="doccano"' in html
    assert not Job.objects.exists() and not any(jobs_dir.glob("*"))  # nothing kept or queued
    again = client.post(
        import_url(project),
        {"file": _upload("d.jsonl", DOCCANO), "format": "doccano", "create_labels": "1"},
    )
    assert "Imported <strong>3 articles</strong>" in _job_page(client, again)


def test_a_misfit_past_the_sniffed_records_is_the_jobs_to_refuse(
    client, manager, project, jobs_dir, monkeypatch
):
    """The sniff reads the file's first records only (they read as jsonl here): the job
    refuses the lines past them, and imports nothing."""
    monkeypatch.setattr("annotations.imports.fits.SAMPLE_RECORDS", 2)
    client.force_login(manager)
    data = "\n".join([json.dumps({"body": f"Plain {n}."}) for n in range(2)] + [DOCCANO])

    html = _job_page(client, client.post(import_url(project), {"file": _upload("d.jsonl", data)}))

    assert "The job failed." in html and "3 bad lines: nothing was imported." in html
    assert "<td>3</td><td>label: Unknown field.; text: Unknown field.</td>" in html
    assert not Article.objects.filter(project=project).exists()


def test_an_undetectable_extension_gets_the_format_that_fits(client, manager, project, jobs_dir):
    client.force_login(manager)
    response = client.post(import_url(project), {"file": _upload("d.data", DOCCANO)}, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Cannot tell the format" in html and SUGGESTION in html
    assert not Job.objects.exists()


def test_import_asks_for_a_format_it_cannot_detect_or_a_file(client, manager, project, jobs_dir):
    client.force_login(manager)

    unknown = client.post(import_url(project), {"file": _upload("data.bin", "x")}, **HX)
    missing = client.post(import_url(project), {"format": "jsonl"}, **HX)
    page = client.post(import_url(project), {"format": "jsonl"})

    assert unknown.status_code == 422 and "Cannot tell the format" in unknown.content.decode()
    assert missing.status_code == 422 and "Choose a file." in missing.content.decode()
    assert page.status_code == 422 and "<html" in page.content.decode()
    assert not Job.objects.exists()


def test_import_detects_csv_and_html_from_the_extension(client, manager, project, jobs_dir):
    client.force_login(manager)

    _job_page(
        client,
        client.post(import_url(project), {"file": _upload("a.csv", "title,body\nT,Some text\n")}),
    )
    _job_page(
        client,
        client.post(
            import_url(project),
            {"file": _upload("p.html", "<html><title>Page</title><body><p>Hi</p></body></html>")},
        ),
    )

    assert sorted(Article.objects.filter(project=project).values_list("title", flat=True)) == [
        "Page",
        "T",
    ]


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_import_is_for_managers_only(client, make_member, project, role, jobs_dir):
    client.force_login(make_member(role))

    assert client.get(import_url(project)).status_code == 403
    response = client.post(import_url(project), {"file": _upload("a.txt", "Text")})
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_import_page_is_404_for_outsiders(client, project, outsider, jobs_dir):
    client.force_login(outsider)
    assert client.get(import_url(project)).status_code == 404
    assert client.post(import_url(project), {"file": _upload("a.txt", "Text")}).status_code == 404
    assert not Job.objects.exists()
