"""POST /api/v1/projects/{id}/import/ (the API's door to imports/): all or nothing, every bad
line reported, conll and webanno too."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Article, Job, Membership, Role, Span
from annotations.services.jobs import job_run

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory
from .test_webanno import annotation


def upload(user, project, name, content, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client_for(user).post(
        f"{API}projects/{project.pk}/import/" + (f"?{query}" if query else ""),
        {"file": SimpleUploadedFile(name, content.encode())},
        format="multipart",
    )


def jsonl(*records):
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records)


def test_a_manager_imports_articles_with_spans(manager, project):
    body = "Flags 🇺🇦 first. ISW assesses it unlikely."
    start = body.index("ISW")
    content = jsonl(
        {
            "title": "One",
            "body": body,
            "spans": [{"start": start, "end": start + 3, "label": "Assessment"}],
        },
        {"body": "A second article."},
    )

    response = upload(manager, project, "data.jsonl", content)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 2,
        "skipped_duplicates": 0,
        "spans": 1,
        "relations": 0,
        "errors": [],
        "members_added": [],
    }
    span = Span.objects.get()
    assert (span.text, span.label.name, span.annotator) == ("ISW", "Assessment", manager)


def test_a_bad_line_imports_nothing_and_every_bad_line_is_listed(manager, project):
    content = "\n".join(['{"body": "Fine."}', "{broken", '{"title": "no body"}'])

    response = upload(manager, project, "data.jsonl", content)

    assert response.status_code == 400
    assert response.json()["created"] == 0
    assert [error["line"] for error in response.json()["errors"]] == [2, 3]
    assert not Article.objects.exists()


def test_an_article_already_held_is_skipped_and_counted(manager, project):
    ArticleFactory(project=project, body="Already here.")

    response = upload(manager, project, "notes.txt", "Already here.")

    assert response.status_code == 200
    assert response.json()["skipped_duplicates"] == 1
    assert Article.objects.count() == 1


def test_the_format_parameter_wins_over_the_extension(manager, project):
    content = jsonl({"text": "doccano text", "label": [[0, 7, "Claim"]]})

    response = upload(manager, project, "export.jsonl", content, format="doccano")

    assert response.status_code == 200, response.content
    assert Span.objects.get().text == "doccano"


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [("data.bin", {}, "format"), ("data.jsonl", {"format": "xml"}, "format")],
)
def test_an_unknown_format_is_refused(manager, project, name, params, field):
    response = upload(manager, project, name, '{"body": "x"}', **params)

    assert response.status_code == 400
    assert field in response.json()
    assert not Article.objects.exists()


def test_a_missing_file_is_refused(manager, project):
    response = client_for(manager).post(f"{API}projects/{project.pk}/import/", {})

    assert response.status_code == 400
    assert "file" in response.json()


def test_only_a_manager_imports(annotator, project):
    response = upload(annotator, project, "a.txt", "Some text.")

    assert response.status_code == 403
    assert not Article.objects.exists()


def test_another_project_answers_404(manager, other_project_objects):  # noqa: F811
    response = upload(manager, other_project_objects["project"], "a.txt", "Some text.")

    assert response.status_code == 404


def test_jsonl_round_trip_through_the_api(manager, project):
    label = LabelFactory(project=project, name="Claim")
    article = ArticleFactory(project=project, body="Putin said 𝕏 is \u05e9\u05dc\u05d5\u05dd.")
    SpanFactory(article=article, label=label, annotator=manager, start=0, end=5)
    first = b"".join(
        client_for(manager).get(f"{API}projects/{project.pk}/export/").streaming_content
    )
    empty = ProjectFactory(name="Empty")
    Membership.objects.create(project=empty, user=manager, role=Role.MANAGER)

    response = upload(manager, empty, "round.jsonl", first.decode())
    again = b"".join(client_for(manager).get(f"{API}projects/{empty.pk}/export/").streaming_content)

    assert response.status_code == 200, response.content
    assert again == first


def test_the_jsonl_round_trip_into_an_empty_project_says_whom_it_added(
    client, manager, annotator, project
):
    label = LabelFactory(project=project, name="Claim")
    article = ArticleFactory(project=project, body="Putin said 𝕏 is here.")
    SpanFactory(article=article, label=label, annotator=annotator, start=0, end=5)
    first = b"".join(
        client_for(manager).get(f"{API}projects/{project.pk}/export/").streaming_content
    )
    empty = ProjectFactory(name="Empty", slug="empty")
    Membership.objects.create(project=empty, user=manager, role=Role.MANAGER)

    response = upload(manager, empty, "round.jsonl", first.decode())

    assert response.status_code == 200, response.content
    assert response.json()["members_added"] == ["alice"]
    assert Membership.objects.get(project=empty, user=annotator).role == Role.ANNOTATOR
    # The page's job says it too: the same result through the same partial.
    again = ProjectFactory(name="Again", slug="again")
    Membership.objects.create(project=again, user=manager, role=Role.MANAGER)
    client.force_login(manager)
    queued = client.post(
        reverse("annotations:project-import", args=[again.slug]),
        {"file": SimpleUploadedFile("r.jsonl", first), "format": "jsonl", "create_labels": "on"},
    )
    job_run(Job.objects.get(project=again).pk)
    page = client.get(queued["Location"])
    assert "New annotator of the project, named in the file: alice." in page.content.decode()


def test_an_unknown_annotator_is_a_400_on_its_line(manager, project):
    data = jsonl({"body": "Some text.", "spans": [{"start": 0, "end": 4, "label": "Claim",
                                                   "annotator": "nobody"}]})  # fmt: skip

    response = upload(manager, project, "a.jsonl", data)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": 1, "error": "spans[0].annotator: No user “nobody”."}
    ]
    assert response.json()["members_added"] == []
    assert not Article.objects.exists()


def api_upload(user, project, name, content, fmt):
    return client_for(user).post(
        f"{API}projects/{project.pk}/import/?format={fmt}",
        {"file": SimpleUploadedFile(name, content.encode())},
        format="multipart",
    )


def test_api_imports_conll_and_webanno(manager, target):
    conll_response = api_upload(manager, target, "data.txt", "Putin\tB-Person\nsaid\tO\n", "conll")
    article = Article.objects.get(project=target)
    web = json.dumps(annotation(f"urn:assay:article:{article.pk}", 6, 10, "said"))
    web_response = api_upload(manager, target, "data.json", web, "webanno")
    bad_response = api_upload(manager, target, "data.txt", "Putin\tX\n", "conll")

    assert conll_response.status_code == 200, conll_response.content
    assert conll_response.json() == {
        "created": 1,
        "skipped_duplicates": 0,
        "spans": 1,
        "relations": 0,
        "errors": [],
        "members_added": [],
    }
    assert web_response.status_code == 200, web_response.content
    assert web_response.json()["spans"] == 1 and web_response.json()["created"] == 0
    assert sorted(Span.objects.values_list("text", flat=True)) == ["Putin", "said"]
    assert bad_response.status_code == 400
    assert bad_response.json()["errors"] == [
        {"line": 1, "error": "“X” is not a tag: O, B-label or I-label."}
    ]
