"""``manage.py import`` (management/commands/import.py)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Article, Span

from ..corpus import run
from .test_webanno import annotation


def test_import_command(corpus, corpus_target, manager, tmp_path):
    exported, _, _ = run(corpus.project, "jsonl")
    path = tmp_path / "in.jsonl"
    path.write_text(exported, encoding="utf-8")
    out = io.StringIO()

    call_command("import", "copy", str(path), "--user", "max", stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip() == (
        "Imported 3 articles, 12 spans, 2 relations; skipped 0 duplicates."
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "ok"}\n{"nobody": 1}\n', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad lines"):
        call_command("import", "copy", str(bad), "--user", "max", stderr=err)
    assert "line 2: nobody: Unknown field." in err.getvalue()
    assert Article.objects.filter(project=corpus_target).count() == 3


def test_import_command_says_whom_it_made_an_annotator(corpus, target, manager, tmp_path):
    exported, _, _ = run(corpus.project, "jsonl")
    path = tmp_path / "in.jsonl"
    path.write_text(exported, encoding="utf-8")
    out = io.StringIO()

    call_command("import", "target", str(path), "--user", "max", stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip().splitlines() == [
        "Imported 3 articles, 12 spans, 2 relations; skipped 0 duplicates.",
        "New annotators of the project, named in the file: alice, bob, rita.",
    ]


def test_import_command_prints_progress(target, manager, tmp_path, monkeypatch):
    monkeypatch.setattr("annotations.management.commands.import.PROGRESS_EVERY", 2)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(f'{{"body": "Text {n}"}}\n' for n in range(5)), encoding="utf-8")
    err = io.StringIO()

    call_command("import", "target", str(path), "--user", "max", stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == ["… 2 articles", "… 4 articles"]


def test_the_command_imports_conll_and_webanno(manager, target, tmp_path):
    path = tmp_path / "in.conll"
    path.write_text("Putin\tB-Person\nsaid\tO\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import", "target", str(path), "-f", "conll", "--user", "max", stdout=out)

    assert out.getvalue().strip() == (
        "Imported 1 articles, 1 spans, 0 relations; skipped 0 duplicates."
    )
    article = Article.objects.get(project=target)
    web = tmp_path / "in.jsonld"
    web.write_text(json.dumps(annotation(f"urn:assay:article:{article.pk}", 6, 10, "said")))
    call_command("import", "target", str(web), "-f", "webanno", "--user", "max", stdout=out)
    assert Span.objects.filter(article=article).count() == 2
    with pytest.raises(CommandError, match="1 bad lines"):
        call_command(
            "import", "target", str(web), "-f", "webanno", "--user", "max", stderr=io.StringIO()
        )
