"""What every export format shares: the stats a stream fills in, and label names as tags."""

import json
import re
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")

# What ``json.dumps(value, ensure_ascii=False)`` gives, without building an encoder a call
# (``dumps`` does, for any non-default option); the records are trees, never cycles.
encode_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


@dataclass
class ExportStats:
    """Filled in while an export streams; read it once the stream is exhausted.

    ``articles``, ``spans`` and ``relations`` count what the selector handed over (formats
    without relations, such as doccano, spaCy, CoNLL and CSV, leave them out by design); the
    other counters say what a format could not hold (each format's module documents its
    rule), so that nothing is ever left out silently.
    """

    articles: int = 0
    spans: int = 0
    relations: int = 0
    dropped_overlapping: int = 0
    dropped_no_token: int = 0
    widened_to_tokens: int = 0
    dropped_spans: int = 0
    dropped_relations: int = 0

    @property
    def dropped(self) -> int:
        return self.dropped_overlapping + self.dropped_no_token + self.dropped_spans

    def summary(self) -> str:
        parts = [f"{self.articles} articles, {self.spans} spans, {self.relations} relations"]
        for name in (
            "dropped_overlapping",
            "dropped_no_token",
            "widened_to_tokens",
            "dropped_spans",
            "dropped_relations",
        ):
            if value := getattr(self, name):
                parts.append(f"{name.replace('_', ' ')}: {value}")
        return "; ".join(parts)


def tag_name(name: str) -> str:
    """A label's name as one token: whitespace becomes ``_`` (brat types, CoNLL tags)."""
    return _WHITESPACE.sub("_", name.strip())
