"""Faults under load: a gunicorn worker killed mid-request, PostgreSQL restarted, and then a
check that nothing acknowledged was lost, nothing was half-written and the app recovered.

    .venv/bin/python bench/faults.py [--annotators 10] [--seconds 24] [--think 0.2]

It starts its own throwaway PostgreSQL server (initdb in a temporary directory, as the
``postgres`` user when run as root, on a free port), so the restart disturbs nothing else, then
gunicorn (2 workers) on it. The annotators of ``bench/load.py`` work for ``--seconds``; at a
quarter of the time one gunicorn worker is killed with SIGKILL, at half PostgreSQL is restarted
(``pg_ctl restart -m fast``: every connection is cut). Afterwards it prints the statuses seen,
checks the database as load.py does, and requires the app to answer again by itself: 20 span
creates in a row must succeed within 30 s of the restart, with no restart of the app.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=24)
    parser.add_argument("--think", type=float, default=0.2)
    args = parser.parse_args()

    cluster = Cluster()
    os.environ["DATABASE_URL"] = cluster.url
    server = None
    try:
        setup_django()
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
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        cluster.remove()
    sys.exit(status)


if __name__ == "__main__":
    main()
