"""The search and analytics pages in Chromium: the project page's search box, highlighted
snippets that open the annotate page at the hit, the charts with their tables."""

import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Actor, ActorRole, Membership, Role
from tests.factories import UserFactory

from .conftest import make_span, screenshot

pytestmark = pytest.mark.e2e


def test_search_from_the_project_page_opens_the_hit(page, live_server, workspace):
    span = make_span(workspace, "Lukashenko <script>alert(1)</script> met Putin", "Claim")
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/")
    page.fill("#id_project_search", "lukashenko putin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?**")
    hit = page.locator(".hit-open").first
    expect(hit.locator("mark").first).to_be_visible()
    # Shown as text, never run (PostgreSQL's parser reads <tags> as markup and leaves them
    # out of its snippets; FTS5 keeps them, escaped).
    assert "alert(1)" in hit.inner_text() and hit.locator("script").count() == 0
    screenshot(page, "search.png", full_page=True)
    hit.click()
    page.wait_for_url(f"**/articles/{workspace.article.pk}/?span={span.pk}")
    expect(page.locator(f"#span-panel[data-span='{span.pk}']")).to_be_visible()
    expect(page.locator(f"mark.current[data-spans~='{span.pk}']").first).to_be_in_viewport()


HIT_IN_VIEW = """() => {
    const range = [...CSS.highlights.get("search-hit") || []][0];
    if (!range) return null;
    const r = range.getBoundingClientRect();
    return {text: range.toString(), inView: r.top >= 0 && r.bottom <= innerHeight, y: scrollY};
}"""


def test_a_hit_on_anothers_span_opens_the_annotate_page_marking_it(page, live_server, workspace):
    """A manager's search finds an annotator's span far down a long article: the hit opens
    the annotate page scrolled to those words, marked (no panel: the span is not theirs)."""
    bob = UserFactory(username="bob")
    Membership.objects.create(project=workspace.project, user=bob, role=Role.ANNOTATOR)
    body = "\n".join(f"Paragraph {i}: nothing of note in Minsk today." for i in range(80))
    body += "\nAt last Lukashenko refused the referendum outright."
    article = services.article_create(
        project=workspace.project, user=workspace.user, body=body, title="Long", source="ISW"
    )
    words = "Lukashenko refused the referendum"
    start = body.index(words)
    span = services.span_create(
        article=article, start=start, end=start + len(words),
        label=workspace.labels["Claim"], annotator=bob,
    )  # fmt: skip
    page.goto(f"{live_server.url}/search/?q=referendum")
    hit = page.locator(".hit-open").first
    expect(hit.locator("mark")).to_have_text("referendum")
    hit.click()
    page.wait_for_url(f"**/articles/{article.pk}/?span={span.pk}")
    marked = page.evaluate(HIT_IN_VIEW)
    assert marked and marked["text"] == words and marked["inView"] and marked["y"] > 0, marked
    screenshot(page, "search-hit.png")
    page.go_back()
    page.locator(".hit-title", has_text="Long").click()
    page.wait_for_url(f"**/articles/{article.pk}/?find=referendum")
    marked = page.evaluate(HIT_IN_VIEW)
    assert marked and marked["text"] == "referendum" and marked["inView"], marked


def test_analytics_page_draws_the_charts(page, live_server, workspace):
    services.article_update(
        article=workspace.article, user=workspace.user, published_on=datetime.date(2026, 6, 3)
    )
    second = services.article_create(
        project=workspace.project, user=workspace.user, body="ISW: very likely, later on.",
        title="Later", source="ISW", published_on=datetime.date(2026, 9, 20),
    )  # fmt: skip
    isw = Actor.objects.create(name="ISW", search_text="isw")
    belarus = Actor.objects.create(name="Belarus", search_text="belarus")
    links = [(isw, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)]
    make_span(workspace, "Belarus remains unlikely", "Assessment", probability="unlikely",
              actors=links)  # fmt: skip
    services.span_create(
        article=second, start=5, end=16, label=workspace.labels["Assessment"],
        annotator=workspace.user, probability="very_likely", actors=links,
    )  # fmt: skip
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/")
    page.click("text=Analytics")
    page.select_option("#id_actor", str(isw.pk))
    page.select_option("#id_role", "source")
    page.click("button:has-text('Show')")
    page.wait_for_url(f"**/analytics/?actor={isw.pk}**")
    expect(page.locator("#timeline svg")).to_be_visible()
    assert page.locator("#timeline rect.bar").count() == 4  # June to September
    assert page.locator("#timeline circle.mean-dot").count() == 2
    expect(page.locator("#distribution svg rect.step-2")).to_have_count(1)
    expect(page.locator("#ranked svg rect.bar")).to_have_count(1)
    page.click("#timeline summary")
    expect(page.locator("#timeline table")).to_contain_text("2026-07-01")
    screenshot(page, "analytics.png", full_page=True)
    href = page.locator("#timeline a.csv").get_attribute("href")
    csv = page.request.get(live_server.url + href)
    assert csv.ok and csv.text().startswith("period,count,")


