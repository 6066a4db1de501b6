"""Many annotators at once: gunicorn on PostgreSQL, then a check that nothing was lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_load \\
        .venv/bin/python bench/load.py [--annotators 50] [--seconds 20] [--think 1.0]
        [--levels 10,25,50,100] [--workers 4] [--pgbouncer POOL]

Point DATABASE_URL at a scratch database: it is migrated and a new project is added to it.
Each simulated annotator signs in through ``auth/token/`` and then, for the given time, creates
spans on the project's shared articles, edits its own (label or note, with its version), deletes
them and restores them from the history, waiting a random think time between actions
(exponential, ``--think`` seconds on average; 0 fires as fast as the server answers). Every
request opens its own connection (gunicorn's sync workers close each one).

It prints requests/s, p50/p95/p99 per kind and the statuses, then reads the database and checks:
every acknowledged write is there as acknowledged (exists or not, version, label, note); a span
whose request failed is either as before or as after it, never between; each span's newest history
event is its current state; no span exists that no request could have made. Only 127.0.0.1 is
contacted; every loop is bounded by the time given.
"""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import api_bench  # noqa: E402
from bench.api_bench import HOST, Api, free_port, percentile  # noqa: E402

PASSWORD = "load-bench-password-7"
SAMPLE = ROOT.parent / "shared" / "samples"


def start_server(port: int, workers: int, log: Path, **env_extra: str) -> subprocess.Popen:
    """api_bench's gunicorn, with ``workers`` and the request log off (a line a request)."""
    env = {**os.environ, "DJANGO_DEBUG": "0", "ASSAY_REQUEST_LOG_LEVEL": "WARNING", **env_extra}
    return api_bench.start_server(env, port, log, workers=workers)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "load-bench-" + "k" * 50)
    import django

    django.setup()


