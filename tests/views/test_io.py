"""The export and import pages: the live count, the streamed download, the upload."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse

from annotations import services
from annotations.models import Article, Label, Role, Span, SpanEvent
from annotations.views import io as io_views

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
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}-jsonl.jsonl"'
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

    assert response["Content-Disposition"].endswith(f'filename="{project.slug}-csv.csv"')
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


# --- import ----------------------------------------------------------------------------------


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def test_import_page_shows_the_upload_form(client, manager, project):
    client.force_login(manager)

    html = client.get(import_url(project)).content.decode()

    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "data-import-progress" in html and 'id="import-progress"' in html
    assert 'name="create_labels"' in html and 'name="create_actors"' in html


def test_import_a_good_file_reports_created_and_duplicates(client, manager, project):
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
        **HX,
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    result = response.context["result"]
    assert (result.created, result.skipped_duplicates, result.spans, result.errors) == (2, 1, 1, [])
    assert "Imported <strong>2 articles</strong>" in html and "1 duplicate" in html
    assert Article.objects.filter(project=project).count() == 3
    assert Label.objects.filter(project=project, name="Person").exists()
    assert SpanEvent.objects.filter(project=project).count() == 1


def test_import_a_broken_file_lists_every_bad_line_and_creates_nothing(client, manager, project):
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

    html = response.content.decode()
    assert response.status_code == 422 and "<html" in html
    assert "3 bad lines: nothing was imported." in html
    assert [e["line"] for e in response.context["result"].errors] == [2, 3, 4]
    assert "<td>3</td><td>spans[0].end: Must be at most 6, the length of the article.</td>" in html
    assert "<td>4</td><td>body: Required.</td>" in html
    assert Article.objects.filter(project=project).count() == 0
    assert Span.objects.count() == 0


def test_import_without_create_labels_refuses_an_unknown_label(client, manager, project):
    client.force_login(manager)
    data = json.dumps({"body": "Text.", "spans": [{"start": 0, "end": 4, "label": "Nope"}]})

    response = client.post(import_url(project), {"file": _upload("x.jsonl", data)}, **HX)

    assert response.status_code == 422
    assert "The project has no label “Nope”." in response.content.decode()
    assert not Article.objects.filter(project=project).exists()


DOCCANO = "\n".join(
    json.dumps({"text": f"ISW assesses {n}.", "label": [[0, 3, "Org"]]}) for n in range(3)
)
SUGGESTION = "This looks like a <strong>doccano</strong> file: import it as doccano."


def test_a_doccano_file_imported_as_jsonl_gets_the_format_that_fits(client, manager, project):
    client.force_login(manager)

    response = client.post(import_url(project), {"file": _upload("d.jsonl", DOCCANO)}, **HX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "text: Unknown field." in html  # what was wrong, line by line, as before
    assert SUGGESTION in html
    assert 'data-import-as="doccano"' in html
    again = client.post(
        import_url(project),
        {"file": _upload("d.jsonl", DOCCANO), "format": "doccano", "create_labels": "1"},
        **HX,
    )
    assert (
        again.status_code == 200
        and "Imported <strong>3 articles</strong>" in again.content.decode()
    )


def test_the_streamed_import_suggests_the_format_too(client, manager, project):
    client.force_login(manager)
    response = client.post(import_url(project), {"file": _upload("d.jsonl", DOCCANO)}, **PROGRESS)
    last = _lines(response)[-1]
    assert last["status"] == 422 and SUGGESTION in last["html"]


def test_a_file_refused_for_its_content_gets_no_suggestion(client, manager, project):
    client.force_login(manager)
    data = json.dumps({"body": "Short.", "spans": [{"start": 0, "end": 99, "label": "Claim"}]})
    response = client.post(import_url(project), {"file": _upload("x.jsonl", data)}, **HX)
    assert response.status_code == 422 and "looks like" not in response.content.decode()


def test_an_undetectable_extension_gets_the_format_that_fits(client, manager, project):
    client.force_login(manager)
    response = client.post(import_url(project), {"file": _upload("d.data", DOCCANO)}, **HX)
    html = response.content.decode()
    assert "Cannot tell the format" in html and SUGGESTION in html


def test_import_asks_for_a_format_it_cannot_detect_or_a_file(client, manager, project):
    client.force_login(manager)

    unknown = client.post(import_url(project), {"file": _upload("data.bin", "x")}, **HX)
    missing = client.post(import_url(project), {"format": "jsonl"}, **HX)

    assert unknown.status_code == 422 and "Cannot tell the format" in unknown.content.decode()
    assert missing.status_code == 422 and "Choose a file." in missing.content.decode()


def test_import_detects_csv_and_html_from_the_extension(client, manager, project):
    client.force_login(manager)

    client.post(import_url(project), {"file": _upload("a.csv", "title,body\nT,Some text\n")})
    client.post(
        import_url(project),
        {"file": _upload("p.html", "<html><title>Page</title><body><p>Hello</p></body></html>")},
    )

    assert sorted(Article.objects.filter(project=project).values_list("title", flat=True)) == [
        "Page",
        "T",
    ]


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_import_is_for_managers_only(client, make_member, project, role):
    client.force_login(make_member(role))

    assert client.get(import_url(project)).status_code == 403
    response = client.post(import_url(project), {"file": _upload("a.txt", "Text")})
    assert response.status_code == 403
    assert not Article.objects.filter(project=project).exists()


def test_import_page_is_404_for_outsiders(client, project, outsider):
    client.force_login(outsider)
    assert client.get(import_url(project)).status_code == 404
    assert client.post(import_url(project), {"file": _upload("a.txt", "Text")}).status_code == 404


# --- import progress, streamed to the page's script ---------------------------------------------

PROGRESS = {"HTTP_ACCEPT": "application/x-ndjson"}


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in _body(response).decode().splitlines()]


def test_import_streams_its_progress_then_the_result(client, manager, project, monkeypatch):
    monkeypatch.setattr(io_views, "IMPORT_PROGRESS_EVERY", 0)  # a line after every record
    client.force_login(manager)
    data = "\n".join(json.dumps({"body": f"Article {n}."}) for n in range(5))

    response = client.post(import_url(project), {"file": _upload("a.jsonl", data)}, **PROGRESS)

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    *progress, last = _lines(response)
    assert [line["done"] for line in progress] == [1, 2, 3, 4, 5]
    assert all(0 < line["read"] <= 1 for line in progress)
    assert last["status"] == 200 and "Imported <strong>5 articles</strong>" in last["html"]
    assert Article.objects.filter(project=project).count() == 5


def test_a_streamed_import_with_a_bad_line_ends_with_422_and_creates_nothing(
    client, manager, project
):
    client.force_login(manager)
    data = json.dumps({"body": "Fine."}) + "\n{not json\n"

    response = client.post(import_url(project), {"file": _upload("a.jsonl", data)}, **PROGRESS)

    last = _lines(response)[-1]
    assert last["status"] == 422 and "nothing was imported" in last["html"]
    assert not Article.objects.filter(project=project).exists()


def test_a_streamed_import_left_half_way_imports_nothing(rf, manager, project, monkeypatch):
    monkeypatch.setattr(io_views, "IMPORT_PROGRESS_EVERY", 0)
    monkeypatch.setattr("annotations.imports.writer.BATCH", 2)  # writes begin at once
    data = "\n".join(json.dumps({"body": f"Article {n}."}) for n in range(6))
    request = rf.post(import_url(project), {"file": _upload("a.jsonl", data)}, **PROGRESS)
    request.user, request.htmx = manager, False

    response = io_views.project_import.__wrapped__(request, project.slug)
    stream = iter(response.streaming_content)
    for _ in range(4):
        next(stream)  # two batches written inside the import's transaction
    assert Article.objects.filter(project=project).count() == 4
    # The client went away: the server closes the response (request_finished must not close
    # the test's database connection meanwhile).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    assert not Article.objects.filter(project=project).exists()


def test_a_refusal_before_the_import_answers_the_fragment(client, manager, project):
    client.force_login(manager)
    response = client.post(import_url(project), {"file": _upload("a.xyz", "x")}, **PROGRESS)
    html = response.content.decode()
    assert response.status_code == 422 and "<html" not in html and "Cannot tell the format" in html
