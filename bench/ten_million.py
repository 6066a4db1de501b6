"""Ten million spans: do the hot reads keep their query plans and their times?

    .venv/bin/python bench/ten_million.py [--projects 100] [--articles 1000]
                                          [--spans-per-article 100] [--repeats 20] [--keep]

Builds a database of its own (``assay_tenm`` on 127.0.0.1:5432, dropped at the end unless
``--keep``), migrated, with two measured projects: a large one of 1,000 articles of 100 spans
each and the big article (200,000 characters, 2,000 spans), and a small one of 1,000 spans
whose ids are spread over the whole id range; each span with an actor. It measures three
reads on that "normal-size" database:

- the span list API's first page (``GET spans/?project=&page_size=100``) and a page 500 pages
  in (followed by its cursor);
- the big article's spans (``GET spans/?article=&page_size=1000``, both pages);
- the project's ``jsonl`` export (``export_stream``, the read-ahead on its own connection).

Then it adds ``--projects`` − 1 projects of the same shape (9.9 million spans by default; their
spans' actors on one span in five) and measures again. The projects' spans alternate in id
order (span ids are given: project ``p``'s are ``p`` modulo the number of projects), and the
table is then clustered by id, so that one project's spans are spread over the whole table as
when many teams annotate at once: a read that walks the primary key must skip the others'.
Each read is timed ``--repeats`` times (p50 and p95; the export three times), through Django's
test client in this process (no HTTP), and every SQL statement it ran is recorded (on every
connection, the export's reader thread's too); its two slowest span queries are shown under
``EXPLAIN ANALYZE`` (nodes and rows) at both sizes.

The fill is SQL (``INSERT … SELECT`` over ``generate_series``) with
``session_replication_role = replica`` (no foreign-key or search triggers: the rows are
consistent by construction, and their spans' ``search_vector`` is left empty, as are the
articles' search rows (migration 0011); the history is left empty), the span table's
secondary indexes dropped during the bulk fill, the table clustered by id and the indexes
rebuilt after it, then ``VACUUM ANALYZE``. Not part of CI: about 7 minutes and 4 GB here.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NAME = "assay_tenm"
URL = f"postgres://postgres@127.0.0.1:5432/{NAME}"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qtAc"]
BIG_SPANS = 2000
TEXT = "Belarus remains unlikely to join the war, ISW assesses; Lukashenko 🇺🇦 denied it. "


def setup_django() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-tenm-not-secret-" + "k" * 40)
    os.environ["ASSAY_REQUEST_LOG_LEVEL"] = "WARNING"
    os.environ["ASSAY_API_RATE_USER"] = "1000000/min"  # the walk to page 501 is many requests
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost"
    import django

    django.setup()


def sql(statement: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


class Statements:
    """Every SQL statement run, with its parameters and time, on every connection and thread."""

    def __init__(self):
        self.ran, self.lock = [], threading.Lock()

    def record(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            with self.lock:
                self.ran.append((time.perf_counter() - started, statement, params))

    def created(self, sender, connection, **kwargs):
        if self.record not in connection.execute_wrappers:
            connection.execute_wrappers.append(self.record)

    def __enter__(self):
        from django.db import connections
        from django.db.backends.signals import connection_created

        connection_created.connect(self.created)
        self.created(None, connections["default"])
        return self

    def __exit__(self, *exc):
        from django.db import connections
        from django.db.backends.signals import connection_created

        connection_created.disconnect(self.created)
        connections["default"].execute_wrappers.remove(self.record)


def explain(statement: str, params) -> list[str]:
    """The plan's nodes with their actual rows and loops (``EXPLAIN ANALYZE``), and its
    execution time: the conditions and buffers are left out, to be read side by side."""
    rows = sql("EXPLAIN (ANALYZE, TIMING OFF) " + statement, params)
    nodes = []
    for (line,) in rows:
        if line.startswith("Execution Time"):
            nodes.append(line)
        elif not nodes or line.lstrip().startswith("->"):
            node = re.sub(r"\(cost=[^)]*\) ", "", line)
            nodes.append(node if len(node) < 150 else node[:149] + "…")
    return nodes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the fill --------------------------------------------------------------------------------


def make_people():
    from django.contrib.auth import get_user_model

    from annotations.models import Actor

    User = get_user_model()
    owner = User.objects.create_user("tenm-owner", password="tenm-bench-password-7")
    annotators = [User.objects.create_user(f"tenm-{n}") for n in range(4)]
    Actor.objects.bulk_create(
        Actor(name=f"Actor {n}", kind="person", search_text=f"actor {n}") for n in range(50)
    )
    return owner, annotators


def fill_project(
    number: int,
    stride: int,
    owner,
    annotators,
    articles: int,
    per_article: int,
    *,
    big: bool,
    spread: int = 1,
):
    """A project of ``articles`` articles of ``per_article`` spans (an actor on each span of
    the measured projects), and with ``big`` the big article; its id and the big article's.
    Its spans' ids are ``number`` modulo ``stride``, ``spread`` strides apart: the projects'
    spans alternate in id order, as spans made by many teams at once do."""
    from annotations import services
    from annotations.models import Membership, Role

    project = services.project_create(name=f"Ten million {number}", creator=owner)
    labels = [
        services.label_create(project=project, user=owner, name=name).pk
        for name in ("Assessment", "Claim", "Denial", "Source attribution")
    ]
    Membership.objects.bulk_create(
        Membership(project=project, user=user, role=Role.ANNOTATOR) for user in annotators
    )
    people = [user.pk for user in annotators]
    width = max(per_article * 9 + 40, 1000)
    sql(
        """
        INSERT INTO annotations_article (project_id, title, body, source, url, author, language,
            external_id, metadata, sha256, created_by_id, created_at, updated_at, published_on)
        SELECT %s, 'Report ' || n, b.body, 'ISW', 'https://example.org/' || n, '', 'en',
            'r-' || n, '{}', encode(sha256(convert_to(b.body, 'UTF8')), 'hex'), %s, now(), now(),
            DATE '2026-01-01' + (n %% 300)
        FROM generate_series(1, %s) AS n,
            LATERAL (SELECT left('Report ' || n || '. ' || repeat(%s, %s), %s) AS body) AS b
        """,
        [project.pk, owner.pk, articles, TEXT, width // len(TEXT) + 2, width],
    )
    if big:
        body = (TEXT * (200_000 // len(TEXT) + 1))[:200_000]
        big_article = services.article_create(
            project=project, user=owner, body=body, title="The big article"
        )
    sql(
        """
        INSERT INTO annotations_span (id, article_id, project_id, start, "end", text, label_id,
            annotator_id, probability, confidence, note, status, version, created_at,
            updated_at, gold)
        SELECT %s * %s * row_number() OVER (ORDER BY a.id, k) + %s,
            a.id, a.project_id, k * %s, k * %s + 30, substr(a.body, k * %s + 1, 30),
            (%s::bigint[])[1 + k %% 4], (%s::int[])[1 + (a.id + k) %% 4],
            (ARRAY['likely', 'unlikely', NULL, 'almost_certain'])[1 + k %% 4], NULL, '',
            (ARRAY['pending', 'accepted', 'rejected'])[1 + k %% 3], 1,
            now() - (k || ' minutes')::interval, now(), false
        FROM annotations_article a, generate_series(0, %s - 1) AS k
        WHERE a.project_id = %s AND a.title <> 'The big article'
        """,
        [stride, spread, number, 9, 9, 9, labels, people, per_article, project.pk],
    )
    if big:
        step, big = 200_000 // BIG_SPANS, (BIG_SPANS, big_article.pk)
        sql(
            """
            INSERT INTO annotations_span (id, article_id, project_id, start, "end", text,
                label_id, annotator_id, probability, confidence, note, status, version,
                created_at, updated_at, gold)
            SELECT %s * (%s + k + 1) + %s,
                a.id, a.project_id, k * %s, k * %s + 40, substr(a.body, k * %s + 1, 40),
                (%s::bigint[])[1 + k %% 4], (%s::int[])[1 + k %% 4], 'likely', 'moderate', '',
                'pending', 1, now(), now(), false
            FROM annotations_article a, generate_series(0, %s - 1) AS k WHERE a.id = %s
            """,
            [stride, articles * per_article, number, step, step, step, labels, people, *big],
        )
    if big or spread > 1:  # the measured projects
        add_actors("s.project_id = %s", [project.pk], every=1)
    return project.pk, big[1] if big else None


def add_actors(where: str, params: list, *, every: int) -> None:
    """An actor (source or subject) on one span in ``every`` of the spans ``where`` says."""
    sql(
        f"""
        INSERT INTO annotations_spanactor (span_id, actor_id, role)
        SELECT s.id, (SELECT min(id) FROM annotations_actor) + s.id %% 50,
            (ARRAY['source', 'subject'])[1 + s.id %% 2]
        FROM annotations_span s WHERE {where} AND s.id %% %s = 0
        """,
        [*params, every],
    )


# --- the reads -------------------------------------------------------------------------------


def timed(read, repeats: int) -> tuple[list[float], Statements]:
    read()  # warm: the first read pays for the caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    with Statements() as ran:
        read()
    return times, ran


def measure(project_id: int, big_id: int | None, repeats: int, label: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from annotations.exports import export_stream
    from annotations.models import Project

    client = Client()
    client.force_login(get_user_model().objects.get(username="tenm-owner"))
    project = Project.objects.get(pk=project_id)

    def get(url: str) -> dict:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response.json()

    first_url = f"/api/v1/spans/?project={project_id}&page_size=100"
    deep, deep_url, url = 1, first_url, get(first_url)["next"]
    while url is not None and deep < 501:  # page 501, or the last page of a smaller project
        deep, deep_url, url = deep + 1, url, get(url)["next"]

    def first_page():
        assert len(get(first_url)["results"]) == 100

    def deep_page():
        assert get(deep_url)["results"]

    def big_article():
        page = get(f"/api/v1/spans/?article={big_id}&page_size=1000")
        count = len(page["results"])
        while page["next"]:
            page = get(page["next"])
            count += len(page["results"])
        assert count == BIG_SPANS, count

    exported = {}

    def export():
        chunks = export_stream(project, "jsonl")[2]
        size = lines = 0
        for chunk in chunks:
            size += len(chunk)
            lines += chunk.count("\n")
        exported.update(size=size, lines=lines)

    results = {}
    reads = [
        ("span list, first page", first_page, repeats),
        (f"span list, page {deep}", deep_page, repeats),
        ("big article's 2,000 spans", big_article, repeats),
        ("export jsonl", export, 3),
    ]
    for name, read, count in reads if big_id else reads[:2] + reads[3:]:
        times, ran = timed(read, count)
        reads = [
            (at, *row)
            for at, row in enumerate(ran.ran)
            if row[1].lstrip().upper().startswith(("SELECT", "WITH"))
            and 'FROM "annotations_span"' in row[1]
        ]
        slowest = [row[1:] for row in sorted(sorted(reads, key=lambda row: -row[1])[:2])]
        results[name] = {
            "p50": statistics.median(times),
            "p95": percentile(times, 0.95),
            "queries": len(ran.ran),
            "plans": [
                (seconds, explain(statement, params)) for seconds, statement, params in slowest
            ],
        }
    spans = sql("SELECT count(*) FROM annotations_span WHERE project_id = %s", [project_id])[0][0]
    results["export jsonl"]["spans/s"] = spans / (results["export jsonl"]["p50"] / 1000)
    total = sql("SELECT count(*) FROM annotations_span")[0][0]
    load = os.getloadavg()[0]
    print(f"\n== {label}: {total:,} spans in the table, {spans:,} in the project; load {load:.2f}")
    for name, figures in results.items():
        extra = f", {figures['spans/s']:,.0f} spans/s" if "spans/s" in figures else ""
        print(
            f"   {name:28} p50 {figures['p50']:9.1f} ms  p95 {figures['p95']:9.1f} ms"
            f"  ({figures['queries']} queries{extra})"
        )
    return results


def show_plans(before: dict, after: dict) -> None:
    for name in before:
        print(f"\n--- {name}: its slowest span queries' plans, normal size then 10 million ---")
        for (t0, plan0), (t1, plan1) in zip(
            before[name]["plans"], after[name]["plans"], strict=False
        ):
            print(f"[{t0 * 1000:.1f} ms]")
            print("\n".join("    " + line for line in plan0))
            print(f"[{t1 * 1000:.1f} ms]")
            print("\n".join("    " + line for line in plan1))
            same = shape(plan0) == shape(plan1)
            print(f"    same plan shape: {'yes' if same else 'NO'}")


def shape(plan: list[str]) -> list[str]:
    """A plan's nodes without their figures: the node, its relation and index."""
    return [re.sub(r"\s*\(actual.*", "", line).strip() for line in plan if "Time" not in line]


