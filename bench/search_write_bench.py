"""What the search and analytics triggers cost on bulk writes, on PostgreSQL.

    .venv/bin/python bench/search_write_bench.py [--spans 10000] [--import-articles 1000]
                                                 [--import-spans-per-article 10] [--rounds 2]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_search) must name a
scratch database, migrated here; ``bench/search_bench.py``'s is the one meant (its million
spans make the indexes the size they are in use). Through the API in-process as a manager:

- a span bulk create of ``--spans`` spans (lists of 5,000, the API's most), each with a source
  and a subject, over one long article;
- a ``jsonl`` import of ``--import-articles`` articles with their spans and actors
  (``bench/io_bench.py``'s file);

each with every trigger on, with the articles' search rows' insert trigger
(``assay_article_search_insert``, migration 0011) off, with the span search trigger
(``assay_span_search_vector``: the span's ``tsvector`` and configuration) off, with it
and the links' facts trigger (``assay_spanactor_span_facts``) off, and with the analytics'
kept counts' triggers (migration 0013) off, in turn, ``--rounds``
times; each round in a project of its own, dropped after. The triggers are disabled with
``ALTER TABLE ... DISABLE TRIGGER`` and always enabled again.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import (  # noqa: E402
    DEFAULT_URL,
    drop_project,
    ensure_database,
    setup_django,
)

SEARCH = ("annotations_span", "assay_span_search_vector")
FACTS = ("annotations_spanactor", "assay_spanactor_span_facts")
ARTICLES = ("annotations_article", "assay_article_search_insert")
KEPT = tuple(  # the analytics' kept counts (migration 0013)
    (table, f"annotations_{kept}_{op}")
    for table, kept in (("annotations_span", "spancount"), ("annotations_spanactor", "linkcount"))
    for op in ("insert", "update", "delete")
)
CASES = {
    "all triggers": (),
    "no article search": (ARTICLES,),
    "no search trigger": (SEARCH,),
    "neither": (SEARCH, FACTS),
    "no kept counts": KEPT,
}


@contextmanager
def triggers_off(triggers):
    from django.db import connection

    with connection.cursor() as cursor:
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


def scratch_project(n: int):
    from django.contrib.auth import get_user_model

    from annotations.models import Actor, Label, Membership, Project, Role

    user, _ = get_user_model().objects.get_or_create(username="bench-writes")
    project = Project.objects.create(name=f"Bench writes {n}", slug=f"bench-writes-{n}",
                                      created_by=user)  # fmt: skip
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    label = Label.objects.create(project=project, name="Assessment", hotkey="1")
    actors = [
        Actor.objects.get_or_create(name=f"Bench writer {i}", defaults={"kind": "other"})[0].pk
        for i in range(2)
    ]
    return user, project, label, actors


def bulk_create(n_round: int, spans: int) -> float:
    from django.test import Client

    from annotations import services

    user, project, label, actors = scratch_project(n_round)
    words = [f"word{i}" for i in range(spans)]
    article = services.article_create(
        project=project, created_by=user, user=user, title="Bulk", body=" ".join(words),
        language="en",
    )  # fmt: skip
    items, start = [], 0
    for word in words:
        items.append({
            "article": article.pk, "label": label.pk, "start": start, "end": start + len(word),
            "probability": "likely",
            "actors": [{"actor": actors[0], "role": "source"},
                       {"actor": actors[1], "role": "subject"}],
        })  # fmt: skip
        start += len(word) + 1
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    for i in range(0, len(items), 5000):
        response = client.post(
            "/api/v1/spans/", items[i : i + 5000], content_type="application/json"
        )
        assert response.status_code == 201, response.content[:300]
    seconds = time.perf_counter() - started
    drop_project(project)
    return seconds


def api_import(n_round: int, articles: int, per_article: int) -> float:
    from django.test import Client

    from bench.io_bench import import_file

    user, project, _, _ = scratch_project(n_round)
    client = Client()
    client.force_login(user)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.jsonl"
        import_file(path, articles, per_article)
        data = path.read_bytes()
    upload = io.BytesIO(data)
    upload.name = "import.jsonl"
    started = time.perf_counter()
    response = client.post(f"/api/v1/projects/{project.pk}/import/?format=jsonl", {"file": upload})
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    drop_project(project)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--import-articles", type=int, default=1_000)
    parser.add_argument("--import-spans-per-article", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    n_round = int(time.time())
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    results = {}
    bulk_create(n_round, 200)  # warm-up: imports, caches, plans
    api_import(n_round + 1, 20, args.import_spans_per_article)
    n_round += 2
    for rnd in range(args.rounds):
        for case, triggers in CASES.items():
            with triggers_off(triggers):
                n_round += 1
                bulk = bulk_create(n_round, args.spans)
                n_round += 1
                imported = api_import(n_round, args.import_articles, args.import_spans_per_article)
            results.setdefault(case, []).append((bulk, imported))
            print(f"  round {rnd + 1}, {case}: bulk create {bulk:.2f} s, import {imported:.2f} s",
                  flush=True)  # fmt: skip
    spans = args.import_articles * args.import_spans_per_article
    print(f"\nmedian of {args.rounds}: {args.spans} spans by bulk create (2 actors each); "
          f"an import of {args.import_articles} articles, {spans} spans")  # fmt: skip
    for case, runs in results.items():
        bulk = statistics.median(r[0] for r in runs)
        imported = statistics.median(r[1] for r in runs)
        print(f"{case:<20} bulk create {bulk:6.2f} s   import {imported:6.2f} s")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)


if __name__ == "__main__":
    main()
