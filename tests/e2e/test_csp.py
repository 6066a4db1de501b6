"""The Content Security Policy: every page works under it and Chromium reports no violation
(the ``page`` fixture fails a test on any), the API's docs and the admin included."""

import re

import pytest
from playwright.sync_api import expect

from annotations.services.jobs import job_export_start

from .conftest import csp_refusal, make_span

pytestmark = pytest.mark.e2e


def test_the_header_forbids_inline_script_and_style(page, workspace):
    response = page.goto(workspace.url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_every_page_renders_under_the_policy(page, live_server, workspace, settings, tmp_path):
    settings.JOBS_DIR = tmp_path
    span = make_span(workspace, "Lukashenko", "Assessment")
    job = job_export_start(project=workspace.project, user=workspace.user)
    slug, base = workspace.project.slug, live_server.url
    pages = [
        "/",
        f"/projects/{slug}/",
        workspace.url,
        f"{workspace.url}?span={span.pk}",
        f"/projects/{slug}/review/",
        f"/projects/{slug}/labels/",
        f"/projects/{slug}/import/",
        f"/projects/{slug}/export/",
        f"/projects/{slug}/members/",
        f"/projects/{slug}/agreement/",
        f"/projects/{slug}/analytics/",
        f"/projects/{slug}/jobs/{job.pk}/",
        "/search/?q=Lukashenko",
        "/actors/",
    ]
    for path in pages:
        url = path if path.startswith("http") else base + path
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")


def test_label_colours_come_from_the_projects_stylesheet(page, workspace):
    make_span(workspace, "Lukashenko", "Assessment")
    page.goto(workspace.url)
    mark = page.locator("#doc-text mark").first
    expect(mark).to_be_visible()
    fill = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert fill not in ("rgba(0, 0, 0, 0)", "transparent")  # the label's fill, not nothing


def test_the_api_docs_and_the_admin_work_under_the_policy(browser, live_server, workspace):
    """Their inline styles are allowed (ContentSecurityPolicyMiddleware); their scripts are not
    inline, so the policy's script-src holds there too."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=workspace.user.pk).update(is_staff=True, is_superuser=True)
    context = browser.new_context()
    page = context.new_page()
    refused = []
    page.on("console", lambda message: csp_refusal(message, refused))
    page.goto(live_server.url + "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Assay API", timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert not refused, ("docs", refused)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    context.close()
    assert not refused, refused


def test_a_style_set_from_outside_is_not_copied_by_htmx(page, workspace):
    """The UX walkthrough's flow: help, Esc, select, a label's key, the span's panel, another
    span's panel. Something outside the page may set a style on a field: a browser extension,
    or Playwright's own screenshot (hiding the caret, it leaves ``style=""`` on every input).
    htmx, settling a swap, copied an old element's ``style`` attribute onto its new twin (same
    id), an inline style the policy refuses (the empty string's hash in the console)."""
    from .test_annotate import select

    make_span(workspace, "Peskov said", "Claim")
    page.goto(workspace.url)
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#live")).to_contain_text("Saved Assessment")
    panel = page.locator("#span-panel")
    page.locator("#doc-text mark", has_text="Belarus remains unlikely").click()
    expect(panel.locator("#panel-title")).to_have_text("Assessment")
    # The create already drew this panel: wait for the click's own panel (and its proposals)
    # to be swapped in, or it replaces the fields styled below, or lands after the next click.
    page.wait_for_load_state("networkidle")
    # What Playwright's screenshot does to the fields: a style set and unset through the CSSOM
    # (which the policy allows), leaving an empty style attribute.
    page.evaluate(
        """() => document.querySelectorAll("input, textarea, select").forEach((field) => {
          field.style.caretColor = "transparent";
          field.style.removeProperty("caret-color");
        })"""
    )
    assert page.locator('#span-panel textarea[style=""]').count() == 1
    page.locator("#doc-text mark", has_text="Peskov said").click()
    expect(panel.locator("#panel-title")).to_have_text("Claim")
    page.locator("#doc-text mark", has_text="Belarus remains unlikely").click()
    expect(panel.locator("#panel-title")).to_have_text("Assessment")
    page.wait_for_load_state("networkidle")
    # The ``page`` fixture fails the test on any refusal the console reported.


def test_the_browsable_api_root_carries_no_inline_style(page, live_server, workspace):
    """DRF's page wrote Pygments' rules in a <style> (for Markdown descriptions' code: the
    markdown package is not installed); our renderer leaves them out. The ``page`` fixture fails
    the test on the refusal. (Its list and detail pages still carry a style attribute or two in
    DRF's own templates, on the Filters button and the Extra Actions menu: refused, harmless.)"""
    response = page.goto(live_server.url + "/api/v1/")
    assert response.status == 200
    assert "<style" not in page.content()
    expect(page.locator(".response-info")).to_contain_text('"projects"')
    page.wait_for_load_state("networkidle")
