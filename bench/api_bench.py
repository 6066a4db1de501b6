"""Benchmark the REST API under gunicorn, a new TCP connection per request.

    .venv/bin/python bench/api_bench.py [--n 5000] [--reads 100]

Starts gunicorn (config.wsgi, 2 workers, 127.0.0.1, a free port, DJANGO_DEBUG=0) on a fresh
SQLite file in a temporary directory, or on DATABASE_URL when it is set (its tables are migrated
and filled: point it at a scratch database). Fills it through the API, then prints p50/p95 for

  floor        a bare Django view that parses the JSON and does one INSERT (ASSAY_BENCH_FLOOR=1)
  span create  POST /api/v1/spans/ with one span (interleaved with the floor requests)
  span list    GET /api/v1/spans/?article=… one page of 100 spans of one article
  big article  GET /api/v1/articles/{id}/ of 200,000 characters plus all pages of its 2,000
               spans (page_size=1000), the client's JSON parsing included; then the three
               requests alone (the fetch, as the issue's target counts it), and the same
               split into the article request, the span page requests and the parsing;
               read right after the writes, then again after VACUUM ANALYZE (what
               autovacuum does on a running server once the creates cross its threshold)

each also as a ratio to the floor's p50. Only 127.0.0.1 is contacted; every loop is bounded.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Api:
    """One request, one new connection: no keep-alive flatters nothing."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token = port, token

    def request(self, method: str, path: str, payload=None) -> tuple[int, bytes, float]:
        headers = {"Accept": "application/json", "Connection": "close"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return response.status, data, time.perf_counter() - started

    def json(self, method: str, path: str, payload=None, expect=(200, 201)):
        status, data, _ = self.request(method, path, payload)
        if status not in expect:
            raise SystemExit(f"{method} {path} answered {status}: {data[:500]!r}")
        return json.loads(data) if data else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict, code: str) -> str:
    """Run ``code`` in ``manage.py shell``; its last line of output."""
    output = manage(env, "shell", "-v", "0", "-c", code).strip()
    return output.splitlines()[-1] if output else ""


