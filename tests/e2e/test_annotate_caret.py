"""The caret and the selection on the annotate page, in headless Chromium: always inside the
text and clear of the sticky bars, labelled only while visible, never wiped by an answer."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Span

from .conftest import screenshot
from .test_annotate import held_requests, select, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Where the caret is drawn (or, with a selection, its moving end), and what the window shows
# there (the text, or a bar over it).
CARET = """() => {
  const caret = document.getElementById('caret');
  const sel = window.getSelection();
  let r = caret.getBoundingClientRect();
  if (caret.hidden && sel.rangeCount && !sel.isCollapsed) {
    const range = document.createRange();
    range.setStart(sel.focusNode, sel.focusOffset);
    r = range.getClientRects()[0] || range.getBoundingClientRect();
  }
  const palette = document.getElementById('palette').getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + 1, r.top + r.height / 2);
  return {hidden: caret.hidden && sel.isCollapsed, top: r.top, bottom: r.bottom,
          height: window.innerHeight, palette: palette.bottom,
          inText: Boolean(hit && hit.closest('#doc-text'))};
}"""

# The selection as code-point offsets of the article (anchor, focus) and its text.
SELECTION = """() => {
  const sel = window.getSelection();
  const at = (node, offset) => {
    const seg = (node.nodeType === 3 ? node.parentElement : node).closest('.seg');
    if (!seg) return null;
    const before = node.data ? node.data.slice(0, offset) : '';
    return Number(seg.dataset.start) + Array.from(before).length;
  };
  return {anchor: at(sel.anchorNode, sel.anchorOffset), focus: at(sel.focusNode, sel.focusOffset),
          text: sel.toString()};
}"""


def caret_clear_of_the_bars(page):
    """The caret is drawn, and the text (no bar) is what the window shows there, once the
    page has settled its scrolling (within a second: a scroll the page takes back lands on the
    next frames, later on a loaded machine)."""
    for _ in range(10):
        caret = page.evaluate(CARET)
        if (
            not caret["hidden"]
            and caret["top"] >= caret["palette"]
            and caret["bottom"] <= caret["height"]
            and caret["inText"]
        ):
            break
        page.wait_for_timeout(100)
    assert not caret["hidden"], caret
    assert caret["top"] >= caret["palette"] and caret["bottom"] <= caret["height"], caret
    assert caret["inText"], caret
    return caret


@pytest.fixture
def big(workspace):
    """A 200,000-character article of 700 paragraphs with 2,000 spans, as the benchmarks use."""
    paragraph = "ISW assesses 🇺🇦 that Belarus' involvement remains unlikely, analysts note. " * 4
    body = "\n".join(f"{i}. {paragraph}" for i in range(700))[:200_000]
    article = services.article_create(
        project=workspace.project, user=workspace.user, body=body, title="Big article"
    )
    step = len(body) // 2000
    services.span_bulk_create(
        annotator=workspace.user,
        items=[
            {
                "article": article,
                "start": i * step + 3,
                "end": i * step + 20,
                "label": workspace.labels["Claim"],
            }
            for i in range(2000)
        ],
    )
    return article, workspace.url.replace(
        f"/articles/{workspace.article.pk}/", f"/articles/{article.pk}/"
    )


def test_a_skip_link_and_alt_t_reach_the_text_and_alt_l_the_labels(page, workspace):
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(workspace.url)
    page.keyboard.press("Tab")
    expect(page.locator("#skip-to-text")).to_be_focused()
    expect(page.locator("#skip-to-text")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#doc-text")).to_be_focused()
    caret_clear_of_the_bars(page)
    assert page.evaluate(SELECTION)["focus"] == 0

    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+l")
    expect(page.locator("#palette [data-label]").first).to_be_focused()
    # The selection stays, and a label's button labels it.
    assert page.evaluate(SELECTION)["text"] == "Fl"
    page.keyboard.press("Enter")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    assert Span.objects.get().text == "Fl"

    page.locator("#span-filter").focus()
    page.keyboard.press("Alt+t")
    expect(page.locator("#doc-text")).to_be_focused()
    caret_clear_of_the_bars(page)

    page.keyboard.press("?")
    help_rows = page.locator("#help")
    expect(help_rows).to_contain_text("Jump into the text from anywhere")
    expect(help_rows).to_contain_text("Undo your last change")
    screenshot(page, "caret-help.png")


@pytest.mark.parametrize("article", ["small", "big"])
def test_tabbing_in_keeps_the_first_line_clear_of_the_labels(page, workspace, request, article):
    # The text is taller than the window: focusing it scrolls its top to the window's top,
    # under the stuck labels, unless the page scrolls the caret clear of them.
    page.set_viewport_size({"width": 1280, "height": 400})
    url = request.getfixturevalue("big")[1] if article == "big" else workspace.url
    page.goto(url)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "doc-text":
            break
    expect(page.locator("#doc-text")).to_be_focused()
    page.wait_for_timeout(100)
    caret = caret_clear_of_the_bars(page)
    assert page.evaluate(SELECTION)["focus"] == 0, caret
    # A span made right there is in view too, below the labels.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("x")
    denial = page.locator(f"#doc-text mark.hl.l{workspace.labels['Denial'].pk}")
    expect(denial).to_have_count(1)
    # The server's answer redraws the paragraph: measure the mark that is on the page then
    # (the server's, no longer the pending one drawn at the keypress; on the big article the
    # span list is never empty, so waiting for an entry in it waited for nothing).
    expect(
        page.locator(f"#doc-text mark.hl.l{workspace.labels['Denial'].pk}:not(.pending)")
    ).to_have_count(1)
    mark = denial.bounding_box()
    assert mark["y"] >= page.locator("#palette").bounding_box()["y"] + 30
    caret_clear_of_the_bars(page)


def test_the_caret_stays_in_the_big_article_and_in_view(page, big):
    article, url = big
    page.goto(url)
    page.keyboard.press("Alt+t")
    expect(page.locator("#doc-text")).to_be_focused()
    for n in range(40):
        page.keyboard.press("ArrowDown")
        if n % 10 == 9:
            caret_clear_of_the_bars(page)
    below = page.evaluate(SELECTION)["focus"]
    assert below > 3000  # forty lines down
    for _ in range(45):
        page.keyboard.press("ArrowUp")
    caret_clear_of_the_bars(page)
    assert page.evaluate(SELECTION)["focus"] < 300

    # Ctrl+End: the text's end, in view; Shift+ArrowLeft extends from there.
    page.keyboard.press("Control+End")
    caret_clear_of_the_bars(page)
    assert page.evaluate(SELECTION)["focus"] == len(article.body)
    for _ in range(5):
        page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate(SELECTION)["text"] == article.body[-5:]
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowDown")  # past the end: stays at the end
    assert page.evaluate(SELECTION)["focus"] == len(article.body)

    # Ctrl+Home: the text's start; Shift+ArrowRight extends from there, and a label saves it.
    page.keyboard.press("Control+Home")
    caret_clear_of_the_bars(page)
    assert page.evaluate(SELECTION)["focus"] == 0
    page.keyboard.press("ArrowUp")  # past the start: stays at the start
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate(SELECTION) == {"anchor": 0, "focus": 2, "text": "0."}

    # End, then Shift+Home: the line, from the caret, inside the text.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    end = page.evaluate(SELECTION)["focus"]
    page.keyboard.press("Shift+Home")
    picked = page.evaluate(SELECTION)
    assert picked["anchor"] == end and 0 < picked["focus"] < end
    caret_clear_of_the_bars(page)

    # Scrolled half-way with the wheel, Alt+T puts the caret in the paragraphs in view.
    page.keyboard.press("Escape")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.locator("#span-filter").focus()
    page.keyboard.press("Alt+t")
    caret = caret_clear_of_the_bars(page)
    middle = page.evaluate(SELECTION)["focus"]
    assert len(article.body) * 0.3 < middle < len(article.body) * 0.7, caret
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("x")
    wait_for(page, lambda: Span.objects.filter(label__name="Denial").exists())
    denial = Span.objects.get(label__name="Denial")
    assert abs(denial.start - middle) < 100
    screenshot(page, "caret-big.png")


def test_a_cleared_selection_is_never_labelled(page, workspace):
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    # A click elsewhere in the text clears the selection; then a label's button.
    page.locator("#doc-text").click(position={"x": 5, "y": 5})
    assert page.evaluate("window.getSelection().toString()") == ""
    page.locator("#palette [data-label]", has_text="Claim").click()
    expect(page.locator("#live")).to_contain_text("The selection was cleared")
    # The same with the keyboard: Escape clears it, then the label's key.
    select(page, "speculations")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#live")).to_contain_text("select the text again")
    page.wait_for_timeout(300)
    assert not Span.objects.exists()
    expect(page.locator("#doc-text mark")).to_have_count(0)


FAST = """([pieces, where]) => {
  // Each piece selected and its label key pressed, all in one task: 0 ms apart. A piece is
  // looked for in the whole text, or in paragraph ``where[i]``.
  for (const [i, [needle, key]] of pieces.entries()) {
    const root = document.getElementById(where ? 'para-' + where[i] : 'doc-text');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const i = node.data.indexOf(needle);
      if (i >= 0) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + needle.length);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        break;
      }
    }
    document.body.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
  }
}"""


def test_five_label_keys_0_ms_apart_make_five_spans(page, workspace):
    page.goto(workspace.url)
    pieces = [
        ("Flags", "a"),
        ("ISW assesses", "c"),
        ("Belarus remains unlikely", "x"),
        ("Peskov", "a"),
        ("speculations", "c"),
    ]
    page.evaluate(FAST, [pieces, None])
    expect(page.locator("#counters")).to_have_text("5 spans by me")
    body = workspace.article.body
    saved = sorted((body[s.start : s.end], s.label.hotkey) for s in Span.objects.all())
    assert saved == sorted(pieces)
    expect(page.locator("#errors")).to_be_empty()


def test_an_answer_never_wipes_the_next_selection_and_a_repeated_key_saves_once(page, workspace):
    page.goto(workspace.url)
    routes = held_requests(page)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    wait_for(page, lambda: len(routes) == 1)
    # The next selection is made in the same paragraph before the first answer comes back:
    # the answer redraws the paragraph, and the selection is put back.
    select(page, "ISW assesses")
    routes[0].continue_()
    expect(page.locator("#counters")).to_have_text("1 span by me")
    assert page.evaluate("window.getSelection().toString()") == "ISW assesses"
    page.keyboard.press("c")
    page.keyboard.press("c")  # the selection became the pending span: nothing more
    page.keyboard.press("c")
    wait_for(page, lambda: len(routes) == 2)
    routes[1].continue_()
    expect(page.locator("#counters")).to_have_text("2 spans by me")
    page.wait_for_timeout(200)
    assert len(routes) == 2
    body = workspace.article.body
    assert sorted(body[s.start : s.end] for s in Span.objects.all()) == [
        "Belarus remains unlikely",
        "ISW assesses",
    ]
    expect(page.locator("#errors")).to_be_empty()


def test_fast_keys_on_the_big_article_lose_no_span(page, big):
    article, url = big
    page.goto(url)
    where = [10, 150, 151, 400, 640]
    pieces = [("analysts", key) for key in "acxac"]
    page.evaluate(FAST, [pieces, where])
    expect(page.locator("#doc-text mark.pending")).to_have_count(0, timeout=15_000)
    expect(page.locator("#counters")).to_have_text("2005 spans by me")
    new = Span.objects.filter(article=article, text="analysts")
    assert sorted(article.body.count("\n", 0, span.start) for span in new) == where
    assert sorted(new.values_list("label__hotkey", flat=True)) == sorted("acxac")
    expect(page.locator("#errors")).to_be_empty()
