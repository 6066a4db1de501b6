"""How assessments move over time, and who assesses whom: pure functions over rows.

The selectors (``selectors/analytics.py``) count spans per period and probability step in
the database; these functions put periods, gaps and means around the counts.

``mean_probability`` of a set of spans is the mean of the ICD 203 steps' midpoints (in
percent) over its graded spans, ``None`` when none is graded.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from annotations.models import Probability

STEPS = tuple(Probability.values)
MIDPOINTS = dict(zip(STEPS, (3.0, 12.5, 32.5, 50.0, 67.5, 87.5, 97.0), strict=True))
INTERVALS = ("month", "week", "day")
MAX_PERIODS = 5000  # a series' periods, gaps included: 13 years of days, 95 of weeks


class TooManyPeriods(ValueError):
    """The spans' dates lie further apart than ``MAX_PERIODS`` periods of the interval (one
    article dated in year 1 would make a day's series 740,000 periods long)."""

    def __init__(self, first: datetime.date, last: datetime.date, interval: str):
        super().__init__(
            f"{first.isoformat()} to {last.isoformat()} is more than {MAX_PERIODS} periods of "
            f"a {interval}: choose a longer interval, or narrow the dates with published_after "
            "and published_before."
        )


def periods_between(first: datetime.date, last: datetime.date, interval: str) -> int:
    """How many periods from the one of ``first`` to the one of ``last``, both counted."""
    if interval == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if interval == "week" else 1) + 1


def period_start(day: datetime.date, interval: str) -> datetime.date:
    """The first day of the period (calendar month, ISO week from Monday, day) of ``day``."""
    if interval == "month":
        return day.replace(day=1)
    if interval == "week":
        return day - datetime.timedelta(days=day.weekday())
    return day


def next_period(start: datetime.date, interval: str) -> datetime.date:
    if interval == "month":
        return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start + datetime.timedelta(days=7 if interval == "week" else 1)


def mean_probability(counts: dict[str, int]) -> float | None:
    graded = sum(counts.get(step, 0) for step in STEPS)
    if not graded:
        return None
    total = sum(MIDPOINTS[step] * counts.get(step, 0) for step in STEPS)
    return round(total / graded, 4)


@dataclass
class Period:
    period: datetime.date
    count: int = 0
    probability: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))

    def as_dict(self) -> dict:
        return {
            "period": self.period.isoformat(),
            "count": self.count,
            "probability": dict(self.probability),
            "mean_probability": mean_probability(self.probability),
        }


def timeline(rows: Iterable[tuple[datetime.date, str | None, int]], interval: str) -> list[dict]:
    """The series from ``(day, probability or None, count)`` rows (any day in a period will
    do): a period a row, oldest first, the periods with no spans between the first and the
    last included with zeros; no rows, no periods. ``TooManyPeriods`` past ``MAX_PERIODS``."""
    periods: dict[datetime.date, Period] = {}
    for day, probability, count in rows:
        start = period_start(day, interval)
        period = periods.setdefault(start, Period(start))
        period.count += count
        if probability is not None:
            period.probability[probability] += count
    if not periods:
        return []
    series, start, last = [], min(periods), max(periods)
    if periods_between(start, last, interval) > MAX_PERIODS:
        raise TooManyPeriods(start, last, interval)
    while start <= last:
        series.append(periods.get(start, Period(start)).as_dict())
        start = next_period(start, interval)
    return series


def distribution(rows: Iterable[tuple[int, str, str | None, int]]) -> list[dict]:
    """Per actor, from ``(actor id, name, probability or None, count)`` rows: the spans, how
    many at each step, the ungraded, the mean; most spans first, then by name."""
    actors: dict[int, dict] = {}
    for actor_id, name, probability, count in rows:
        entry = actors.setdefault(
            actor_id,
            {"actor": actor_id, "name": name, "count": 0,
             "probability": dict.fromkeys(STEPS, 0), "ungraded": 0},
        )  # fmt: skip
        entry["count"] += count
        if probability is None:
            entry["ungraded"] += count
        else:
            entry["probability"][probability] += count
    for entry in actors.values():
        entry["mean_probability"] = mean_probability(entry["probability"])
    return sorted(actors.values(), key=lambda e: (-e["count"], e["name"].casefold(), e["actor"]))


def ranked(rows: Iterable[tuple[int, str, int]], limit: int) -> list[dict]:
    """``(actor id, name, count)`` rows as a ranked list: most first, ties by name; ``rank``
    is shared by equal counts (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[1].casefold(), r[0]))[:limit]
    results, rank, previous = [], 0, None
    for index, (actor_id, name, count) in enumerate(ordered, start=1):
        if count != previous:
            rank, previous = index, count
        results.append({"rank": rank, "actor": actor_id, "name": name, "count": count})
    return results


CSV_HEADER = ("period", "count", *STEPS, "mean_probability")


def timeline_csv_rows(series: list[dict]) -> Iterable[list]:
    """The timeline as CSV rows: the header, then a period a row (a null mean: empty)."""
    yield list(CSV_HEADER)
    for item in series:
        mean = item["mean_probability"]
        yield [
            item["period"],
            item["count"],
            *(item["probability"][step] for step in STEPS),
            "" if mean is None else mean,
        ]


def sources_csv_rows(results: list[dict]) -> Iterable[list]:
    """The distribution per source as CSV rows, the header first."""
    yield ["actor", "name", "count", *STEPS, "ungraded", "mean_probability"]
    for r in results:
        mean = r["mean_probability"]
        yield [
            r["actor"], r["name"], r["count"], *(r["probability"][s] for s in STEPS),
            r["ungraded"], "" if mean is None else mean,
        ]  # fmt: skip
