"""Benchmark the annotate page under gunicorn, a new TCP connection per request.

    .venv/bin/python bench/annotate_bench.py [--pages 50] [--creates 200]

Starts gunicorn (config.wsgi, 2 workers, 127.0.0.1, DJANGO_DEBUG=0) on a fresh SQLite file in a
temporary directory, or on DATABASE_URL when it is set (a scratch database: it is migrated and
filled). Makes an article of 200,000 characters with 2,000 spans, signs in, then prints p50/p95:

  annotate page   GET /projects/{slug}/articles/{id}/ (the whole page, server time + transfer)
  span create     POST .../spans/ as htmx sends it; answers the touched paragraphs, the span
                  list entry, the counters and the panel (hx-swap-oob fragments)

Targets (issue 4, this 2-core machine): the page under 200 ms at p95, a span created and its
fragments returned under 20 ms at p95. Only 127.0.0.1 is contacted; every loop is bounded.
"""

import argparse
import http.client
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import HOST, free_port, manage, percentile, start_server

FILL = """
from django.contrib.auth import get_user_model
from annotations import services
from annotations.models import Span
user = get_user_model().objects.create_user("bench", password="bench-password-1")
project = services.project_create(name="Annotate bench", creator=user)
labels = [
    services.label_create(project=project, user=user, name=f"L{i}", hotkey=str(i))
    for i in range(4)
]
paragraph = "ISW assesses 🇺🇦 that Belarus' involvement remains unlikely, analysts note. " * 4
body = "\\n".join(f"{i}. {paragraph}" for i in range(700))[:200_000]
article = services.article_create(project=project, user=user, body=body, title="Big article")
step = len(body) // 2000
services.span_bulk_create(
    annotator=user,
    items=[
        {"article": article, "start": i * step, "end": i * step + 30 + (i % 3) * 40,
         "label": labels[i % 4]}
        for i in range(2000)
    ],
)
print(project.slug, article.pk, len(body), Span.objects.filter(article=article).count(),
      labels[0].pk)
"""


class Browser:
    """Cookies and CSRF like a browser, but a new connection for every request."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None, headers=None):
        headers = {"Connection": "close", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, elapsed


def sign_in(browser: Browser) -> None:
    browser.request("GET", "/accounts/login/")
    status, data, _ = browser.request(
        "POST", "/accounts/login/", {"username": "bench", "password": "bench-password-1"}
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"sign-in failed: {status} {data[:300]!r}")


def bench_env(prefix: str) -> tuple[Path, dict]:
    """A scratch directory and the server's environment: DATABASE_URL, or SQLite in there."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    return workdir, env


def prepare(env: dict) -> tuple[str, str, str, str]:
    """Migrate, collect the static files and FILL: ``(slug, article id, spans, label id)``."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    slug, article_id, length, spans, label_id = manage(env, "shell", "-v", "0", "-c", FILL).split()
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}")
    print(f"article: {int(length):,} characters, {int(spans):,} spans")
    return slug, article_id, spans, label_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50, help="annotate page loads")
    parser.add_argument("--creates", type=int, default=200, help="spans created over htmx")
    args = parser.parse_args()

    workdir, env = bench_env("assay-annotate-bench-")
    server = None
    try:
        slug, article_id, spans, label_id = prepare(env)
        port = free_port()
        server = start_server(env, port, workdir / "gunicorn.log")
        browser = Browser(port)
        sign_in(browser)
        page = f"/projects/{slug}/articles/{article_id}/"

        status, html, _ = browser.request("GET", page)
        if status != 200 or html.count(b"data-spans=") < int(spans):
            raise SystemExit(f"the annotate page answered {status} without all its spans")
        page_times = []
        for _ in range(args.pages):
            status, _, elapsed = browser.request("GET", page)
            assert status == 200, status
            page_times.append(elapsed)

        create_times = []
        # Five-character spans that touch one paragraph each and duplicate no existing span.
        hx = {"HX-Request": "true", "HX-Current-URL": f"http://{HOST}:{port}{page}"}
        for index in range(args.creates):
            start = 100 * index + 7
            form = {"start": start, "end": start + 5, "label": label_id}
            status, data, elapsed = browser.request("POST", page + "spans/", form, hx)
            if status != 200:
                raise SystemExit(f"span create answered {status}: {data[:300]!r}")
            create_times.append(elapsed)

        print()
        for name, times, target in (
            ("annotate page (200k chars, 2,000 spans)", page_times, 200),
            ("span create over htmx (fragments)", create_times, 20),
        ):
            p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
            verdict = "meets" if p95 < target else "misses"
            print(
                f"{name:<42} n={len(times):<5} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   "
                f"({verdict} the {target} ms p95 target)"
            )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
