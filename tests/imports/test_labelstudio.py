"""Label Studio's JSON tasks (imports/labelstudio.py)."""

import json

from annotations.models import Article, Relation, Span

from ..corpus import run
from .helpers import do_import, spans_of


def test_labelstudio_export_imports_back_with_annotators_and_relations(
    corpus, corpus_target, manager
):
    exported, _, _ = run(corpus.project, "labelstudio")

    result = do_import(corpus_target, manager, "labelstudio", exported)

    assert (result.created, result.errors) == (3, [])
    assert spans_of(corpus_target) == spans_of(corpus.project)
    relation = Relation.objects.get(article__project=corpus_target)  # "based on" was dropped
    assert (relation.from_span.text, relation.to_span.text, relation.label.name) == (
        "such speculations are baseless",
        "Belarus' involvement remains unlikely",
        "Responds to",
    )
    note = Span.objects.get(project=corpus_target, probability=None, note__startswith="北京")
    assert note.note == "北京 note\nsecond line"


def test_labelstudio_task_from_label_studio_itself(target, manager):
    tasks = [
        {
            "id": 1,
            "data": {"text": "Peskov denied it.", "site": "TASS"},
            "annotations": [
                {
                    "completed_by": 3,
                    "result": [
                        {
                            "id": "a1",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {
                                "start": 7,
                                "end": 13,
                                "text": "denied",
                                "labels": ["Denial"],
                            },
                        }
                    ],
                }
            ],
            "predictions": [],
        },
        "not a task",
    ]

    result = do_import(target, manager, "labelstudio", json.dumps(tasks))

    assert result.errors == [{"line": 2, "error": "A task is a JSON object."}]
    assert not Article.objects.filter(project=target).exists()
    result = do_import(target, manager, "labelstudio", json.dumps(tasks[:1]))
    assert result.errors == []
    span = Span.objects.get(project=target)
    assert (span.text, span.label.name, span.annotator) == ("denied", "Denial", manager)
    assert span.article.metadata == {"site": "TASS"}
