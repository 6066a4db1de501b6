"""Undo and redo on the annotate page, in headless Chromium: Ctrl+Z / Ctrl+Shift+Z (and
Ctrl+Y) over every change the page makes, refused when someone changed the span since."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Actor, Membership, Role, Span, SpanActor
from tests.factories import UserFactory

from .conftest import make_span, screenshot, settled
from .test_annotate import select
from .test_annotate_caret import FAST

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def live(page, text):
    expect(page.locator("#live")).to_contain_text(text)


def test_undo_and_redo_a_new_span(page, workspace):
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    span = Span.objects.get()

    page.keyboard.press("Control+z")
    live(page, "Undone: created Assessment “Belarus remains unlikely”.")
    expect(page.locator("#doc-text mark")).to_have_count(0)
    expect(page.locator("#counters")).to_have_text("0 spans by me")
    assert not Span.objects.exists()

    page.keyboard.press("Control+Shift+z")
    live(page, "Redone: restored Assessment “Belarus remains unlikely”.")
    expect(page.locator(f'#doc-text mark[data-spans="{span.pk}"]')).to_have_text(
        "Belarus remains unlikely"
    )
    assert Span.objects.get().pk == span.pk

    # Undo, and redo with Ctrl+Y; then nothing left to redo.
    page.keyboard.press("Control+z")
    expect(page.locator("#doc-text mark")).to_have_count(0)
    page.keyboard.press("Control+y")
    expect(page.locator("#doc-text mark")).to_have_count(1)
    page.keyboard.press("Control+y")
    live(page, "Nothing to redo.")
    assert Span.objects.count() == 1


def test_undo_every_kind_of_change_in_turn(page, workspace):
    span = make_span(workspace, "Belarus remains unlikely", "Assessment")
    Actor.objects.all().delete()
    services.actor_create(name="Alexander Lukashenko", kind="person")
    page.goto(workspace.url)
    page.locator(f'#doc-text mark[data-spans~="{span.pk}"]').first.click()
    panel = page.locator("#span-panel")
    expect(panel).to_have_attribute("data-span", str(span.pk))
    settled(panel)
    panel.get_by_label("Label").select_option(label="Claim")  # relabel
    expect(panel).to_have_attribute("data-version", "2")
    settled(panel)
    panel.get_by_label("Probability (ICD 203)").select_option("unlikely")  # grade
    expect(panel).to_have_attribute("data-version", "3")
    settled(panel)
    panel.get_by_label("Find or create an actor").fill("lukashenko")  # an actor
    panel.locator("#actor-results .result", has_text="Alexander Lukashenko").click()
    expect(panel.locator(".chips")).to_contain_text("Alexander Lukashenko")
    expect(panel).to_have_attribute("data-version", "4")
    settled(panel)
    page.locator("#doc-text").focus()

    page.keyboard.press("Control+z")
    live(page, "Undone: changed the actors of Claim")
    expect(page.locator("#span-panel")).not_to_contain_text("Alexander Lukashenko")
    assert not SpanActor.objects.exists()
    page.keyboard.press("Control+z")
    live(page, "Undone: changed the probability (not graded → unlikely)")
    page.keyboard.press("Control+z")
    live(page, "Undone: changed the label (Assessment → Claim)")
    expect(page.locator("#panel-title")).to_have_text("Assessment")
    span.refresh_from_db()
    assert (span.label.name, span.probability) == ("Assessment", None)

    # Redo goes forward again, in order.
    page.keyboard.press("Control+Shift+z")
    live(page, "Redone: changed the label (Assessment → Claim)")
    page.keyboard.press("Control+Shift+z")
    live(page, "Redone: changed the probability")
    span.refresh_from_db()
    assert (span.label.name, span.probability) == ("Claim", "unlikely")

    # A delete, undone: the span is back with its id.
    page.locator("#span-delete").click()
    expect(page.locator("#span-panel")).to_contain_text("Span deleted")
    page.keyboard.press("Control+z")
    live(page, "Undone: deleted Claim “Belarus remains unlikely”.")
    expect(page.locator(f'#doc-text mark[data-spans="{span.pk}"]')).to_have_count(1)
    assert Span.objects.get().pk == span.pk
    screenshot(page, "undo.png")


def test_an_undo_is_refused_when_someone_changed_the_span_since(page, workspace):
    reviewer = UserFactory(username="rita")
    Membership.objects.create(project=workspace.project, user=reviewer, role=Role.REVIEWER)
    page.goto(workspace.url)
    select(page, "Belarus remains unlikely")
    page.keyboard.press("a")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    span = Span.objects.get()
    services.span_update(span=span, user=reviewer, version=1, status="accepted")

    page.keyboard.press("Control+z")
    expect(page.locator("#errors")).to_contain_text(
        "Can’t undo: rita changed the status (pending → accepted) since."
    )
    assert Span.objects.get().status == "accepted"
    expect(page.locator(f'#doc-text mark[data-spans="{span.pk}"]')).to_have_count(1)
    screenshot(page, "undo-refused.png")
    # The refused change is dropped: the next undo has nothing left.
    page.keyboard.press("Control+z")
    live(page, "Nothing to undo on this page.")


def test_undo_pressed_while_spans_are_on_their_way_waits_for_them(page, workspace):
    page.goto(workspace.url)
    pieces = [("Flags", "a"), ("speculations", "c"), ("Peskov", "x")]
    page.evaluate(FAST, [pieces, None])
    page.keyboard.press("Control+z")  # at once: it undoes the last of the three
    page.keyboard.press("Control+z")
    live(page, "Undone: created Claim “speculations”.")
    expect(page.locator("#counters")).to_have_text("1 span by me")
    assert list(Span.objects.values_list("text", flat=True)) == ["Flags"]
    # Typing in the filter field, Ctrl+Z is the field's own.
    page.locator("#span-filter").fill("abc")
    page.keyboard.press("Control+z")
    page.wait_for_timeout(300)
    assert Span.objects.count() == 1
