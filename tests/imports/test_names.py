"""Names in a file (imports/names.py): labels and actors matched by name or created."""

import json

from annotations.models import Actor, Label, Relation, Span

from .helpers import do_import


def test_labels_and_actors_are_matched_by_name_or_created(target, manager):
    claim = Label.objects.create(project=target, name="Threat rhetoric")
    putin = Actor.objects.create(name="Vladimir Putin", kind="person", wikidata_id="Q7747")
    data = json.dumps(
        {
            "body": "Putin threatened Peskov.",
            "spans": [
                {
                    "start": 0,
                    "end": 5,
                    "label": "threat_RHETORIC",
                    "actors": [
                        {"name": "Путин", "wikidata_id": "Q7747", "role": "source"},
                        {"name": "Dmitry Peskov", "kind": "person", "role": "target"},
                    ],
                },
                {"start": 17, "end": 23, "label": "Person"},
            ],
            "relations": [{"from": 0, "to": 1, "label": "targets"}],
        }
    )

    result = do_import(target, manager, "jsonl", data)

    assert result.errors == []
    first, second = Span.objects.filter(project=target).order_by("start")
    assert first.label == claim
    assert [(a.actor, a.role) for a in first.span_actors.order_by("pk")] == [
        (putin, "source"),
        (Actor.objects.get(name="Dmitry Peskov"), "target"),
    ]
    assert second.label.name == "Person" and second.label.kind == "span"
    relation = Relation.objects.get(article__project=target)
    assert (relation.label.name, relation.label.kind) == ("targets", "relation")
    assert relation.annotator == manager == first.annotator
