"""Browser tests: Debian's Chromium driven by Playwright's sync API, one browser per session.

pytest-playwright is not installed; these fixtures follow STACK.md's plain ``sync_playwright``
pattern. ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set in ``tests/conftest.py`` before any ORM call.
"""

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect, sync_playwright

from annotations import services
from annotations.models import Article, Label, Membership, Project, Role
from tests.factories import UserFactory

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# A folder for the pages' screenshots (``ASSAY_SCREENSHOTS=docs`` refreshes the README's images).
SCREENSHOTS = os.environ.get("ASSAY_SCREENSHOTS")


def screenshot(page, name: str, **options) -> None:
    """The page as it looks, saved as ``name`` in ``ASSAY_SCREENSHOTS`` when set; a plain test
    run writes nothing, so it leaves the checkout (docs/) as it was. The caret is left as it
    is: hiding it, Playwright's default, injects a style the page's CSP refuses."""
    if SCREENSHOTS:
        options.setdefault("caret", "initial")
        page.screenshot(path=os.path.join(SCREENSHOTS, name), **options)


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BODY = (
    "Flags 🇺🇦 and 𝕏 come first. ISW assesses that Belarus remains unlikely to join the war.\n"
    "\n"
    "Peskov said such speculations are baseless and stupid, citing 👨‍👩‍👧 sources.\n"
    "Lukashenko <script>alert(1)</script> met Putin in Minsk."
)


def settled(locator) -> None:
    """Wait until htmx has wired up what it swapped in: until then (its ``htmx-added`` class
    is still on) the new content's triggers are not bound, and a change made that instant
    reaches no request. A person is never that quick; a test is."""
    expect(locator).not_to_have_class(re.compile(r"\bhtmx-added\b"))


def make_span(ws, needle, label, **extra):
    """The user's span over the first ``needle`` of the workspace's article."""
    body = ws.article.body
    start = body.index(needle)
    return services.span_create(
        article=ws.article,
        start=start,
        end=start + len(needle),
        label=ws.labels[label],
        annotator=ws.user,
        **extra,
    )


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Workspace:
    user: object
    project: Project
    article: Article
    labels: dict
    url: str


@pytest.fixture
def workspace(live_server, transactional_db):
    user = UserFactory(username="alice")
    project = services.project_create(name="ISW on Belarus", slug="isw", creator=user)
    labels = {
        "Assessment": services.label_create(
            project=project, user=user, name="Assessment", color="#93c5fd", hotkey="a"
        ),
        "Claim": services.label_create(
            project=project, user=user, name="Claim", color="#fcd34d", hotkey="c"
        ),
        "Denial": services.label_create(
            project=project, user=user, name="Denial", color="#fca5a5", hotkey="x"
        ),
        "responds to": services.label_create(
            project=project,
            user=user,
            name="responds to",
            kind=Label.Kind.RELATION,
            color="#64748b",
        ),
    }
    Membership.objects.filter(project=project, user=user).update(role=Role.MANAGER)
    article = services.article_create(
        project=project, user=user, body=BODY, title="Lukashenko rejects integration", source="ISW"
    )
    url = f"{live_server.url}/projects/{project.slug}/articles/{article.pk}/"
    return Workspace(user, project, article, labels, url)


@contextmanager
def signed_in_page(browser, live_server, user):
    """A page signed in as ``user`` (the session cookie of a force-logged-in client), 1280 px
    wide; on leaving, it fails on any JavaScript error or Content Security Policy refusal."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(5_000)
    errors, refused = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: csp_refusal(message, refused))
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not refused, f"Content Security Policy violations: {refused}"


@pytest.fixture
def page(browser, live_server, workspace):
    """A page signed in as the workspace's user."""
    with signed_in_page(browser, live_server, workspace.user) as page:
        yield page


def csp_refusal(message, refused: list) -> None:
    """Chromium reports what the Content Security Policy refused as a console error."""
    if message.type == "error" and "Content Security Policy" in message.text:
        refused.append(message.text)


@pytest.fixture
def worker(transactional_db):
    """The database worker, in a thread of this process (so a test may hold a job mid-way)."""
    runner = Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="e2e",
        excluded_queue_names=[],
    )

    def run():
        try:
            runner.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    yield thread  # started by the test (``worker.start()``), when it wants jobs to run
    runner.running = False
    if thread.is_alive() or thread.ident:
        thread.join(timeout=10)
