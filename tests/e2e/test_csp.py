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
