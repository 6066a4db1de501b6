"""How good the suggestions are against a hand-checked test set: precision, recall and F1
per kind (tests/suggestions/test_quality.py, bench/suggestions_bench.py).

A suggestion counts when it overlaps an expected item of its kind not yet counted and agrees
with it: the same actor (``actor``, ``source``), the same step or level (``estimative``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Score:
    kind: str
    expected: int
    suggested: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Score") -> "Score":
        return Score(
            self.kind,
            self.expected + other.expected,
            self.suggested + other.suggested,
            self.matched + other.matched,
        )


def _agrees(kind: str, expected: Mapping[str, Any], suggestion: Mapping[str, Any]) -> bool:
    if not (suggestion["start"] < expected["end"] and expected["start"] < suggestion["end"]):
        return False
    if kind == "estimative":
        return (suggestion.get("probability"), suggestion.get("confidence")) == (
            expected.get("probability"),
            expected.get("confidence"),
        )
    return suggestion.get("actor") == expected.get("actor")


def score(
    kind: str, expected: Iterable[Mapping[str, Any]], suggestions: Iterable[Mapping[str, Any]]
) -> Score:
    """``expected`` and ``suggestions`` of one kind on one text: dicts with start, end and
    actor or probability/confidence."""
    expected = sorted(expected, key=lambda item: (item["start"], item["end"]))
    suggestions = sorted(suggestions, key=lambda item: (item["start"], item["end"]))
    counted = [False] * len(expected)
    matched = 0
    for suggestion in suggestions:
        for index, item in enumerate(expected):
            if not counted[index] and _agrees(kind, item, suggestion):
                counted[index] = True
                matched += 1
                break
    return Score(kind, len(expected), len(suggestions), matched)
