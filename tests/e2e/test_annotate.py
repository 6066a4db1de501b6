"""The annotate page in headless Chromium: offsets in code points, overlaps, the panel, keys."""

import re

import pytest
from django.db.models import F
from playwright.sync_api import expect

from annotations import services
from annotations.models import Actor, ArticleProgress, Relation, Span, SpanActor

from .conftest import make_span, screenshot, settled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# Select ``needle`` (its first occurrence in a segment) with a DOM Range, as a mouse would.
SELECT_JS = """([needle, pad]) => {
  const root = document.getElementById('doc-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const i = node.data.indexOf(needle);
    if (i >= 0) {
      const range = document.createRange();
      range.setStart(node, Math.max(0, i - pad));
      range.setEnd(node, Math.min(node.data.length, i + needle.length + pad));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      return sel.toString();
    }
  }
  return null;
}"""


def select(page, needle, pad=0):
    assert page.evaluate(SELECT_JS, [needle, pad]) is not None, needle


def seg(page, text):
    """The highlighted segment whose text is exactly ``text``."""
    return page.locator("#doc-text mark.seg", has_text=text).filter(
        has=page.locator(f"xpath=self::*[normalize-space(.)='{text}']")
    )


def test_select_after_emoji_and_press_hotkey_saves_exact_code_points(page, workspace):
    page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    page.goto(workspace.url)
    # The <script> in the body is shown as text, never run.
    expect(page.locator("#doc-text")).to_contain_text("<script>alert(1)</script>")

    select(page, "Belarus remains unlikely")
    with page.expect_response(lambda r: r.request.method == "POST" and "/spans/" in r.url) as info:
        page.keyboard.press("a")
    assert info.value.status == 200
    assert info.value.request.headers.get("hx-request") == "true"
    span = Span.objects.get()
    body = workspace.article.body
    assert body[span.start : span.end] == "Belarus remains unlikely"
    assert (span.start, span.label.name) == (body.index("Belarus remains"), "Assessment")
    # Shown at once, without a reload, in the label's colour and in the list.
    expect(page.locator(f'#doc-text mark[data-spans~="{span.pk}"]')).to_have_text(
        "Belarus remains unlikely"
    )
    expect(page.locator("#span-list")).to_contain_text("Belarus remains unlikely")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    expect(page.locator("#live")).to_contain_text("Saved Assessment")

    # A selection with spaces around it snaps to the word.
    select(page, "speculations", pad=1)
    page.keyboard.press("c")
    expect(page.locator("#counters")).to_have_text("2 spans by me")
    claim = Span.objects.get(label__name="Claim")
    assert body[claim.start : claim.end] == "speculations"

    page.reload()
    expect(page.locator(f'#doc-text mark[data-spans~="{span.pk}"]')).to_have_text(
        "Belarus remains unlikely"
    )
    expect(page.locator(f'#doc-text mark[data-spans~="{claim.pk}"]')).to_have_text("speculations")


def test_duplicate_span_shows_the_services_message_inline(page, workspace):
    make_span(workspace, "Belarus remains unlikely", "Assessment")
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#errors")).to_contain_text(
        "You already marked “Belarus remains unlikely” as Assessment"
    )
    assert Span.objects.count() == 1
    # The page still works: another label over the same text saves.
    select(page, "Belarus remains unlikely")
    page.locator("#palette [data-label]", has_text="Claim").click()
    expect(page.locator("#counters")).to_have_text("2 spans by me")


