"""The pages on a phone (390 x 844): none scrolls sideways (a wide table scrolls in its own
box, the top bar wraps), the annotate page's side sections stack under the text without
overlapping, and the review queue's "(compare annotators)" reads as a sentence."""

from itertools import pairwise

import pytest
from playwright.sync_api import expect

from .conftest import make_span, settled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def pages(ws):
    project = f"/projects/{ws.project.slug}/"
    article = f"{project}articles/{ws.article.pk}/"
    return [
        "/",
        project,
        article,
        f"{article}compare/",
        f"{project}review/",
        f"{project}agreement/",
        f"{project}assign/",
        f"{project}labels/",
        f"{project}members/",
        f"{project}analytics/",
        f"{project}import/",
        f"{project}export/",
        "/actors/",
        "/search/",
        "/search/?q=Belarus",
    ]


def test_no_page_scrolls_sideways_on_a_phone(page, live_server, workspace):
    make_span(workspace, "ISW assesses", "Assessment")
    page.set_viewport_size(PHONE)
    wide = {}
    for path in pages(workspace):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
        # The signed-in user's name and "Sign out" stay on the navy bar.
        bar = page.locator(".topbar").bounding_box()
        signout = page.locator(".signout").bounding_box()
        assert signout["x"] + signout["width"] <= PHONE["width"], path
        assert signout["y"] + signout["height"] <= bar["y"] + bar["height"], path
    assert not wide, f"pages wider than the phone: {wide}"


def test_annotate_side_sections_stack_on_a_phone(page, workspace):
    span = make_span(workspace, "ISW assesses", "Assessment")
    page.set_viewport_size(PHONE)
    for url in (workspace.url, f"{workspace.url}?span={span.pk}"):
        page.goto(url)
        settled(page.locator("#span-panel"))
        expect(page.locator("#span-list")).to_be_visible()
        boxes = [
            page.locator(selector).bounding_box()
            for selector in ("#doc-text", "#span-panel", ".side > .list-tools", "#span-list")
        ]
        # The text, then the panel, the filter and the list, each below the one before.
        for above, below in pairwise(boxes):
            assert above["y"] + above["height"] <= below["y"], (url, above, below)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("width", [390, 1280])
def test_review_meta_reads_as_a_sentence(page, live_server, workspace, width):
    make_span(workspace, "ISW assesses", "Assessment")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/review/")
    meta = page.locator(".review-meta").first
    expect(meta).to_be_visible()
    # "(" sits right against its link: no gap inside the brackets, no "(" alone at a line's end.
    gap = meta.evaluate(
        """(p) => {
          const link = p.querySelector('a[href*="compare"]');
          const text = link.previousSibling;
          const range = document.createRange();
          range.setStart(text, text.data.lastIndexOf('('));
          range.setEnd(text, text.data.lastIndexOf('(') + 1);
          const bracket = range.getBoundingClientRect();
          const first = link.getClientRects()[0];
          return [first.left - bracket.right, Math.abs(first.top - bracket.top)];
        }"""
    )
    assert gap[0] < 1 and gap[1] < 4, gap
