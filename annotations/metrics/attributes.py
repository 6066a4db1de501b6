"""Agreement on the attributes of matched spans: pure functions over rows, no database.

Where two or more annotators made the same span (same article, start, end and label: an exact
match, a **place**), did they also grade it alike and link it to the same actors? For each
attribute, over every place:

- ``agreed``: the places where every annotator there gave the same value; no value (an
  ungraded span, a span without actors) is a value here, so "likely" against ungraded is a
  disagreement;
- ``alpha``: Krippendorff's α over the places, each annotator a coder. **probability** is
  ordinal on the ICD 203 scale and **confidence** ordinal on low < moderate < high (an ungraded
  span is missing data there); **actors** compares each annotator's set of (actor, role)
  links with the Jaccard distance (1 − |A ∩ B| / |A ∪ B|; two empty sets agree), the set-valued
  α of Passonneau (2006); null with nothing to compare or no variation, as for κ and α.

The α here is the general one: coincidences ``o_ck`` of the values paired within each place,
their marginals ``n_c``, and α = 1 − (n − 1) Σ o_ck·δ(c, k) / Σ n_c·n_k·δ(c, k). The ordinal
difference is (Σ_{g from c to k} n_g − (n_c + n_k) / 2)², as in the ``krippendorff`` package.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations

from annotations.models import Confidence, Probability

PROBABILITY_ORDER = tuple(Probability.values)
CONFIDENCE_ORDER = tuple(Confidence.values)

ATTRIBUTES_METHOD = (
    "**Attributes of matched spans** (`attributes`): a place is an article, start, end and "
    "label at which two or more annotators each have a span (an exact match). `agreed` counts "
    "the places where all of them gave the same value (no value is a value: likely against "
    "ungraded disagrees); `alpha` is Krippendorff's α over the places: `probability` ordinal "
    "on the ICD 203 scale, `confidence` ordinal (low < moderate < high), an ungraded span "
    "missing there; `actors` compares the sets of (actor, role) links with the Jaccard "
    "distance, two empty sets agreeing. Null with nothing to compare or no variation."
)


def nominal(_totals: Mapping) -> Callable[[Hashable, Hashable], float]:
    return lambda c, k: 0.0 if c == k else 1.0


def ordinal(order: Sequence[Hashable]) -> Callable[[Mapping], Callable]:
    """The ordinal difference over ``order`` (lowest first), from the values' marginals."""

    def difference(totals: Mapping) -> Callable[[Hashable, Hashable], float]:
        rank = {value: i for i, value in enumerate(order)}
        running, cumulative = 0.0, []
        for value in order:
            running += totals.get(value, 0)
            cumulative.append(running)

        def delta(c, k):
            a, b = sorted((rank[c], rank[k]))
            between = cumulative[b] - (cumulative[a - 1] if a else 0.0)
            return (between - (totals.get(c, 0) + totals.get(k, 0)) / 2) ** 2

        return delta

    return difference


def jaccard(_totals: Mapping) -> Callable[[frozenset, frozenset], float]:
    def delta(c: frozenset, k: frozenset) -> float:
        union = len(c | k)
        return 1 - len(c & k) / union if union else 0.0

    return delta


def krippendorff_alpha(
    units: Mapping[tuple, int] | Iterable[tuple], difference=nominal
) -> float | None:
    """Krippendorff's α of the units' values (``None`` = missing), given as ``{values of a
    unit: how many such units}`` or as a list of value tuples; ``difference`` makes the
    difference function from the marginals (``nominal``, ``ordinal(order)``, ``jaccard``).
    ``None`` with fewer than two pairable values or no variation."""
    if not isinstance(units, Mapping):
        units = Counter(units)
    coincidences: Counter = Counter()
    for values, multiplicity in units.items():
        present = [value for value in values if value is not None]
        m = len(present)
        if m < 2:
            continue
        for c, k in permutations(present, 2):
            coincidences[c, k] += multiplicity / (m - 1)
    totals: Counter = Counter()
    for (c, _), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    delta = difference(totals)
    observed = sum(weight * delta(c, k) for (c, k), weight in coincidences.items())
    expected = sum(totals[c] * totals[k] * delta(c, k) for c in totals for k in totals)
    if not expected:
        return None
    return 1 - (n - 1) * observed / expected


@dataclass(slots=True)
class AttributeScore:
    """One attribute's agreement over the places."""

    attribute: str
    level: str  # how alpha compares values: ordinal, jaccard
    places: int = 0
    agreed: int = 0
    alpha: float | None = None

    @property
    def percent(self) -> float | None:
        return self.agreed / self.places if self.places else None


# attribute, how its values compare, the difference function, the value's index in a row
ATTRIBUTES = (
    ("probability", "ordinal", ordinal(PROBABILITY_ORDER), 0),
    ("confidence", "ordinal", ordinal(CONFIDENCE_ORDER), 1),
    ("actors", "jaccard", jaccard, 2),
)


def attribute_scores(places: Iterable[Sequence[tuple]]) -> list[AttributeScore]:
    """``places``: each the rows ``(probability, confidence, actors)`` of the annotators'
    spans at one matched place (two or more rows; ``actors`` a frozenset of (actor id, role),
    the others a value or ``None``). One ``AttributeScore`` per attribute."""
    units: list[Counter] = [Counter() for _ in ATTRIBUTES]
    agreed = [0] * len(ATTRIBUTES)
    count = 0
    for rows in places:
        count += 1
        for i, (*_, index) in enumerate(ATTRIBUTES):
            values = tuple(row[index] for row in rows)
            units[i][values] += 1
            if len(set(values)) == 1:
                agreed[i] += 1
    return [
        AttributeScore(
            attribute=name,
            level=level,
            places=count,
            agreed=agreed[i],
            alpha=krippendorff_alpha(units[i], difference),
        )
        for i, (name, level, difference, _) in enumerate(ATTRIBUTES)
    ]
