"""The analytics figures from rows: periods, gaps, midpoints, distributions, ranks."""

import datetime

from annotations.metrics.analytics import (
    distribution,
    mean_probability,
    period_start,
    ranked,
    timeline,
    timeline_csv_rows,
)

D = datetime.date


def test_period_start():
    assert period_start(D(2026, 6, 17), "month") == D(2026, 6, 1)
    assert period_start(D(2026, 6, 17), "week") == D(2026, 6, 15)  # a Monday
    assert period_start(D(2026, 6, 15), "week") == D(2026, 6, 15)
    assert period_start(D(2026, 6, 17), "day") == D(2026, 6, 17)


def test_mean_of_the_midpoints():
    assert mean_probability({"unlikely": 1, "likely": 1}) == 50.0
    assert mean_probability({"almost_no_chance": 1}) == 3.0
    assert mean_probability({"almost_certain": 2, "very_unlikely": 1}) == round(206.5 / 3, 4)
    assert mean_probability({}) is None


def test_timeline_fills_the_gaps_with_zeros():
    rows = [(D(2026, 1, 20), "likely", 2), (D(2026, 1, 3), None, 1), (D(2026, 4, 1), None, 1)]
    series = timeline(rows, "month")
    assert [p["period"] for p in series] == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    assert [p["count"] for p in series] == [3, 0, 0, 1]
    assert series[0]["probability"]["likely"] == 2
    assert series[0]["mean_probability"] == 67.5
    assert series[1]["mean_probability"] is None
    assert series[3]["mean_probability"] is None


def test_timeline_across_a_year_and_by_week():
    rows = [(D(2025, 12, 31), "unlikely", 1), (D(2026, 1, 12), "unlikely", 1)]
    assert [p["period"] for p in timeline(rows, "month")] == ["2025-12-01", "2026-01-01"]
    weeks = [p["period"] for p in timeline(rows, "week")]
    assert weeks == ["2025-12-29", "2026-01-05", "2026-01-12"]
    assert timeline([], "day") == []


def test_distribution_and_ranks():
    rows = [(1, "ISW", "likely", 2), (1, "ISW", None, 1), (2, "Peskov", "unlikely", 3)]
    isw, peskov = distribution(rows)
    assert (isw["name"], isw["count"], isw["ungraded"]) == ("ISW", 3, 1)
    assert isw["mean_probability"] == 67.5 and peskov["mean_probability"] == 32.5
    assert ranked([(1, "b", 2), (2, "a", 2), (3, "c", 5), (4, "d", 1)], 3) == [
        {"rank": 1, "actor": 3, "name": "c", "count": 5},
        {"rank": 2, "actor": 2, "name": "a", "count": 2},
        {"rank": 2, "actor": 1, "name": "b", "count": 2},
    ]


def test_csv_rows():
    rows = list(timeline_csv_rows(timeline([(D(2026, 1, 1), "likely", 1)], "day")))
    assert rows[0][:2] == ["period", "count"] and rows[0][-1] == "mean_probability"
    assert rows[1] == ["2026-01-01", 1, 0, 0, 0, 0, 1, 0, 0, 67.5]
