"""The suggestions against the hand-checked test set (tests/data/suggestions/): actor
mentions F1 >= 0.95, estimative language F1 >= 0.90 (a suggestion counts when its offsets
overlap the expected phrase and its actor or step is right). bench/suggestions_bench.py
prints the same figures."""

import json
from pathlib import Path

import pytest

from annotations.metrics.suggestions import Score, score
from annotations.suggestions import ActorMatcher, LabelChooser, suggest

DATA = Path(__file__).resolve().parents[1] / "data" / "suggestions"
TARGETS = {"actor": 0.95, "estimative": 0.90}


def load_test_set():
    """The registry as (id, name) pairs with names by id, and each article's body and
    expected items, their actors as ids."""
    registry = json.loads((DATA / "registry.json").read_text(encoding="utf-8"))
    ids = {actor["name"]: index for index, actor in enumerate(registry, 1)}
    names = [(ids[a["name"]], n) for a in registry for n in [a["name"], *a["aliases"]]]
    articles = {}
    for path in sorted(DATA.glob("*.json")):
        if path.name == "registry.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for items in data["expected"].values():
            for item in items:
                if "actor" in item:
                    item["actor"] = ids[item["actor"]]
        articles[path.stem] = data
    return names, articles


def quality() -> dict[str, Score]:
    names, articles = load_test_set()
    matcher = ActorMatcher(names)
    totals = {}
    for data in articles.values():
        found = [s.as_dict() for s in suggest(data["body"], matcher=matcher,
                                              labels=LabelChooser([]))]  # fmt: skip
        for kind, expected in data["expected"].items():
            result = score(kind, expected, [s for s in found if s["kind"] == kind])
            totals[kind] = totals[kind].add(result) if kind in totals else result
    return totals


def test_the_json_is_what_the_markup_says():
    from tests.data.suggestions.build import build

    for name, data in build().items():
        assert json.loads((DATA / f"{name}.json").read_text(encoding="utf-8")) == data


def test_the_test_set_is_big_enough():
    _, articles = load_test_set()
    assert len(articles) >= 3
    for data in articles.values():
        assert len(data["body"].split()) >= 250
        assert all(data["body"][i["start"] : i["end"]] == i["text"]
                   for items in data["expected"].values() for i in items)  # fmt: skip


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_f1_meets_the_target(kind):
    result = quality()[kind]
    assert result.f1 >= TARGETS[kind], (
        f"{kind}: P {result.precision:.3f} R {result.recall:.3f} F1 {result.f1:.3f}"
    )
