"""Faults under load: a gunicorn worker killed mid-request, PostgreSQL restarted, the job
worker killed mid-import; then a check that nothing acknowledged was lost, nothing was
half-written and the app recovered.

    .venv/bin/python bench/faults.py [--annotators 10] [--seconds 24] [--think 0.2]
                                     [--only web|jobs] [--import-articles 20000]

It starts its own throwaway PostgreSQL server (initdb in a temporary directory, as the
``postgres`` user when run as root, on a free port), so the restart disturbs nothing else, then
gunicorn (2 workers) on it. The annotators of ``bench/load.py`` work for ``--seconds``; at a
quarter of the time one gunicorn worker is killed with SIGKILL, at half PostgreSQL is restarted
(``pg_ctl restart -m fast``: every connection is cut). Afterwards it prints the statuses seen,
checks the database as load.py does, and requires the app to answer again by itself: 20 span
creates in a row must succeed within 30 s of the restart, with no restart of the app.

The job worker (``manage.py db_worker``, as ``scripts/serve`` runs it) then gets a large import
from the import page's service (``--import-articles`` articles, 5 spans each). Once the import's
transaction has written rows (its backend holds a transaction id and the span table has grown)
the worker is killed with SIGKILL. Required: no article, span or history row of it is left;
the job is not left running (the next job's sweep fails it once its heartbeat is
``ASSAY_JOB_STALE_SECONDS`` old, 15 s here, 120 s by default); a new worker runs new jobs; and
the same file imported again arrives whole, once.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.api_bench import HOST, free_port  # noqa: E402
from bench.load import check, make_project, report, setup_django, start_server  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql") / max(os.listdir("/usr/lib/postgresql")) / "bin"


def as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class Cluster:
    """A PostgreSQL server of its own, in a temporary directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="assay-faults-pg-"))
        self.data, self.port = self.dir / "data", free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        self.pg_ctl("start", "-w", "-o", self.options)
        self.run("createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", "assay")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/assay"

    @property
    def options(self) -> str:
        return f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}"

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            as_postgres(str(PG_BIN / tool), *args), check=True, stdout=subprocess.DEVNULL
        )

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), *args)

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast", "-w", "-o", self.options)

    def remove(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def workers_of(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def recovers(port: int, project, seconds: float = 30):
    """20 span creates in a row answered 201, within ``seconds``; and the prober (its spans
    are checked with the rest)."""
    from bench.load import Annotator

    _, labels, articles, length, users = project
    probe = Annotator(port, users[-1], articles, length, labels, 0, 12345)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        if probe.api is None or probe.api.token is None:
            probe.sign_in()
            continue
        before = probe.statuses[("create", 201)]
        for _ in range(20):
            probe.create()
        if probe.statuses[("create", 201)] - before == 20:
            return True, time.monotonic() - started, probe
        time.sleep(0.5)
    return False, time.monotonic() - started, probe


STALE_SECONDS = 15
SPANS_PER_ARTICLE = 5


def import_file(path: Path, articles: int, name: str = "Report") -> int:
    """A jsonl file of ``articles`` articles (about 600 characters), 5 spans each."""
    import json

    words = "Belarus remains unlikely to join the war, ISW assesses, citing Lukashenko. "
    with path.open("w") as out:
        for n in range(articles):
            body = f"{name} {n:06}. " + words * 8
            spans = [
                {"start": 12 + 75 * k, "end": 19 + 75 * k, "label": ("Claim", "Assessment")[k % 2]}
                for k in range(SPANS_PER_ARTICLE)
            ]
            out.write(json.dumps({"title": f"{name} {n}", "body": body, "spans": spans}) + "\n")
    return path.stat().st_size


def start_worker(log: Path) -> subprocess.Popen:
    """``manage.py db_worker`` as scripts/serve starts it (this process's environment)."""
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.2", "--verbosity", "0"]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "0"},
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds: float, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(every)
    return None


def job_worker_fault(cluster: "Cluster", articles: int) -> bool:
    """The job worker killed mid-import (see the module's docstring). True when it held."""
    from django.core.files import File
    from django.db import connection

    from annotations.models import Article, Job, JobStatus, Span, SpanEvent
    from annotations.services.jobs import job_import_start, job_refresh, progress_path

    def query(sql: str, *params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rows(project) -> tuple[int, int, int]:
        return (
            Article.objects.filter(project=project).count(),
            Span.objects.filter(project=project).count(),
            SpanEvent.objects.filter(project=project).count(),
        )

    def start(project, manager, path: Path) -> Job:
        with path.open("rb") as raw:
            return job_import_start(project=project, user=manager, upload=File(raw, path.name))

    def finished(job: Job, seconds: float) -> Job | None:
        return wait_for(
            lambda: (j := job_refresh(Job.objects.get(pk=job.pk))).finished and j, seconds
        )

    from annotations.models import Project

    project = Project.objects.get(pk=make_project(0, 0)[0])
    manager = project.memberships.get(role="manager").user
    big = cluster.dir / "big.jsonl"
    size = import_file(big, articles)
    small = cluster.dir / "small.jsonl"
    import_file(small, 3, name="Small")
    print(
        f"\n-- job worker killed mid-import ({articles} articles, {articles * SPANS_PER_ARTICLE}"
        f" spans, {size / 1e6:.1f} MB; stale after {STALE_SECONDS} s) --"
    )

    log = cluster.dir / "worker.log"
    worker = start_worker(log)
    heap_before = query("SELECT pg_relation_size('annotations_span')")[0][0]
    job = start(project, manager, big)
    started = time.monotonic()

    def writing():
        found = query(
            "SELECT pid, backend_xid::text FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        grown = query("SELECT pg_relation_size('annotations_span')")[0][0] - heap_before
        share = job_refresh(Job.objects.get(pk=job.pk)).progress
        return found[0] + (grown, share) if found and grown > 0 and share >= 0.3 else None

    caught = wait_for(writing, 300, every=0.05)
    if caught is None:
        print("   the import never began writing: nothing to kill")
        worker.kill()
        return False
    backend, xid, grown, share = caught
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    print(
        f"t={killed_at - started:5.1f} s  SIGKILL the worker {worker.pid}: its transaction "
        f"(backend {backend}, xid {xid}) had written {grown / 1e6:.1f} MB of spans; "
        f"{share * 100:.0f} % of the file read by the last heartbeat"
    )
    gone = wait_for(
        lambda: not query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", backend) or "gone", 30
    )
    left = rows(project)
    state = Job.objects.get(pk=job.pk).status
    print(
        f"   its backend ended: {'yes' if gone else 'NO'}; left of the import: "
        f"{left[0]} articles, {left[1]} spans, {left[2]} history rows; the job says {state}"
    )

    worker = start_worker(log)
    t0 = time.monotonic()
    fresh = finished(start(project, manager, small), 60)
    print(
        f"   a new worker runs a new job: {fresh.status if fresh else 'NOT RUN'} in "
        f"{time.monotonic() - t0:.1f} s; the killed job meanwhile: "
        f"{Job.objects.get(pk=job.pk).status}"
    )

    # Once the killed job's heartbeat is stale, the next job's sweep fails it (no page opened).
    beat = progress_path(job.pk)
    stale_in = STALE_SECONDS + 1 - (time.time() - beat.stat().st_mtime) if beat.exists() else 0
    time.sleep(max(stale_in, 0))
    sweeper = finished(start(project, manager, small), 60)
    killed = Job.objects.get(pk=job.pk)
    print(
        f"t={time.monotonic() - started:5.1f} s  next job {sweeper.status if sweeper else '?'}; "
        f"the killed job is now {killed.status} ({time.monotonic() - killed_at:.0f} s after the "
        f"kill): “{killed.error}”"
    )

    t0 = time.monotonic()
    again = finished(start(project, manager, big), 600)
    took = time.monotonic() - t0
    whole = rows(project)
    expected = (
        articles + 3,
        (articles + 3) * SPANS_PER_ARTICLE,
        (articles + 3) * SPANS_PER_ARTICLE,
    )
    print(
        f"   the same file again: {again.status if again else 'NOT RUN'} in {took:.1f} s "
        f"({articles / took:,.0f} articles/s); the project holds {whole[0]} articles, "
        f"{whole[1]} spans, {whole[2]} history rows (expected {expected})"
    )
    worker.terminate()
    worker.wait(30)
    ok = (
        gone is not None
        and left == (0, 0, 0)
        and fresh is not None
        and fresh.status == JobStatus.SUCCEEDED
        and killed.status == JobStatus.FAILED
        and again is not None
        and again.status == JobStatus.SUCCEEDED
        and whole == expected
    )
    print(f"   job worker fault: {'held' if ok else 'FAILED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=24)
    parser.add_argument("--think", type=float, default=0.2)
    parser.add_argument("--only", choices=("web", "jobs"), help="one of the two runs")
    parser.add_argument("--import-articles", type=int, default=20000)
    args = parser.parse_args()

    cluster = Cluster()
    os.environ["DATABASE_URL"] = cluster.url
    os.environ["ASSAY_JOBS_DIR"] = str(cluster.dir / "jobs")
    os.environ["ASSAY_JOB_STALE_SECONDS"] = str(STALE_SECONDS)
    os.environ["ASSAY_REQUEST_LOG_LEVEL"] = "WARNING"
    server = None
    status = 1
    try:
        setup_django()
        if args.only == "jobs":
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            sys.exit(0 if job_worker_fault(cluster, args.import_articles) else 1)
        project = make_project(args.annotators + 1, 3)
        port = free_port()
        server = start_server(port, 2, cluster.dir / "gunicorn.log")
        print(f"PostgreSQL on port {cluster.port}, gunicorn (2 workers) on port {port}")

        from bench.load import Annotator

        _, labels, articles, length, users = project
        crowd = [
            Annotator(port, users[n], articles, length, labels, args.think, n)
            for n in range(args.annotators)
        ]
        for annotator in crowd:
            annotator.sign_in()
        started = time.monotonic()
        for annotator in crowd:
            annotator.until = started + args.seconds
            annotator.start()

        time.sleep(args.seconds / 4)
        victim = workers_of(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        print(f"t={time.monotonic() - started:4.1f} s  killed gunicorn worker {victim}")
        time.sleep(args.seconds / 4)
        restart_at = time.monotonic()
        threading.Thread(target=cluster.restart).start()
        print(f"t={restart_at - started:4.1f} s  restarting PostgreSQL")
        for annotator in crowd:
            annotator.join(args.seconds + 60)
        elapsed = time.monotonic() - started

        errors = report(args.annotators, crowd, elapsed, args.think)
        ok, took, probe = recovers(port, project)
        print(
            f"   recovered by itself: {'yes' if ok else 'NO'} (20 creates in a row, {took:.1f} s)"
        )
        from django.db import connection

        connection.close()
        problems, spans = check(project[0], [*crowd, probe])
        print(f"   database: {spans} spans; {len(problems)} problems; {errors} requests failed")
        for problem in problems[:20]:
            print(f"     {problem}")
        status = 0 if ok and not problems else 1
        server.terminate()
        server.wait(30)
        server = None
        if args.only is None and not job_worker_fault(cluster, args.import_articles):
            status = 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        cluster.remove()
    sys.exit(status)


if __name__ == "__main__":
    main()