def test_analytics_actor_finder_narrows_the_picker(page, live_server, workspace, monkeypatch):
    """Past the first actors by name, typing in the finder swaps the <select> for the
    matches (htmx), the picked actor kept; the form then counts the one picked."""
    from annotations.views import analytics

    monkeypatch.setattr(analytics, "ACTOR_CHOICES", 1)
    isw = Actor.objects.create(name="ISW", search_text="isw")
    belarus = Actor.objects.create(name="Belarus", search_text="belarus lukashenka")
    Actor.objects.create(name="Aardvark", search_text="aardvark")  # in no span: not offered
    make_span(workspace, "Belarus remains unlikely", "Assessment", probability="unlikely",
              actors=[(isw, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)])  # fmt: skip
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/analytics/")
    options = page.locator("#id_actor option")
    expect(options).to_have_text(["Any actor", "Belarus", "… and more: find them by name"])
    page.select_option("#id_actor", str(belarus.pk))
    page.fill("#id_actor_q", "is")
    expect(options).to_have_text(["Any actor", "Belarus", "ISW"])
    expect(page.locator("#id_actor")).to_have_value(str(belarus.pk))
    page.fill("#id_actor_q", "zzz")
    expect(options).to_have_text(["Any actor", "Belarus", "No actor of the project matches “zzz”"])
    page.fill("#id_actor_q", "isw")
    expect(options).to_have_text(["Any actor", "Belarus", "ISW"])
    page.select_option("#id_actor", str(isw.pk))
    page.click("button:has-text('Show')")
    page.wait_for_url(f"**/analytics/?actor={isw.pk}**")
    expect(page.locator("#id_actor")).to_have_value(str(isw.pk))
    screenshot(page, "analytics-actor-finder.png", full_page=True)


def test_search_pages_through_the_demos_hits(browser, live_server, transactional_db, settings,
                                             tmp_path, monkeypatch):  # fmt: skip
    """The demo's spans on a common word, 3 to a page: the count, the pager (a nav with its
    label, the current page marked), Next to page 2 and the articles' page kept."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from .conftest import signed_in_page

    monkeypatch.setattr(
        "annotations.management.commands.demo.PASSWORD_FILE", tmp_path / "password.txt"
    )
    call_command("demo", stdout=io.StringIO())
    settings.SEARCH_PER_PAGE = 3
    demo = get_user_model().objects.get(username="demo")
    with signed_in_page(browser, live_server, demo) as page:
        page.goto(f"{live_server.url}/search/?q=putin+or+russia+or+lukashenko")
        heading = page.locator("#span-hits")
        expect(heading).to_contain_text(re.compile(r"\(\d+ spans, best first: 1–3\)"))
        pager = page.get_by_role("navigation", name="Span hits pages")
        expect(pager.locator("[aria-current=page]")).to_have_text("1")
        hrefs = """() => [...document.querySelectorAll(".hit-open")].map(a => a.href)"""
        first = page.evaluate(hrefs)
        screenshot(page, "search-pages.png", full_page=True)
        pager.get_by_role("link", name="Next").click()
        page.wait_for_url("**spage=2**")
        expect(pager.locator("[aria-current=page]")).to_have_text("2")
        expect(heading).to_contain_text("best first: 4–6")
        second = page.evaluate(hrefs)
        assert len(first) == len(second) == 3 and not set(first) & set(second)
        assert "q=putin+or+russia+or+lukashenko" in page.url
        screenshot(page, "search-pages-2.png")
