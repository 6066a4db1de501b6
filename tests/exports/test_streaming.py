"""Exports stream: memory stays flat as a project grows, and the command writes as it reads."""

import hashlib
import io
import json
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annotations.exports import FORMATS, export_stream
from annotations.models import Article, Span
from annotations.services import body_sha256

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory, UserFactory

SPANS_PER_ARTICLE = 10
CHUNK = 10


def _bulk_project(articles: int, label_name="Claim"):
    """A project of ``articles`` articles with ten overlapping spans each, made in bulk."""
    project = ProjectFactory()
    label = LabelFactory(project=project, name=label_name)
    user = UserFactory()
    now = timezone.now()
    word = "Лукашенко 🇺🇦 said that 北京 "
    bodies = [f"{n}: " + word * 20 for n in range(articles)]
    created = Article.objects.bulk_create(
        Article(project=project, title=f"A{n}", body=body, sha256=body_sha256(body))
        for n, body in enumerate(bodies)
    )
    Span.objects.bulk_create(
        Span(
            article=article,
            project=project,
            start=start,
            end=start + 40,
            text=article.body[start : start + 40],
            label=label,
            annotator=user,
            created_at=now,
            updated_at=now,
        )
        for article in created
        for start in range(3, 3 + SPANS_PER_ARTICLE * 20, 20)
    )
    return project


class _Digest:
    """A file that keeps nothing but a hash, so that only the export's own memory counts."""

    def __init__(self):
        self.hash = hashlib.sha256()

    def write(self, chunk):
        self.hash.update(chunk.encode() if isinstance(chunk, str) else chunk)


def _peak(project, fmt) -> tuple[int, int]:
    _, _, chunks, stats = export_stream(project, fmt, chunk_size=CHUNK)
    sink = _Digest()
    tracemalloc.start()
    try:
        for chunk in chunks:
            sink.write(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, stats.spans


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_memory_stays_flat_as_the_project_grows(db, fmt):
    small, large = _bulk_project(40), _bulk_project(160)
    _peak(small, fmt)  # warm up: compiled patterns and caches are not the export's growth

    peak_small, spans_small = _peak(small, fmt)
    peak_large, spans_large = _peak(large, fmt)

    assert (spans_small, spans_large) == (400, 1600)
    assert peak_large < 1.5 * peak_small + 64 * 1024, (peak_small, peak_large)


# --- the management command -----------------------------------------------------------------


@pytest.fixture
def small_project(project, annotator, label):
    article = ArticleFactory(project=project, body="Putin met Lukashenko in Minsk.")
    SpanFactory(article=article, label=label, annotator=annotator, start=0, end=20)
    SpanFactory(article=article, label=label, annotator=annotator, start=10, end=29)
    ArticleFactory(project=project, body="Nothing happened.\r\nAt all.")
    return project


def test_command_streams_jsonl_to_stdout(small_project):
    out, err = io.StringIO(), io.StringIO()

    call_command("export", small_project.slug, "--format", "jsonl", stdout=out, stderr=err)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [len(line["spans"]) for line in lines] == [2, 0]
    assert lines[1]["body"] == "Nothing happened.\nAt all."
    assert "Exported 2 articles, 2 spans, 0 relations." in err.getvalue()


def test_command_reports_dropped_conll_spans(small_project, tmp_path):
    path = tmp_path / "out.conll"
    err = io.StringIO()

    call_command("export", small_project.slug, "-f", "conll", "-o", str(path), stderr=err)

    text = path.read_text(encoding="utf-8")
    assert "Putin\tB-Assessment\nmet\tI-Assessment\nLukashenko\tI-Assessment\nin\tO\n" in text
    assert text.splitlines()[-1].startswith("# assay: kept 1 of 2 spans; dropped 1 overlapping")
    assert "dropped overlapping: 1" in err.getvalue()


def test_command_writes_a_brat_zip_and_filters(small_project, tmp_path, make_member, label):
    path = tmp_path / "out.zip"

    call_command(
        "export",
        small_project.slug,
        "--format",
        "brat",
        "--annotator",
        "nobody",
        "--label",
        str(label.pk),
        "-o",
        str(path),
        stderr=io.StringIO(),
    )

    archive = zipfile.ZipFile(path)
    assert len([n for n in archive.namelist() if n.endswith(".txt")]) == 2
    assert all(archive.read(n) == b"" for n in archive.namelist() if n.endswith(".ann"))


def test_command_prints_progress(small_project, monkeypatch):
    monkeypatch.setattr("annotations.management.commands.export.PROGRESS_EVERY", 1)
    err = io.StringIO()

    call_command("export", small_project.slug, "-f", "jsonl", stdout=io.StringIO(), stderr=err)

    assert "… 1 articles" in err.getvalue()
    assert "… 2 articles" in err.getvalue()


def test_command_refuses_an_unknown_project_or_label(small_project):
    with pytest.raises(CommandError, match="No project"):
        call_command("export", "no-such-project", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no label"):
        call_command("export", small_project.slug, "--label", "999999", stdout=io.StringIO())