def test_overlapping_spans_each_stay_clickable(page, workspace):
    outer = make_span(workspace, "ISW assesses that Belarus", "Assessment")
    inner = make_span(workspace, "Belarus remains unlikely", "Claim")
    page.goto(workspace.url)
    overlap = page.locator(f'#doc-text mark[data-spans~="{outer.pk}"][data-spans~="{inner.pk}"]')
    expect(overlap).to_have_text("Belarus")

    page.locator(f'#doc-text mark[data-spans="{outer.pk}"]').click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(outer.pk))
    page.locator(f'#doc-text mark[data-spans="{inner.pk}"]').click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(inner.pk))
    # Clicking the overlap again and again cycles through the spans that cover it.
    overlap.click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(outer.pk))
    overlap.click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(inner.pk))

    # The list links scroll to and open their span.
    page.locator(f'#span-list [data-span-link="{outer.pk}"]').click()
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(outer.pk))

    # The list filters by text or label.
    page.get_by_label("Filter my spans").fill("claim")
    expect(page.locator(f'#span-list [data-span-link="{outer.pk}"]')).to_be_hidden()
    expect(page.locator(f'#span-list [data-span-link="{inner.pk}"]')).to_be_visible()
    page.get_by_label("Filter my spans").fill("")
    expect(page.locator(f'#span-list [data-span-link="{outer.pk}"]')).to_be_visible()

    # Link the outer span to the inner one with a relation label.
    # (the target is picked in the text: tests/e2e/test_annotate_look.py)
    page.get_by_role("link", name="Link to another span…").click()
    expect(page.get_by_label("Relation", exact=True)).to_be_focused()
    page.locator(f'#doc-text mark[data-spans="{inner.pk}"]').click()
    expect(page.locator("#span-panel ul.plain")).to_contain_text("responds to")
    relation = Relation.objects.get()
    assert (relation.from_span_id, relation.to_span_id, relation.label.name) == (
        outer.pk,
        inner.pk,
        "responds to",
    )


def test_panel_edits_label_probability_and_actors(page, workspace):
    span = make_span(workspace, "Belarus remains unlikely", "Assessment")
    Actor.objects.all().delete()
    services.actor_create(name="Alexander Lukashenko", kind="person", aliases=["Lukashenka"])
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{span.pk}"]').first.click()
    panel = page.locator("#span-panel")
    expect(panel).to_have_attribute("data-span", str(span.pk))
    settled(panel)

    panel.get_by_label("Label").select_option(label="Claim")
    expect(panel.locator("#panel-title")).to_have_text("Claim")
    settled(panel)
    panel.get_by_label("Probability (ICD 203)").select_option("unlikely")
    expect(panel).to_have_attribute("data-version", "3")
    settled(panel)
    panel.get_by_label("Note").fill("Said twice.")
    panel.get_by_role("button", name="Save").click()
    expect(panel).to_have_attribute("data-version", "4")
    settled(panel)
    span.refresh_from_db()
    assert (span.label.name, span.probability, span.note) == ("Claim", "unlikely", "Said twice.")
    # The highlight took the new label's colour without a reload.
    expect(page.locator(f'#doc-text mark[data-spans="{span.pk}"]')).to_have_class(
        re.compile(rf"\bl{workspace.labels['Claim'].pk}\b")
    )

    # An actor found by typing an alias, in a chosen role.
    panel.get_by_label("Role").select_option("subject")
    panel.get_by_label("Find or create an actor").fill("lukashenka")
    panel.locator("#actor-results .result", has_text="Alexander Lukashenko").click()
    expect(panel.locator(".chips")).to_contain_text("Alexander Lukashenko")
    settled(panel)
    link = SpanActor.objects.get(span=span)
    assert (link.actor.name, link.role) == ("Alexander Lukashenko", "subject")

    # A new actor created from the panel.
    panel.get_by_label("Role").select_option("source")
    panel.get_by_label("Find or create an actor").fill("Dmitry Peskov")
    panel.locator("#actor-results .result.create").click()
    expect(panel.locator(".chips")).to_contain_text("Dmitry Peskov")
    assert set(SpanActor.objects.filter(span=span).values_list("actor__name", "role")) == {
        ("Alexander Lukashenko", "subject"),
        ("Dmitry Peskov", "source"),
    }
    page.locator("#side").evaluate("el => el.scrollTo(0, 0)")
    screenshot(page, "panel.png")


