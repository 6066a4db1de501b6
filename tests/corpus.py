"""The unicode corpus every format is tested on, and how a test exports it: shared by the
exporters' tests (tests/exports/) and the importers' round trips (tests/imports/)."""

import io
import json
from types import SimpleNamespace

import pytest

from annotations import services
from annotations.exports import FORMATS, export_stream
from annotations.models import Label, Role

from .factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

UNICODE_BODY = (
    "🇺🇦 𝕏 café cafe\u0301 北京 שלום مرحبا\r\n"
    "ISW assesses that Belarus' involvement remains unlikely.\r\n"
    "Peskov said: “such speculations are baseless.” 👨\u200d👩\u200d👧 done!\r\n"
    "End."
)
PUTIN_BODY = "Putin said Russia is not interested in absorbing anyone."
QUIET_BODY = "A quiet day. Nothing to report."

JSONL_KEYS = [
    "external_id",
    "title",
    "body",
    "source",
    "url",
    "published_on",
    "author",
    "language",
    "metadata",
    "spans",
    "relations",
]
JSONL_SPAN_KEYS = [
    "start",
    "end",
    "text",
    "label",
    "actors",
    "probability",
    "confidence",
    "note",
    "status",
    "annotator",
]


def at(body: str, piece: str) -> dict:
    start = body.index(piece)
    return {"start": start, "end": start + len(piece)}


@pytest.fixture
def corpus(project, annotator, reviewer, make_member):
    bob = make_member(Role.ANNOTATOR, username="bob")
    labels = {
        name: LabelFactory(project=project, name=name)
        for name in ("Assessment", "Claim", "Denial", "Threat rhetoric")
    }
    responds = LabelFactory(project=project, name="Responds to", kind=Label.Kind.RELATION)
    based_on = LabelFactory(project=project, name="based on", kind=Label.Kind.RELATION)
    putin = ActorFactory(name="Vladimir Putin", kind="person", wikidata_id="Q7747")
    belarus = ActorFactory(name="Belarus", kind="state", wikidata_id="Q184")
    isw = ActorFactory(name="Institute for the Study of War", kind="organization")
    peskov = ActorFactory(name="Дмитрий Песков", kind="person")

    unicode_article = ArticleFactory(
        project=project,
        body=UNICODE_BODY,
        title="Флаг 🇺🇦 and 北京",
        source="ISW",
        url="https://example.org/isw/1",
        external_id="isw-1",
        language="en",
        author="ISW team",
        published_on="2026-06-02",
        metadata={"z": 1, "a": {"y": [1, "שלום"], "b": None}},
    )
    quiet = ArticleFactory(project=project, body=QUIET_BODY, title="Quiet")
    putin_article = ArticleFactory(
        project=project, body=PUTIN_BODY, title="Putin", published_on="2026-06-03"
    )
    body = unicode_article.body

    def span(key, piece, label, user=annotator, **fields):
        return SpanFactory(
            article=unicode_article,
            label=labels[label],
            annotator=user,
            **at(body, piece),
            **fields,
        )

    spans = {
        "flag": span("flag", "🇺🇦", "Claim"),
        "x": span("x", "𝕏", "Claim"),
        "combining": span("combining", "cafe\u0301", "Claim"),
        "cjk": span("cjk", "北京", "Assessment"),
        "rtl": span("rtl", "שלום مرحبا", "Claim"),
        "assessment": span(
            "assessment",
            "ISW assesses that Belarus' involvement remains unlikely",
            "Assessment",
            actors=[(isw, "source"), (belarus, "subject")],
            probability="unlikely",
            confidence="moderate",
            note="北京 note\nsecond line",
        ),
        "involvement": span("involvement", "Belarus' involvement remains unlikely", "Claim"),
        "belarus": span("belarus", "Belarus", "Assessment", user=bob),
        "across": span("across", "unlikely.\nPeskov said", "Threat rhetoric"),
        "denial": span(
            "denial",
            "such speculations are baseless",
            "Denial",
            actors=[(peskov, "source")],
            confidence="high",
        ),
        "family": span("family", "👨\u200d👩\u200d👧", "Claim"),
    }
    spans["claim"] = SpanFactory(
        article=putin_article,
        label=labels["Claim"],
        annotator=reviewer,
        **at(PUTIN_BODY, "Russia is not interested in absorbing anyone"),
        actors=[(putin, "source")],
        probability="almost_certain",
        status="accepted",
    )
    relations = {
        "responds": services.relation_create(
            from_span=spans["denial"],
            to_span=spans["involvement"],
            label=responds,
            annotator=annotator,
        ),
        # Between two annotators' spans: Label Studio cannot draw it.
        "based_on": services.relation_create(
            from_span=spans["assessment"],
            to_span=spans["belarus"],
            label=based_on,
            annotator=annotator,
        ),
    }
    other_project = ProjectFactory()
    ArticleFactory(project=other_project, body="Another project's text, never exported.")
    return SimpleNamespace(
        project=project,
        labels=labels,
        articles=[unicode_article, quiet, putin_article],
        spans=spans,
        relations=relations,
        users={"alice": annotator, "bob": bob, "rita": reviewer},
    )


def run(project, fmt, **filters):
    """Export into an in-memory file: ``(text or bytes, stats, chunk count)``."""
    _, _, chunks, stats = export_stream(project, fmt, **filters)
    out = io.BytesIO() if FORMATS[fmt].binary else io.StringIO()
    count = 0
    for chunk in chunks:
        out.write(chunk)
        count += 1
    return out.getvalue(), stats, count


def json_lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def read_conll(text: str):
    """CoNLL back into documents of sentences of ``(token, tag)``, and the trailer lines."""
    documents, trailer, sentence = [], [], []
    for line in text.split("\n")[:-1]:
        if line.startswith("# "):
            trailer.append(line)
        elif line == "-DOCSTART-\tO":
            documents.append([])
        elif line == "":
            if sentence:
                documents[-1].append(sentence)
            sentence = []
        else:
            token, tag = line.split("\t")
            sentence.append((token, tag))
    assert sentence == []
    return documents, trailer
