"""The compare and adjudicate page: who reaches it, what it shows, and its actions through
the gold services."""

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Role, Span
from annotations.selectors.compare import article_comparison
from annotations.views.compare_render import (
    lane_index,
    place_row,
    render_place,
    render_place_template,
)

from ..factories import ActorFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "ISW assesses that Belarus remains unlikely to join.\nPeskov called it <baseless> & stupid."


@pytest.fixture
def setup(project, article, label, annotator, reviewer, make_member):
    article.body = BODY
    article.save()
    bob = make_member(Role.ANNOTATOR, username="bob")
    claim = LabelFactory(project=project, name="Claim", hotkey="c")
    isw = ActorFactory(name="ISW")

    def mark(who, needle, lab=label, **extra):
        start = BODY.index(needle)
        return SpanFactory(
            article=article, annotator=who, label=lab, start=start, end=start + len(needle),
            text=needle, **extra,
        )  # fmt: skip

    spans = {
        "same_a": mark(annotator, "ISW assesses"),
        "same_b": mark(bob, "ISW assesses"),
        "bounds_a": mark(annotator, "Belarus remains unlikely"),
        "bounds_b": mark(bob, "Belarus remains unlikely to join"),
        "label_a": mark(annotator, "<baseless>"),
        "label_b": mark(bob, "<baseless>", claim),
    }
    spans["same_a"].span_actors.create(actor=isw, role="source")
    return {"bob": bob, "claim": claim, "spans": spans, "isw": isw}


def url(project, article, name="article-compare", *args):
    return reverse(f"annotations:{name}", args=[project.slug, article.pk, *args])


def test_reviewers_and_managers_compare_annotators_do_not_outsiders_404(
    client, project, article, setup, annotator, reviewer, manager, outsider
):
    for user, status in ((reviewer, 200), (manager, 200), (annotator, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(url(project, article)).status_code == status, user


def test_a_blind_projects_annotator_never_reaches_it(client, project, article, setup, annotator):
    project.blind = True
    project.save()
    client.force_login(setup["bob"])
    assert client.get(url(project, article)).status_code == 403
    span = setup["spans"]["same_a"]
    assert client.post(url(project, article, "compare-promote", span.pk)).status_code == 403
    assert not Span.objects.filter(gold=True).exists()


def test_the_page_shows_lanes_kinds_and_what_is_left(client, project, article, setup, reviewer):
    client.force_login(reviewer)
    html = client.get(url(project, article)).content.decode()
    assert html.count('class="place k-') == 3
    assert 'class="place k-grade open"' in html  # ISW: alice attached an actor, bob did not
    assert 'class="place k-boundaries open"' in html
    assert 'class="place k-label open"' in html
    assert "Left to settle: 3 places" in html
    assert "&lt;baseless&gt;" in html and "<baseless>" not in html  # escaped, text and lanes
    assert "ISW (source)" in html
    lanes = html[html.index('class="cmp-lanes"') :]
    assert lanes.index(">Gold<") < lanes.index(">alice<") < lanes.index(">bob<")


def test_the_fast_place_row_matches_its_template(article, setup, reviewer, label):
    services.span_promote(span=setup["spans"]["same_a"], user=reviewer)
    cmp = article_comparison(article=Span.objects.get(pk=setup["spans"]["same_a"].pk).article)
    names = {label.pk: "Assess<ment>", setup["claim"].pk: "Claim & co"}
    assert cmp.places
    for place in cmp.places:
        row = place_row(cmp, place, names, lane_index(cmp))
        assert render_place(row) == render_place_template(row)


def test_promote_remove_and_edit_over_htmx(client, project, article, setup, reviewer):
    client.force_login(reviewer)
    source = setup["spans"]["same_a"]
    htmx = {"HTTP_HX_REQUEST": "true"}
    answer = client.post(url(project, article, "compare-promote", source.pk), **htmx)
    assert answer.status_code == 200
    gold = Span.objects.get(gold=True)
    assert gold.source_span_id == source.pk
    html = answer.content.decode()
    assert f'id="s-{gold.pk}"' in html and 'hx-swap-oob="outerHTML"' in html
    assert "Left to settle: 2 places" in html  # bob's identical span is settled too
    again = client.post(url(project, article, "compare-promote", source.pk), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and Span.objects.filter(gold=True).count() == 1
    # Edit the gold span's grade and actors, with the version it was based on.
    edit = url(project, article, "compare-edit", gold.pk)
    form = client.get(edit, HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{setup["isw"].pk}:source" checked' in form
    saved = client.post(
        edit, {"version": gold.version, "probability": "likely", "confidence": ""},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert saved.status_code == 200
    gold.refresh_from_db()
    assert (gold.probability, gold.version, gold.span_actors.count()) == ("likely", 2, 0)
    stale = client.post(edit, {"version": 1, "probability": ""}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409
    # An annotator's span is not removed here; a gold one is, into the history.
    refused = client.post(url(project, article, "compare-remove", source.pk), **htmx)
    assert refused.status_code == 422 and Span.objects.filter(pk=source.pk).exists()
    removed = client.post(url(project, article, "compare-remove", gold.pk), HTTP_HX_REQUEST="true")
    assert removed.status_code == 200 and not Span.objects.filter(gold=True).exists()
    assert gold.pk not in {s.pk for s in Span.objects.all()}


def test_curate_in_one_action_then_export_gold(client, project, article, setup, reviewer):
    client.force_login(reviewer)
    answer = client.post(url(project, article, "article-curate"), {"strategy": "majority"})
    assert answer.status_code == 302
    # Majority of two is both: only "ISW assesses" (bob's, alice's grade differs in actors).
    gold = list(Span.objects.filter(gold=True).values_list("start", "end"))
    assert gold == [(0, 12)]
    bad = client.post(
        url(project, article, "article-curate"), {"strategy": "most"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422 and "strategy" in bad.content.decode()
    export = client.get(f"/api/v1/projects/{project.pk}/export/?format=jsonl&gold=true")
    assert export.status_code == 200
    assert b'"ISW assesses"' in b"".join(export.streaming_content)


def test_no_js_path_selects_a_span_and_posts_forms(client, project, article, setup, reviewer):
    client.force_login(reviewer)
    source = setup["spans"]["bounds_b"]
    html = client.get(url(project, article) + f"?span={source.pk}").content.decode()
    promote = url(project, article, "compare-promote", source.pk)
    assert f'action="{promote}"' in html
    assert client.post(promote).status_code == 302
    assert Span.objects.filter(gold=True, source_span=source).exists()


def test_queries_stay_bounded_however_many_spans(
    client, project, article, setup, reviewer, django_assert_max_num_queries, label
):
    client.force_login(reviewer)
    client.get(url(project, article))  # sessions, caches
    with django_assert_max_num_queries(12) as few:
        client.get(url(project, article))
    for n in range(30):
        SpanFactory(article=article, annotator=setup["bob"], label=label, start=n, end=n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(project, article)).status_code == 200
