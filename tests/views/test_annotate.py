"""The annotate page and its htmx fragments: rendering, offsets, query counts, writes."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import (
    Actor,
    ArticleProgress,
    Label,
    Membership,
    Role,
    Span,
    SpanActor,
    SpanEvent,
)
from annotations.views import annotate_render
from annotations.views.annotate_render import (
    label_styles,
    paragraph_bounds,
    paragraphs_touched,
    render_paragraphs,
)

from ..factories import ArticleFactory, LabelFactory, UserFactory, superuser

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, article, *args):
    return reverse(f"annotations:{name}", args=[article.project.slug, article.pk, *args])


@pytest.fixture
def client_alice(client, annotator):
    client.force_login(annotator)
    return client


def make_span(article, needle, label, user, **extra):
    start = article.body.index(needle)
    return services.span_create(
        article=article, start=start, end=start + len(needle), label=label, annotator=user, **extra
    )


# --- render_paragraphs -------------------------------------------------------------------------


class FakeLabel:
    def __init__(self, pk, name="L", color="#93c5fd"):
        self.pk, self.name, self.color = pk, name, color


class FakeSpan:
    def __init__(self, pk, start, end, label):
        self.pk, self.start, self.end, self.label, self.label_id = pk, start, end, label, label.pk


def segments(html):
    """(data-start, data-spans or "", text) of each segment."""
    return [
        (int(m[1]), m[2] or "", m[3])
        for m in re.finditer(
            r'<(?:mark|span) class="seg[^"]*" data-start="(\d+)"(?: data-spans="([\d ]+)")?[^>]*>'
            r"([^<]*)</(?:mark|span)>",
            html,
        )
    ]


def test_render_paragraphs_splits_on_every_boundary_innermost_first():
    label = FakeLabel(1)
    body = "ab🇺🇦cdef\ngh"
    outer, inner = FakeSpan(10, 0, 6, label), FakeSpan(11, 3, 5, label)
    html = "".join(render_paragraphs(body, [outer, inner]))
    assert segments(html) == [
        (0, "10", "ab🇺"),
        (3, "11 10", "🇦c"),
        (5, "10", "d"),
        (6, "", "ef"),
        (9, "", "gh"),
    ]
    assert html.count('<p id="para-') == 2
    # Every segment's text is body[data-start : data-start + len(text)].
    for start, _, text in segments(html):
        assert body[start : start + len(text)] == text


def test_render_paragraphs_span_across_a_line_break_shows_in_both_paragraphs():
    label = FakeLabel(2)
    body = "one two\nthree four\n\nfive"
    span = FakeSpan(5, 4, 13, label)  # "two\nthree"
    html = "".join(render_paragraphs(body, [span]))
    assert [s for s in segments(html) if s[1]] == [(4, "5", "two"), (8, "5", "three")]
    assert 'id="para-2"' in html  # the empty line keeps its own paragraph
    assert paragraphs_touched(body, (4, 13)) == {0, 1}
    only = render_paragraphs(body, [span], only={1}, oob=True)
    assert len(only) == 1 and only[0].startswith('<p id="para-1" class="para" data-start="8"')
    assert 'hx-swap-oob="outerHTML"' in only[0]


def test_render_paragraphs_escapes_the_text_and_label_names():
    label = FakeLabel(3, name='<img src=x onerror="alert(1)">')
    body = 'Say <script>alert("x")</script> & more'
    html = "".join(render_paragraphs(body, [FakeSpan(1, 4, 12, label)]))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&amp; more" in html


def test_overlapping_spans_underline_with_the_outer_labels_classes():
    inner_label, outer_label = FakeLabel(1, color="#111111"), FakeLabel(2, color="#222222")
    body = "abcdef"
    outer, inner = FakeSpan(10, 0, 6, outer_label), FakeSpan(11, 2, 4, inner_label)
    html = "".join(render_paragraphs(body, [outer, inner]))
    assert '<mark class="seg hl l1 multi u1-2" data-start="2" data-spans="11 10">cd</mark>' in html
    assert '<mark class="seg hl l2" data-start="0" data-spans="10">ab</mark>' in html
    assert "style=" not in html and "title=" not in html
    rules = label_styles([outer_label])
    assert ".l2{--c:#222222}" in rules and ".u1-2{--u1:#222222}" in rules


def test_paragraph_bounds_count_code_points():
    assert paragraph_bounds("𝕏y\n\nz") == ((0, 2), (3, 3), (4, 5))


# --- the page ----------------------------------------------------------------------------------


def test_annotate_page_renders_highlights_palette_and_list(client_alice, article, label, annotator):
    span = make_span(article, "Belarus' involvement", label, annotator)
    response = client_alice.get(url("annotate", article))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-spans="{span.pk}"' in html
    assert 'data-hotkey="a"' in html
    assert f'data-span-link="{span.pk}"' in html
    assert 'id="span-create-form"' in html and 'hx-post="' in html
    # The label colours: a stylesheet of the project's, linked (no inline style under the CSP).
    css_url = f"/projects/{article.project.slug}/labels.css"
    assert f'<link rel="stylesheet" id="label-colors" href="{css_url}">' in html
    css = client_alice.get(css_url)
    assert css["Content-Type"].startswith("text/css")
    assert f".l{label.pk}{{--c:#93c5fd}}" in css.content.decode()
    assert client_alice.get(css_url, HTTP_IF_NONE_MATCH=css["ETag"]).status_code == 304


def test_annotate_page_of_another_project_is_404(client, article, outsider, make_member):
    client.force_login(outsider)
    assert client.get(url("annotate", article)).status_code == 404
    stranger_project_member = make_member(Role.ANNOTATOR, username="bob")
    other = ArticleFactory()  # another project
    client.force_login(stranger_project_member)
    wrong = reverse("annotations:annotate", args=[article.project.slug, other.pk])
    assert client.get(wrong).status_code == 404


def test_annotate_page_requires_sign_in(client, article):
    response = client.get(url("annotate", article))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_script_in_title_body_label_note_and_actor_is_escaped(client, project, annotator):
    client.force_login(annotator)
    article = ArticleFactory(
        project=project, title="<script>alert('t')</script>", body="A <script>alert(1)</script> B"
    )
    label = LabelFactory(project=project, name="<script>alert('l')</script>", hotkey="q")
    span = make_span(article, "<script>", label, annotator, note="<script>alert('n')</script>")
    actor = services.actor_create(name="<script>alert('a')</script>")
    services.span_update(
        span=span, user=annotator, version=span.version, actors=[(actor, "source")]
    )
    response = client.get(url("annotate", article) + f"?span={span.pk}")
    html = response.content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert") >= 5


def large_article(project, user, label, *, paragraphs, spans):
    body = "\n".join(
        f"Paragraph {i}: ISW assesses 🇺🇦 that the situation remains unlikely to change. " * 3
        for i in range(paragraphs)
    )
    article = ArticleFactory(project=project, body=body)
    step = max(1, (len(body) - 60) // max(spans, 1))
    Span.objects.bulk_create(
        Span(
            article=article,
            project=project,
            start=i * step,
            end=i * step + 40 + (i % 3) * 25,  # some overlap their neighbours
            text=body[i * step : i * step + 40 + (i % 3) * 25],
            label=label,
            annotator=user,
        )
        for i in range(spans)
    )
    return article


# Session, user, project (membership), article, role, labels, spans (with labels),
# previous/next ids, my progress: the same for 3 spans as for 2,000.
ANNOTATE_QUERIES = 9


@pytest.mark.parametrize(("paragraphs", "spans"), [(2, 3), (900, 2000)])
def test_annotate_page_query_count_is_constant(
    client_alice, project, annotator, label, django_assert_num_queries, paragraphs, spans
):
    article = large_article(project, annotator, label, paragraphs=paragraphs, spans=spans)
    assert (len(article.body) > 200_000) == (paragraphs == 900)
    with django_assert_num_queries(ANNOTATE_QUERIES):
        response = client_alice.get(url("annotate", article))
    assert response.content.decode().count("data-spans=") >= spans


# --- creating spans ----------------------------------------------------------------------------


def test_span_create_htmx_answers_only_the_touched_paragraphs(client_alice, project, annotator):
    label = LabelFactory(project=project, name="Claim", hotkey="c")
    article = ArticleFactory(project=project, body="First 🇺🇦 line.\nSecond line.\nThird line.")
    start = article.body.index("Second")
    response = client_alice.post(
        url("span-create", article),
        {"start": start, "end": start + 6, "label": label.pk},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    span = Span.objects.get()
    assert (span.text, span.annotator) == ("Second", annotator)
    assert 'id="para-1"' in html and 'id="para-0"' not in html and 'id="para-2"' not in html
    assert 'id="span-panel"' in html and f'data-span="{span.pk}"' in html
    # The span list gets the new entry, not a re-render; the counters follow.
    assert f'<ol hx-swap-oob="beforeend:#group-items-{label.pk}"><li id="item-{span.pk}"' in html
    assert f'<span id="group-count-{label.pk}" class="count" hx-swap-oob="true">1</span>' in html
    assert 'id="counters" class="counters" hx-swap-oob="true">1 span by me' in html
    assert "<html" not in html


# Session, user, article with project, role and labels (one), then the service's span create,
# then the spans near the new one with the counts (one): the same for 3 spans as for 2,000,
# with the article's paragraph bounds known to this process (the body is not read) or not (it
# is read in the same query). The create: on PostgreSQL one statement in a savepoint (three),
# elsewhere a savepoint, the role and slice, the span, its event, the release (five).
def create_queries() -> int:
    return 3 + (3 if connection.vendor == "postgresql" else 5) + 1


@pytest.mark.parametrize(("paragraphs", "spans"), [(2, 3), (900, 2000)])
def test_span_create_htmx_query_count_is_constant(
    client_alice, project, annotator, label, django_assert_num_queries, paragraphs, spans
):
    article = large_article(project, annotator, label, paragraphs=paragraphs, spans=spans)
    annotate_render._ARTICLE_BOUNDS.clear()
    for attempt, start in enumerate((1, 41)):  # the bounds unknown, then known
        start = article.body.index("ISW", start)
        with django_assert_num_queries(create_queries()):
            response = client_alice.post(
                url("span-create", article),
                {"start": start, "end": start + 3, "label": label.pk},
                **HX,
            )
        assert response.status_code == 200, response.content
        assert annotate_render.cached_bounds(article.pk) is not None
        html = response.content.decode()
        assert html.count('hx-swap-oob="outerHTML"') == 1  # one paragraph, not the article
        assert f"{spans + attempt + 1} spans by me" in html


def without_id(html: str, pk: str) -> str:
    """``html`` with the span id ``pk`` in data-spans written NEW."""
    return re.sub(
        r'data-spans="([^"]*)"',
        lambda m: 'data-spans="' + " ".join("NEW" if i == pk else i for i in m[1].split()) + '"',
        html,
    )


def test_span_create_fragment_is_the_same_with_the_bounds_known_or_not(
    client_alice, project, annotator, label
):
    article = ArticleFactory(project=project, body="First 🇺🇦 line.\nSecond line 𝕏 here.\nThird.")
    make_span(article, "line 𝕏", label, annotator)
    start = article.body.index("Second")
    answers = []
    for known in (False, True):
        if not known:
            annotate_render._ARTICLE_BOUNDS.clear()
        Span.objects.filter(text="Second").delete()
        response = client_alice.post(
            url("span-create", article), {"start": start, "end": start + 6, "label": label.pk}, **HX
        )
        new = str(Span.objects.get(text="Second").pk)
        paragraphs = re.findall(r'<p id="para-.*?</p>', response.content.decode())
        answers.append([without_id(paragraph, new) for paragraph in paragraphs])
    assert answers[0] == answers[1] and len(answers[1]) == 1
    assert answers[1][0].startswith('<p id="para-1" class="para" data-start="15" hx-swap-oob=')
    assert ">Second</mark>" in answers[1][0] and ">line 𝕏</mark>" in answers[1][0]


def test_span_create_reads_the_body_again_when_it_changed_since_its_bounds_were_kept(
    client_alice, project, annotator, label
):
    article = ArticleFactory(project=project, body="One line.\nTwo lines.")
    client_alice.get(url("annotate", article))  # keeps the bounds of this body
    assert annotate_render.cached_bounds(article.pk)[1] == ((0, 9), (10, 20))
    body = "A much longer first line.\nSecond."
    article = services.article_update(
        article=article, user=superuser(), body=body
    )  # no spans yet: allowed
    assert annotate_render.cached_bounds(article.pk)[0] != article.sha256
    start = body.index("Second")
    response = client_alice.post(
        url("span-create", article), {"start": start, "end": start + 6, "label": label.pk}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p id="para-1" class="para" data-start="26" hx-swap-oob="outerHTML">' in html
    assert ">Second</mark>" in html
    assert annotate_render.cached_bounds(article.pk)[1] == ((0, 25), (26, 33))


def test_span_create_panel_lists_the_project_span_labels_in_the_scheme_order(
    client_alice, project, article, annotator
):
    labels = [
        LabelFactory(project=project, name=name, order=order, hotkey="")
        for name, order in (("beta", 1), ("Alpha", 1), ("zulu", 0))
    ]
    LabelFactory(project=project, name="links to", kind="relation", hotkey="")
    response = client_alice.post(
        url("span-create", article), {"start": 0, "end": 3, "label": labels[0].pk}, **HX
    )
    html = response.content.decode()
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', html)
    names = [name for _, _, name in options]
    assert names == [label.name for label in Label.objects.filter(project=project, kind="span")]
    assert names.index("zulu") == 0 and "links to" not in names
    assert [name for _, picked, name in options if picked] == ["beta"]
    assert 'id="relation-open"' in html  # the project has a relation label


def test_span_create_without_htmx_redirects_to_the_page(client_alice, article, label):
    response = client_alice.post(
        url("span-create", article), {"start": 0, "end": 3, "label": label.pk}
    )
    span = Span.objects.get()
    assert response.status_code == 302
    assert response.url == url("annotate", article) + f"?span={span.pk}"


def test_duplicate_span_answers_the_services_message_in_the_alert_region(
    client_alice, article, label, annotator
):
    make_span(article, "ISW", label, annotator)
    response = client_alice.post(
        url("span-create", article), {"start": 0, "end": 3, "label": label.pk}, **HX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#errors"
    existing = Span.objects.get()
    html = response.content.decode()
    assert "You already marked “ISW” as Assessment (characters 1–3)." in html
    # A link to the span already there: the page's script opens it, the href works without.
    assert (
        f'<a href="{url("annotate", article)}?span={existing.pk}" '
        f'data-span-link="{existing.pk}">Show that span</a>'
    ) in html


def test_span_create_refuses_a_label_of_another_project(client_alice, article):
    foreign = LabelFactory()
    response = client_alice.post(
        url("span-create", article), {"start": 0, "end": 3, "label": foreign.pk}, **HX
    )
    assert response.status_code == 422 and not Span.objects.exists()


def test_span_create_is_post_only_and_needs_csrf(annotator, article, label):
    client = Client(enforce_csrf_checks=True)
    client.force_login(annotator)
    assert client.get(url("span-create", article)).status_code == 405
    data = {"start": 0, "end": 3, "label": label.pk}
    assert client.post(url("span-create", article), data, **HX).status_code == 403
    page = client.get(url("annotate", article)).content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)[1]
    response = client.post(url("span-create", article), data, HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200 and Span.objects.count() == 1


def test_outsider_cannot_write(client, outsider, article, label):
    client.force_login(outsider)
    data = {"start": 0, "end": 3, "label": label.pk}
    assert client.post(url("span-create", article), data, **HX).status_code == 404
    assert client.post(url("article-done", article), {"done": "1"}).status_code == 404
    assert not Span.objects.exists()


# --- the panel ---------------------------------------------------------------------------------


@pytest.fixture
def span(article, label, annotator):
    return make_span(article, "Belarus' involvement", label, annotator)


def test_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client_alice, article, span):
    response = client_alice.get(url("span-panel", article, span.pk), **HX)
    html = response.content.decode()
    assert html.startswith('<section id="span-panel"') and "<html" not in html
    assert 'name="version" value="1"' in html
    plain = client_alice.get(url("span-panel", article, span.pk))
    assert plain.status_code == 302 and plain.url.endswith(f"?span={span.pk}")
    page = client_alice.get(plain.url).content.decode()
    assert f'data-span="{span.pk}"' in page and "<html" in page


def test_panel_edit_saves_and_rerenders_the_spans_paragraph(client_alice, project, article, span):
    claim = LabelFactory(project=project, name="Claim", color="#fcd34d", hotkey="c")
    response = client_alice.post(
        url("span-edit", article, span.pk),
        {
            "version": 1,
            "label": claim.pk,
            "probability": "unlikely",
            "confidence": "high",
            "note": "n",
        },
        **HX,
    )
    assert response.status_code == 200
    span.refresh_from_db()
    assert (span.label, span.probability, span.confidence, span.note, span.version) == (
        claim,
        "unlikely",
        "high",
        "n",
        2,
    )
    html = response.content.decode()
    assert f'class="seg hl l{claim.pk}"' in html and 'id="para-0"' in html
    assert "Saved changes to Claim" in html


def test_stale_edit_is_refused_inline_and_overwrites_nothing(
    client_alice, article, span, annotator
):
    services.span_update(span=span, user=annotator, version=1, note="theirs")
    response = client_alice.post(
        url("span-edit", article, span.pk),
        {"version": 1, "label": span.label_id, "note": "mine"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 409  # swapped in all the same (htmx-config in base.html)
    assert 'role="alert"' in html and "Someone changed this span meanwhile" in html
    assert "Load the current version" in html
    span.refresh_from_db()
    assert (span.note, span.version) == ("theirs", 2)


def test_actor_search_matches_aliases_casefolded(client_alice, article, span):
    services.actor_create(name="Лукашенко", aliases=["Lukashenka", "Alexander Lukashenko"])
    services.actor_create(name="Putin")
    search = url("span-actor-search", article, span.pk)
    html = client_alice.get(search, {"q": "ЛУКАШ"}, **HX).content.decode()
    assert "Лукашенко" in html and "Putin" not in html
    html = client_alice.get(search, {"q": "lukashenka"}, **HX).content.decode()
    assert "Лукашенко" in html and "Create actor “lukashenka”" in html


def test_actor_attach_existing_and_new(client_alice, article, span):
    putin = services.actor_create(name="Vladimir Putin")
    add = url("span-actor-add", article, span.pk)
    client_alice.post(add, {"actor": putin.pk, "role": "source", "version": 1}, **HX)
    response = client_alice.post(add, {"name": "Peskov", "role": "subject", "version": 2}, **HX)
    assert "Attached Peskov as subject" in response.content.decode()
    assert set(SpanActor.objects.values_list("actor__name", "role")) == {
        ("Vladimir Putin", "source"),
        ("Peskov", "subject"),
    }
    client_alice.post(
        url("span-actor-remove", article, span.pk),
        {"actor": putin.pk, "role": "source", "version": 3},
        **HX,
    )
    assert list(SpanActor.objects.values_list("actor__name", flat=True)) == ["Peskov"]


def test_a_new_actor_is_not_kept_when_the_span_refuses_it(client_alice, article, span):
    add = url("span-actor-add", article, span.pk)
    response = client_alice.post(add, {"name": "Brand New", "role": "source", "version": 9}, **HX)
    assert (
        response.status_code == 409 and "changed this span meanwhile" in response.content.decode()
    )
    assert not Actor.objects.filter(name="Brand New").exists()


def test_the_panel_forms_work_without_javascript(client_alice, article, span):
    """A plain form post gets the page with the span open, or a page saying why not."""
    page = f"{url('annotate', article)}?span={span.pk}"
    add = url("span-actor-add", article, span.pk)
    done = client_alice.post(add, {"name": "Peskov", "role": "subject", "version": 1})
    assert done.status_code == 302 and done.url == page
    stale = client_alice.post(add, {"name": "Putin", "role": "subject", "version": 1})
    html = stale.content.decode()
    assert stale.status_code == 409 and "<html" in html and f'<a href="{page}">Go back</a>' in html
    bad = client_alice.post(url("span-edit", article, span.pk), {"version": 2, "label": "x"})
    assert bad.status_code == 422 and "label:" in bad.content.decode()
    removed = client_alice.post(url("span-relation-remove", article, span.pk), {"relation": "nope"})
    assert removed.status_code == 422 and "<html" in removed.content.decode()
    assert list(Actor.objects.values_list("name", flat=True)) == ["Peskov"]


def test_a_reviewer_restores_someone_elses_span_from_its_history(
    client, article, span, annotator, reviewer
):
    services.span_delete(span=span, user=annotator)
    event = SpanEvent.objects.get(action="deleted")
    client.force_login(reviewer)
    response = client.post(url("span-restore", article, event.pk), **HX)
    assert response.status_code == 200
    assert "Span restored" in response.content.decode()
    assert Span.objects.get().pk == span.pk


def test_relation_between_two_spans(client_alice, project, article, span, label, annotator):
    other = make_span(article, "remains unlikely", label, annotator)
    rel = LabelFactory(project=project, name="responds to", kind="relation")
    # The list of spans is the page without JavaScript's (htmx gets the picker).
    form = client_alice.get(url("span-relation-form", article, span.pk)).content.decode()
    assert f'<option value="{other.pk}">Assessment: remains unlikely</option>' in form
    assert f'<option value="{span.pk}">' not in form
    assert f'<option value="{rel.pk}">responds to</option>' in form
    response = client_alice.post(
        url("span-relation-add", article, span.pk), {"to_span": other.pk, "label": rel.pk}, **HX
    )
    assert "responds to" in response.content.decode()
    assert span.relations_from.get().to_span == other


def test_delete_offers_undo_which_restores_the_span(client_alice, article, span):
    response = client_alice.post(url("span-delete", article, span.pk), **HX)
    html = response.content.decode()
    assert not Span.objects.exists()
    event = SpanEvent.objects.get(action="deleted")
    restore = url("span-restore", article, event.pk)
    assert f'hx-post="{restore}"' in html and "Undo" in html
    assert 'id="para-0"' in html and "data-spans" not in html
    assert f'<li id="item-{span.pk}" hx-swap-oob="delete"></li>' in html
    response = client_alice.post(restore, **HX)
    assert response.status_code == 200
    assert Span.objects.get().pk == span.pk
    assert f'data-spans="{span.pk}"' in response.content.decode()


def test_someone_elses_span_is_not_in_my_workspace(client, article, span, make_member):
    bob = make_member(Role.ANNOTATOR, username="bob")
    client.force_login(bob)
    assert client.get(url("span-panel", article, span.pk), **HX).status_code == 404
    assert client.post(url("span-delete", article, span.pk), **HX).status_code == 404
    assert Span.objects.exists()


# --- done, previous, next ----------------------------------------------------------------------


def test_mark_done_and_back(client_alice, article, annotator):
    done = url("article-done", article)
    response = client_alice.post(done, {"done": "1"}, **HX)
    assert 'aria-pressed="true"' in response.content.decode()
    assert ArticleProgress.objects.get(user=annotator).done_at is not None
    response = client_alice.post(done, {"done": "0"})
    assert response.status_code == 302
    assert ArticleProgress.objects.get(user=annotator).done_at is None


def test_previous_and_next_follow_the_article_list_order(client_alice, project):
    import datetime

    old = ArticleFactory(project=project, published_on=datetime.date(2026, 1, 1))
    new = ArticleFactory(project=project, published_on=datetime.date(2026, 6, 1))
    undated = ArticleFactory(project=project)
    html = client_alice.get(url("annotate", old)).content.decode()
    assert f'href="{url("annotate", new)}" rel="prev"' in html
    assert f'href="{url("annotate", undated)}" rel="next"' in html
    first = client_alice.get(url("annotate", new)).content.decode()
    assert 'id="prev-article"' not in first


def test_membership_role_reviewer_can_annotate_too(client, article, label, make_member):
    rita = make_member(Role.REVIEWER, username="rita2")
    client.force_login(rita)
    response = client.post(
        url("span-create", article), {"start": 0, "end": 3, "label": label.pk}, **HX
    )
    assert response.status_code == 200
    assert Membership.objects.filter(user=rita).exists() and Span.objects.get().annotator == rita


def test_second_user_cannot_see_first_users_project(client, article):
    client.force_login(UserFactory(username="zed"))
    assert (
        client.get(reverse("annotations:project-detail", args=[article.project.slug])).status_code
        == 404
    )


def test_a_relation_is_removed_from_the_panel_by_its_annotator_only(
    client, client_alice, project, article, span, label, annotator, make_member
):
    other = make_span(article, "remains unlikely", label, annotator)
    rel = LabelFactory(project=project, name="responds to", kind="relation")
    relation = services.relation_create(
        from_span=span, to_span=other, label=rel, annotator=annotator
    )
    remove = url("span-relation-remove", article, span.pk)
    panel = client_alice.get(url("span-panel", article, span.pk), **HX).content.decode()
    assert f'hx-post="{remove}"' in panel and f'value="{relation.pk}"' in panel

    bob = make_member(Role.ANNOTATOR, username="bob")
    client.force_login(bob)
    refused = client.post(remove, {"relation": relation.pk}, **HX)
    assert refused.status_code in (403, 404, 422) and span.relations_from.exists()

    client.force_login(annotator)
    for bad_id in ("x", "9" * 5000):
        bad = client.post(remove, {"relation": bad_id}, **HX).content.decode()
        assert "Choose the relation to remove." in bad and span.relations_from.exists()
    response = client.post(remove, {"relation": relation.pk}, **HX)
    assert (
        response.status_code == 200
        and "Removed the “responds to” link." in response.content.decode()
    )
    assert not span.relations_from.exists()


def test_the_panel_offers_the_probability_and_confidence_the_words_state(
    client_alice, article, label, annotator
):
    """Among the proposals the panel loads: a button that sets only that field."""
    span = make_span(article, "remains unlikely", label, annotator)
    html = client_alice.get(url("span-proposals", article, span.pk), **HX).content.decode()
    assert "“unlikely”" in html
    assert 'data-set-field="id_probability" data-value="unlikely"' in html
    services.span_update(span=span, user=annotator, version=1, probability="unlikely")
    html = client_alice.get(url("span-proposals", article, span.pk), **HX).content.decode()
    assert "data-set-field" not in html and "“unlikely”" not in html  # already holds it


def test_opened_at_a_span_not_mine_marks_where_it_is(client, project, article, label, make_member):
    """A search hit may be another annotator's span or a gold one: the annotate page opened
    with its ``?span=`` shows no panel (it is not the user's) but says where the words are,
    for annotate.js to mark and scroll to; in a blind project, never another's."""
    reviewer = make_member(Role.REVIEWER, username="rita")
    bob = make_member(Role.ANNOTATOR, username="bob")
    words = article.body.split(" ")[1]
    theirs = make_span(article, words, label, bob)
    client.force_login(reviewer)
    html = client.get(url("annotate", article) + f"?span={theirs.pk}").content.decode()
    assert f'data-span="{theirs.pk}"' not in html  # no panel: not the reviewer's span
    assert f'data-hit-start="{theirs.start}" data-hit-end="{theirs.end}"' in html
    # The panel says whose the words are, and a reviewer where to compare them.
    owner = html.split('id="hit-owner">')[1].split("</p>")[0]
    assert owner.startswith(f"The marked words are bob’s span ({label.name})")
    assert f'compare/?span={theirs.pk}#s-{theirs.pk}">Compare annotators</a>' in owner
    gold = services.span_promote(span=theirs, user=reviewer)
    client.force_login(bob)
    html = client.get(url("annotate", article) + f"?span={gold.pk}").content.decode()
    assert f'data-hit-start="{gold.start}"' in html
    owner = html.split('id="hit-owner">')[1].split("</p>")[0]
    assert owner.startswith("The marked words are a gold span") and "Compare" not in owner
    html = client.get(url("annotate", article) + f"?span={theirs.pk}").content.decode()
    assert f'data-span="{theirs.pk}"' in html and "data-hit-start" not in html  # bob's: a panel
    other = ArticleFactory(project=project, body="Elsewhere entirely.")
    html = client.get(url("annotate", other) + f"?span={theirs.pk}").content.decode()
    assert "data-hit-start" not in html  # not a span of this article
    project.blind = True
    project.save(update_fields=["blind"])
    alice = make_member(Role.ANNOTATOR, username="alice2")
    client.force_login(alice)
    html = client.get(url("annotate", article) + f"?span={theirs.pk}").content.decode()
    assert "data-hit-start" not in html


def test_opened_with_find_marks_the_first_place_of_the_words(client_alice, project):
    """An article's search hit opens it with ``?find=`` (the snippet's first marked words):
    the first place they are, case aside, is marked; words not in the text mark nothing."""
    article = ArticleFactory(project=project, body="Ünïcode 🇺🇦 first. Then BELARUS, belarus.")
    html = client_alice.get(url("annotate", article) + "?find=belarus").content.decode()
    start = article.body.index("BELARUS")
    assert f'data-hit-start="{start}" data-hit-end="{start + 7}"' in html
    for find in ("nowhere", "", "\x00", "(", "x" * 5000):
        response = client_alice.get(url("annotate", article), {"find": find})
        assert response.status_code == 200 and "data-hit-start" not in response.content.decode()
