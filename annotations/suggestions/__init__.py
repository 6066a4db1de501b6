"""What Assay proposes before the analyst starts: actor mentions, estimative language and
attributed statements (the SPEC's "Suggestions"). Pure functions over a body and the
registry's matcher; the reads (the registry, the user's spans, dismissals) are
``selectors.suggestions``'s, the writes (dismissals) ``services.suggestions``'s.

- ``actors``: the registry's names in an Aho-Corasick automaton, one per registry version;
- ``annotations.estimative``: ICD 203 phrases, read across the whole article (``find_all``);
- ``attribution``: "X said …", "according to X, …": the speaker as the statement's source;
- ``labels``: the project's label a suggestion proposes;
- ``ml``: a project's own suggestion server (the ML backend protocol).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

from django.conf import settings

from .. import estimative
from .actors import ActorMatcher, Mention, registry_matcher
from .attribution import attributions
from .labels import LabelChooser
from .text import fold

KINDS = ("actor", "estimative", "source")
FIELDS = (
    "start", "end", "text", "kind", "actor", "role", "probability", "confidence", "label",
    "score",
)  # fmt: skip


class Suggestion(NamedTuple):
    """One suggestion, in the SPEC's shape. A tuple rather than a dataclass: a big article
    makes thousands at each fresh compute (a tuple is made several times faster), and tuples
    of plain values are left alone by the cyclic garbage collector once it has seen them
    (the suggestions that a process keeps cost its full collections nothing)."""

    start: int
    end: int
    text: str
    kind: str
    actor: int | None = None
    role: str | None = None
    probability: str | None = None
    confidence: str | None = None
    label: int | None = None
    score: float = 1.0

    def as_dict(self) -> dict:
        start, end, text, kind, actor, role, probability, confidence, label, score = self
        return {
            "start": start, "end": end, "text": text, "kind": kind, "actor": actor,
            "role": role, "probability": probability, "confidence": confidence,
            "label": label, "score": score,
        }  # fmt: skip

    @property
    def key(self) -> tuple[int, int, str]:
        """What a dismissal names: the offsets and the kind."""
        return self.start, self.end, self.kind


def order_key(suggestion: Suggestion):
    """By start, then end, kind (actor, estimative, source, others) and actor."""
    return (
        suggestion.start,
        suggestion.end,
        KINDS.index(suggestion.kind) if (suggestion.kind in KINDS) else len(KINDS),
        suggestion.actor or 0,
    )


def _str(choice) -> str | None:
    return None if choice is None else str(choice)


def suggest(body: str, *, matcher: ActorMatcher, labels: LabelChooser) -> list[Suggestion]:
    """Every suggestion for ``body``, ordered by start (then end, kind, actor)."""
    mentions = matcher.mentions(body, fold(body))
    found = []
    actor_label = labels.label("actor")
    scores = {}  # a mention's score, by how many actors share its name
    for start, end, actors in mentions:
        count = len(actors)
        if (score := scores.get(count)) is None:
            score = scores[count] = round(0.95 * (1.0 / count), 3)
        text = body[start:end]
        found.extend(
            [Suggestion(start, end, text, "actor", actor, "mentioned", None, None, actor_label,
                        score) for actor in actors]
        )  # fmt: skip
    estimative_label = labels.label("estimative")
    for phrase in estimative.find_all(body):
        found.append(
            Suggestion(
                phrase.start, phrase.end, body[phrase.start : phrase.end], "estimative",
                probability=_str(phrase.probability), confidence=_str(phrase.confidence),
                label=estimative_label, score=0.9,
            )
        )  # fmt: skip
    for said in attributions(body, mentions):
        found.append(
            Suggestion(
                said.start, said.end, body[said.start : said.end], "source", actor=said.actor,
                role="source", label=labels.label(said.verb_class), score=said.score,
            )
        )  # fmt: skip
    found.sort(key=order_key)
    return found


__all__ = [
    "FIELDS",
    "KINDS",
    "ActorMatcher",
    "LabelChooser",
    "Mention",
    "Suggestion",
    "cached",
    "forget_cached",
    "order_key",
    "registry_matcher",
    "suggest",
]


# --- an article's suggestions, kept per process while nothing they depend on changes --------

_articles: "OrderedDict[Hashable, list[Suggestion]]" = OrderedDict()
_articles_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], list[Suggestion]]) -> list[Suggestion]:
    """``compute()``'s suggestions, kept under ``key`` (an article's id, its body's sha256,
    the registry's version and the project's labels: everything ``suggest`` reads) for the
    next requests. ``SUGGESTIONS_CACHE_SIZE`` articles are kept (0: none)."""
    size = getattr(settings, "SUGGESTIONS_CACHE_SIZE", 32)
    if size <= 0:
        return compute()
    with _articles_lock:
        found = _articles.get(key)
        if found is not None:
            _articles.move_to_end(key)
            return found
    found = compute()
    with _articles_lock:
        _articles[key] = found
        while len(_articles) > size:
            _articles.popitem(last=False)
    return found


def forget_cached() -> None:
    with _articles_lock:
        _articles.clear()
