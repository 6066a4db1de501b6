"""doccano's and spaCy's JSONL (imports/doccano.py, imports/spacy.py)."""

import json

import pytest

from annotations.models import Article, Relation, Span

from ..corpus import run
from .helpers import do_import, spans_of


@pytest.mark.parametrize("fmt", ["doccano", "spacy"])
def test_doccano_and_spacy_exports_import_back(corpus, corpus_target, manager, fmt):
    exported, _, _ = run(corpus.project, fmt)

    result = do_import(corpus_target, manager, fmt, exported)

    assert (result.created, result.errors) == (3, [])
    imported = [(b, s, e, t, label) for b, s, e, t, label, _ in spans_of(corpus_target)]
    original = [(b, s, e, t, label) for b, s, e, t, label, _ in spans_of(corpus.project)]
    assert imported == original
    article = Article.objects.get(project=corpus_target, external_id="isw-1")
    assert (article.title, article.source, article.url) == (
        "Флаг 🇺🇦 and 北京",
        "ISW",
        "https://example.org/isw/1",
    )


def test_doccano_older_keys_and_entities(target, manager):
    lines = [
        {"data": "Old data key.", "labels": [[0, 3, "Claim"]], "Comments": []},
        {
            "id": 7,
            "text": "Entities and relations.",
            "entities": [
                {"id": 1, "label": "Claim", "start_offset": 0, "end_offset": 8},
                {"id": 2, "label": "Claim", "start_offset": 13, "end_offset": 22},
            ],
            "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "supports"}],
        },
    ]

    result = do_import(target, manager, "doccano", "\n".join(json.dumps(x) for x in lines))

    assert (result.created, result.spans, result.relations, result.errors) == (2, 3, 1, [])
    old = Article.objects.get(project=target, body="Old data key.")
    assert old.metadata == {"Comments": []}
    assert Span.objects.get(article=old).text == "Old"
    assert Relation.objects.get(article__project=target).label.name == "supports"
