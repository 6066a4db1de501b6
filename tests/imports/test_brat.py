"""brat standoff zips (imports/brat.py)."""

import io
import zipfile

from annotations.models import Label, Relation, Span

from ..corpus import run
from .helpers import counts, do_import, spans_of


def test_brat_export_imports_back(corpus, corpus_target, manager):
    # brat types hold no spaces: "Threat_rhetoric" finds the target's "Threat rhetoric".
    Label.objects.create(project=corpus_target, name="Threat rhetoric")
    exported, _, _ = run(corpus.project, "brat")

    result = do_import(corpus_target, manager, "brat", exported)

    assert (result.created, result.errors) == (3, [])
    assert spans_of(corpus_target) == spans_of(corpus.project)
    assessment = Span.objects.get(project=corpus_target, probability="unlikely")
    assert (assessment.confidence, assessment.note) == ("moderate", "北京 note second line")
    assert sorted(
        (a.actor.name, a.role) for a in assessment.span_actors.select_related("actor")
    ) == [("Belarus", "subject"), ("Institute for the Study of War", "source")]
    assert Span.objects.get(project=corpus_target, label__name="Threat rhetoric").text == (
        "unlikely.\nPeskov said"
    )
    assert Relation.objects.filter(article__project=corpus_target).count() == 2


def test_brat_broken_files(target, manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Good text.")
        archive.writestr("a.ann", "T1\tClaim 0 4\tGood\n")
        archive.writestr("b.txt", "Bad text.")
        archive.writestr("b.ann", "T1\tClaim zero 4\tBad\nE1\tEvent:T1\n")
        archive.writestr("c.txt", "Offsets past the end.")
        archive.writestr("c.ann", "T1\tClaim 0 400\tOffsets\n")
    before = counts()

    result = do_import(target, manager, "brat", buffer.getvalue())

    assert counts() == before
    assert [e["line"] for e in result.errors] == [2, 3]
    assert result.errors[0]["error"].startswith("b.ann line 1: not a brat annotation")
    assert do_import(target, manager, "brat", b"not a zip").errors == [
        {"line": 1, "error": "Not a zip file."}
    ]


def test_brat_file_that_unpacks_too_large_is_refused_unread(target, manager, monkeypatch):
    from annotations.imports import brat

    monkeypatch.setattr(brat, "MAX_MEMBER_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "Fine.")
        archive.writestr("b.txt", "x" * 5000)  # a few bytes packed
        archive.writestr("c.txt", "Fine too.")
        archive.writestr("c.ann", "T1\tClaim 0 4\t" + "y" * 5000 + "\n")
    assert len(buffer.getvalue()) < 1000
    before = counts()
    result = do_import(target, manager, "brat", buffer.getvalue())
    assert counts() == before
    assert [(e["line"], e["error"]) for e in result.errors] == [
        (2, "b.txt unpacks to more than 0 MB."),
        (3, "c.ann unpacks to more than 0 MB."),
    ]


def test_brat_zip_that_unpacks_too_large_in_all_is_refused(target, manager, monkeypatch):
    from annotations.imports import brat

    monkeypatch.setattr(brat, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(brat, "MAX_ARCHIVE_BYTES", 1500)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("a", "b", "c"):
            archive.writestr(f"{name}.txt", name * 800)  # each within its bound, not all three
    result = do_import(target, manager, "brat", buffer.getvalue())
    assert result.created == 0
    assert [(e["line"], e["error"].startswith("the zip unpacks")) for e in result.errors] == [
        (2, True),
        (3, True),
    ]
