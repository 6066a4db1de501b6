"""Benchmark exports and imports on PostgreSQL: every export format, then a ``jsonl`` import.

    .venv/bin/python bench/io_bench.py [--articles 10000] [--spans-per-article 100]
                                       [--import-articles 10000] [--import-spans-per-article 10]
                                       [--formats jsonl,csv] [--reuse] [--no-tracemalloc]
                                       [--import-writer copy|orm]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/assay_bench_io) must name a scratch
database: it is created when missing (``CREATE DATABASE`` through psql), migrated, and its
bench project is replaced. The fill goes straight to SQL (``INSERT … SELECT`` over
``generate_series``), because the fill is not what is measured.

Each format is exported in a fresh subprocess to a sink that keeps only a hash, so that the
figures are independent: the time and spans/s of a plain run, the growth of the process's
peak RSS (``ru_maxrss``) over that run, and then, in a second pass, tracemalloc's peak (Python
allocations only, and slower, so it is not timed). The import reads a generated ``jsonl``
file into an empty project through ``article_import``, the path of the command and the API.
Only the local database is contacted; every loop is bounded.
"""

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assay_bench_io"
PROJECT_SLUG = "bench-io"
IMPORT_SLUG = "bench-io-import"
WORD = "Лукашенко 🇺🇦 said that 北京 "  # 25 code points: emoji, a flag and CJK in every span


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-io-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    base = ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    base += ["-U", parsed.username or "postgres", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run([*base, f'CREATE DATABASE "{name}"'], check=True, env=env)


# --- fill -----------------------------------------------------------------------------------


def fill(articles: int, spans_per_article: int) -> None:
    """The bench project: ``articles`` articles of ``spans_per_article`` spans, in bulk SQL.

    Every span has one actor (the source), every other one a second (the subject), and each
    article one relation between its first two spans (by id: the spans are not inserted
    article by article, so ``id + 1`` is another article's span); the spans do not overlap
    except for a nested one in ten, so that CoNLL has something to drop.
    """
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import Actor, Label, Membership, Project, Role

    call_command("migrate", verbosity=0)
    drop_project(PROJECT_SLUG)
    user, _ = get_user_model().objects.get_or_create(username="bench-io")
    project = Project.objects.create(name="Bench IO", slug=PROJECT_SLUG, created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    labels = [
        Label.objects.create(project=project, name=name, hotkey=str(n))
        for n, name in enumerate(["Assessment", "Claim", "Threat rhetoric"], start=1)
    ]
    relation = Label.objects.create(project=project, name="responds to", kind="relation")
    actors = [
        Actor.objects.get_or_create(name=name, defaults={"kind": kind, "wikidata_id": qid})[0]
        for name, kind, qid in [
            ("ISW", "organization", "Q6045939"),
            ("Belarus", "state", "Q184"),
            ("Alexander Lukashenko", "person", "Q39599"),
        ]
    ]
    step = len(WORD)
    repeats = spans_per_article + 2
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO annotations_article (project_id, title, body, source, url, author,
                language, external_id, metadata, sha256, created_by_id, created_at, updated_at,
                published_on)
            SELECT %s, 'Article ' || n, b.body, 'ISW', 'https://example.org/' || n, '', 'en',
                'ext-' || n, jsonb_build_object('n', n, 'batch', 'bench'),
                encode(sha256(convert_to(b.body, 'UTF8')), 'hex'), %s, now(), now(),
                DATE '2026-01-01' + (n %% 300)
            FROM generate_series(1, %s) AS n,
                LATERAL (SELECT n || ': ' || repeat(%s, %s) AS body) AS b
            """,
            [project.pk, user.pk, articles, WORD, repeats],
        )
        # Span k of an article starts at its k-th word; one in ten is nested in its word.
        cursor.execute(
            """
            INSERT INTO annotations_span (article_id, project_id, start, "end", text, label_id,
                annotator_id, probability, confidence, note, status, gold, version, created_at,
                updated_at)
            SELECT a.id, a.project_id, o.start, o.stop,
                substr(a.body, o.start + 1, o.stop - o.start),
                (ARRAY[%s, %s, %s])[1 + k %% 3], %s,
                (ARRAY['likely', 'unlikely', NULL])[1 + k %% 3],
                (ARRAY['high', NULL])[1 + k %% 2], CASE WHEN k %% 7 = 0 THEN 'a note' ELSE '' END,
                (ARRAY['pending', 'accepted', 'rejected'])[1 + k %% 3], false, 1, now(), now()
            FROM annotations_article a, generate_series(0, %s - 1) AS k,
                LATERAL (
                    SELECT length(split_part(a.body, ':', 1)) + 2
                        + (CASE WHEN k %% 10 = 9 THEN k - 1 ELSE k END) * %s
                        + (CASE WHEN k %% 10 = 9 THEN 10 ELSE 0 END) AS start,
                        length(split_part(a.body, ':', 1)) + 2
                        + (CASE WHEN k %% 10 = 9 THEN k - 1 ELSE k END) * %s
                        + (CASE WHEN k %% 10 = 9 THEN 13 ELSE %s - 1 END) AS stop
                ) AS o
            WHERE a.project_id = %s
            """,
            [
                *(label.pk for label in labels),
                user.pk,
                spans_per_article,
                step,
                step,
                step,
                project.pk,
            ],
        )
        cursor.execute(
            """
            INSERT INTO annotations_spanactor (span_id, actor_id, role)
            SELECT s.id, %s, 'source' FROM annotations_span s WHERE s.project_id = %s
            UNION ALL
            SELECT s.id, (ARRAY[%s, %s])[1 + s.id %% 2], 'subject'
            FROM annotations_span s WHERE s.project_id = %s AND s.id %% 2 = 0
            """,
            [actors[0].pk, project.pk, actors[1].pk, actors[2].pk, project.pk],
        )
        cursor.execute(
            """
            INSERT INTO annotations_relation (article_id, from_span_id, to_span_id, label_id,
                annotator_id, created_at)
            SELECT f.article_id, f.ids[1], f.ids[2], %s, %s, now()
            FROM (SELECT article_id, (array_agg(id ORDER BY id))[1:2] AS ids
                  FROM annotations_span WHERE project_id = %s GROUP BY article_id) AS f
            WHERE cardinality(f.ids) = 2
            """,
            [relation.pk, user.pk, project.pk],
        )
        cursor.execute("ANALYZE")


def drop_project(slug: str) -> None:
    """Delete a bench project an earlier run left, and everything in it (raw deletes: its
    spans and articles are protected from a project's delete)."""
    from django.db import connection

    from annotations.models import Project

    project = Project.objects.filter(slug=slug).first()
    if project is None:
        return
    with connection.cursor() as cursor:
        for sql in (
            "DELETE FROM annotations_spanevent WHERE project_id = %s",
            "DELETE FROM annotations_relation WHERE article_id IN "
            "(SELECT id FROM annotations_article WHERE project_id = %s)",
            "DELETE FROM annotations_spanactor WHERE span_id IN "
            "(SELECT id FROM annotations_span WHERE project_id = %s)",
            "DELETE FROM annotations_span WHERE project_id = %s",
        ):
            cursor.execute(sql, [project.pk])
    project.articles.all()._raw_delete(project.articles.db)
    project.delete()


def counts(slug: str) -> tuple[int, int]:
    from annotations.models import Article, Span

    return (
        Article.objects.filter(project__slug=slug).count(),
        Span.objects.filter(project__slug=slug).count(),
    )


# --- export, one format a process -----------------------------------------------------------


class Digest:
    """A sink that keeps nothing but a hash, so that only the export's own memory counts."""

    def __init__(self):
        self.hash = hashlib.sha256()
        self.bytes = 0

    def write(self, chunk) -> None:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        self.bytes += len(data)
        self.hash.update(data)


def _export_once(fmt: str):
    from annotations.exports import export_stream
    from annotations.models import Project

    project = Project.objects.get(slug=PROJECT_SLUG)
    _, _, chunks, stats = export_stream(project, fmt)
    sink = Digest()
    for chunk in chunks:
        sink.write(chunk)
    return stats, sink


def export_child(fmt: str, use_tracemalloc: bool) -> None:
    """Run in the subprocess: print one JSON line of figures for ``fmt``."""
    from django.db import connection

    from annotations import exports  # noqa: F401  (imports are not the export's growth)

    connection.ensure_connection()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    stats, sink = _export_once(fmt)
    seconds = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    peak = None
    if use_tracemalloc:
        tracemalloc.start()
        _export_once(fmt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "format": fmt,
                "seconds": seconds,
                "articles": stats.articles,
                "spans": stats.spans,
                "bytes": sink.bytes,
                "sha256": sink.hash.hexdigest(),
                "dropped": stats.dropped,
                "rss_growth_kb": rss_growth,
                "tracemalloc_peak": peak,
            }
        )
    )


def run_export(url: str, fmt: str, use_tracemalloc: bool) -> dict:
    command = [sys.executable, __file__, "--child-export", fmt, "--database-url", url]
    if not use_tracemalloc:
        command.append("--no-tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode:
        raise SystemExit(f"{fmt} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- import ---------------------------------------------------------------------------------


def import_file(path: Path, articles: int, spans_per_article: int) -> int:
    """A ``jsonl`` file as the export writes it; returns the number of spans."""
    step = len(WORD)
    spans = 0
    with open(path, "w", encoding="utf-8") as out:
        for n in range(articles):
            prefix = f"import {n}: "
            body = prefix + WORD * (spans_per_article + 1)
            items = []
            for k in range(spans_per_article):
                start = len(prefix) + k * step
                end = start + step - 1
                actors = [{"name": "ISW", "kind": "organization", "wikidata_id": "Q6045939"}]
                actors[0]["role"] = "source"
                if k % 2:
                    actors.append(
                        {
                            "name": "Belarus",
                            "kind": "state",
                            "wikidata_id": "Q184",
                            "role": "subject",
                        }
                    )
                items.append(
                    {
                        "start": start,
                        "end": end,
                        "text": body[start:end],
                        "label": ("Assessment", "Claim", "Threat rhetoric")[k % 3],
                        "actors": actors,
                        "probability": ("likely", "unlikely", None)[k % 3],
                        "confidence": ("high", None)[k % 2],
                        "note": "a note" if k % 7 == 0 else "",
                        "status": "pending",
                        "annotator": None,
                    }
                )
            record = {
                "external_id": f"imp-{n}",
                "title": f"Imported {n}",
                "body": body,
                "source": "ISW",
                "url": f"https://example.org/i/{n}",
                "published_on": "2026-06-01",
                "author": "",
                "language": "en",
                "metadata": {"n": n},
                "spans": items,
                "relations": [{"from": 0, "to": 1, "label": "responds to"}]
                if spans_per_article >= 2
                else [],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            spans += len(items)
    return spans


def run_import(articles: int, spans_per_article: int, writer: str = "copy") -> dict:
    from django.contrib.auth import get_user_model

    from annotations.imports import article_import
    from annotations.imports import writer as import_writer

    import_writer.USE_COPY = writer == "copy"
    from annotations.models import Membership, Project, Role

    drop_project(IMPORT_SLUG)
    user, _ = get_user_model().objects.get_or_create(username="bench-io")
    project = Project.objects.create(name="Bench IO import", slug=IMPORT_SLUG, created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.jsonl"
        spans = import_file(path, articles, spans_per_article)
        size = path.stat().st_size
        started = time.perf_counter()
        with open(path, "rb") as file:
            result = article_import(project=project, user=user, fmt="jsonl", file=file)
        seconds = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"the import failed: {result.errors[:5]}")
    assert result.created == articles and result.spans == spans, result
    return {"seconds": seconds, "articles": articles, "spans": spans, "bytes": size}


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--spans-per-article", type=int, default=100)
    parser.add_argument("--import-articles", type=int, default=10_000)
    parser.add_argument("--import-spans-per-article", type=int, default=10)
    parser.add_argument("--formats", help="Comma-separated; every format when left out.")
    parser.add_argument("--reuse", action="store_true", help="Keep the bench project if filled.")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument(
        "--import-writer",
        choices=["copy", "orm"],
        default="copy",
        help="The import's writes: COPY (the fast path) or the ORM's bulk_create, its twin.",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--child-export", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL scratch database.")
    if args.child_export:
        setup_django(url)
        export_child(args.child_export, not args.no_tracemalloc)
        return
    ensure_database(url)
    setup_django(url)
    from annotations.exports import FORMATS

    wanted = (args.articles, args.articles * args.spans_per_article)
    started = time.perf_counter()
    if args.reuse and counts(PROJECT_SLUG) == wanted:
        print(f"reusing {wanted[0]:,} articles and {wanted[1]:,} spans", flush=True)
    else:
        fill(args.articles, args.spans_per_article)
        print(
            f"filled {wanted[0]:,} articles and {wanted[1]:,} spans "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    formats = args.formats.split(",") if args.formats else list(FORMATS)
    header = f"{'format':<12}{'spans':>10}{'time s':>9}{'spans/s':>10}{'MB out':>8}"
    header += f"{'RSS +MB':>9}{'tracemalloc MB':>16}{'dropped':>9}  sha256 (the output's)"
    print(header)
    for fmt in formats:
        row = run_export(url, fmt, not args.no_tracemalloc)
        peak = row["tracemalloc_peak"]
        print(
            f"{fmt:<12}{row['spans']:>10,}{row['seconds']:>9.2f}"
            f"{row['spans'] / row['seconds']:>10,.0f}{row['bytes'] / 1e6:>8.1f}"
            f"{row['rss_growth_kb'] / 1024:>9.1f}"
            f"{'-' if peak is None else f'{peak / 2**20:.1f}':>16}{row['dropped']:>9,}"
            f"  {row['sha256'][:16]}",
            flush=True,
        )
    if not args.no_import:
        row = run_import(args.import_articles, args.import_spans_per_article, args.import_writer)
        print(
            f"import jsonl: {row['articles']:,} articles, {row['spans']:,} spans "
            f"({row['bytes'] / 1e6:.1f} MB) in {row['seconds']:.1f} s: "
            f"{row['articles'] / row['seconds']:,.0f} articles/s, "
            f"{row['spans'] / row['seconds']:,.0f} spans/s"
        )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