def start_server(env: dict, port: int, log: Path, *, workers: int = 2) -> subprocess.Popen:
    command = [
        GUNICORN,
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--backlog",
        "2048",  # bench/load.py's crowd connects at once
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def fill(api: Api, n: int) -> dict:
    """Project, label, a small article for the creates and a 200,000-character one."""
    project = api.json("POST", "/api/v1/projects/", {"name": f"Bench {time.time_ns()}"})
    label = api.json(
        "POST", "/api/v1/labels/", {"project": project["id"], "name": "Assessment", "hotkey": "a"}
    )
    words = "ISW assesses that the war remains unlikely to spread. "
    small_body = (words * (n // len(words) + 2))[: max(n + 10, 200)]
    small = api.json("POST", "/api/v1/articles/", {"project": project["id"], "body": small_body})
    big_body = ("Belarus remains unlikely to join the war; 🇺🇦 𝕏 e\u0301. " * 5000)[:200_000]
    big = api.json("POST", "/api/v1/articles/", {"project": project["id"], "body": big_body})
    step = len(big_body) // 2000
    items = [
        {"article": big["id"], "label": label["id"], "start": i * step, "end": i * step + 40}
        for i in range(2000)
    ]
    for chunk in range(0, len(items), 500):
        api.json("POST", "/api/v1/spans/", items[chunk : chunk + 500])
    return {
        "project": project,
        "label": label,
        "small": small,
        "big": big,
        "small_len": len(small_body),
    }


def read_big_article(api: Api, port: int, big_id: int, repeats: int) -> tuple[list, ...]:
    """``repeats`` reads of the big article and all pages of its spans: the whole time with
    the client's parsing, the article request, the span page requests, the parsing."""
    big_times, article_times, pages_times, parse_times = [], [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        status, data, elapsed = api.request("GET", f"/api/v1/articles/{big_id}/")
        parse_started = time.perf_counter()
        assert status == 200 and len(json.loads(data)["body"]) == 200_000
        parsing = time.perf_counter() - parse_started
        article_times.append(elapsed)
        path, spans, pages = f"/api/v1/spans/?article={big_id}&page_size=1000", 0, 0
        paging = 0.0
        while path and pages < 10:
            status, data, elapsed = api.request("GET", path)
            assert status == 200
            paging += elapsed
            parse_started = time.perf_counter()
            page = json.loads(data)
            parsing += time.perf_counter() - parse_started
            spans, pages = spans + len(page["results"]), pages + 1
            path = page["next"] and page["next"].split(f"{HOST}:{port}", 1)[-1]
        assert spans == 2000, spans
        big_times.append(time.perf_counter() - started)
        pages_times.append(paging)
        parse_times.append(parsing)
    return big_times, article_times, pages_times, parse_times


def report(name: str, times: list[float], floor_p50: float | None) -> None:
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    ratio = f"   p50 {p50 / (floor_p50 * 1000):5.2f}x floor" if floor_p50 else ""
    print(f"{name:<34} n={len(times):<6} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="span creates (and floor inserts)")
    parser.add_argument("--reads", type=int, default=100, help="repetitions of each read")
    args = parser.parse_args()
    n, reads = max(1, min(args.n, 100_000)), max(1, min(args.reads, 10_000))

    workdir = Path(tempfile.mkdtemp(prefix="assay-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "ASSAY_BENCH_FLOOR": "1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}")
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        username = f"bench{os.getpid()}"
        token = shell(
            env,
            "from django.contrib.auth import get_user_model;"
            "from rest_framework.authtoken.models import Token;"
            f"u = get_user_model().objects.create_user({username!r}, password=None);"
            "print(Token.objects.create(user=u).key)",
        )
        port = free_port()
        server = start_server(env, port, workdir / "gunicorn.log")
        api = Api(port, token)
        anonymous = Api(port)
        started = time.perf_counter()
        world = fill(api, n)
        print(f"filled through the API in {time.perf_counter() - started:.1f} s")
        # Planner statistics, as autovacuum (or SQLite's optimize) would have them within a
        # minute on a running server: without them the reads measure a cold planner's guess.
        shell(env, "from django.db import connection as c; c.cursor().execute('ANALYZE')")
        user_id = json.loads(
            shell(
                env,
                "import json; from django.contrib.auth import get_user_model;"
                f"print(json.dumps(get_user_model().objects.get(username={username!r}).pk))",
            )
        )

        small, label, project = world["small"], world["label"], world["project"]
        floor_times, create_times = [], []
        for i in range(n):
            # Interleaved, so both see the same server, cache and disk state.
            floor_payload = {
                "article": small["id"],
                "project": project["id"],
                "label": label["id"],
                "annotator": user_id,
                "start": i,
                "end": i + 2,
                "text": "xx",
            }
            status, data, elapsed = anonymous.request("POST", "/api/v1/bench/floor/", floor_payload)
            if status != 201:
                raise SystemExit(f"floor answered {status}: {data[:300]!r}")
            floor_times.append(elapsed)
            span = {"article": small["id"], "label": label["id"], "start": i, "end": i + 1}
            status, data, elapsed = api.request("POST", "/api/v1/spans/", span)
            if status != 201:
                raise SystemExit(f"span create answered {status}: {data[:300]!r}")
            create_times.append(elapsed)

        list_times = []
        for _ in range(reads):
            status, data, elapsed = api.request(
                "GET", f"/api/v1/spans/?article={small['id']}&page_size=100"
            )
            assert status == 200 and len(json.loads(data)["results"]) == min(
                100, 2 * n
            )  # floor rows too
            list_times.append(elapsed)

        big = [read_big_article(api, port, world["big"]["id"], max(1, reads // 5))]
        # Then as autovacuum leaves the tables on a running server: the creates above cross
        # its insert threshold, and index-only scans (the article's span_count) need its
        # visibility map. Both are printed.
        shell(env, "from django.db import connection as c; c.cursor().execute('VACUUM ANALYZE')")
        big.append(read_big_article(api, port, world["big"]["id"], max(1, reads // 5)))

        floor_p50 = percentile(floor_times, 50)
        print()
        report("floor: bare view, one INSERT", floor_times, floor_p50)
        report("span create (POST spans/)", create_times, floor_p50)
        report("span list (one article, 100)", list_times, floor_p50)
        for when, (big_times, article_times, pages_times, parse_times) in zip(
            ("right after the writes", "after VACUUM ANALYZE"), big, strict=True
        ):
            print(f"200k article + 2,000 spans, {when}:")
            report("  with the client's json.loads", big_times, floor_p50)
            fetch_times = [a + b for a, b in zip(article_times, pages_times, strict=True)]
            report("  HTTP only (article + span pages)", fetch_times, floor_p50)
            report("  of which GET articles/{id}/", article_times, floor_p50)
            report("  of which the 2 span pages", pages_times, floor_p50)
            report("  of which json.loads (client)", parse_times, floor_p50)
        print(f"\nspan create p50 / floor p50 = {percentile(create_times, 50) / floor_p50:.2f}")
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
