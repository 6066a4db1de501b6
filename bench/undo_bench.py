"""How long the annotate page's undo of a group takes: a label-all of ``--spans`` spans, then
its undo and its redo, each one request to the page's views (in-process, Django's client).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_bench_undo \
        .venv/bin/python bench/undo_bench.py [--spans 100 1000 5000] [--rounds 1]

DATABASE_URL (default the URL above; a scratch PostgreSQL database, created and migrated here)
holds a project made for the run and dropped after. The article is ``--spans`` short
paragraphs, each naming "Minsk" once; a label-all makes a span at each, and the page's undo
(``services.span_events_revert``: a group of creates through ``undo.revert_creates``, in one
transaction) deletes them all, the redo (``undo.revert_deletes``) brings them back. Prints
the time of each request and per span: what ``services.MAX_GROUP`` (a group's cap) costs at
its most.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import drop_project, ensure_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_undo"
HX = {"HTTP_HX_REQUEST": "true"}


def run(spans: int) -> tuple[float, float, float]:
    from django.test import Client
    from django.urls import reverse

    from annotations import services
    from annotations.models import Span
    from tests.factories import UserFactory

    user = UserFactory(username=f"bench-undo-{time.time_ns()}")
    project = services.project_create(
        name="Undo bench", slug=f"undo-{time.time_ns()}", creator=user
    )
    try:
        label = services.label_create(
            project=project, user=user, name="Place", color="#93c5fd", hotkey="a"
        )
        body = "\n".join(f"Paragraph {i}: Minsk said something." for i in range(spans))
        article = services.article_create(project=project, user=user, body=body, title="Minsk")
        client = Client()
        client.force_login(user)
        args = [project.slug, article.pk]
        start = body.index("Minsk")

        began = time.perf_counter()
        made = client.post(
            reverse("annotations:label-all", args=args),
            {"start": start, "end": start + 5, "label": label.pk},
            **HX,
        )
        label_all = time.perf_counter() - began
        assert made.status_code == 200, made.content[:300]
        events = json.loads(made["HX-Trigger"])["assay:made"]["events"]

        url = reverse("annotations:span-revert", args=args)
        began = time.perf_counter()
        undone = client.post(url, {"events": events}, **HX)
        undo = time.perf_counter() - began
        assert undone.status_code == 200, undone.content[:300]
        assert not Span.objects.filter(article=article).exists()

        back = json.loads(undone["HX-Trigger"])["assay:reverted"]["events"]
        began = time.perf_counter()
        redone = client.post(url, {"events": back, "redo": "1"}, **HX)
        redo = time.perf_counter() - began
        assert redone.status_code == 200, redone.content[:300]
        assert Span.objects.filter(article=article).count() == spans
        return label_all, undo, redo
    finally:
        drop_project(project)
        user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if url.startswith("postgres"):
        ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    from annotations import services

    call_command("migrate", verbosity=0)
    print(f"database {url.rsplit('/', 1)[-1]}; a group's cap (MAX_GROUP) {services.MAX_GROUP:,}")
    heads = ("label-all", 10), ("undo", 9), ("redo", 9), ("undo/span", 10), ("redo/span", 10)
    print(f"{'spans':>6} " + " ".join(f"{head:>{width}}" for head, width in heads))
    for spans in options.spans:
        for _ in range(options.rounds):
            label_all, undo, redo = run(spans)
            print(
                f"{spans:>6,} {label_all:>9.2f}s {undo:>8.2f}s {redo:>8.2f}s"
                f" {undo / spans * 1000:>8.2f}ms {redo / spans * 1000:>8.2f}ms"
            )


if __name__ == "__main__":
    main()
