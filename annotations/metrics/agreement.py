"""Inter-annotator agreement on spans: pure functions over rows, no database.

This is where the method is explained; everything else points here.

**Rows.** The input is a stream of ``(article_id, user_id, label_id, start, end)`` ordered
by article. A row with a ``None`` label is not a span: it only says that the user annotated
the article (a done mark, or a span of a label left out by a filter).

**The method** is ``METHOD`` below, written for the people who read the figures: the API's
documentation of ``projects/{id}/agreement/`` shows it as it is. In this module's terms, the
``spans`` basis is the default and ``basis=done`` is ``done_marks``: only the users with a
``None``-label row (those who marked the article done) are its annotators, and a span of a user
who did not mark the article done is left out.

**Counting.** One article at a time (memory holds one article's rows and one row of counts per
pair and label): a label's spans are sorted by start and swept; the spans still open when one
starts are exactly those that overlap it, and those among them with its start and end match
it exactly.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations, groupby
from operator import itemgetter

METHOD = (
    "The annotators are the users who annotated an article of the project; by default "
    "(`basis=spans`) a user *annotated* an article when they have at least one span on it, of "
    "any label; with `basis=done`, when they marked it done (so that finding nothing to tag "
    "counts too). Each pair of annotators (`annotator_a` alphabetically before `annotator_b`) "
    "is compared over the articles both annotated, and only those (`articles`): an article only "
    "one of them annotated says nothing about agreement. Every span counts, whatever its review "
    "status.\n\n"
    "**Exact match**: a span of each with the same article, `start`, `end` (code points) and "
    "label; `matches` counts them (one to one: an annotator has at most one span per article, "
    "start, end and label), `only_a` and `only_b` the spans left unmatched, and `f1` = "
    "2·matches / (spans_a + spans_b), the F1 of either annotator scored against the other "
    "(precision and recall swap, F1 does not).\n\n"
    "**Relaxed match**: a span is found when the other annotator has one with the same label "
    "sharing at least one code point (touching ends do not); `overlapping_a` and "
    "`overlapping_b` count the spans found, `relaxed_f1` is the harmonic mean of "
    "overlapping_a / spans_a and overlapping_b / spans_b (not one to one: one long span may "
    "find two short ones).\n\n"
    "Each pair has its figures summed over labels and per label (the labels either of them "
    "used on those articles). `labels` pools each label over every pair (2·Σmatches / Σspans), "
    "the top-level `matches`, `spans` and `f1` pool everything (micro-average). An F1 is null "
    "when there is no span to compare, never a division by zero."
)


@dataclass(slots=True)
class AgreementCounts:
    """One pair's counts (see the module docstring): spans, exact matches, spans found."""

    spans_a: int = 0
    spans_b: int = 0
    matches: int = 0
    overlapping_a: int = 0
    overlapping_b: int = 0

    @property
    def only_a(self) -> int:
        return self.spans_a - self.matches

    @property
    def only_b(self) -> int:
        return self.spans_b - self.matches

    @property
    def f1(self) -> float | None:
        total = self.spans_a + self.spans_b
        return 2 * self.matches / total if total else None

    @property
    def relaxed_f1(self) -> float | None:
        if not self.spans_a + self.spans_b:
            return None
        denominator = self.overlapping_a * self.spans_b + self.overlapping_b * self.spans_a
        return 2 * self.overlapping_a * self.overlapping_b / denominator if denominator else 0.0

    def add(self, other: "AgreementCounts") -> None:
        self.spans_a += other.spans_a
        self.spans_b += other.spans_b
        self.matches += other.matches
        self.overlapping_a += other.overlapping_a
        self.overlapping_b += other.overlapping_b


@dataclass(slots=True)
class LabelAgreement(AgreementCounts):
    """A pair's counts restricted to one label."""

    label: int = 0
    name: str = ""


@dataclass(slots=True)
class PairAgreement(AgreementCounts):
    """A pair's counts over all their labels (sums of ``labels``), and per label."""

    annotator_a: str = ""
    annotator_b: str = ""
    articles: int = 0
    labels: list[LabelAgreement] = field(default_factory=list)
    kappa: float | None = None  # Cohen's κ on tokens (metrics.reliability)


@dataclass(slots=True)
class LabelPooled:
    """One label over every pair: ``spans`` sums spans_a + spans_b, ``f1`` = 2·matches / spans."""

    label: int
    name: str
    pairs: int = 0
    matches: int = 0
    spans: int = 0

    @property
    def f1(self) -> float | None:
        return 2 * self.matches / self.spans if self.spans else None


@dataclass(slots=True)
class ProjectAgreement:
    basis: str
    label: int | None
    article: int | None
    annotators: list[str]
    pairs: list[PairAgreement]
    labels: list[LabelPooled]
    alpha: float | None = None  # Krippendorff's α on tokens (metrics.reliability)
    gold: list = field(default_factory=list)  # metrics.reliability.GoldScore, per annotator
    attributes: list = field(default_factory=list)  # metrics.attributes.AttributeScore

    @property
    def matches(self) -> int:
        return sum(pair.matches for pair in self.pairs)

    @property
    def spans(self) -> int:
        return sum(pair.spans_a + pair.spans_b for pair in self.pairs)

    @property
    def f1(self) -> float | None:
        """Pooled over every pair and label (micro-average)."""
        spans = self.spans
        return 2 * self.matches / spans if spans else None


