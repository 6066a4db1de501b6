"""Benchmark full-text search and analytics on PostgreSQL: 10,000 articles, 1,000,000 spans.

    .venv/bin/python bench/search_bench.py [--articles 10000] [--spans-per-article 100]
                                           [--reuse] [--runs 30] [--explain]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_search) must name a
scratch database: it is created when missing, migrated, and its bench project replaced
(``--reuse`` keeps a filled one). The fill is bulk SQL over ``generate_series``: article
bodies of 500 words drawn from a vocabulary of 20,060 with a Zipf-like law (word i about as
often as 1/sqrt(i)): a few topical English words ("war", "mobilization", "refused", ...)
first, then made-up words, so queries range from very common to rare. A span covers 20
characters; every span has a source actor (one of 50) and a subject (one of 200), picked by a
hash of its id, so an actor's spans lie across all the articles, dated or not.

Measured, through the API in-process (django.test.Client, a member, not a superuser; the
response built and rendered): ranked search over articles and over spans, a page of 50, p50
and p95 per kind of query; the timeline of one actor (all its spans); the analytics page.
Then, with ``--explain``, ``EXPLAIN (ANALYZE, BUFFERS)`` of the searches and the analytics'
reads, showing the indexes used.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_search"
SLUG = "bench-search"
TOPICAL = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "that",
    "is",
    "war",
    "russia",
    "ukraine",
    "belarus",
    "assesses",
    "likely",
    "forces",
    "military",
    "kremlin",
    "said",
    "lukashenko",
    "putin",
    "minsk",
    "attack",
    "troops",
    "mobilization",
    "refused",
    "offensive",
    "border",
    "drones",
    "support",
    "officials",
    "claimed",
    "reported",
    "statement",
    "denied",
    "threat",
    "nuclear",
    "western",
    "sanctions",
    "crossing",
    "exercise",
    "brigade",
    "reservists",
    "referendum",
    "negotiations",
    "ceasefire",
    "escalation",
    "deployment",
    "airfield",
    "artillery",
    "logistics",
    "volunteers",
    "sovereignty",
    "integration",
    "union",
    "treaty",
    "speculations",
    "baseless",
    "unlikely",
    "involvement",
    "remains",
    "ministry",
    "defense",
]


def made_up_words(n: int) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = []
    for a in syllables:
        for b in syllables:
            for c in syllables:
                words.append(a + b + c)
                if len(words) == n:
                    return words
    return words


VOCAB = TOPICAL + made_up_words(20_000)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-search-not-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("ASSAY_REQUEST_LOG_LEVEL", "WARNING")  # a log line a request: noise
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    base = ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    base += ["-U", parsed.username or "postgres", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run([*base, f'CREATE DATABASE "{name}"'], check=True)


def drop_project(project) -> None:
    """The project and everything in it, in bulk SQL (the ORM's cascade would load it all)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in (
            "DELETE FROM annotations_relation WHERE article_id IN "
            "(SELECT id FROM annotations_article WHERE project_id = %s)",
            "DELETE FROM annotations_spanevent WHERE project_id = %s",
            "DELETE FROM annotations_spanactor WHERE span_id IN "
            "(SELECT id FROM annotations_span WHERE project_id = %s)",
            "DELETE FROM annotations_span WHERE project_id = %s",
            "DELETE FROM annotations_articleprogress WHERE article_id IN "
            "(SELECT id FROM annotations_article WHERE project_id = %s)",
            "DELETE FROM annotations_article WHERE project_id = %s",
        ):
            cursor.execute(sql, [project.pk])
    project.delete()


