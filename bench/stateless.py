"""Two web servers, one session: the web tier keeps no state of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_load .venv/bin/python bench/stateless.py

Starts two gunicorns on two ports over one database (as two machines behind a load balancer
would run), signs in on the first through the sign-in form, then with the same cookies: reads
the project list on the second, creates a span on the second with the CSRF token of a page of
the first, reads it on the first, and signs out on the second, after which the first no longer
knows the session. Prints each step; exits 1 if one fails. Only 127.0.0.1 is contacted.
"""

import http.cookiejar
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.api_bench import HOST, free_port  # noqa: E402
from bench.load import PASSWORD, make_project, setup_django, start_server  # noqa: E402


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    setup_django()
    project_id, labels, articles, _, users = make_project(1, 1)
    from annotations.models import Project

    slug = Project.objects.get(pk=project_id).slug
    home = Path(tempfile.mkdtemp(prefix="assay-stateless-"))
    ports = [free_port(), free_port()]
    servers = [start_server(port, 1, home / f"gunicorn-{port}.log") for port in ports]
    jar = http.cookiejar.CookieJar()  # cookies for 127.0.0.1, whatever the port: one browser
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    failures = 0

    def call(port, path, data=None, headers=None):
        request = urllib.request.Request(
            f"http://{HOST}:{port}{path}",
            data=urllib.parse.urlencode(data).encode() if data is not None else None,
            headers={"Referer": f"http://{HOST}:{port}/", **(headers or {})},
        )
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def step(what, ok):
        nonlocal failures
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}")

    try:
        a, b = ports
        status, page = call(a, "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = call(
            a,
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": users[0], "password": PASSWORD},
        )
        step(f"signed in on :{a} (302)", status == 302)
        status, page = call(b, "/")
        step(f"the project list on :{b} knows the user ({status})", users[0] in page)
        status, page = call(a, f"/projects/{slug}/articles/{articles[0]}/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        token = token.group(1) if token else next(c.value for c in jar if c.name == "csrftoken")
        status, _ = call(
            b,
            f"/projects/{slug}/articles/{articles[0]}/spans/",
            {"start": 0, "end": 5, "label": labels[0]},
            {"X-CSRFToken": token, "HX-Request": "true"},
        )
        step(f"a span created on :{b} with :{a}'s CSRF token ({status})", status in (200, 201))
        from annotations.models import Span

        step("the span is in the database", Span.objects.filter(article_id=articles[0]).exists())
        status, page = call(a, f"/projects/{slug}/articles/{articles[0]}/")
        step(f"the annotate page on :{a} shows it ({status})", status == 200)
        status, page = call(b, "/accounts/logout/", {"csrfmiddlewaretoken": token})
        status, _ = call(a, "/")
        step(f"signed out on :{b}: :{a} sends to sign-in ({status})", status == 302)
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
