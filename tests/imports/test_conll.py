"""CoNLL (imports/conll.py): the exporter's file read back, hand-written files, broken lines."""

import pytest

from annotations.exports import conll as conll_export
from annotations.models import Article, Label, Span

from ..corpus import read_conll, run
from ..factories import LabelFactory
from .helpers import counts, do_import


def exported_tokens(body: str, start: int, end: int) -> str:
    """The exporter's tokens inside ``body[start:end]``, as the import joins them."""
    return " ".join(body[s:e] for s, e in conll_export.tokenize(body) if start <= s and e <= end)


def test_conll_export_imports_back_to_the_kept_spans_on_rebuilt_bodies(corpus, target, manager):
    exported, stats, _ = run(corpus.project, "conll")

    result = do_import(target, manager, "conll", exported)

    assert result.errors == []
    assert (result.created, result.spans, result.relations) == (3, 9, 0)
    assert stats.dropped_overlapping == 3  # 12 spans, 9 kept: the import has all of those
    documents, _ = read_conll(exported)
    unicode_article, quiet, putin = Article.objects.filter(project=target).order_by("pk")
    assert [a.body for a in (unicode_article, quiet, putin)] == [
        "\n".join(" ".join(token for token, _ in sentence) for sentence in sentences)
        for sentences in documents
    ]
    assert unicode_article.body.split("\n") == [
        "🇺🇦 𝕏 café cafe\u0301 北京 שלום مرحبا",  # CRLF normalised, combining mark kept
        "ISW assesses that Belarus ' involvement remains unlikely .",
        "Peskov said : “ such speculations are baseless . ” 👨\u200d👩\u200d👧 done !",
        "End .",
    ]
    assert quiet.body == "A quiet day .\nNothing to report ."
    kept = ("flag", "x", "combining", "cjk", "rtl", "assessment", "denial", "family", "claim")
    expected = sorted(
        (
            exported_tokens(s.article.body, s.start, s.end),
            s.label.name,
        )
        for s in (corpus.spans[key] for key in kept)
    )
    imported = Span.objects.filter(project=target).select_related("article", "label", "annotator")
    assert sorted((s.text, s.label.name) for s in imported) == expected
    assert all(s.article.body[s.start : s.end] == s.text for s in imported)
    assert {s.annotator for s in imported} == {manager}
    assert "Belarus ' involvement remains unlikely" not in {s.text for s in imported}
    assert (
        Span.objects.get(project=target, label__name="Assessment", start__gt=20).text
        == "ISW assesses that Belarus ' involvement remains unlikely"
    )
    assert set(Label.objects.filter(project=target).values_list("name", flat=True)) == {
        "Assessment",
        "Claim",
        "Denial",
    }
    again = do_import(target, manager, "conll", exported)
    assert (again.created, again.skipped_duplicates, again.errors) == (0, 3, [])


