"""The analytics page's charts as geometry for server-rendered SVG: pure functions from the
figures of ``metrics/analytics.py`` to rectangles, points and ticks. The templates draw them;
colours come from CSS classes (``.step-0`` … ``.step-6``, ``.step-none``), never inline."""

import datetime
import math

from annotations.metrics.analytics import STEPS
from annotations.models import Probability

STEP_LABELS = dict(Probability.choices)
WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 720, 260, 44, 44, 12, 40
LABEL_W = 80  # an ISO date's width on the time axis, and a gap


def _nice_step(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 25, 50, ... that four steps reach ``value`` with."""
    scale = 1
    while True:
        for nice in (1, 2, 2.5, 5):
            step = nice * scale
            if step == int(step) and 4 * step >= value:
                return int(step)
        scale *= 10


def _period_label(period: str, interval: str) -> str:
    """A period's label on the axis: a month by its name ("Dec 2022"), a week or a day by
    its first date, as the table lists it."""
    if interval == "month":
        return datetime.date.fromisoformat(period).strftime("%b %Y")
    return period


def timeline_chart(series: list[dict], interval: str = "month") -> dict:
    """Bars of the counts per period (left axis) and the mean probability as a line of
    points (right axis, 0–100 %)."""
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    top = 4 * _nice_step(max((p["count"] for p in series), default=0) or 1)
    n = max(len(series), 1)
    slot = plot_w / n
    bars, points, labels, lines, run = [], [], [], [], []
    every = math.ceil(n * LABEL_W / plot_w)  # a date label every LABEL_W units at least
    for i, p in enumerate(series):
        h = plot_h * p["count"] / top
        x = PAD_LEFT + i * slot
        bars.append({"x": round(x + slot * 0.1, 2), "y": round(PAD_TOP + plot_h - h, 2),
                     "w": round(max(slot * 0.8, 0.5), 2), "h": round(h, 2),
                     "title": f"{p['period']}: {p['count']}"})  # fmt: skip
        if p["mean_probability"] is not None:
            y = PAD_TOP + plot_h * (1 - p["mean_probability"] / 100)
            points.append((round(x + slot / 2, 2), round(y, 2)))
            run.append(points[-1])
        else:  # no graded span: the line breaks here rather than bridge the gap
            lines.append(run)
            run = []
        if i % every == 0:
            labels.append(
                {"x": round(x + slot / 2, 2), "text": _period_label(p["period"], interval)}
            )
    lines.append(run)
    ticks = [
        {"y": round(PAD_TOP + plot_h * (1 - f), 2), "count": round(top * f), "pct": round(100 * f)}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": WIDTH, "height": HEIGHT, "bars": bars, "ticks": ticks, "labels": labels,
        "lines": [" ".join(f"{x},{y}" for x, y in line) for line in lines if len(line) > 1],
        "points": points,
        "left": PAD_LEFT, "right": WIDTH - PAD_RIGHT, "bottom": PAD_TOP + plot_h,
        "label_y": PAD_TOP + plot_h + 16,
    }  # fmt: skip


def distribution_chart(rows: list[dict], limit: int = 15) -> dict:
    """A horizontal bar per source, its spans stacked by step (then the ungraded), each bar
    as long as its share of the spans: so the steps compare across sources."""
    rows = rows[:limit]
    row_h, label_w, plot_w = 26, 170, WIDTH - 170 - 60
    bars = []
    for i, row in enumerate(rows):
        x, y, segments = label_w, 8 + i * row_h, []
        total = row["count"] or 1
        parts = [(f"step-{k}", STEP_LABELS[s], row["probability"][s]) for k, s in enumerate(STEPS)]
        parts.append(("step-none", "Not graded", row["ungraded"]))
        for css, name, count in parts:
            if not count:
                continue
            w = plot_w * count / total
            segments.append({"x": round(x, 2), "w": round(w, 2), "css": css,
                             "title": f"{row['name']}: {name} {count}"})  # fmt: skip
            x += w
        bars.append({"y": y, "h": row_h - 8, "name": row["name"], "count": row["count"],
                     "segments": segments, "text_y": y + row_h / 2})  # fmt: skip
    return {"width": WIDTH, "height": 16 + len(rows) * row_h, "bars": bars,
            "label_w": label_w, "end": label_w + plot_w + 6}  # fmt: skip


def ranked_chart(rows: list[dict]) -> dict:
    """A horizontal bar per actor, as long as its count against the first."""
    row_h, label_w, plot_w = 24, 200, WIDTH - 200 - 70
    top = max((r["count"] for r in rows), default=1) or 1
    bars = [
        {"y": 6 + i * row_h, "h": row_h - 8, "w": round(plot_w * r["count"] / top, 2),
         "name": r["name"], "count": r["count"], "rank": r["rank"],
         "text_y": 6 + i * row_h + row_h / 2,
         "count_x": round(label_w + plot_w * r["count"] / top + 6, 2)}
        for i, r in enumerate(rows)
    ]  # fmt: skip
    return {"width": WIDTH, "height": 12 + len(rows) * row_h, "bars": bars, "label_w": label_w}


def legend() -> list[dict]:
    steps = [{"css": f"step-{k}", "name": STEP_LABELS[s]} for k, s in enumerate(STEPS)]
    return [*steps, {"css": "step-none", "name": "Not graded"}]


def step_counts(rows: list[dict]) -> list[dict]:
    """Rows (periods or sources) with their counts in the scale's order, for the tables."""
    return [{**row, "steps": [row["probability"][s] for s in STEPS]} for row in rows]


# The agreement page: κ between each pair as a matrix, exact F1 per label as bars.
# Landis and Koch's (1977) words for κ, by upper bound; colours from .kappa-0 … .kappa-5.
KAPPA_BANDS = (
    (0.0, "poor"),
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (float("inf"), "almost perfect"),
)


def kappa_band(value: float | None) -> dict:
    """The band of a κ (or α): its CSS class and its word; ``kappa-none`` when undefined."""
    if value is None:
        return {"css": "kappa-none", "name": "nothing to compare"}
    for i, (upper, name) in enumerate(KAPPA_BANDS):
        if value <= upper:
            return {"css": f"kappa-{i}", "name": name}
    raise AssertionError("unreachable: the last band has no upper bound")


def kappa_legend() -> list[dict]:
    return [{"css": f"kappa-{i}", "name": name} for i, (_, name) in enumerate(KAPPA_BANDS)]


def pair_matrix(pairs) -> dict:
    """Every annotator against every other: a row per annotator, a cell per other annotator
    with the pair's κ and exact F1 (the diagonal empty), for a table coloured by band."""
    names = sorted({p.annotator_a for p in pairs} | {p.annotator_b for p in pairs})
    by_pair = {}
    for p in pairs:
        by_pair[p.annotator_a, p.annotator_b] = by_pair[p.annotator_b, p.annotator_a] = p
    rows = []
    for a in names:
        cells = []
        for b in names:
            pair = by_pair.get((a, b))
            if a == b or pair is None:
                cells.append(None)
                continue
            cells.append({"kappa": pair.kappa, "f1": pair.f1, "articles": pair.articles,
                          **kappa_band(pair.kappa)})  # fmt: skip
        rows.append({"name": a, "cells": cells})
    return {"names": names, "rows": rows}


def f1_bars(labels) -> dict:
    """A horizontal bar per label, as long as its exact F1 (0–100 %)."""
    row_h, label_w, plot_w = 24, 170, WIDTH - 170 - 70
    bars = []
    for i, label in enumerate(labels):
        w = plot_w * (label.f1 or 0)
        y = 6 + i * row_h
        bars.append({"y": y, "h": row_h - 8, "w": round(w, 2), "name": label.name,
                     "f1": label.f1, "text_y": y + row_h / 2,
                     "value_x": round(label_w + w + 6, 2)})  # fmt: skip
    ticks = [{"x": round(label_w + plot_w * f, 2), "pct": round(100 * f)} for f in (0, 0.5, 1)]
    height = 12 + len(bars) * row_h
    return {"width": WIDTH, "height": height + 16, "bars": bars, "label_w": label_w,
            "ticks": ticks, "axis_y": height, "tick_y": height + 12}  # fmt: skip