def make_project(annotators: int, articles: int):
    """A project, its labels, ``articles`` shared articles and the annotators (members)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotations import services
    from annotations.models import Membership, Role

    call_command("migrate", verbosity=0)
    User = get_user_model()
    stamp = time.strftime("%H%M%S") + f"{random.randrange(1000):03d}"
    owner = User.objects.create_user(f"load-{stamp}-owner", password=PASSWORD)
    project = services.project_create(creator=owner, name=f"Load {stamp}")
    labels = [
        services.label_create(user=owner, project=project, name=name).pk
        for name in ("Assessment", "Claim", "Denial", "Source attribution")
    ]
    texts = sorted(SAMPLE.glob("*.txt")) or []
    body = "\n\n".join(path.read_text() for path in texts)[:20000] or ("Putin said so. " * 800)
    article_ids = [
        services.article_create(
            user=owner, project=project, title=f"Shared {n}", body=f"{body}\n\n({n})"
        ).pk
        for n in range(articles)
    ]
    users = []
    for n in range(annotators):
        user = User.objects.create_user(f"load-{stamp}-{n}", password=PASSWORD)
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        users.append(user.username)
    return project.pk, labels, article_ids, len(body), users


class Annotator(threading.Thread):
    """One simulated analyst: its own spans, and what the server acknowledged of them."""

    def __init__(self, port, username, articles, length, labels, think, seed):
        super().__init__(daemon=True)
        self.port, self.username = port, username
        self.articles, self.length, self.labels = articles, length, labels
        self.until, self.think = 0.0, think
        self.random = random.Random(seed)
        self.timings = defaultdict(list)  # kind -> [ms]
        self.statuses = Counter()  # (kind, status)
        self.acked = {}  # span id -> {"exists", "version", "label", "note"} as acknowledged
        self.doubt = defaultdict(list)  # span id -> the states a failed request may have left
        self.failed_creates = 0
        self.api = None

    def call(self, kind, method, path, payload=None):
        try:
            status, body, seconds = self.api.request(method, path, payload)
        except OSError:
            status, body, seconds = 0, b"", 0.0
        self.statuses[(kind, status)] += 1
        if status:
            self.timings[kind].append(seconds * 1000)
        return status, body

    def sign_in(self):
        api = Api(self.port)
        status, body, seconds = api.request(
            "POST", "/api/v1/auth/token/", {"username": self.username, "password": PASSWORD}
        )
        self.statuses[("sign in", status)] += 1
        self.timings["sign in"].append(seconds * 1000)
        self.api = Api(self.port, json.loads(body)["token"] if status == 200 else None)
        return status == 200

    def run(self):
        if self.api is None or self.api.token is None:
            return
        while time.monotonic() < self.until:
            if self.think:
                time.sleep(min(self.random.expovariate(1 / self.think), 5 * self.think))
            if time.monotonic() >= self.until:
                break
            mine = [pk for pk, state in self.acked.items() if state["exists"]]
            gone = [pk for pk, state in self.acked.items() if not state["exists"]]
            roll = self.random.random()
            if roll < 0.4 or not mine:
                self.create()
            elif roll < 0.7:
                self.edit(self.random.choice(mine))
            elif roll < 0.85 or not gone:
                self.delete(self.random.choice(mine))
            else:
                self.restore(self.random.choice(gone))

    def create(self):
        start = self.random.randrange(0, self.length - 40)
        end = start + self.random.randrange(5, 40)
        payload = {
            "article": self.random.choice(self.articles),
            "start": start,
            "end": end,
            "label": self.random.choice(self.labels),
        }
        status, body = self.call("create", "POST", "/api/v1/spans/", payload)
        if status == 201:
            span = json.loads(body)
            self.acked[span["id"]] = {
                "exists": True,
                "version": span["version"],
                "label": span["label"],
                "note": span["note"],
            }
        elif status == 0 or status >= 500:
            self.failed_creates += 1

    def edit(self, pk):
        before = self.acked[pk]
        change = (
            {"label": self.random.choice(self.labels)}
            if self.random.random() < 0.5
            else {"note": f"note {self.random.randrange(10**6)}"}
        )
        status, body = self.call(
            "edit", "PATCH", f"/api/v1/spans/{pk}/", {"version": before["version"], **change}
        )
        if status == 200:
            span = json.loads(body)
            self.acked[pk] = {**before, "version": span["version"], **change}
        elif status == 0 or status >= 500:
            self.doubt[pk].append({**before, "version": before["version"] + 1, **change})

    def delete(self, pk):
        before = self.acked[pk]
        status, _ = self.call("delete", "DELETE", f"/api/v1/spans/{pk}/")
        if status == 204:
            self.acked[pk] = {**before, "exists": False}
        elif status == 0 or status >= 500:
            self.doubt[pk].append({**before, "exists": False})

    def restore(self, pk):
        before = self.acked[pk]
        status, body = self.call("history", "GET", f"/api/v1/history/?span={pk}&page_size=1")
        if status != 200:
            return
        newest = json.loads(body)["results"]
        if not newest or newest[0]["action"] != "deleted":
            return
        status, body = self.call("restore", "POST", f"/api/v1/history/{newest[0]['id']}/restore/")
        if status == 200:
            span = json.loads(body)
            self.acked[pk] = {
                "exists": True,
                "version": span["version"],
                "label": span["label"],
                "note": span["note"],
            }
        elif status == 0 or status >= 500:
            self.doubt[pk].append({**before, "exists": True})


def check(project_id, annotators):
    """What the database holds against what was acknowledged. Returns a list of problems."""
    from django.db import connection

    from annotations.models import Span, SpanEvent

    connection.close()  # a fresh connection: the server's writes are all committed by now
    problems = []
    rows = {
        row["id"]: row
        for row in Span.objects.filter(article__project_id=project_id).values(
            "id", "version", "label_id", "note"
        )
    }
    known = set()
    for annotator in annotators:
        for pk, state in annotator.acked.items():
            known.add(pk)
            row = rows.get(pk)
            held = (
                {"exists": False}
                if row is None
                else {
                    "exists": True,
                    "version": row["version"],
                    "label": row["label_id"],
                    "note": row["note"],
                }
            )
            allowed = [state, *annotator.doubt.get(pk, [])]
            if not any(_same(held, one) for one in allowed):
                problems.append(f"span {pk}: acknowledged {state}, database holds {held}")
    unknown = set(rows) - known
    failed_creates = sum(a.failed_creates for a in annotators)
    if len(unknown) > failed_creates:
        problems.append(
            f"{len(unknown)} spans nobody was told of, but only {failed_creates} creates failed"
        )
    newest = {}
    for event in (
        SpanEvent.objects.filter(project_id=project_id).order_by("span_id", "at", "id").iterator()
    ):
        newest[event.span_id] = event
    for pk, row in rows.items():
        event = newest.get(pk)
        if event is None or event.action == "deleted":
            problems.append(f"span {pk} exists but its history says {event and event.action}")
            continue
        after = event.after or {}
        if (after.get("version"), after.get("label"), after.get("note")) != (
            row["version"],
            row["label_id"],
            row["note"],
        ):
            problems.append(f"span {pk}: newest event {after} is not the row {row}")
    for pk, event in newest.items():
        if pk not in rows and event.action != "deleted":
            problems.append(f"span {pk} is gone but its newest event is {event.action}")
    return problems, len(rows)


def _same(held, state):
    if not held["exists"] or not state["exists"]:
        return held["exists"] == state["exists"]
    return all(held[key] == state[key] for key in ("version", "label", "note"))


def run_level(port, count, seconds, think, project, seed):
    """The first ``count`` annotators sign in together (a password hash each: slow on purpose,
    timed on its own), then work together for ``seconds``."""
    _, labels, articles, length, users = project
    crowd = [
        Annotator(port, users[n], articles, length, labels, think, seed * 1000 + n)
        for n in range(count)
    ]
    signing_in = [threading.Thread(target=a.sign_in) for a in crowd]
    for thread in signing_in:
        thread.start()
    for thread in signing_in:
        thread.join(120)
    started = time.monotonic()
    for annotator in crowd:
        annotator.until = started + seconds
        annotator.start()
    for annotator in crowd:
        annotator.join(seconds + 60)
    return crowd, time.monotonic() - started


def report(count, crowd, elapsed, think):
    timings, statuses = defaultdict(list), Counter()
    for annotator in crowd:
        for kind, values in annotator.timings.items():
            timings[kind].extend(values)
        statuses.update(annotator.statuses)
    work = sum(len(v) for k, v in timings.items() if k != "sign in")
    errors5 = sum(n for (kind, status), n in statuses.items() if status >= 500 or status == 0)
    print(f"\n== {count} annotators, think {think:g} s, {elapsed:.1f} s")
    print(f"   {work / elapsed:.0f} requests/s, 5xx or no answer: {errors5}")
    for kind in ("sign in", "create", "edit", "delete", "history", "restore"):
        values = timings.get(kind)
        if not values:
            continue
        print(
            f"   {kind:8} n={len(values):6}  p50 {statistics.median(values):7.1f} ms"
            f"  p95 {percentile(values, 95):7.1f} ms  p99 {percentile(values, 99):7.1f} ms"
        )
    shown = ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(statuses.items()))
    print(f"   statuses: {shown}")
    return errors5


def start_pgbouncer(database_url: str, pool_size: int) -> tuple[subprocess.Popen, str, Path]:
    """Debian's pgbouncer in transaction mode in front of ``database_url``'s server, on a free
    port (run as ``postgres`` when this runs as root: it refuses root). Returns the process,
    the URL that goes through it, and its directory."""
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    home = Path(tempfile.mkdtemp(prefix="assay-pgbouncer-"))
    port = free_port()
    (home / "users.txt").write_text(f'"{parts.username or "postgres"}" ""\n')
    (home / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={parts.hostname or HOST} port={parts.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = {HOST}\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {home / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 1000\n"
        f"logfile = {home / 'pgbouncer.log'}\n"
    )
    command = ["/usr/sbin/pgbouncer", str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        for path in home.iterdir():
            shutil.chown(path, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    bouncer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    url = parts._replace(netloc=f"{parts.username or 'postgres'}@{HOST}:{port}").geturl()
    return bouncer, url, home


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--levels", default="", help="e.g. 10,25,50,100 (overrides --annotators)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument(
        "--pgbouncer",
        type=int,
        default=0,
        metavar="POOL",
        help="serve through PgBouncer in transaction mode with this many server connections",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (see the docstring).")
    levels = [int(n) for n in args.levels.split(",") if n] or [args.annotators]
    setup_django()
    project = make_project(max(levels), args.articles)
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="assay-load-")) / "gunicorn.log"
    bouncer, via = None, {}
    if args.pgbouncer:
        bouncer, url, home = start_pgbouncer(os.environ["DATABASE_URL"], args.pgbouncer)
        via = {"DATABASE_URL": url, "DATABASE_POOLER": "transaction"}
        print(f"PgBouncer (transaction mode, {args.pgbouncer} server connections): {url}")
    server = start_server(port, args.workers, log, **via)
    print(f"gunicorn: {args.workers} workers on {HOST}:{port}; its log: {log}")
    bad, everyone = 0, []
    try:
        for count in levels:
            crowd, elapsed = run_level(port, count, args.seconds, args.think, project, count)
            everyone += crowd
            bad += report(count, crowd, elapsed, args.think)
            problems, spans = check(project[0], everyone)
            print(f"   database: {spans} spans; {len(problems)} problems")
            for problem in problems[:20]:
                print(f"     {problem}")
            bad += len(problems)
    finally:
        server.terminate()
        server.wait(30)
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait(10)
            shutil.rmtree(home, ignore_errors=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