class Tally:
    """The counts keyed by annotator ids (``a`` < ``b`` as ids; ``figures`` orders them by
    username): ``counts[a, b, label]`` is ``[spans_a, spans_b, matches, overlapping_a,
    overlapping_b]``, ``articles[a, b]`` the articles both annotated."""

    def __init__(self):
        self.annotators: set[int] = set()
        self.seen: set[int] = set()  # article ids counted (by the selector)
        self.articles: Counter = Counter()  # (a, b) -> articles both annotated
        self.counts: dict[tuple[int, int, int], list[int]] = {}  # (a, b, label) -> 5 counts

    def _row(self, a, b, label_id):
        row = self.counts.get((a, b, label_id))
        if row is None:
            row = self.counts[a, b, label_id] = [0, 0, 0, 0, 0]
        return row

    def add_article(self, rows: list[tuple], *, done_marks: bool = False) -> None:
        """Count one article's rows (``user_id, label_id, start, end``)."""
        if done_marks:
            cover = {user for user, label_id, _, _ in rows if label_id is None}
        else:
            cover = {user for user, _, _, _ in rows}
        self.annotators |= cover
        if len(cover) < 2:
            return
        pairs = list(combinations(sorted(cover), 2))
        self.articles.update(pairs)
        by_label: dict[int, list[tuple[int, int, int]]] = {}
        for user, label_id, start, end in rows:
            if label_id is not None and user in cover:
                by_label.setdefault(label_id, []).append((start, end, user))
        for label_id, spans in by_label.items():
            self._add_label(label_id, spans, pairs)

    def _add_label(self, label_id, spans, pairs) -> None:
        """Count one article's spans of one label, ``(start, end, user)`` triples."""
        per_user = Counter(user for _, _, user in spans)
        for a, b in pairs:
            if a in per_user or b in per_user:
                row = self._row(a, b, label_id)
                row[0] += per_user[a]
                row[1] += per_user[b]
        spans.sort()
        found: list[set[int] | None] = [None] * len(spans)  # who has a span overlapping it
        active: list[tuple[int, int, int, int]] = []  # (end, start, user, index), open spans
        for index, (start, end, user) in enumerate(spans):
            if active:
                active = [item for item in active if item[0] > start]
            for other_end, other_start, other, other_index in active:
                if other == user:
                    continue
                for i, who in ((index, other), (other_index, user)):
                    if found[i] is None:
                        found[i] = set()
                    found[i].add(who)
                if other_start == start and other_end == end:
                    self._row(*sorted((user, other)), label_id)[2] += 1
            active.append((end, start, user, index))
        for (_, _, user), others in zip(spans, found, strict=True):
            for other in others or ():
                a, b = sorted((user, other))
                self._row(a, b, label_id)[3 if user == a else 4] += 1


def tally(rows: Iterable[tuple], *, done_marks: bool = False) -> Tally:
    """The counts of ``(article_id, user_id, label_id, start, end)`` rows ordered by article."""
    counts = Tally()
    for _, article_rows in groupby(rows, key=itemgetter(0)):
        counts.add_article([row[1:] for row in article_rows], done_marks=done_marks)
    return counts


def figures(
    counts: Tally,
    *,
    usernames: dict[int, str],
    label_names: dict[int, str],
    basis: str,
    label: int | None = None,
    article: int | None = None,
) -> ProjectAgreement:
    """The figures of a tally: ``usernames`` names every annotator id of it, ``label_names``
    every label id (in the order the labels are answered in); ``basis``, ``label`` and
    ``article`` say what was counted and are handed back as they are."""
    label_order = {pk: index for index, pk in enumerate(label_names)}
    # Pairs come keyed by ids; they are answered in alphabetical order of the usernames.
    pairs: dict[tuple[int, int], PairAgreement] = {}
    for (a, b), n in counts.articles.items():
        if usernames[a] > usernames[b]:
            a, b = b, a
        pairs[a, b] = PairAgreement(annotator_a=usernames[a], annotator_b=usernames[b], articles=n)
    pooled = {pk: LabelPooled(label=pk, name=name) for pk, name in label_names.items()}
    for (a, b, label_id), (spans_a, spans_b, matches, near_a, near_b) in counts.counts.items():
        if usernames[a] > usernames[b]:
            a, b, spans_a, spans_b, near_a, near_b = b, a, spans_b, spans_a, near_b, near_a
        row = LabelAgreement(
            spans_a, spans_b, matches, near_a, near_b, label=label_id, name=label_names[label_id]
        )
        pair = pairs[a, b]
        pair.labels.append(row)
        pair.add(row)
        total = pooled[label_id]
        total.pairs += 1
        total.matches += matches
        total.spans += spans_a + spans_b
    for pair in pairs.values():
        pair.labels.sort(key=lambda row: label_order[row.label])
    return ProjectAgreement(
        basis=basis,
        label=label,
        article=article,
        annotators=sorted(usernames[pk] for pk in counts.annotators),
        pairs=sorted(pairs.values(), key=lambda p: (p.annotator_a, p.annotator_b)),
        labels=[total for total in pooled.values() if total.pairs],
    )
