"""Suggestions on the annotate page, from the keyboard (issue 13): Tab to one, Enter accepts,
Backspace dismisses for good, accept every one of a kind, label all occurrences with
Alt+Shift and a label's key, and the panel's proposals taken with one key."""

import pytest
from playwright.sync_api import expect

from annotations import selectors, services
from annotations.models import Actor, Span, SpanActor, SuggestionBackend, SuggestionDismissal

from .conftest import screenshot
from .test_annotate import select

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BIG = 15_000  # ms: a loaded machine


@pytest.fixture
def registry(workspace):
    """Actors the sample text names, and the labels the suggestions propose."""
    actors = {
        "Peskov": services.actor_create(
            name="Dmitry Peskov", kind=Actor.Kind.PERSON, aliases=["Peskov"]
        ),
        "Lukashenko": services.actor_create(
            name="Alexander Lukashenko", kind=Actor.Kind.PERSON, aliases=["Lukashenko"]
        ),
        "Putin": services.actor_create(
            name="Vladimir Putin", kind=Actor.Kind.PERSON, aliases=["Putin"]
        ),
    }
    project, user = workspace.project, workspace.user
    for name, color, hotkey in (("Actor", "#a7f3d0", "m"), ("Estimative phrase", "#ddd6fe", "e")):
        workspace.labels[name] = services.label_create(
            project=project, user=user, name=name, color=color, hotkey=hotkey
        )
    return actors


def expected(workspace):
    return selectors.article_suggestions(article=workspace.article, user=workspace.user).results


def shown(page, count):
    """The page has read the suggestions and drawn them."""
    expect(page.locator("#sg-status")).to_contain_text(f"{count} proposed", timeout=BIG)
    expect(page.locator("#sg-layer .sg").first).to_be_attached(timeout=BIG)


def into_text(page):
    """The focus in the text, the caret at its start."""
    page.locator("#doc-text").focus()
    expect(page.locator("#caret")).to_be_visible()


def test_tab_to_a_suggestion_enter_accepts_it_with_its_label_and_grade(page, workspace, registry):
    found = expected(workspace)
    kinds = [(s.kind, s.text) for s in found]
    assert ("estimative", "unlikely") in kinds or ("estimative", "remains unlikely") in kinds
    page.goto(workspace.url)
    shown(page, len(found))
    into_text(page)
    page.keyboard.press("Tab")
    first = found[0]
    expect(page.locator("#live")).to_contain_text(f"Suggestion 1 of {len(found)}")
    expect(page.locator("#live")).to_contain_text(first.text)
    expect(page.locator("#sg-layer .sg.focus").first).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "doc-text"
    with page.expect_response(lambda r: r.request.method == "POST" and "/spans/" in r.url) as info:
        page.keyboard.press("Enter")
    assert info.value.status == 200
    span = Span.objects.get()
    assert (span.start, span.end, span.label_id) == (first.start, first.end, first.label)
    assert span.probability == first.probability
    expect(page.locator(f'#doc-text mark[data-spans~="{span.pk}"]')).to_have_text(first.text)
    # The accepted suggestion is gone; the focus moved on to the next one.
    shown(page, len(found) - 1)
    expect(page.locator("#live")).to_contain_text(f"Suggestion 1 of {len(found) - 1}")

    # On to the actor mention "Peskov": Enter makes the span with the actor attached.
    peskov = next(s for s in found if s.kind == "actor" and s.text == "Peskov")
    for _ in range(len(found)):
        if "“Peskov”" in page.locator("#live").text_content():
            break
        page.keyboard.press("Tab")
    expect(page.locator("#live")).to_contain_text("actor mention “Peskov”")
    with page.expect_response(lambda r: r.request.method == "POST" and "/spans/" in r.url):
        page.keyboard.press("Enter")
    made = Span.objects.get(start=peskov.start, end=peskov.end)
    assert made.label.name == "Actor"
    assert list(SpanActor.objects.filter(span=made).values_list("actor__name", "role")) == [
        ("Dmitry Peskov", "mentioned")
    ]
    # A label's key on a focused suggestion accepts it with that label instead.
    page.keyboard.press("]")
    focused = page.locator("#live").text_content()
    assert "Suggestion" in focused
    with page.expect_response(lambda r: r.request.method == "POST" and "/spans/" in r.url):
        page.keyboard.press("c")
    assert Span.objects.filter(label__name="Claim").count() == 1
    # Tab after the last suggestion leaves the text, as Tab does.
    for _ in range(len(found) + 2):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") != "doc-text":
            break
    assert page.evaluate("document.activeElement.id") != "doc-text"


