"""From many annotators to one gold dataset, in Chromium and from the keyboard: a manager
assigns, annotators work blind, a reviewer compares, promotes, removes from gold and curates,
and the gold export holds the result."""

import json

import pytest
from django.conf import settings
from playwright.sync_api import expect

from annotations import services
from annotations.models import Assignment, Role, Span
from tests.e2e import conftest
from tests.e2e.conftest import screenshot, signed_in_page
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def team(workspace):
    """bob and carol annotate the workspace's project; its manager is alice."""
    people = {}
    for name in ("bob", "carol"):
        people[name] = UserFactory(username=name)
        services.membership_set(
            project=workspace.project, user=workspace.user, member=people[name],
            role=Role.ANNOTATOR,
        )  # fmt: skip
    return people


def mark(workspace, who, needle, label, **extra):
    start = workspace.article.body.index(needle)
    return services.span_create(
        article=workspace.article, start=start, end=start + len(needle),
        label=workspace.labels[label], annotator=who, **extra,
    )  # fmt: skip


def test_assign_from_the_page_by_keyboard(page, live_server, workspace):
    people = team(workspace)
    for n in range(3):
        services.article_create(
            project=workspace.project, user=workspace.user, body=f"Article {n} body.",
            title=f"Brief {n}",
        )  # fmt: skip
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/")
    page.get_by_role("link", name="Assign", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Assign articles")).to_be_visible()
    page.wait_for_load_state()  # the page's keys are bound (a person is never that quick)
    # A thousand per article: the service's message, nothing assigned.
    page.keyboard.press("k")
    expect(page.get_by_label("Annotators per article")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("1000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Must be between 1 and 100")
    assert not Assignment.objects.exists()
    # Two per article, to bob and carol (ticked at first; alice, a manager, is not).
    page.keyboard.press("k")
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("8 assignments made.")
    loads = {
        name: Assignment.objects.filter(annotator=user).count() for name, user in people.items()
    }
    assert loads == {"bob": 4, "carol": 4}
    expect(page.get_by_label("bob: 0 of 4 done")).to_be_visible()
    # Unassign the first from the keyboard.
    page.keyboard.press("u")
    page.keyboard.press("Enter")
    expect(page.get_by_text("7 assignments.")).to_be_visible()
    assert Assignment.objects.count() == 7
    if conftest.SCREENSHOTS:  # with some work done
        for assignment in Assignment.objects.filter(annotator=people["bob"])[:2]:
            services.article_mark_done(article=assignment.article, user=people["bob"], done=True)
        started = Assignment.objects.filter(annotator=people["carol"]).first().article
        services.span_create(
            article=started, start=0, end=3, label=workspace.labels["Claim"],
            annotator=people["carol"],
        )  # fmt: skip
        page.reload()
        screenshot(page, "assign.png", full_page=True)


def test_a_blind_annotator_sees_none_of_anothers_spans(browser, live_server, workspace):
    people = team(workspace)
    workspace.project.blind = True
    workspace.project.save()
    theirs = mark(workspace, people["bob"], "ISW assesses", "Assessment")
    services.assignment_create(article=workspace.article, annotator="carol", user=workspace.user)
    services.article_create(
        project=workspace.project, user=workspace.user, body="Not hers.", title="A brief"
    )
    with signed_in_page(browser, live_server, people["carol"]) as page:
        # Her project page lists her assignment first, with its state.
        page.goto(f"{live_server.url}/projects/{workspace.project.slug}/")
        first = page.locator("table.articles tbody tr").first
        expect(first).to_contain_text("Assigned to you")
        expect(first).to_contain_text("Not started")
        screenshot(page, "project-annotator.png", full_page=True)
        page.goto(workspace.url)
        expect(page.locator("#doc-text")).to_be_visible()
        assert page.locator("#doc-text mark").count() == 0
        assert page.locator(f"#item-{theirs.pk}").count() == 0
        expect(page.locator("#span-list")).not_to_contain_text("ISW assesses")
        # carol's own span, by keyboard, is hers alone.
        page.locator("#doc-text").focus()
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("a")
        expect(page.locator("#span-list li")).to_have_count(1)  # saved: the server's answer
        expect(page.locator("#doc-text mark")).to_have_count(1)
        assert Span.objects.filter(annotator=people["carol"]).count() == 1
        # The compare page is not hers to reach.
        answer = page.goto(workspace.url + "compare/")
        assert answer.status == 403


def test_compare_promote_remove_curate_then_export_gold(page, live_server, workspace):
    people = team(workspace)
    bob, carol = people["bob"], people["carol"]
    mark(workspace, bob, "ISW assesses", "Assessment")
    mark(workspace, carol, "ISW assesses", "Assessment")
    mark(workspace, bob, "Belarus remains unlikely", "Assessment")
    longer = mark(workspace, carol, "Belarus remains unlikely to join the war", "Assessment")
    claim = mark(workspace, bob, "Peskov said", "Claim")
    mark(workspace, carol, "Peskov said", "Denial")
    page.goto(workspace.url + "compare/")
    expect(page.locator("#compare-counts")).to_contain_text("Left to settle: 3 places")
    assert page.locator(".place.k-same").count() == 1
    assert page.locator(".place.k-boundaries").count() == 1
    assert page.locator(".place.k-label").count() == 1

    page.keyboard.press("n")  # the first disagreement: the boundaries, bob's span in focus
    expect(page.locator(".place.current")).to_have_class("place k-boundaries open current")
    page.keyboard.press("j")  # carol's longer span
    expect(page.locator(f"#s-{longer.pk}")).to_be_focused()
    page.keyboard.press("g")
    where = f"{longer.start}–{longer.end}"
    expect(page.locator(".place.k-boundaries .gold-cell .cspan")).to_contain_text(where)
    expect(page.locator("#compare-counts")).to_contain_text("Left to settle: 3 places")
    page.keyboard.press("n")  # the labels differ: promote bob's Claim, then take it back
    expect(page.locator(f"#s-{claim.pk}")).to_be_focused()
    page.keyboard.press("g")
    gold_claim = page.locator(".place.k-label .gold-cell .cspan")
    expect(gold_claim).to_contain_text("Claim")
    page.keyboard.press("k")  # the gold lane comes first
    expect(gold_claim).to_be_focused()
    page.keyboard.press("x")
    expect(gold_claim).to_have_count(0)
    page.keyboard.press("u")  # curate: "ISW assesses", which both marked alike
    expect(page.locator(".place.k-same .gold-cell .cspan")).to_have_count(1)
    expect(page.locator("#live")).to_contain_text("Curated (unanimous): 1 gold span made")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")

    export = page.request.get(
        f"{live_server.url}/api/v1/projects/{workspace.project.pk}/export/?format=jsonl&gold=true"
    )
    assert export.status == 200
    (line,) = [json.loads(text) for text in export.text().splitlines()]
    spans = sorted((s["text"], s["label"]) for s in line["spans"])
    assert spans == [
        ("Belarus remains unlikely to join the war", "Assessment"),
        ("ISW assesses", "Assessment"),
    ]


def test_edit_a_gold_spans_grade_and_actors_by_keyboard(page, live_server, workspace):
    people = team(workspace)
    isw = services.actor_create(name="ISW")
    mark(workspace, people["bob"], "ISW assesses", "Assessment", probability="likely")
    mark(workspace, people["carol"], "ISW assesses", "Assessment", actors=[(isw, "source")])
    page.goto(workspace.url + "compare/")
    page.keyboard.press("n")  # a different grade
    page.keyboard.press("g")
    gold = page.locator(".gold-cell .cspan")
    expect(gold).to_have_count(1)
    page.keyboard.press("k")
    expect(gold).to_be_focused()
    page.keyboard.press("e")
    expect(page.locator("#gold-editor")).to_be_visible()
    expect(page.get_by_label("Probability")).to_be_focused()
    page.get_by_label("Probability").select_option("very_likely")
    page.keyboard.press("Tab")  # confidence
    page.keyboard.press("Tab")  # the ISW (source) carol proposed
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # save
    expect(page.locator("#gold-editor")).to_be_hidden()
    expect(gold).to_contain_text("Very likely")
    expect(gold).to_contain_text("ISW (source)")
    span = Span.objects.get(gold=True)
    assert span.probability == "very_likely"
    assert list(span.span_actors.values_list("actor__name", "role")) == [("ISW", "source")]


def test_screenshot_of_the_compare_page(page, live_server, workspace):
    """Three annotators over the demo article, a few of their places settled."""
    from pathlib import Path

    body = (Path(settings.BASE_DIR) / "annotations/demo_data/isw-belarus.txt").read_text()
    article = services.article_create(
        project=workspace.project, user=workspace.user, body=body, title="Lukashenko rejects"
    )
    people = team(workspace)
    dana = UserFactory(username="dana")
    services.membership_set(
        project=workspace.project, user=workspace.user, member=dana, role=Role.ANNOTATOR
    )
    sentences = [
        ("Alexander Lukashenko, probably refused Russian dictator Vladimir Putin", "Assessment"),
        ("Belarus still faces a Western threat", "Claim"),
        ("he may consider training Belarusian combat aviation crews", "Claim"),
        ("Lukashenko uses the rhetoric of protecting Belarus' borders", "Assessment"),
        ("Russia will supply S-400 air defense systems", "Claim"),
        ("Alexander Lukashenko probably deflected", "Assessment"),
    ]
    for index, (needle, label) in enumerate(sentences):
        start = body.index(needle)
        for who, user in enumerate((people["bob"], people["carol"], dana)):
            end = start + len(needle) - (6 if (index + who) % 4 == 0 else 0)
            their_label = "Denial" if (index, who) in {(1, 2), (4, 1)} else label
            services.span_create(
                article=article, start=start, end=end, label=workspace.labels[their_label],
                annotator=user, probability="likely" if index == 5 and who else None,
            )  # fmt: skip
    services.article_curate(article=article, user=workspace.user, strategy="unanimous")
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/articles/{article.pk}/compare/")
    page.keyboard.press("n")
    expect(page.locator(".place.current")).to_have_count(1)
    screenshot(page, "compare.png", full_page=True)


def test_a_span_in_the_address_shows_below_the_sticky_bars(page, live_server, workspace):
    """?span=<pk>#s-<pk> (the review queue's "compare annotators" link) scrolls to the span:
    it lands below the toolbar and the lanes' heads that stay at the top, not under them."""
    people = team(workspace)
    body = "\n\n".join(f"Paragraph {n}: Minsk denies the report." for n in range(30))
    article = services.article_create(
        project=workspace.project, user=workspace.user, body=body, title="Long"
    )
    for n in range(30):
        start = body.index(f"Paragraph {n}:")
        for who in people.values():
            services.span_create(
                article=article, start=start, end=start + 12, label=workspace.labels["Claim"],
                annotator=who,
            )  # fmt: skip
    target = Span.objects.get(annotator=people["carol"], start=body.index("Paragraph 10:"))
    base = f"{live_server.url}/projects/{workspace.project.slug}/articles/{article.pk}/compare/"
    page.goto(f"{base}?span={target.pk}#s-{target.pk}")
    expect(page.locator(f"#s-{target.pk}")).to_be_focused()
    page.wait_for_load_state("networkidle")
    where = page.evaluate(
        """pk => ({y: scrollY, chip: document.getElementById(`s-${pk}`).getBoundingClientRect().top,
          bars: Math.max(...[".cmp-tools", ".cmp-head"].map(
            (s) => document.querySelector(s).getBoundingClientRect().bottom))})""",
        target.pk,
    )
    assert where["y"] > 0, f"the page did not scroll: the test proves nothing {where}"
    assert where["bars"] <= where["chip"] < 800, where
    screenshot(page, "compare-span-in-address.png")
