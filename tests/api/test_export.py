"""GET /api/v1/projects/{id}/export/: the dataset formats, streamed, scoped like the rest."""

import io
import json
import zipfile

import pytest

from annotations.exports import FORMATS

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory, SpanFactory


@pytest.fixture
def annotated(project, annotator, label):
    article = ArticleFactory(project=project, body="Flags 🇺🇦 first. ISW assesses it unlikely.")
    start = article.body.index("ISW")
    span = SpanFactory(
        article=article, label=label, annotator=annotator, start=start, end=start + 3
    )
    return article, span


def export(user, project, **params):
    response = client_for(user).get(f"{API}projects/{project.pk}/export/", params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_jsonl_is_the_default_and_streams_exact_offsets(annotator, project, annotated):
    article, span = annotated

    response, body = export(annotator, project)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert 'filename="' in response["Content-Disposition"]
    line = json.loads(body.decode())
    assert line["body"] == article.body
    assert [(s["start"], s["end"], s["text"]) for s in line["spans"]] == [
        (span.start, span.end, "ISW")
    ]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_answers(annotator, project, annotated, fmt):
    response, body = export(annotator, project, format=fmt)

    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[fmt].content_type
    assert body


def test_brat_is_a_zip_whose_offsets_slice_the_text(annotator, project, annotated):
    _, body = export(annotator, project, format="brat")

    archive = zipfile.ZipFile(io.BytesIO(body))
    ann = next(name for name in archive.namelist() if name.endswith(".ann"))
    txt = archive.read(ann[:-4] + ".txt").decode()
    t_line = next(line for line in archive.read(ann).decode().splitlines() if line[0] == "T")
    _, kind_and_offsets, quoted = t_line.split("\t")
    start, end = map(int, kind_and_offsets.split()[1:3])
    assert txt[start:end] == quoted == "ISW"


def test_filters_by_annotator_and_label(annotator, reviewer, project, annotated, label):
    article, _ = annotated
    other_label = LabelFactory(project=project, name="Claim")
    SpanFactory(article=article, label=other_label, annotator=reviewer, start=0, end=5)

    _, by_label = export(annotator, project, label=other_label.pk)
    _, by_annotator = export(annotator, project, annotator=annotator.username)

    assert [s["label"] for s in json.loads(by_label)["spans"]] == ["Claim"]
    assert [s["annotator"] for s in json.loads(by_annotator)["spans"]] == [annotator.username]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"status": "maybe"}, "status"),
        ({"label": "abc"}, "label"),
        ({"label": str(2**70)}, "label"),
        ({"label": "999999"}, "label"),
    ],
)
def test_bad_parameters_answer_400_in_json(annotator, project, annotated, params, field):
    response, body = export(annotator, project, **params)

    assert response.status_code == 400
    assert field in json.loads(body)


def test_a_label_of_another_project_is_refused(annotator, project, other_project_objects):  # noqa: F811
    response, _ = export(annotator, project, label=other_project_objects["label"].pk)

    assert response.status_code == 400


def test_another_project_answers_404(annotator, other_project_objects):  # noqa: F811
    response, _ = export(annotator, other_project_objects["project"])

    assert response.status_code == 404


def test_signed_out_is_refused(project):
    response, _ = export(None, project)

    assert response.status_code in (401, 403)