def test_backspace_dismisses_and_it_stays_dismissed_after_a_reload(page, workspace, registry):
    found = expected(workspace)
    page.goto(workspace.url)
    shown(page, len(found))
    into_text(page)
    page.keyboard.press("]")
    first = found[0]
    expect(page.locator("#live")).to_contain_text(first.text)
    with page.expect_response(lambda r: "/suggestions/dismiss/" in r.url) as info:
        page.keyboard.press("Backspace")
    assert info.value.status == 201
    dismissal = SuggestionDismissal.objects.get()
    assert (dismissal.start, dismissal.end, dismissal.kind) == (first.start, first.end, first.kind)
    assert not Span.objects.exists()
    shown(page, len(found) - 1)
    page.reload()
    shown(page, len(found) - 1)
    texts = page.evaluate(
        "() => fetch(document.getElementById('doc-text').dataset.suggestionsUrl)"
        ".then(r => r.json()).then(d => d.results.map(s => [s.start, s.kind]))"
    )
    assert [first.start, first.kind] not in texts


def test_accept_every_suggestion_of_a_kind_in_one_request(page, workspace, registry):
    found = expected(workspace)
    actors = [s for s in found if s.kind == "actor"]
    assert {s.text for s in actors} == {"Peskov", "Lukashenko", "Putin"}
    page.goto(workspace.url)
    shown(page, len(found))
    button = page.locator('.sg-accept[data-kind="actor"] button')
    expect(button).to_contain_text("Accept all 3 actor mentions")
    into_text(page)
    # Shift+Enter on an actor mention accepts the three of them.
    for _ in range(len(found)):
        page.keyboard.press("]")
        if "actor mention" in page.locator("#live").text_content():
            break
    with page.expect_response(lambda r: "/suggestions/accept-all/" in r.url) as info:
        page.keyboard.press("Shift+Enter")
    assert info.value.status == 200
    expect(page.locator("#live")).to_contain_text("Accepted 3 actor mentions as spans.")
    spans = Span.objects.filter(label__name="Actor").order_by("start")
    assert [s.text for s in spans] == ["Peskov", "Lukashenko", "Putin"]
    assert all(s.actors.count() == 1 for s in spans)
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    shown(page, len(found) - 3)
    expect(page.locator('.sg-accept[data-kind="actor"]')).to_be_hidden()
    # The estimative phrases by their button.
    with page.expect_response(lambda r: "/suggestions/accept-all/" in r.url):
        page.locator('.sg-accept[data-kind="estimative"] button').click()
    expect(page.locator("#live")).to_contain_text("Accepted 1 estimative phrase as spans.")
    assert Span.objects.get(label__name="Estimative phrase").probability == "unlikely"


def test_label_all_occurrences_with_alt_shift_and_a_label_key(page, workspace, registry):
    body = workspace.article.body
    article = services.article_create(
        project=workspace.project,
        user=workspace.user,
        title="Minsk",
        body="Minsk denied it.\nLater Minsk said nothing; Minsker is another word. Minsk again.",
    )
    page.goto(workspace.url.replace(f"/{workspace.article.pk}/", f"/{article.pk}/"))
    expect(page.locator("#sg-status")).not_to_have_text("Reading the article…", timeout=BIG)
    select(page, "Minsk")
    with page.expect_response(lambda r: "/label-all/" in r.url) as info:
        page.keyboard.press("Alt+Shift+KeyC")
    assert info.value.status == 200
    expect(page.locator("#live")).to_contain_text("Labelled 3 occurrences of “Minsk” as Claim.")
    spans = Span.objects.filter(article=article).order_by("start")
    assert [(s.text, s.label.name) for s in spans] == [("Minsk", "Claim")] * 3
    expect(page.locator("#doc-text mark.hl")).to_have_count(3)
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    # Again: nothing new, and the page says so.
    select(page, "Minsk")
    page.keyboard.press("Alt+Shift+KeyC")
    expect(page.locator("#live")).to_contain_text("Labelled 0 occurrences")
    expect(page.locator("#live")).to_contain_text("3 already had that label")
    assert Span.objects.filter(article=article).count() == 3
    assert workspace.article.body == body
    # Ctrl+Z takes the three back together (the second label-all made none: nothing to undo).
    page.locator("#doc-text").focus()
    page.keyboard.press("Control+z")
    expect(page.locator("#live")).to_contain_text("Undone: created 3 spans (Claim).")
    expect(page.locator("#doc-text mark.hl")).to_have_count(0)
    assert not Span.objects.filter(article=article).exists()