def fill(articles: int, spans_per_article: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import Actor, Label, Membership, Project, Role

    call_command("migrate", verbosity=0)
    project = Project.objects.filter(slug=SLUG).first()
    if project is not None:
        drop_project(project)
    user, _ = get_user_model().objects.get_or_create(username="bench-search")
    project = Project.objects.create(name="Bench search", slug=SLUG, created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    labels = [
        Label.objects.create(project=project, name=name, hotkey=str(n))
        for n, name in enumerate(["Assessment", "Claim", "Denial"], start=1)
    ]
    actors = [
        Actor.objects.get_or_create(name=f"Bench actor {i}", defaults={"kind": "other"})[0].pk
        for i in range(250)
    ]
    width = 20
    step = 25  # a span every 25 characters: the body must hold spans_per_article of them
    started = time.perf_counter()
    with connection.cursor() as cursor:
        word = "(%(vocab)s::text[])[1 + floor(%(size)s * power(random(), 2))::int]"
        cursor.execute(
            f"""
            INSERT INTO annotations_article (project_id, title, body, source, url, author,
                language, external_id, metadata, sha256, created_by_id, created_at, updated_at,
                published_on)
            SELECT %(project)s, b.title, b.body, (ARRAY['ISW', 'RAND', 'Reuters'])[1 + n %% 3],
                '', '', (ARRAY['en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'ru', 'uk'])
                    [1 + n %% 10],
                'b' || n, '{{}}', encode(sha256(convert_to(b.body, 'UTF8')), 'hex'), %(user)s,
                now(), now(),
                CASE WHEN n %% 50 = 0 THEN NULL ELSE DATE '2022-02-24' + (n %% 1700) END
            FROM generate_series(1, %(articles)s) AS n,
                LATERAL (SELECT
                    n || ' ' || (SELECT string_agg({word}, ' ')
                                 FROM generate_series(1, 6 + n * 0)) AS title,
                    n || ' ' || (SELECT string_agg({word}, ' ')
                                 FROM generate_series(1, 500 + n * 0)) AS body) AS b
            """,
            {"project": project.pk, "user": user.pk, "articles": articles, "vocab": VOCAB,
             "size": len(VOCAB)},
        )  # fmt: skip
        print(f"  articles: {time.perf_counter() - started:.1f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO annotations_span (article_id, project_id, start, "end", text, label_id,
                annotator_id, probability, confidence, note, status, gold, version, created_at,
                updated_at)
            SELECT a.id, a.project_id, k * %(step)s, k * %(step)s + %(width)s,
                substr(a.body, k * %(step)s + 1, %(width)s),
                (ARRAY[%(l1)s, %(l2)s, %(l3)s])[1 + k %% 3], %(user)s,
                (ARRAY['almost_no_chance', 'very_unlikely', 'unlikely', 'roughly_even_chance',
                       'likely', 'very_likely', 'almost_certain', NULL])[1 + (a.id + k) %% 8],
                NULL, CASE WHEN k %% 10 = 0 THEN substr(a.body, k * 7 + 1, 40) ELSE '' END,
                'pending', false, 1, now(), now()
            FROM annotations_article a, generate_series(0, %(per)s - 1) AS k
            WHERE a.project_id = %(project)s
            ORDER BY a.id, k  -- an article's spans written together, as annotators and imports do
            """,
            {"step": step, "width": width, "l1": labels[0].pk, "l2": labels[1].pk,
             "l3": labels[2].pk, "user": user.pk, "per": spans_per_article,
             "project": project.pk},
        )  # fmt: skip
        print(f"  spans: {time.perf_counter() - started:.1f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO annotations_spanactor (span_id, actor_id, role)
            SELECT s.id, (%(actors)s::bigint[])[1 + abs(hashint8(s.id)::bigint) %% 50], 'source'
            FROM annotations_span s WHERE s.project_id = %(project)s
            UNION ALL
            SELECT s.id, (%(actors)s::bigint[])[51 + abs(hashint8(-s.id)::bigint) %% 200],
                'subject'
            FROM annotations_span s WHERE s.project_id = %(project)s
            """,
            {"actors": actors, "project": project.pk},
        )
        print(f"  links: {time.perf_counter() - started:.1f} s", flush=True)
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze: {time.perf_counter() - started:.1f} s", flush=True)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(client, url, params, runs):
    times = []
    response = client.get(url, params)  # warm
    assert response.status_code == 200, (url, params, response.content[:300])
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, response


def report(name, times, extra=""):
    print(
        f"{name:<46} p50 {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms"
        f"   {extra}",
        flush=True,
    )


def calibrate(client, runs):
    """The machine's own pace, so that figures from two machines can be compared: a Python
    loop, a round trip to the database, and an API request that does next to nothing."""
    from django.db import connection

    started = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i
    loop = (time.perf_counter() - started) * 1000
    trips = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            trips.append((time.perf_counter() - started) * 1000)
    times, _ = measure(client, "/api/v1/projects/", {}, runs)
    print(
        f"machine: a 1,000,000-step Python loop {loop:.0f} ms; SELECT 1 "
        f"{statistics.median(trips):.2f} ms; GET projects/ (4 queries) p50 "
        f"{statistics.median(times):.1f} ms",
        flush=True,
    )


def run(runs: int, explain: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from annotations.models import Article, Project, Span, SpanActor

    project = Project.objects.get(slug=SLUG)
    user = get_user_model().objects.get(username="bench-search")
    client = Client()
    client.force_login(user)
    n_articles = Article.objects.filter(project=project).count()
    n_spans = Span.objects.filter(project=project).count()
    print(f"PostgreSQL {connection.pg_version}: {n_articles} articles, {n_spans} spans")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    calibrate(client, runs)
    queries = {
        "common word": "war",
        "topical word": "mobilization",
        "stemmed (refuses)": "refuses",
        "mid-frequency made-up word": VOCAB[len(TOPICAL) + 300],
        "rare made-up word": VOCAB[len(TOPICAL) + 12_000],
        "two words": f"belarus {VOCAB[len(TOPICAL) + 40]}",
        "phrase": '"russia ukraine"',
        "or / -word": f"{VOCAB[len(TOPICAL) + 500]} or {VOCAB[len(TOPICAL) + 900]} -war",
    }
    api = "/api/v1/"
    for kind in ("articles", "spans"):
        for name, q in queries.items():
            params = {"search": q, "page_size": 50, "project": project.pk}
            times, response = measure(client, f"{api}{kind}/", params, runs)
            report(f"{kind}/?search= {name}", times, f"({len(response.json()['results'])} on page)")
    actor = SpanActor.objects.filter(span__project=project, role="source").first().actor_id
    timeline = f"{api}projects/{project.pk}/analytics/timeline/"
    times, response = measure(client, timeline, {"actor": actor}, runs)
    report(
        "timeline of one actor (any role), month",
        times,
        f"({len(response.json()['series'])} periods)",
    )
    times, _ = measure(
        client, timeline, {"actor": actor, "role": "source", "interval": "week"}, runs
    )
    report("timeline of one actor as source, week", times)
    times, _ = measure(client, timeline, {}, max(3, runs // 5))
    report("timeline of the whole project (1M spans)", times)
    try:
        page = f"/projects/{SLUG}/analytics/"
        times, _ = measure(client, page, {"actor": actor}, max(3, runs // 5))
        report("analytics page, one actor", times)
        times, _ = measure(client, page, {}, max(3, runs // 5))
        report("analytics page, whole project", times)
    except (AssertionError, Exception) as error:
        print(f"analytics page: not measured ({error})")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    if explain:
        explain_plans(project, user, actor, queries)


def explain_plans(project, user, actor, queries):
    from django.db import connection

    from annotations.api.filters import ArticleFilter, SpanFilter
    from annotations.models import Article, Span
    from annotations.selectors import analytics_pg, scope_to_user
    from annotations.selectors.analytics import AnalyticsFilters

    def show(title, sql, params):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plan = "\n".join("    " + row[0] for row in cursor.fetchall())
        print(f"\nEXPLAIN {title}\n{plan}", flush=True)

    for name in ("common word", "topical word", "phrase"):
        q = queries[name]
        articles = ArticleFilter(
            {"search": q}, queryset=scope_to_user(Article.objects.all(), user=user)
        ).qs
        show(
            f"articles ?search={q}",
            *articles.values_list("id", "search_rank")[:50].query.sql_with_params(),
        )
        spans = SpanFilter({"search": q}, queryset=scope_to_user(Span.objects.all(), user=user)).qs
        spans = spans.order_by("-search_rank", "id").values_list("id", "search_rank")[:50]
        show(f"spans ?search={q}", *spans.query.sql_with_params())
    captured = []
    real = analytics_pg._rows
    analytics_pg._rows = lambda sql, params: captured.append((sql, params)) or []
    try:
        one = AnalyticsFilters(actor=actor)
        analytics_pg.timeline_rows(project=project, filters=one, interval="month")
        both = ("source", "subject")
        analytics_pg.link_rows(project=project, filters=one, roles=both)
        analytics_pg.timeline_rows(project=project, filters=AnalyticsFilters(), interval="month")
        analytics_pg.link_rows(project=project, filters=AnalyticsFilters(), roles=both)
    finally:
        analytics_pg._rows = real
    titles = (f"timeline actor={actor}", f"sources and subjects of actor={actor}'s spans",
              "timeline of the whole project", "sources and subjects, whole project")  # fmt: skip
    for title, (sql, params) in zip(titles, captured, strict=True):
        show(title, sql, params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--spans-per-article", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep a filled bench project")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    from annotations.models import Project

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages, with DEBUG off
    if not (args.reuse and Project.objects.filter(slug=SLUG).exists()):
        print(f"Filling {args.articles} articles × {args.spans_per_article} spans ...", flush=True)
        fill(args.articles, args.spans_per_article)
    run(args.runs, args.explain)


if __name__ == "__main__":
    main()