def test_the_words_suggestion_sets_the_probability_and_a_relation_is_removed(page, workspace):
    span = make_span(workspace, "Belarus remains unlikely", "Assessment")
    claim = make_span(workspace, "baseless and stupid", "Claim")
    services.relation_create(
        from_span=span,
        to_span=claim,
        label=workspace.labels["responds to"],
        annotator=workspace.user,
    )
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{span.pk}"]').first.click()
    panel = page.locator("#span-panel")
    # The grade the words state, shown once: among the proposals, a button for that field.
    expect(panel.locator("#proposals-form")).to_contain_text("“unlikely”")
    assert panel.evaluate("el => el.innerText.split('“unlikely”').length - 1") == 1
    settled(panel)
    panel.get_by_role("button", name="Probability Unlikely (20–45 %)").click()
    expect(panel).to_have_attribute("data-version", "2")
    expect(panel.locator("#proposals-form")).to_have_count(0)
    span.refresh_from_db()
    assert span.probability == "unlikely"

    panel.get_by_role("button", name=re.compile("Remove the “responds to” link")).click()
    expect(panel.locator(".relations")).to_have_count(0)
    assert not span.relations_from.exists()


def test_delete_then_undo_restores_the_span(page, workspace):
    span = make_span(workspace, "baseless and stupid", "Denial")
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{span.pk}"]').click()
    page.locator("#span-delete").click()
    expect(page.locator("#span-panel")).to_contain_text("Span deleted")
    expect(page.locator("#doc-text mark")).to_have_count(0)
    expect(page.locator("#span-list li")).to_have_count(0)
    expect(page.locator("#span-list-empty")).to_be_visible()
    assert not Span.objects.exists()
    page.locator("#undo-delete").click()
    expect(page.locator(f'#doc-text mark[data-spans="{span.pk}"]')).to_have_text(
        "baseless and stupid"
    )
    expect(page.locator("#span-list li")).to_have_count(1)
    expect(page.locator("#span-list-empty")).to_be_hidden()
    restored = Span.objects.get()
    assert (restored.pk, restored.text) == (span.pk, "baseless and stupid")


def test_stale_edit_says_so_inline_instead_of_overwriting(page, workspace):
    span = make_span(workspace, "Belarus remains unlikely", "Assessment")
    page.goto(f"{workspace.url}?span={span.pk}")
    panel = page.locator("#span-panel")
    expect(panel).to_have_attribute("data-span", str(span.pk))
    settled(panel)
    # Someone else changes the span behind the page.
    Span.objects.filter(pk=span.pk).update(version=F("version") + 1, note="theirs")
    panel.get_by_label("Note").fill("mine")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("alert")).to_contain_text("Someone changed this span meanwhile")
    span.refresh_from_db()
    assert span.note == "theirs"
    panel.get_by_role("button", name="Load the current version").click()
    expect(panel.get_by_label("Note")).to_have_value("theirs")