def test_undo_and_redo_an_accept_all_as_one(page, workspace, registry):
    found = expected(workspace)
    page.goto(workspace.url)
    shown(page, len(found))
    with page.expect_response(lambda r: "/suggestions/accept-all/" in r.url):
        page.locator('.sg-accept[data-kind="actor"] button').click()
    expect(page.locator("#live")).to_contain_text("Accepted 3 actor mentions as spans.")
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    made = sorted(Span.objects.values_list("pk", flat=True))
    assert len(made) == 3

    page.locator("#doc-text").focus()
    with page.expect_response(lambda r: "/history/revert/" in r.url) as info:
        page.keyboard.press("Control+z")
    assert info.value.status == 200
    expect(page.locator("#live")).to_contain_text("Undone: created 3 spans (Actor).")
    expect(page.locator("#doc-text mark.hl")).to_have_count(0)
    expect(page.locator("#counters")).to_have_text("0 spans by me")
    assert not Span.objects.exists()
    shown(page, len(found))  # the suggestions are back, dashed
    expect(page.locator('.sg-accept[data-kind="actor"]')).to_be_visible()
    screenshot(page, "undo-group.png")

    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#live")).to_contain_text("Redone: restored 3 spans (Actor).")
    expect(page.locator("#doc-text mark.hl")).to_have_count(3)
    expect(page.locator("#counters")).to_have_text("3 spans by me")
    assert sorted(Span.objects.values_list("pk", flat=True)) == made  # the same spans
    shown(page, len(found) - 3)
    # And back again with Ctrl+Z: the redo's own events are the next undo.
    page.keyboard.press("Control+z")
    expect(page.locator("#doc-text mark.hl")).to_have_count(0)
    assert not Span.objects.exists()