CONLL_2003 = """\
-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
to TO B-VP B-Threat_rhetoric
boycott VB I-VP I-Threat_rhetoric
British JJ B-NP I-MISC
lamb NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
Smith NNP I-NP B-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def test_conll_2003_file_written_by_hand(target, manager):
    threat = LabelFactory(project=target, name="Threat rhetoric")
    org = LabelFactory(project=target, name="org")

    result = do_import(target, manager, "conll", CONLL_2003.replace("\n", "\r\n"))

    assert (result.created, result.spans, result.errors) == (2, 7, [])
    eu, brussels = Article.objects.filter(project=target).order_by("pk")
    assert eu.body == ("EU rejects German call to boycott British lamb .\nPeter Blackburn Smith")
    assert brussels.body == "BRUSSELS 1996-08-22"
    spans = [
        (s.text, s.label.name)
        for s in Span.objects.filter(article=eu).select_related("label").order_by("start")
    ]
    assert spans == [
        ("EU", "org"),  # matched whatever the case
        ("German", "MISC"),
        ("to boycott", "Threat rhetoric"),  # the tag's _ is the name's space
        ("British", "MISC"),  # I-MISC after another label starts a span (IOB1)
        ("Peter Blackburn", "PER"),  # I-PER at a sentence's start too
        ("Smith", "PER"),  # B- starts a new one
    ]
    assert Span.objects.get(article=brussels).text == "BRUSSELS"
    assert Span.objects.get(label=threat).label == threat
    assert Span.objects.filter(label=org).count() == 1


def test_conll_without_docstart_is_one_document_and_hash_tokens_are_tokens(target, manager):
    data = "# sent_id = 1\nWe\tO\n#\tB-Tag\nwon\tO\n\nYes\tO\n"

    result = do_import(target, manager, "conll", data)

    assert (result.created, result.errors) == (1, [])
    article = Article.objects.get(project=target)
    assert article.body == "We # won\nYes"
    assert Span.objects.get(article=article).text == "#"


def test_conll_broken_lines_import_nothing_and_are_each_listed(target, manager):
    data = (
        b"-DOCSTART-\tO\n"
        b"\n"
        b"Fine\tB-Claim\n"
        b"Three\tcolumns\tO\n"
        b"Bad\tX-ORG\n"
        b"Empty\tB-\n"
        b"\xff\tO\n"
        b"\n"
        b"# a comment\n"
        b"-DOCSTART-\tO\n"
        b"Second\tB-Claim\n"
        b"Lonely\n"
        b"Gap\t\n"
    )
    before = counts()

    result = do_import(target, manager, "conll", data)

    assert counts() == before
    assert result.created == 0
    assert result.errors == [
        {"line": 4, "error": "3 columns where the first token line (line 3) has 2."},
        {"line": 5, "error": "“X-ORG” is not a tag: O, B-label or I-label."},
        {"line": 6, "error": "“B-” is not a tag: O, B-label or I-label."},
        {"line": 7, "error": "Not UTF-8 text."},
        {"line": 12, "error": "A token line is a token and a tag, at least."},
        {"line": 13, "error": "A token line is a token and a tag, at least."},
    ]


def test_conll_unknown_label_is_an_error_on_the_documents_line(target, manager):
    LabelFactory(project=target, name="Claim")
    data = "-DOCSTART-\tO\n\nFine\tB-Claim\n\n-DOCSTART-\tO\n\nOdd\tB-Nope\n"
    before = counts()

    result = do_import(target, manager, "conll", data, create_labels=False)

    assert counts() == before
    assert result.errors == [
        {"line": 5, "error": "spans[0].label: The project has no label “Nope”."}
    ]


def test_a_conll_export_filtered_by_annotator_imports_that_layer(corpus, target, manager):
    # Exported for one annotator, the overlaps the export dropped are another layer's.
    exported, stats, _ = run(corpus.project, "conll", annotator="bob")

    result = do_import(target, manager, "conll", exported)

    assert (result.spans, stats.dropped_overlapping, result.errors) == (1, 0, [])
    assert Span.objects.get(project=target).text == "Belarus"


def test_conll_tokens_starting_with_a_hash_are_text_and_comments_are_not(target, manager):
    data = (
        "-DOCSTART-\tO\n\nPress\tO\n#\ufe0f\u20e3\tB-Key\nnow\tO\n\n"
        "# a comment, whatever it says\n# assay: kept 1 of 1 spans\n"
    )
    result = do_import(target, manager, "conll", data)
    assert result.errors == [] and result.created == 1
    span = Span.objects.get()
    assert (span.article.body, span.text) == ("Press #\ufe0f\u20e3 now", "#\ufe0f\u20e3")


@pytest.mark.parametrize("data", ["x\r\tO\n\nfoo\tO\nbar\tB-L\nbaz\tO\n", "a\tO\rb\tB-X\r"])
def test_conll_a_carriage_return_inside_a_line_is_a_listed_error(target, manager, data):
    result = do_import(target, manager, "conll", data)
    assert [e["line"] for e in result.errors] == [1]
    assert "control character" in result.errors[0]["error"]
    assert counts()["Article"] == counts()["Span"] == 0


def test_conll_width_is_that_of_the_first_good_token_line(target, manager):
    result = do_import(target, manager, "conll", "lonely\nfoo\tO\nbar\tB-L\n")
    assert [(e["line"], e["error"]) for e in result.errors] == [
        (1, "A token line is a token and a tag, at least.")
    ]
