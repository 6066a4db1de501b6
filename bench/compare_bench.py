"""Benchmark the compare and adjudicate page on PostgreSQL: the big article (200,000
characters, 700 paragraphs) with three annotators of 2,000 spans each (6,000 spans).

    .venv/bin/python bench/compare_bench.py [--requests 30] [--annotators 3] [--reuse]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_compare) must name a
scratch database: it is created when missing, migrated, and its bench project is replaced.
Each annotator marks the same 2,000 places; about one span in six has another end, one in ten
another label and one in eight another probability, so that every kind of place is drawn; a
quarter of the places have a gold span. The figure is the server's time for the whole page
(``GET /projects/{slug}/articles/{id}/compare/`` through Django's test client, in process:
middleware, views, selectors and rendering, no network), p50 and p95 over ``--requests``,
and its SQL queries. The target is under 300 ms.
"""

import argparse
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.agreement_bench import scratch_postgres  # noqa: E402
from bench.api_bench import percentile  # noqa: E402
from bench.io_bench import drop_project  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_compare"
SLUG = "bench-compare"
PARAGRAPH = "ISW assesses 🇺🇦 that Belarus' involvement remains unlikely, analysts note. " * 4
PLACES = 2000


def fill(annotators: int):
    """The bench project, written in bulk (the fill is not what is measured)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Article, Label, Membership, Probability, Project, Role, Span
    from annotations.services import body_sha256

    user_model = get_user_model()
    rng = random.Random(7)
    with transaction.atomic():
        drop_project(SLUG)
        project = Project.objects.create(name="Bench compare", slug=SLUG)
        labels = [
            Label.objects.create(project=project, name=f"L{n}", color="#93c5fd") for n in range(4)
        ]
        users = []
        for n in range(annotators):
            user, _ = user_model.objects.get_or_create(username=f"bench-compare-{n}")
            Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
            users.append(user)
        reviewer, _ = user_model.objects.get_or_create(username="bench-compare-reviewer")
        Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
        body = "\n".join(f"{i}. {PARAGRAPH}" for i in range(700))[:200_000]
        article = Article.objects.create(
            project=project, title="Big article", body=body, sha256=body_sha256(body)
        )
        step = len(body) // PLACES
        grades = [value for value, _ in Probability.choices]
        spans = []
        for index in range(PLACES):
            start, end = index * step, index * step + 30 + (index % 3) * 25
            for user in users:
                their_end = end - rng.randint(1, 20) if rng.random() < 1 / 6 else end
                label = labels[index % 4] if rng.random() >= 0.1 else labels[(index + 1) % 4]
                probability = grades[index % 7] if rng.random() >= 1 / 8 else None
                spans.append(
                    Span(article=article, project=project, start=start, end=their_end,
                         text=body[start:their_end], label=label, annotator=user,
                         probability=probability)
                )  # fmt: skip
            if index % 4 == 0:
                spans.append(
                    Span(article=article, project=project, start=start, end=end,
                         text=body[start:end], label=labels[index % 4], annotator=reviewer,
                         gold=True, probability=grades[index % 7])
                )  # fmt: skip
        Span.objects.bulk_create(spans, batch_size=5000)
    return project, article, reviewer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the project already filled")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    scratch_postgres(args.database_url)
    logging.getLogger("assay.requests").setLevel(logging.WARNING)  # a line per request
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotations.models import Project, Span

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic for a bench: the page's static URLs come from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    project = Project.objects.filter(slug=SLUG).first()
    if args.reuse and project is not None:
        article = project.articles.get()
        reviewer = project.memberships.get(role="reviewer").user
    else:
        started = time.perf_counter()
        project, article, reviewer = fill(args.annotators)
        print(f"fill: {time.perf_counter() - started:.1f} s")
    spans = Span.objects.filter(article=article)
    print(
        f"article: {len(article.body):,} characters, {spans.filter(gold=False).count():,} "
        f"annotator spans, {spans.filter(gold=True).count():,} gold spans"
    )
    client = Client()
    client.force_login(reviewer)
    url = reverse("annotations:article-compare", args=[project.slug, article.pk])
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    print(
        f"compare page: p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms "
        f"server time over {args.requests} requests; {len(queries.captured_queries)} queries; "
        f"{len(response.content) / 1e6:.1f} MB of HTML (load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores; target under 300 ms)"
    )


if __name__ == "__main__":
    main()