def test_s_hides_the_suggestions_and_the_page_remembers(page, workspace, registry):
    found = expected(workspace)
    page.goto(workspace.url)
    shown(page, len(found))
    toggle = page.locator("#sg-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    into_text(page)
    page.keyboard.press("]")
    expect(page.locator("#sg-layer .sg.focus").first).to_be_visible()
    page.keyboard.press("s")
    expect(page.locator("#live")).to_have_text("Suggestions hidden: s shows them again.")
    expect(page.locator("#sg-layer")).to_be_hidden()
    expect(page.locator("#sg-layer .sg")).to_have_count(0)
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#sg-status")).to_contain_text("hidden, s shows them")
    screenshot(page, "suggestions-hidden.png")
    page.keyboard.press("]")  # hidden: passed by
    expect(page.locator("#live")).to_have_text("Suggestions are hidden: s shows them.")
    page.keyboard.press("Enter")  # nothing focused: no suggestion accepted
    assert not Span.objects.exists()

    page.reload()
    expect(page.locator("#sg-status")).to_contain_text(f"{len(found)} proposed", timeout=BIG)
    expect(page.locator("#sg-layer")).to_be_hidden()
    expect(page.locator("#sg-layer .sg")).to_have_count(0)
    expect(page.locator("#sg-toggle")).to_have_attribute("aria-pressed", "false")
    page.locator("#sg-toggle").click()  # the bar's button does the same as s
    expect(page.locator("#live")).to_have_text("Suggestions shown: Tab or ] goes through them.")
    shown(page, len(found))
    page.reload()
    shown(page, len(found))
    expect(page.locator("#sg-toggle")).to_have_attribute("aria-pressed", "true")


def test_the_panel_proposes_actors_and_grade_and_plus_takes_them(page, workspace, registry):
    page.goto(workspace.url)
    shown(page, len(expected(workspace)))
    select(page, "Lukashenko <script>alert(1)</script> met Putin")
    page.keyboard.press("c")
    proposals = page.locator("#proposals-form")
    expect(proposals).to_contain_text("Alexander Lukashenko", timeout=BIG)
    expect(proposals).to_contain_text("Vladimir Putin")
    with page.expect_response(lambda r: "/proposals/" in r.url and r.request.method == "POST"):
        page.keyboard.press("+")
    span = Span.objects.get()
    assert sorted(SpanActor.objects.filter(span=span).values_list("actor__name", "role")) == [
        ("Alexander Lukashenko", "mentioned"),
        ("Vladimir Putin", "mentioned"),
    ]
    expect(page.locator("#span-panel .chips").first).to_contain_text("Vladimir Putin")
    expect(page.locator("#live")).to_contain_text("Took Alexander Lukashenko (mentioned)")
    # Nothing more to propose for it: the block is empty.
    expect(page.locator("#proposals-form")).to_have_count(0)

    # A statement: the speaker as source, and the grade its words state.
    select(page, "speculations are baseless")
    page.keyboard.press("x")
    expect(page.locator("#proposals-form")).to_contain_text("Dmitry Peskov", timeout=BIG)
    expect(page.locator("#proposals-form")).to_contain_text("source")
    page.keyboard.press("+")
    expect(page.locator("#live")).to_contain_text("Took Dmitry Peskov (source)", timeout=BIG)
    denial = Span.objects.get(label__name="Denial")
    assert list(SpanActor.objects.filter(span=denial).values_list("actor__name", "role")) == [
        ("Dmitry Peskov", "source")
    ]
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#proposals-form")).to_contain_text("Probability", timeout=BIG)
    page.keyboard.press("+")
    expect(page.locator("#live")).to_contain_text("probability unlikely", timeout=BIG)
    assert Span.objects.get(label__name="Assessment").probability == "unlikely"
    # Ctrl+Z undoes the proposals taken, as any change of the panel.
    page.locator("#doc-text").focus()
    page.keyboard.press("Control+z")
    expect(page.locator("#live")).to_contain_text("Undone: changed the probability", timeout=BIG)
    assert Span.objects.get(label__name="Assessment").probability is None


def test_a_failing_suggestion_server_shows_its_note_and_costs_only_its_own(
    page, workspace, registry
):
    SuggestionBackend.objects.create(
        project=workspace.project, url="http://127.0.0.1:9/suggest", timeout_ms=300
    )
    found = expected(workspace)
    page.goto(workspace.url)
    shown(page, len(found))
    expect(page.locator("#sg-notes")).to_be_visible()
    expect(page.locator("#sg-notes")).to_contain_text("suggestion server gave no suggestions")


@pytest.mark.parametrize("width", [1280, 1920])
def test_screenshot_suggestions_are_dashed_and_distinct_from_spans(
    page, workspace, registry, width
):
    from .conftest import make_span

    make_span(workspace, "Belarus remains unlikely", "Assessment")
    make_span(workspace, "speculations are baseless", "Claim")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(workspace.url)
    shown(page, len(expected(workspace)))
    into_text(page)
    page.keyboard.press("]")
    page.keyboard.press("]")
    expect(page.locator("#sg-layer .sg.focus").first).to_be_visible()
    # Dashed, in the layer beneath the text: the real spans' highlights stay on top.
    style = page.evaluate(
        "() => { const b = document.querySelector('#sg-layer .sg:not(.focus)');"
        " const s = getComputedStyle(b); return [s.borderTopStyle, s.pointerEvents,"
        " getComputedStyle(b.parentElement).zIndex, getComputedStyle(document.getElementById("
        "'doc-text')).zIndex]; }"
    )
    assert style == ["dashed", "none", "0", "1"]
    screenshot(page, f"suggestions-{width}.png", full_page=True)  # docs/suggestions.png: 1280


def test_a_panels_proposals_arriving_late_leave_an_error_shown(page, workspace, registry):
    held = []
    page.route("**/proposals/", lambda route: held.append(route))
    page.goto(workspace.url)
    shown(page, len(expected(workspace)))
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")  # the same span again: refused
    errors = page.locator("#errors")
    expect(errors).to_contain_text("You already marked")
    assert held, "the panel asks for its proposals"
    with page.expect_response(lambda r: "/proposals/" in r.url):
        for route in held:
            route.continue_()
    expect(page.locator("#proposals-form")).to_contain_text("Probability")
    expect(errors).to_contain_text("You already marked")


def test_a_label_with_the_s_key_keeps_it(page, workspace, registry):
    """A project whose label has the hotkey ``s``: with nothing selected, s gives that
    label's hint and leaves the suggestions shown; the bar's button still hides them."""
    from annotations import services

    services.label_create(
        project=workspace.project, user=workspace.user, name="Source", color="#a7f3d0",
        hotkey="s",
    )  # fmt: skip
    found = expected(workspace)
    page.goto(workspace.url)
    shown(page, len(found))
    page.locator("#doc-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("s")
    expect(page.locator("#sg-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#sg-layer")).to_be_visible()
    page.locator("#sg-toggle").click()
    expect(page.locator("#sg-toggle")).to_have_attribute("aria-pressed", "false")