def rebuild_indexes(definitions: list[tuple[str, str]]) -> float:
    started = time.monotonic()
    sql("SET maintenance_work_mem = '1GB'")
    for _, definition in definitions:
        sql(definition)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--spans-per-article", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the database for a look")
    args = parser.parse_args()

    subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {NAME}"], check=True)
    subprocess.run([*PSQL, f"CREATE DATABASE {NAME}"], check=True)
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        owner, annotators = make_people()
        sql("SET session_replication_role = replica")
        stride = args.projects + 1
        project_id, big_id = fill_project(
            0, stride, owner, annotators, args.articles, args.spans_per_article, big=True
        )
        small_id, _ = fill_project(  # its 1,000 spans spread over the whole id range
            args.projects, stride, owner, annotators, 10, 100, big=False, spread=100
        )
        sql("SET session_replication_role = DEFAULT")
        sql("VACUUM ANALYZE")
        print(f"normal size filled in {time.monotonic() - started:.0f} s")
        before = {
            "the large project": measure(
                project_id, big_id, args.repeats, "normal size, the large project"
            ),
            "a small project": measure(
                small_id, None, args.repeats, "normal size, a small project"
            ),
        }

        started = time.monotonic()
        definitions = sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('annotations_span', 'annotations_spanactor') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for index, _ in definitions:
            sql(f'DROP INDEX "{index}"')
        sql("SET session_replication_role = replica")
        for number in range(1, args.projects):
            fill_project(
                number,
                stride,
                owner,
                annotators,
                args.articles,
                args.spans_per_article,
                big=False,
            )
            if number % 10 == 0:
                print(f"   {number} projects filled, {time.monotonic() - started:.0f} s")
        add_actors("s.project_id NOT IN (%s, %s)", [project_id, small_id], every=5)
        sql("SET session_replication_role = DEFAULT")
        filled = time.monotonic() - started
        started_cluster = time.monotonic()
        sql("CLUSTER annotations_span USING annotations_span_pkey")  # heap in id order too
        clustered = time.monotonic() - started_cluster
        rebuilt = rebuild_indexes(definitions)
        started_vacuum = time.monotonic()
        sql("VACUUM ANALYZE")
        size = sql("SELECT pg_size_pretty(pg_database_size(current_database()))")[0][0]
        print(
            f"10 million filled in {filled:.0f} s, clustered by id in {clustered:.0f} s, "
            f"{len(definitions)} indexes rebuilt in "
            f"{rebuilt:.0f} s, VACUUM ANALYZE {time.monotonic() - started_vacuum:.0f} s; "
            f"database {size}"
        )
        after = {
            "the large project": measure(
                project_id, big_id, args.repeats, "10 million, the large project"
            ),
            "a small project": measure(small_id, None, args.repeats, "10 million, a small project"),
        }
        for which in before:
            print(f"\n#### {which}")
            show_plans(before[which], after[which])
        print("\n== summary (p50; normal size → 10 million)")
        for which in before:
            for name in before[which]:
                old, new = before[which][name]["p50"], after[which][name]["p50"]
                print(f"   {which}: {name:28} {old:9.1f} ms → {new:9.1f} ms  ({new / old:.2f}×)")
        connection.close()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run([*PSQL, f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"], check=True)
            print(f"dropped {NAME}")


if __name__ == "__main__":
    main()