def test_keyboard_alone(page, workspace):
    other = services.article_create(
        project=workspace.project, user=workspace.user, body="Another article.", title="Another"
    )
    page.goto(workspace.url)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "doc-text":
            break
    assert page.evaluate("document.activeElement.id") == "doc-text"
    expect(page.locator("#caret")).to_be_visible()
    # The caret starts at the text's beginning: move past "Flags 🇺🇦 and " (grapheme-wise).
    for _ in range(len("Flags ") + 1 + len(" and ")):
        page.keyboard.press("ArrowRight")
    for _ in range(len("𝕏")):  # one grapheme, two UTF-16 units, one code point
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("x")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    span = Span.objects.get()
    assert workspace.article.body[span.start : span.end] == "𝕏"

    # Word-wise selection after the emoji: Ctrl+Shift+Right takes the next word.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("a")
    expect(page.locator("#counters")).to_have_text("2 spans by me")
    word = Span.objects.get(label__name="Assessment")
    assert workspace.article.body[word.start : word.end] == "come"

    # j / k move between spans, Enter opens the panel, Escape closes it, Delete deletes.
    page.keyboard.press("j")
    expect(page.locator(f'#doc-text mark[data-spans~="{span.pk}"]')).to_have_class(
        re.compile(r"\bcurrent\b")
    )
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(word.pk))
    expect(page.locator("#id_label")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#span-panel")).not_to_have_attribute("data-span", str(word.pk))
    expect(page.locator("#doc-text")).to_be_focused()
    page.keyboard.press("Delete")
    expect(page.locator("#span-panel")).to_contain_text("Span deleted")
    assert list(Span.objects.values_list("pk", flat=True)) == [span.pk]

    # ? lists the shortcuts; d marks the article done; n goes to the next article.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("d")
    expect(page.locator("#done-toggle button")).to_have_attribute("aria-pressed", "true")
    assert ArticleProgress.objects.get(user=workspace.user).done_at is not None
    page.keyboard.press("n")
    page.wait_for_url(f"**/articles/{other.pk}/")


def test_label_hotkeys_do_not_fire_while_typing(page, workspace):
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.locator("#span-filter").focus()
    page.keyboard.type("a")
    expect(page.locator("#span-filter")).to_have_value("a")
    page.wait_for_timeout(150)
    assert not Span.objects.exists()


def held_requests(page):
    """Hold every span create the page sends: ``routes`` fills as they are sent, and each is
    sent on with ``routes[i].continue_()``."""
    routes = []
    page.route("**/spans/", lambda route: routes.append(route))
    return routes


def wait_for(page, condition):
    """Poll ``condition`` (often a read of the database) until it holds, for up to 2 s."""
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(20)
    pytest.fail("timed out")


def test_the_panels_late_proposals_leave_the_span_moved_to_with_j(page, workspace):
    """A new span's panel loads its proposals after it: pressing j before they arrive moves
    to the next span, and their arrival does not take the current span back."""
    earlier = make_span(workspace, "Peskov said", "Assessment")
    held = []
    page.route("**/proposals/", lambda route: held.append(route))
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("c")
    expect(page.locator("#counters")).to_have_text("2 spans by me")
    new = Span.objects.get(label__name="Claim")
    expect(page.locator("#span-panel")).to_have_attribute("data-span", str(new.pk))
    wait_for(page, lambda: len(held) == 1)
    page.locator("#doc-text").focus()
    page.keyboard.press("j")
    moved = page.locator(f'#doc-text mark[data-spans~="{earlier.pk}"]')
    expect(moved.first).to_have_class(re.compile(r"\bcurrent\b"))
    held[0].continue_()
    expect(page.locator("#span-panel #proposals")).not_to_have_attribute("hx-get", re.compile("."))
    expect(moved.first).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Delete")
    expect(page.locator("#span-panel")).to_contain_text("Span deleted")
    assert list(Span.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_grade_keys_panel_leaves_the_span_and_the_focus_moved_to(page, workspace):
    """A grade key saves the open span and its panel comes back re-drawn. The user moves to
    the text and presses j while the save (and the panel's proposals) are on their way:
    neither answer takes the current span or the focus back (Delete then deletes the span
    moved to)."""
    earlier = make_span(workspace, "Peskov said", "Assessment")
    graded = make_span(workspace, "Belarus remains unlikely", "Claim")
    held = {"proposals": [], "save": []}

    def hold(route):
        request = route.request
        if request.url.endswith("/proposals/"):
            held["proposals"].append(route)
        elif request.method == "POST" and "/delete/" not in request.url:
            held["save"].append(route)
        else:
            route.continue_()

    page.route("**/*", hold)
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{graded.pk}"]').first.click()
    panel = page.locator("#span-panel")
    expect(panel).to_have_attribute("data-span", str(graded.pk))
    settled(panel)
    wait_for(page, lambda: len(held["proposals"]) == 1)
    panel.get_by_label("Probability (ICD 203)").focus()
    page.keyboard.press("2")  # very unlikely
    wait_for(page, lambda: len(held["save"]) == 1)
    page.locator("#doc-text").focus()
    page.keyboard.press("j")
    moved = page.locator(f'#doc-text mark[data-spans~="{earlier.pk}"]')
    expect(moved.first).to_have_class(re.compile(r"\bcurrent\b"))

    held["proposals"][0].continue_()
    expect(panel.locator("#proposals")).not_to_have_attribute("hx-get", re.compile("."))
    expect(page.locator("#doc-text")).to_be_focused()
    held["save"][0].continue_()
    expect(panel).to_have_attribute("data-version", "2")
    wait_for(page, lambda: len(held["proposals"]) == 2)  # the new panel's
    held["proposals"][1].continue_()
    expect(panel.locator("#proposals")).not_to_have_attribute("hx-get", re.compile("."))
    expect(moved.first).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator("#doc-text")).to_be_focused()
    page.keyboard.press("Delete")
    expect(page.locator("#span-panel")).to_contain_text("Span deleted")
    assert list(Span.objects.values_list("pk", "probability")) == [(graded.pk, "very_unlikely")]


def test_a_new_span_shows_at_the_keypress_and_a_refusal_takes_it_back(page, workspace):
    page.goto(workspace.url)
    routes = held_requests(page)
    pending = page.locator("#doc-text mark.pending")
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    # Drawn before the server has even received the request.
    expect(pending).to_have_text("Belarus remains unlikely")
    expect(pending).to_have_class(re.compile(rf"\bl{workspace.labels['Assessment'].pk}\b"))
    wait_for(page, lambda: len(routes) == 1)
    assert not Span.objects.exists()
    routes[0].continue_()
    expect(page.locator("#counters")).to_have_text("1 span by me")
    expect(pending).to_have_count(0)
    span_mark = page.locator(f'#doc-text mark[data-spans~="{Span.objects.get().pk}"]')
    expect(span_mark).to_have_text("Belarus remains unlikely")

    # The same span again: drawn, then refused (a duplicate), then taken back.
    text_before = page.inner_html("#para-0")
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(pending).to_have_count(1)
    wait_for(page, lambda: len(routes) == 2)
    routes[1].continue_()
    expect(page.locator("#errors")).to_contain_text(
        "You already marked “Belarus remains unlikely” as Assessment"
    )
    expect(pending).to_have_count(0)
    assert page.inner_html("#para-0") == text_before
    assert Span.objects.count() == 1


def save_two_at_once(page, workspace):
    """Open the article and save two spans at once: the first's request is held (in the
    returned list), the second waits in the create form's queue behind it."""
    page.goto(workspace.url)
    routes = held_requests(page)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    select(page, "ISW assesses")
    page.keyboard.press("c")
    wait_for(page, lambda: len(routes) == 1)
    return routes


def test_queued_spans_panels_leave_the_span_clicked_meanwhile(page, workspace):
    """Two spans saved at once (the second waits in the form's queue), then a click on
    another span: neither new span's panel, when it comes, takes the current span back, the
    queued one included (asked for at its key press, before the click, though sent after)."""
    earlier = make_span(workspace, "Peskov said", "Assessment")
    routes = save_two_at_once(page, workspace)
    clicked = page.locator(f'#doc-text mark[data-spans~="{earlier.pk}"]')
    clicked.first.click()
    panel = page.locator("#span-panel")
    expect(panel).to_have_attribute("data-span", str(earlier.pk))
    routes[0].continue_()
    wait_for(page, lambda: len(routes) == 2)
    routes[1].continue_()
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    expect(panel).not_to_have_attribute("data-span", str(earlier.pk))  # the last new span's
    expect(clicked.first).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Delete")
    expect(panel).to_contain_text("Span deleted")
    assert sorted(Span.objects.values_list("text", flat=True)) == [
        "Belarus remains unlikely",
        "ISW assesses",
    ]


def test_a_span_refused_among_several_saved_at_once_stays_reported(page, workspace):
    """Two spans saved at once (queued): the first is refused (503), the second saved. The
    second's success must not clear the first's error (it was asked for before the error
    came); a span saved after it, a fresh act of the reader's, does."""
    routes = save_two_at_once(page, workspace)
    routes[0].fulfill(status=503, body="The database is unavailable for a moment.")
    errors = page.locator("#errors")
    expect(errors).to_contain_text("error 503")
    wait_for(page, lambda: len(routes) == 2)
    routes[1].continue_()
    expect(page.locator("#counters")).to_have_text("1 span by me")
    expect(errors).to_contain_text("error 503")
    assert [span.text for span in Span.objects.all()] == ["ISW assesses"]

    select(page, "Peskov said")
    page.keyboard.press("x")
    wait_for(page, lambda: len(routes) == 3)
    routes[2].continue_()
    expect(page.locator("#counters")).to_have_text("2 spans by me")
    expect(errors).to_be_empty()


def test_spans_saved_in_quick_succession_each_keep_their_own_text(page, workspace):
    page.goto(workspace.url)
    routes = held_requests(page)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    wait_for(page, lambda: len(routes) == 1)
    # The next two wait behind the first (hx-sync queue): all three are drawn meanwhile, and
    # each is sent with its own offsets and label, not with the last ones.
    select(page, "speculations")
    page.keyboard.press("c")
    select(page, "baseless")
    page.keyboard.press("x")
    expect(page.locator("#doc-text mark.pending")).to_have_count(3)
    for index in range(3):
        wait_for(page, lambda index=index: len(routes) == index + 1)
        routes[index].continue_()
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    expect(page.locator("#doc-text mark.pending")).to_have_count(0)
    body = workspace.article.body
    saved = {s.label.name: body[s.start : s.end] for s in Span.objects.select_related("label")}
    assert saved == {
        "Assessment": "Belarus remains unlikely",
        "Claim": "speculations",
        "Denial": "baseless",
    }
    expect(page.locator("#errors")).to_be_empty()


def test_lost_connection_is_reported_inline(page, workspace):
    page.goto(workspace.url)
    page.route("**/spans/", lambda route: route.abort())
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#errors")).to_contain_text("Connection lost")
    page.unroute("**/spans/")
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#counters")).to_have_text("1 span by me")


def test_screenshots_of_the_project_and_annotate_pages(page, workspace, live_server):
    make_span(workspace, "ISW assesses that Belarus", "Assessment", probability="unlikely")
    make_span(workspace, "Belarus remains unlikely", "Claim")
    make_span(workspace, "baseless and stupid", "Denial")
    services.article_mark_done(article=workspace.article, user=workspace.user, done=True)
    for n in range(3):
        services.article_create(
            project=workspace.project,
            user=workspace.user,
            body=f"Article {n} body.",
            title=f"ISW daily update {n}",
            source="ISW" if n % 2 else "RAND",
        )
    page.goto(workspace.url)
    expect(page.locator("#doc-text mark").first).to_be_visible()
    screenshot(page, "annotate.png")
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/")
    expect(page.locator("table.articles")).to_contain_text("Lukashenko rejects integration")
    screenshot(page, "project.png")
    page.get_by_label("Title contains").fill("daily update 1")
    expect(page.locator("table.articles tbody tr")).to_have_count(1)


def test_the_shortcuts_dialog_opens_at_its_top(page, workspace):
    """The list is longer than the window: ? opens it with its title and first rows in view and
    the focus at the top (it was on Close, the last thing, so the dialog opened scrolled to its
    end); Tab reaches the rows' end and Close, Esc closes it."""
    page.goto(workspace.url)
    page.keyboard.press("?")
    dialog = page.locator("#help")
    expect(dialog).to_be_visible()
    geometry = dialog.evaluate(
        """d => {
          const below = (e) => e.getBoundingClientRect().top - d.getBoundingClientRect().top;
          return {top: d.scrollTop, overflow: d.scrollHeight > d.clientHeight,
            heading: below(d.querySelector("h2")), focus: below(document.activeElement),
            inside: d.contains(document.activeElement)};
        }"""
    )
    assert geometry["overflow"], "the dialog fits the window: the test proves nothing"
    assert geometry["top"] == 0 and 0 <= geometry["heading"] < 100, geometry
    assert geometry["inside"] and 0 <= geometry["focus"] < 100, geometry
    expect(dialog.locator("#help-title")).to_be_in_viewport()
    expect(dialog.locator("tbody tr").first).to_be_in_viewport()
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
