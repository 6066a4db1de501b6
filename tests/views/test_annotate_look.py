"""The annotate page's look and its panel's helpers: label styles (fill, underline cue), the
label scheme's default colour, the relation picker (and its page without JavaScript), a stale
edit's changes field by field and their re-apply, the grade keys' legend."""

import re

import pytest
from django.urls import reverse

from annotations import colors, services
from annotations.models import Label, Span

from ..factories import LabelFactory
from .test_annotate import HX, large_article, make_span, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_alice(client, annotator):
    client.force_login(annotator)
    return client


@pytest.fixture
def span(article, label, annotator):
    return make_span(article, "Belarus' involvement", label, annotator)


def test_label_styles_carry_an_aa_fill_and_an_underline_cue_per_label(
    client_alice, project, article, label
):
    claim = LabelFactory(project=project, name="Claim", color="#cbd5e1", order=1)
    html = client_alice.get(url("annotate", article)).content.decode()
    styles = client_alice.get(f"/projects/{project.slug}/labels.css").content.decode()
    for position, item in enumerate([label, claim]):
        fill = colors.highlight_fill(item.color)
        style, width = colors.cue(position)
        assert f".l{item.pk}{{--f:{fill};--ds:{style};--dw:{width}}}" in styles
        assert colors.contrast(colors.INK, fill) >= colors.AA
    assert colors.cue(0) != colors.cue(1)
    # The palette shows each label's cue on its name.
    assert f'<span class="name">{claim.name}</span>' in html


def test_label_scheme_offers_a_colour_the_project_does_not_use(client, project, manager, label):
    client.force_login(manager)
    page = reverse("annotations:label-scheme", args=[project.slug])
    html = client.get(page).content.decode()
    expected = colors.next_label_color([label.color])
    assert expected != label.color
    assert re.search(rf'type="color" name="color" value="{expected}"', html)


def test_the_span_panel_shows_its_grade_keys(client_alice, article, span):
    html = client_alice.get(url("span-panel", article, span.pk), **HX).content.decode()
    assert 'id="grade-keys"' in html and "<kbd>1</kbd>–<kbd>7</kbd> probability" in html
    assert 'tabindex="-1"' in html  # the panel itself can hold the focus


# --- relations: the picker ------------------------------------------------------------------


def test_relation_form_for_htmx_is_a_picker_with_no_option_per_span(
    client_alice, project, annotator, label, relation_label, django_assert_max_num_queries
):
    article = large_article(project, annotator, label, paragraphs=900, spans=2000)
    source = Span.objects.filter(article=article).order_by("start").first()
    with django_assert_max_num_queries(8):
        response = client_alice.get(url("span-relation-form", article, source.pk), **HX)
    html = response.content.decode()
    assert response["Vary"] and "HX-Request" in response["Vary"]
    assert "data-relation-picker" in html and f'data-from-span="{source.pk}"' in html
    assert html.count("<option") == 1  # the relation label, no span
    assert 'name="to_span" id="rel-to"' in html and 'id="rel-pick"' in html
    assert len(html) < 3000


def test_relation_form_without_javascript_is_a_page_listing_the_other_spans(
    client_alice, article, span, label, annotator, relation_label
):
    other = make_span(article, "remains unlikely", label, annotator)
    html = client_alice.get(url("span-relation-form", article, span.pk)).content.decode()
    assert "<html" in html and "Link a span to another" in html
    assert f'<option value="{other.pk}">Assessment: remains unlikely</option>' in html
    assert f'<option value="{span.pk}">' not in html
    # A plain post links and comes back to the article with the span open.
    response = client_alice.post(
        url("span-relation-add", article, span.pk),
        {"to_span": other.pk, "label": relation_label.pk},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?span={span.pk}")
    assert span.relations_from.get().to_span == other


def test_relation_picker_says_when_there_is_no_other_span(
    client_alice, article, span, relation_label
):
    html = client_alice.get(url("span-relation-form", article, span.pk), **HX).content.decode()
    assert "No other span in this article yet." in html and 'id="rel-pick"' not in html


def test_the_panel_links_to_the_relation_page_for_a_browser_without_javascript(
    client_alice, article, span, relation_label
):
    html = client_alice.get(url("span-panel", article, span.pk), **HX).content.decode()
    form_url = url("span-relation-form", article, span.pk)
    assert f'<a class="btn" id="relation-open" href="{form_url}" hx-get="{form_url}"' in html


# --- a stale edit ---------------------------------------------------------------------------


def test_stale_edit_shows_each_changed_field_and_reapplies_mine_on_the_current_version(
    client_alice, project, article, span, annotator
):
    claim = LabelFactory(project=project, name="Claim", hotkey="c")
    # Someone else grades the span and writes a note (version 2).
    services.span_update(span=span, user=annotator, version=1, probability="likely", note="theirs")
    # My edit, based on version 1: a new label and my own note, the probability untouched.
    response = client_alice.post(
        url("span-edit", article, span.pk),
        {"version": 1, "label": claim.pk, "probability": "", "note": "mine, typed at length"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    rows = re.findall(
        r'<tr class="by-(\w+)"><th scope="row">(\w+)</th><td>(.*?)</td><td>(.*?)</td>', html
    )
    assert rows == [
        ("me", "Label", "Claim", "Assessment"),
        ("them", "Probability", "— not graded —", "Likely (55–80 %)"),
        ("both", "Note", "mine, typed at length", "theirs"),
    ]
    # The typed note is still in the form, and the re-apply form carries my changes over the
    # current version: my label and note, their probability.
    assert "mine, typed at length</textarea>" in html
    reapply = re.search(r'<form id="reapply-form".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', reapply))
    fields.pop("csrfmiddlewaretoken")
    assert fields == {
        "version": "2",
        "label": str(claim.pk),
        "probability": "likely",
        "confidence": "",
        "note": "mine, typed at length",
    }
    assert "Re-apply my edits on version 2" in reapply
    client_alice.post(url("span-edit", article, span.pk), fields, **HX)
    span.refresh_from_db()
    assert (span.label_id, span.probability, span.note, span.version) == (
        claim.pk,
        "likely",
        "mine, typed at length",
        3,
    )


def test_stale_edit_without_history_compares_mine_with_the_current_version(
    client_alice, article, span, annotator
):
    Span.objects.filter(pk=span.pk).update(version=5, note="theirs")
    span.events.all().delete()
    html = client_alice.post(
        url("span-edit", article, span.pk),
        {"version": 1, "label": span.label_id, "note": "mine"},
        **HX,
    ).content.decode()
    rows = re.findall(r'<tr class="by-(\w+)"><th scope="row">(\w+)</th>', html)
    assert rows == [("me", "Note")]
    assert "Re-apply my edits on version 5" in html


def test_a_refusal_other_than_a_stale_version_shows_no_changes(
    client_alice, project, article, span
):
    relation = LabelFactory(project=project, name="rel", kind=Label.Kind.RELATION)
    html = client_alice.post(
        url("span-edit", article, span.pk), {"version": 1, "label": relation.pk}, **HX
    ).content.decode()
    assert "reapply-form" not in html and 'class="conflict"' not in html
