"""Chance-corrected agreement on tokens (Cohen's κ, Krippendorff's α) and F1 against gold:
pure functions over rows, no database.

The SPEC's "Agreement, exactly", which ``RELIABILITY_METHOD`` says for the API's readers:

- an article's **tokens** are ``re.findall(r"\\w+|[^\\w\\s]", body)`` on the code-point body;
- a token's **category** for an annotator is the label id of that annotator's non-gold span
  covering the token's first character (the longest if several, then the earliest start, then
  the lowest id), or ``None``; with a label filter only that label's spans count;
- **κ** per pair over the tokens of the articles both annotated (scikit-learn's
  ``cohen_kappa_score`` on the same two sequences gives the same figure);
- **α** nominal over the tokens of every article two or more annotators annotated, ``None``
  a category, an annotator who did not annotate an article missing there (the
  ``krippendorff`` package's ``alpha(..., level_of_measurement="nominal")``);
- a figure with nothing to compare or no variation at all is ``None``.

Counting: an article's categories are filled span by span, lowest priority first, each a
slice of the token list found by bisection, so a span costs its tokens once. κ needs only each
pair's confusion counts and α only the coincidence sums, so the tokens of an article are
counted (``Counter`` over ``zip``) and dropped.
"""

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

TOKEN = re.compile(r"\w+|[^\w\s]")

RELIABILITY_METHOD = (
    "**Tokens and categories** (for `kappa` and `alpha`): an article's tokens are "
    '`re.findall(r"\\w+|[^\\w\\s]", body)` (Python, code points); a token\'s category for an '
    "annotator is the label id of their non-gold span covering the token's first character "
    "(the longest if several, then the earliest start, then the lowest id), or null. "
    "`kappa` (per pair) is Cohen's κ over the tokens of the articles both annotated; `alpha` "
    "is Krippendorff's α, nominal, over the tokens of every article two or more annotators "
    "annotated, null a category and an annotator who did not annotate an article missing "
    "there. `label` narrows both to one label (that label or null). A figure with nothing to "
    "compare or no variation at all is null. Gold spans never count as an annotator's work; "
    "`gold` scores each annotator's spans against them (exact F1: same start, end and label) "
    "over the articles that have gold spans and spans of theirs."
)


def token_starts(body: str) -> list[int]:
    """Where each token of ``body`` starts (code points)."""
    return list(map(_START, TOKEN.finditer(body)))


_START = re.Match.start


def categories(starts: list[int], spans: Iterable[tuple[int, int, int, int]]) -> list:
    """Each token's category from one annotator's ``(start, end, label, id)`` spans."""
    found: list = [None] * len(starts)
    # Lowest priority first, so that the span that wins a token writes it last.
    for start, end, label, _ in sorted(spans, key=lambda s: (s[1] - s[0], -s[0], -s[3])):
        first, stop = bisect_left(starts, start), bisect_left(starts, end)
        if first < stop:
            found[first:stop] = [label] * (stop - first)
    return found


def cohen_kappa(confusion: Mapping[tuple, int]) -> float | None:
    """Cohen's κ of ``{(category_a, category_b): tokens}``; ``None`` with no token or no
    variation (expected agreement 1)."""
    n = sum(confusion.values())
    if not n:
        return None
    rows, columns, agreed = Counter(), Counter(), 0
    for (a, b), count in confusion.items():
        rows[a] += count
        columns[b] += count
        if a == b:
            agreed += count
    chance = sum(count * columns[category] for category, count in rows.items())
    if n * n == chance:
        return None
    return (n * agreed - chance) / (n * n - chance)


def krippendorff_alpha_nominal(units: Mapping[tuple, int]) -> float | None:
    """Krippendorff's α, nominal, of ``{values of a unit (the coders present): units}``;
    ``None`` with no pairable value or no variation."""
    n = 0.0
    same = 0.0  # Σ_c o_cc
    totals: Counter = Counter()  # n_c
    for values, multiplicity in units.items():
        m = len(values)
        if m < 2:
            continue
        for category, count in Counter(values).items():
            same += multiplicity * count * (count - 1) / (m - 1)
            totals[category] += multiplicity * count
        n += multiplicity * m
    expected = n * n - sum(count * count for count in totals.values())
    if not n or not expected:
        return None
    return 1 - (n - 1) * (n - same) / expected


@dataclass(slots=True)
class Reliability:
    """The counts κ and α are computed from: per pair of annotator ids (``a < b``) the
    confusion of their categories, and α's units."""

    confusion: dict[tuple[int, int], Counter] = field(default_factory=dict)
    tokens: Counter = field(default_factory=Counter)  # (a, b) -> tokens compared
    units: Counter = field(default_factory=Counter)

    def add_article(self, body: str, spans: Mapping[int, list[tuple[int, int, int, int]]]) -> None:
        """One article: its body and each of its annotators' spans ``(start, end, label,
        id)`` (an annotator with no span of the label compared has an empty list)."""
        if len(spans) < 2:
            return
        starts = token_starts(body)
        users = sorted(spans)
        found = {user: categories(starts, spans[user]) for user in users}
        for a, b in combinations(users, 2):
            self.confusion.setdefault((a, b), Counter()).update(
                zip(found[a], found[b], strict=True)
            )
            self.tokens[a, b] += len(starts)
        self.units.update(zip(*(found[user] for user in users), strict=True))

    def kappa(self, a: int, b: int) -> float | None:
        return cohen_kappa(self.confusion.get((min(a, b), max(a, b)), {}))

    def alpha(self) -> float | None:
        return krippendorff_alpha_nominal(self.units)


@dataclass(slots=True)
class GoldScore:
    """One annotator against the gold spans, over the articles with both."""

    annotator: str
    articles: int = 0
    spans: int = 0
    gold_spans: int = 0
    matches: int = 0

    @property
    def f1(self) -> float | None:
        total = self.spans + self.gold_spans
        return 2 * self.matches / total if total else None


class GoldTally:
    """Each annotator against the gold spans, one article at a time: only articles with gold
    spans and spans of the annotator count."""

    def __init__(self):
        self._scores: dict[int, list[int]] = {}  # user -> [articles, spans, gold, matches]

    @property
    def annotators(self) -> set[int]:
        return set(self._scores)

    def add_article(
        self, spans: Mapping[int, set[tuple[int, int, int]]], gold: set[tuple[int, int, int]]
    ) -> None:
        """``spans[user]`` and ``gold``: sets of ``(start, end, label)`` (a user listed has
        spans on the article, perhaps none of a label compared)."""
        for user, places in spans.items():
            score = self._scores.setdefault(user, [0, 0, 0, 0])
            score[0] += 1
            score[1] += len(places)
            score[2] += len(gold)
            score[3] += len(places & gold)

    def scores(self, usernames: Mapping[int, str]) -> list[GoldScore]:
        return sorted(
            (GoldScore(usernames[user], *counts) for user, counts in self._scores.items()),
            key=lambda score: score.annotator,
        )


def gold_scores(
    spans: Mapping[int, Mapping[int, set[tuple[int, int, int]]]],
    gold: Mapping[int, set[tuple[int, int, int]]],
    usernames: Mapping[int, str],
) -> list[GoldScore]:
    """``GoldTally`` over whole dicts: ``spans[article][user]`` and ``gold[article]`` (the
    articles with gold spans) are sets of ``(start, end, label)``. Sorted by username."""
    tally = GoldTally()
    for article, by_user in spans.items():
        if article in gold:
            tally.add_article(by_user, gold[article])
    return tally.scores(usernames)
