"""Benchmark projects/{id}/agreement/ on PostgreSQL: 3 annotators × 1,000 articles × 50 spans.

    .venv/bin/python bench/agreement_bench.py [--articles 1000] [--spans-per-article 50]
                                              [--annotators 3] [--repeat 3] [--reuse]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_agreement) must name a
scratch database: it is created when missing, migrated, and its bench project is replaced.
Each annotator marks ``spans-per-article`` sentences of every article; about one span in six
has other boundaries and one in ten another label, so that κ and α are neither 0 nor 1. Half
the articles have gold spans (a copy of the first annotator's, every other one). The figure
is ``selectors.project_agreement`` (exact and relaxed F1, κ per pair, α, F1 against gold),
the whole of what the endpoint computes, timed ``--repeat`` times; the target is under 2 s.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.io_bench import drop_project, ensure_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_agreement"
SLUG = "bench-agreement"
SENTENCE = "ISW assesses that Belarus' involvement in the war remains unlikely for now. "


def scratch_postgres(url: str) -> None:
    """Django set up on the PostgreSQL scratch database ``url``, created when missing and
    migrated."""
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL scratch database.")
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(articles: int, spans_per_article: int, annotators: int) -> int:
    """The bench project, written in bulk (the fill is not what is measured)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Article, Label, Membership, Project, Role, Span
    from annotations.services import body_sha256

    user_model = get_user_model()
    rng = random.Random(12)
    with transaction.atomic():
        drop_project(SLUG)
        project = Project.objects.create(name="Bench agreement", slug=SLUG)
        labels = [
            Label.objects.create(project=project, name=name, color="#93c5fd")
            for name in ("Assessment", "Claim", "Denial")
        ]
        users = []
        for n in range(annotators):
            user, _ = user_model.objects.get_or_create(username=f"bench-annotator-{n}")
            Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
            users.append(user)
        reviewer, _ = user_model.objects.get_or_create(username="bench-reviewer")
        Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
        body_template = SENTENCE * spans_per_article
        made = Article.objects.bulk_create(
            Article(
                project=project,
                title=f"Article {n}",
                body=f"{n} {body_template}",
                sha256=body_sha256(f"{n} {body_template}"),
            )
            for n in range(articles)
        )
        spans = []
        step = len(SENTENCE)
        for article in made:
            offset = len(str(article.title.split()[-1])) + 1
            for index in range(spans_per_article):
                base = offset + index * step
                truth = labels[index % 3]
                for user in users:
                    start, end = base, base + step - 1
                    if rng.random() < 1 / 6:
                        end -= rng.randint(1, 20)
                    label = truth if rng.random() >= 0.1 else labels[(index + 1) % 3]
                    text = article.body[start:end]
                    spans.append(
                        Span(article=article, project=project, start=start, end=end,
                             text=text, label=label, annotator=user)
                    )  # fmt: skip
            if article.pk % 2 == 0:
                for index in range(0, spans_per_article, 2):
                    start = offset + index * step
                    end = start + step - 1
                    spans.append(
                        Span(article=article, project=project, start=start, end=end,
                             text=article.body[start:end], label=labels[index % 3],
                             annotator=reviewer, gold=True)
                    )  # fmt: skip
        Span.objects.bulk_create(spans, batch_size=5000)
    return project.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--spans-per-article", type=int, default=50)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the project already filled")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    scratch_postgres(args.database_url)
    from annotations import selectors
    from annotations.models import Project, Span

    if not (args.reuse and Project.objects.filter(slug=SLUG).exists()):
        started = time.perf_counter()
        fill(args.articles, args.spans_per_article, args.annotators)
        print(f"fill: {time.perf_counter() - started:.1f} s")
    project = Project.objects.get(slug=SLUG)
    spans = Span.objects.filter(project=project, gold=False).count()
    gold = Span.objects.filter(project=project, gold=True).count()
    print(f"project: {project.articles.count()} articles, {spans} spans, {gold} gold spans")
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = selectors.project_agreement(project=project)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    # The CPU time of this process says what the machine's other load does not: a shared
    # machine stretches the wall time, not the work.
    print(
        f"agreement: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
        f"wall; best {min(cpu):.2f} s CPU in this process (load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    label = project.labels.order_by("name").first()
    started = time.perf_counter()
    selectors.project_agreement(project=project, label=label.pk)
    print(f"agreement ?label={label.pk}: {time.perf_counter() - started:.2f} s")
    print(f"f1 {result.f1:.3f}, alpha {result.alpha:.3f}")
    for pair in result.pairs:
        print(
            f"  {pair.annotator_a} × {pair.annotator_b}: f1 {pair.f1:.3f}, kappa {pair.kappa:.3f}"
        )
    for score in result.gold:
        print(f"  {score.annotator} vs gold: f1 {score.f1:.3f} over {score.articles} articles")


if __name__ == "__main__":
    main()
