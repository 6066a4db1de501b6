"""What a bulk create of spans costs: ``span_bulk_create`` and the two page actions made of it
(``suggestions_accept``, ``span_label_all``), for 100, 1,000 and 5,000 spans, on PostgreSQL.

    .venv/bin/python bench/bulk_create_bench.py [--sizes 100 1000 5000] [--runs 3]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_bulkcreate) must name a
scratch database; it is created and migrated here. In-process, as the project's annotator,
over one article in which “Kremlin” occurs at each place a span is made:

  span_bulk_create     the list of items as the API's bulk create passes them (ids)
  suggestions_accept   as many ``Suggestion``s as the annotate page's "accept all" passes
  span_label_all       every occurrence of the phrase, as the page's "label all" asks

each without actors and with two (a source and a subject) per span. Each run is rolled back
(the next one finds the article as it was); best and median of ``--runs`` in ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import ensure_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_bulkcreate"
PHRASE = "Kremlin"


class Rollback(Exception):
    pass


def scratch(size: int):
    """A project, its annotator, a label, two actors and an article naming ``PHRASE``
    ``size`` times; the offsets of each occurrence."""
    from django.contrib.auth import get_user_model

    from annotations import services
    from annotations.models import Actor, Label, Membership, Project, Role

    user, _ = get_user_model().objects.get_or_create(username="bench-bulk")
    manager, _ = get_user_model().objects.get_or_create(username="bench-bulk-manager")
    slug = f"bench-bulk-{size}-{time.time_ns()}"
    project = Project.objects.create(name=slug, slug=slug, created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    label = Label.objects.create(project=project, name="Actor", hotkey="1")
    actors = [
        Actor.objects.get_or_create(name=f"Bench bulk {i}", defaults={"kind": "other"})[0].pk
        for i in range(2)
    ]
    parts = [f"{PHRASE} said {i}." for i in range(size)]
    article = services.article_create(
        project=project, user=manager, title="Bulk", body=" ".join(parts),
        language="en",
    )  # fmt: skip
    places, at = [], 0
    for part in parts:
        places.append((at, at + len(PHRASE)))
        at += len(part) + 1
    return user, label, actors, article, places


def links(actors, with_actors: bool) -> list[dict]:
    if not with_actors:
        return []
    return [{"actor": actors[0], "role": "source"}, {"actor": actors[1], "role": "subject"}]


def run_bulk_create(user, label, actors, article, places, with_actors):
    from annotations import services

    items = [
        {"article": article.pk, "label": label.pk, "start": s, "end": e,
         "actors": links(actors, with_actors)}
        for s, e in places
    ]  # fmt: skip
    return lambda: services.span_bulk_create(items=items, annotator=user)


def run_accept(user, label, actors, article, places, with_actors):
    from annotations import services
    from annotations.suggestions import Suggestion

    suggestions = []
    for s, e in places:
        if with_actors:
            suggestions += [
                Suggestion(s, e, PHRASE, "actor", actor=actors[0], role="source", label=label.pk),
                Suggestion(s, e, PHRASE, "actor", actor=actors[1], role="subject", label=label.pk),
            ]
        else:
            suggestions.append(Suggestion(s, e, PHRASE, "actor", label=label.pk))
    return lambda: services.suggestions_accept(
        article=article, annotator=user, suggestions=suggestions
    )


def run_label_all(user, label, actors, article, places, with_actors):
    from annotations import services

    s, e = places[0]
    return lambda: services.span_label_all(
        article=article, label=label, annotator=user, start=s, end=e,
        actors=links(actors, with_actors),
    )  # fmt: skip


CASES = {
    "span_bulk_create": run_bulk_create,
    "suggestions_accept": run_accept,
    "span_label_all": run_label_all,
}


def timed(call, expected: int) -> float:
    """One call in a transaction rolled back after; its time in ms."""
    from django.db import transaction

    from annotations.models import Span

    started = time.perf_counter()
    try:
        with transaction.atomic():
            call()
            elapsed = time.perf_counter() - started
            assert Span.objects.filter(pk__gt=0).count() >= expected
            raise Rollback
    except Rollback:
        pass
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 5_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if url.startswith("postgres"):
        ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"{connection.vendor}; load average at start: " + "{:.2f} {:.2f} {:.2f}".format(
        *os.getloadavg()), flush=True)  # fmt: skip
    print(f"{'call':<20} {'spans':>6} {'actors':>7} {'best ms':>10} {'median ms':>10}")
    for size in args.sizes:
        facts = scratch(size)
        for name, make in CASES.items():
            for with_actors in (False, True):
                call = make(*facts, with_actors)
                timed(call, size)  # warm-up: imports, caches, plans
                times = [timed(call, size) for _ in range(args.runs)]
                print(
                    f"{name:<20} {size:>6} {'2' if with_actors else '0':>7} "
                    f"{min(times):>10.1f} {statistics.median(times):>10.1f}",
                    flush=True,
                )
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)


if __name__ == "__main__":
    main()
