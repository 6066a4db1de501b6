"""Accessibility of every page, checked in Chromium on the rendered DOM and computed styles.

No audit library is vendored here; the script below checks what WCAG 2.2 AA asks that a
machine can check reliably, on each page as a user sees it:

- the document has a language, a title, a banner, one ``main`` landmark and, signed in, a
  ``nav``; headings start
  at ``h1`` and never skip a level;
- every form control, button and link has an accessible name; ids are unique;
- text contrast is at least 4.5:1 (3:1 for large text) against its effective background,
  highlights in label colours included (inactive controls are exempt, as in WCAG);
- keyboard focus is visible: tabbing through the page's first 40 stops, each focused
  element looks different from itself unfocused (outline, shadow, border or background).
"""

from pathlib import Path

import pytest

from annotations import services
from annotations.models import Role
from tests.factories import UserFactory

from .conftest import make_span

pytestmark = pytest.mark.e2e

TABS = 40  # keyboard stops checked on each page
AUDIT = (Path(__file__).parent / "accessibility_audit.js").read_text()

FOCUS = r"""
() => {
  // What the focused element looks like, against the same element unfocused: an outline,
  // a shadow, a border or a background must change (an element that always wears a shadow
  // does not pass for a focus ring).
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const look = () => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor,
            s.backgroundColor].join("|");
  };
  const focused = look();
  el.blur();
  const plain = look();
  el.focus({preventScroll: true});
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
  return {element: name, visible: focused !== plain};
}
"""


def audit(page, url, *, nav=True):
    page.goto(url, timeout=15_000)
    page.wait_for_load_state("networkidle", timeout=15_000)
    problems = page.evaluate(AUDIT, {"nav": nav})
    assert not problems, f"{url}: {problems}"
    unseen = []
    for _ in range(TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS)
        if focused and not focused["visible"]:
            unseen.append(focused["element"])
    assert not unseen, f"{url}: focus not visible on {sorted(set(unseen))}"


def test_every_page_passes_the_audit(page, live_server, workspace):
    article = workspace.article
    label = workspace.labels["Assessment"]
    services.span_create(article=article, start=35, end=82, label=label, annotator=workspace.user)
    # A manager may pick a dark colour: its highlight must still leave the text readable.
    dark = services.label_create(
        project=workspace.project, user=workspace.user, name="Dark", color="#111111"
    )
    services.span_create(article=article, start=0, end=5, label=dark, annotator=workspace.user)
    bob = UserFactory(username="bob")
    services.membership_set(
        project=workspace.project, user=workspace.user, member=bob, role=Role.ANNOTATOR
    )
    services.span_create(article=article, start=35, end=82, label=label, annotator=bob)
    actor = services.actor_create(name="Alexander Lukashenko", aliases=["Lukashenka"])
    slug = workspace.project.slug
    base = live_server.url
    for path in (
        "/",
        f"/projects/{slug}/",
        f"/projects/{slug}/articles/{article.pk}/",
        f"/projects/{slug}/labels/",
        f"/projects/{slug}/export/",
        f"/projects/{slug}/import/",
        f"/projects/{slug}/agreement/",
        f"/projects/{slug}/review/?status=all",
        "/actors/",
        f"/actors/{actor.pk}/",
        "/projects/no-such-project/",  # the 404 page
    ):
        audit(page, base + path)


def test_search_and_analytics_pages_pass_the_audit(page, live_server, workspace, settings):
    """The search page with its hits (its articles a page of two: the pager), the annotate
    page opened at another's span and at an article's hit (both marked), the analytics page
    with its three charts and tables open."""
    import datetime

    from annotations.models import ActorRole

    article, slug = workspace.article, workspace.project.slug
    services.article_update(
        article=article, user=workspace.user, published_on=datetime.date(2026, 6, 3)
    )
    bob = UserFactory(username="bob")
    services.membership_set(
        project=workspace.project, user=workspace.user, member=bob, role=Role.ANNOTATOR
    )
    isw = services.actor_create(name="ISW")
    belarus = services.actor_create(name="Belarus")
    theirs = services.span_create(
        article=article, start=35, end=82, label=workspace.labels["Claim"], annotator=bob,
        probability="likely", actors=[(isw, ActorRole.SOURCE), (belarus, ActorRole.SUBJECT)],
    )  # fmt: skip
    word = article.body[35:82].split()[0]
    services.article_create(
        project=workspace.project, user=workspace.user, body=f"Again: {article.body}", title="Again"
    )
    settings.SEARCH_PER_PAGE = 1
    base = live_server.url
    audit(page, f"{base}/search/?q=lukashenko&apage=2")
    assert page.locator("nav[aria-label='Article hits pages'] [aria-current=page]").count() == 1
    for path in (
        f"/search/?q={word}",
        f"/projects/{slug}/articles/{article.pk}/?span={theirs.pk}",
        f"/projects/{slug}/articles/{article.pk}/?find={word}",
        f"/projects/{slug}/analytics/",
    ):
        audit(page, base + path)
    for summary in page.locator("summary").all():
        summary.click()
    assert not page.evaluate(AUDIT, {"nav": True})


def test_sign_in_page_passes_the_audit(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        # Signed out there is nowhere to navigate to: no nav landmark is expected.
        audit(context.new_page(), live_server.url + "/accounts/login/", nav=False)
    finally:
        context.close()


def test_fragments_loaded_over_htmx_pass_the_audit(page, live_server, workspace):
    """The span panel (with the grade its words state and a relation to remove) and the actor
    merge candidates arrive over htmx after the first render: audited as they are shown."""
    span = make_span(workspace, "Belarus remains unlikely", "Assessment")
    other = make_span(workspace, "baseless", "Claim")
    services.relation_create(
        from_span=span,
        to_span=other,
        label=workspace.labels["responds to"],
        annotator=workspace.user,
    )
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{span.pk}"]').first.click()
    page.locator("#span-panel #proposals-form").wait_for()
    page.locator("#span-panel .relations").wait_for()
    problems = page.evaluate(AUDIT, {"nav": True})
    assert not problems, problems

    workspace.user.is_staff = True  # who merges actors
    workspace.user.save()
    keep = services.actor_create(name="Alexander Lukashenko")  # the merge candidates
    services.actor_create(name="Lukashenka", aliases=["Лукашенко"])
    page.goto(f"{live_server.url}/actors/{keep.pk}/")
    page.fill("#merge-search", "лукашенко")
    page.locator("#merge-candidates input[type=radio]").first.wait_for()
    problems = page.evaluate(AUDIT, {"nav": True})
    assert not problems, problems


def test_import_results_pass_the_audit(page, live_server, workspace, worker, tmp_path):
    """What an import's job page shows once the job ends: the counts, and the list of bad
    lines when the file is refused; and the import page with its recent jobs."""
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text('{"title": "One", "body": "Belarus remains unlikely to join."}\n')
    bad.write_text('{"title": "One", "body": "Fine."}\n{"title": 5}\nnot json\n')
    worker.start()
    for path, shown in ((good, "Imported 1 article"), (bad, "2 bad lines")):
        page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="Import").click()
        page.locator("#job-state", has_text=shown).wait_for(timeout=30_000)
        problems = page.evaluate(AUDIT, {"nav": True})
        assert not problems, problems
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/import/")
    problems = page.evaluate(AUDIT, {"nav": True})
    assert not problems, problems
