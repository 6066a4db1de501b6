"""The project page, the actor registry and the label scheme."""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotations import permissions, services
from annotations.models import Actor, Label, Role, Span, SpanActor, SpanEvent
from annotations.views import review

from ..factories import ArticleFactory, LabelFactory, ProjectFactory

HX = {"HTTP_HX_REQUEST": "true"}


def project_url(project):
    return reverse("annotations:project-detail", args=[project.slug])


@pytest.fixture
def signed_in(client, annotator):
    client.force_login(annotator)
    return client


@pytest.fixture
def staff_in(client, annotator):
    """Signed in as a member of staff: who merges actors."""
    annotator.is_staff = True
    annotator.save()
    client.force_login(annotator)
    return client


# --- the project list and page ---------------------------------------------------------------


def test_project_list_links_only_my_projects(signed_in, project):
    ProjectFactory(name="Not mine")
    html = signed_in.get("/").content.decode()
    assert f'href="{project_url(project)}"' in html and "Not mine" not in html


def test_project_page_needs_membership(client, project, outsider):
    assert client.get(project_url(project)).status_code == 302  # to sign in
    client.force_login(outsider)
    assert client.get(project_url(project)).status_code == 404
    assert client.get("/projects/no-such-project/").status_code == 404


def test_project_page_lists_articles_with_my_progress(signed_in, project, label, annotator):
    a1 = ArticleFactory(project=project, title="Belarus update", source="ISW")
    a2 = ArticleFactory(project=project, title="RAND brief", source="RAND")
    services.span_create(article=a1, start=0, end=3, label=label, annotator=annotator)
    services.article_mark_done(article=a2, user=annotator, done=True)
    response = signed_in.get(project_url(project))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert reverse("annotations:annotate", args=[project.slug, a1.pk]) in html
    rows = {row.title: row for row in response.context["page"].object_list}
    assert (rows["Belarus update"].my_span_count, rows["Belarus update"].my_done_at) == (1, None)
    assert rows["RAND brief"].my_done_at is not None
    assert 'class="badge done"' in html and 'class="badge started"' in html


def test_project_page_htmx_answers_the_results_fragment(signed_in, project):
    ArticleFactory(project=project, title="Alpha")
    response = signed_in.get(project_url(project), {"q": "alp"}, **HX)
    html = response.content.decode()
    assert html.startswith('<section id="article-results"') and "<html" not in html
    assert "Alpha" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "belarus"}, {"Belarus update"}),
        ({"source": "RAND"}, {"RAND brief"}),
        ({"published_after": "2026-05-01"}, {"RAND brief"}),
        ({"published_before": "2026-05-01"}, {"Belarus update"}),
        ({"status": "done"}, {"RAND brief"}),
        ({"status": "todo"}, {"Belarus update", "Undated"}),
        ({}, {"Belarus update", "RAND brief", "Undated"}),
    ],
)
def test_project_page_filters(signed_in, project, annotator, query, expected):
    ArticleFactory(
        project=project,
        title="Belarus update",
        source="ISW",
        published_on=datetime.date(2026, 4, 1),
    )
    rand = ArticleFactory(
        project=project, title="RAND brief", source="RAND", published_on=datetime.date(2026, 6, 1)
    )
    ArticleFactory(project=project, title="Undated")
    services.article_mark_done(article=rand, user=annotator, done=True)
    response = signed_in.get(project_url(project), query)
    assert {a.title for a in response.context["page"].object_list} == expected


def test_project_page_paginates_by_25(signed_in, project):
    for n in range(27):
        ArticleFactory(project=project, title=f"Article {n:02}")
    first = signed_in.get(project_url(project))
    assert len(first.context["page"].object_list) == 25
    assert "page=2" in first.content.decode()
    second = signed_in.get(project_url(project), {"page": 2}, **HX)
    assert len(second.context["page"].object_list) == 2


def test_project_page_escapes_titles(signed_in, project):
    ArticleFactory(project=project, title="<script>alert(1)</script>")
    html = signed_in.get(project_url(project)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# --- actors ------------------------------------------------------------------------------------


def test_actor_registry_search_and_create(signed_in):
    services.actor_create(name="Alexander Lukashenko", aliases=["Lukashenka"])
    services.actor_create(name="Vladimir Putin")
    response = signed_in.get(reverse("annotations:actor-list"), {"q": "LUKASHENKA"}, **HX)
    html = response.content.decode()
    assert html.startswith('<div id="actor-table">')
    assert "Alexander Lukashenko" in html and "Putin" not in html
    response = signed_in.post(
        reverse("annotations:actor-list"),
        {"name": "Dmitry Peskov", "kind": "person", "aliases": "Peskov, Песков"},
    )
    peskov = Actor.objects.get(name="Dmitry Peskov")
    assert response.status_code == 302 and peskov.aliases == ["Peskov", "Песков"]


def test_actor_registry_shows_the_services_refusal(signed_in):
    services.actor_create(name="ISW", wikidata_id="Q123")
    response = signed_in.post(
        reverse("annotations:actor-list"), {"name": "Other", "kind": "group", "wikidata_id": "Q123"}
    )
    assert response.status_code == 422
    assert "Q123 is already “ISW”" in response.content.decode()


def test_actor_edit_aliases(signed_in):
    actor = services.actor_create(name="Lukashenko")
    url = reverse("annotations:actor-edit", args=[actor.pk])
    response = signed_in.post(
        url, {"name": "Lukashenko", "kind": "person", "aliases": "Lukashenka\nЛукашенко"}
    )
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.aliases == ["Lukashenka", "Лукашенко"]
    assert "лукашенко" in actor.search_text


def test_actor_merge_moves_spans_without_duplicates(staff_in, article, label, annotator):
    keep = services.actor_create(name="Alexander Lukashenko", aliases=["Lukashenko"])
    remove = services.actor_create(name="Lukashenka", aliases=["A. Lukashenka"], wikidata_id="Q1")
    both = services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        actors=[(keep, "subject"), (remove, "subject")],
    )
    only_removed = services.span_create(
        article=article,
        start=4,
        end=11,
        label=label,
        annotator=annotator,
        actors=[(remove, "source")],
    )
    response = staff_in.post(
        reverse("annotations:actor-merge", args=[keep.pk]), {"remove": remove.pk}
    )
    assert response.status_code == 302 and "merged=Lukashenka" in response.url
    assert not Actor.objects.filter(pk=remove.pk).exists()
    assert list(SpanActor.objects.filter(span=both).values_list("actor", "role")) == [
        (keep.pk, "subject")
    ]
    assert list(SpanActor.objects.filter(span=only_removed).values_list("actor", "role")) == [
        (keep.pk, "source")
    ]
    keep.refresh_from_db()
    assert keep.aliases == ["Lukashenko", "Lukashenka", "A. Lukashenka"]
    assert keep.wikidata_id == "Q1"
    assert "a. lukashenka" in keep.search_text
    for span in (both, only_removed):
        assert Span.objects.get(pk=span.pk).version == 2
        event = SpanEvent.objects.filter(span_id=span.pk, action="updated").get()
        assert event.after["actors"] != event.before["actors"]


def test_actor_merge_into_itself_is_refused(staff_in):
    actor = services.actor_create(name="ISW")
    response = staff_in.post(
        reverse("annotations:actor-merge", args=[actor.pk]), {"remove": actor.pk}
    )
    assert response.status_code == 422 and Actor.objects.filter(pk=actor.pk).exists()


def test_actor_pages_need_sign_in(client):
    assert client.get(reverse("annotations:actor-list")).status_code == 302


# --- the label scheme --------------------------------------------------------------------------


def labels_url(project):
    return reverse("annotations:label-scheme", args=[project.slug])


def test_label_scheme_manager_adds_edits_and_reorders(client, project, manager):
    client.force_login(manager)
    data = {"name": "Assessment", "kind": "span", "color": "#93c5fd", "hotkey": "a"}
    assert client.post(labels_url(project), data).status_code == 302
    data = {"name": "Claim", "kind": "span", "color": "#fcd34d", "hotkey": "c"}
    assert client.post(labels_url(project), data).status_code == 302
    _assessment, claim = Label.objects.filter(project=project).order_by("order")
    # A hotkey clash is refused with the service's message.
    response = client.post(
        reverse("annotations:label-edit", args=[project.slug, claim.pk]),
        {**data, "hotkey": "a"},
    )
    assert response.status_code == 422
    assert "The hotkey “a” is already used by “Assessment”." in response.content.decode()
    response = client.post(
        reverse("annotations:label-edit", args=[project.slug, claim.pk]),
        {**data, "name": "Claim by an actor", "color": "#000000"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.name, claim.color) == ("Claim by an actor", "#000000")
    client.post(
        reverse("annotations:label-move", args=[project.slug, claim.pk]), {"direction": "up"}
    )
    assert list(
        Label.objects.filter(project=project).order_by("order").values_list("name", flat=True)
    ) == [
        "Claim by an actor",
        "Assessment",
    ]


def test_label_scheme_is_read_only_for_annotators(signed_in, project, label):
    html = signed_in.get(labels_url(project)).content.decode()
    assert "Only the project's managers change its labels." in html and "Add a label" not in html
    response = signed_in.post(
        labels_url(project), {"name": "X", "kind": "span", "color": "#000000"}
    )
    assert response.status_code == 403
    assert "does not allow you to change the labels" in response.content.decode()
    assert not Label.objects.filter(name="X").exists()


def test_moving_labels_is_for_managers_and_all_or_nothing(client, project, manager, annotator):
    """Only the order is written: a label an admin saved with a reserved hotkey moves too."""
    names = ["Assessment", "Claim", "Responds"]
    for name in names:
        Label.objects.create(project=project, name=name, order=0)
    Label.objects.filter(name="Responds").update(hotkey="?")  # as the admin may save it
    first = Label.objects.get(name="Assessment")
    url = reverse("annotations:label-move", args=[project.slug, first.pk])

    def order():
        return list(
            Label.objects.filter(project=project).order_by("order", "name").values_list("name")
        )

    client.force_login(annotator)
    assert client.post(url, {"direction": "up"}).status_code == 403
    assert order() == [(name,) for name in names]
    client.force_login(manager)
    assert client.post(url, {"direction": "down"}).status_code == 302
    assert order() == [("Claim",), ("Assessment",), ("Responds",)]
    assert list(Label.objects.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's LOWER folds ASCII only")
def test_renaming_a_label_to_a_name_the_database_folds_alike_is_refused(client, project, manager):
    Label.objects.create(project=project, name="Claim", color="#123456")
    other = Label.objects.create(project=project, name="Assessment", color="#654321")
    client.force_login(manager)
    response = client.post(
        reverse("annotations:label-edit", args=[project.slug, other.pk]),
        {"name": "Claİm", "kind": "span", "color": "#654321"},  # LOWER(): claim
    )
    assert response.status_code == 422
    assert Label.objects.get(pk=other.pk).name == "Assessment"


@pytest.mark.parametrize("value", ["²", "1" * 5000, "٣", "-1", "abc"])
def test_odd_numbers_in_the_address_or_a_form_are_no_500(signed_in, article, value):
    url = reverse("annotations:annotate", args=[article.project.slug, article.pk])
    assert signed_in.get(url, {"span": value}).status_code == 200
    actor = services.actor_create(name="ISW")
    response = signed_in.post(
        reverse("annotations:actor-merge", args=[actor.pk]), {"remove": value}
    )
    assert response.status_code in (404, 422)


@pytest.mark.parametrize("name", ["actor-list", "actor-edit"])
def test_a_nul_in_a_search_box_finds_nothing_rather_than_failing(signed_in, name):
    actor = services.actor_create(name="ISW")
    url = reverse(f"annotations:{name}", args=[actor.pk] if name == "actor-edit" else [])
    response = signed_in.get(url, {"q": "I\x00SW", "merge_q": "\x00"})
    assert response.status_code == 200


def test_label_scheme_needs_membership(client, project, outsider):
    client.force_login(outsider)
    assert client.get(labels_url(project)).status_code == 404


def test_annotate_palette_follows_the_label_order(signed_in, project, article):
    LabelFactory(project=project, name="Second", order=2, hotkey="s")
    LabelFactory(project=project, name="First", order=1, hotkey="f")
    LabelFactory(project=project, name="Link", order=0, kind="relation")
    html = signed_in.get(
        reverse("annotations:annotate", args=[project.slug, article.pk])
    ).content.decode()
    palette = html[html.index('id="palette"') : html.index('id="doc-text"')]
    assert palette.index("First") < palette.index("Second") and "Link" not in palette


def test_role_fixture_sanity(manager, project):
    assert permissions.user_role(project=project, user=manager) == Role.MANAGER


@pytest.mark.parametrize("articles", [2, 30])
def test_project_page_query_count_is_constant(
    signed_in, project, label, annotator, django_assert_num_queries, articles
):
    for n in range(articles):
        article = ArticleFactory(project=project, title=f"A{n}", source="ISW" if n % 2 else "RAND")
        services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)
    # Session, user, project, sources, count, page of articles (with my counts, status and
    # assignments), my role, how many articles are assigned to me.
    with django_assert_num_queries(8):
        response = signed_in.get(project_url(project))
    assert len(response.context["page"].object_list) == min(articles, 25)


def test_only_staff_merge_actors(signed_in, article, label, annotator):
    keep, remove = services.actor_create(name="ISW"), services.actor_create(name="I.S.W.")
    services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator,
        actors=[(remove, "source")],
    )  # fmt: skip
    page = signed_in.get(reverse("annotations:actor-edit", args=[keep.pk])).content.decode()
    assert "Only staff merge actors" in page and "Merge into" not in page
    response = signed_in.post(
        reverse("annotations:actor-merge", args=[keep.pk]), {"remove": remove.pk}
    )
    assert response.status_code == 403
    assert Actor.objects.filter(pk=remove.pk).exists()
    assert Span.objects.get().version == 1


def test_actor_merge_candidates_are_searched_by_name_and_alias(staff_in):
    keep = services.actor_create(name="Alexander Lukashenko")
    services.actor_create(name="Lukashenka", aliases=["Лукашенко"])
    services.actor_create(name="Vladimir Putin")
    url = reverse("annotations:actor-edit", args=[keep.pk])

    page = staff_in.get(url)
    assert page.status_code == 200
    assert 'name="remove"' not in page.content.decode()  # nothing listed before a search

    fragment = staff_in.get(url, {"merge_q": "лукашенко"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert "Lukashenka" in html and "Putin" not in html
    assert f'value="{keep.pk}"' not in html  # never the actor itself

    full = staff_in.get(url, {"merge_q": "lukash"}).content.decode()  # without JavaScript
    assert "<html" in full and "Lukashenka" in full and "Alexander Lukashenko #" not in full

    none = staff_in.get(url, {"merge_q": "<script>"}, headers={"HX-Request": "true"})
    assert "&lt;script&gt;" in none.content.decode() and "<script>" not in none.content.decode()


# --- agreement ---------------------------------------------------------------------------------


def test_agreement_page_shows_pairs_and_labels(signed_in, annotator, make_member, article, label):
    bob = make_member(Role.ANNOTATOR, username="bob")
    for user in (annotator, bob):
        services.span_create(article=article, start=0, end=3, label=label, annotator=user)
    services.span_create(article=article, start=4, end=11, label=label, annotator=bob)
    url = reverse("annotations:project-agreement", args=[article.project.slug])

    html = signed_in.get(url).content.decode()
    # One match among 1 + 2 spans: exact F1 = 2·1 / 3.
    assert "66.7 %" in html and "alice · bob" in html and label.name in html

    fragment = signed_in.get(
        url, {"label": label.pk, "basis": "done"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment
    assert "No pair of annotators" in fragment  # nobody marked the article done


def test_agreement_page_shows_kappa_alpha_the_matrix_gold_and_attributes(
    signed_in, annotator, make_member, article, label
):
    from django.template.defaultfilters import floatformat

    from annotations.selectors import project_agreement

    bob = make_member(Role.ANNOTATOR, username="bob")
    services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator, probability="likely"
    )
    services.span_create(article=article, start=0, end=3, label=label, annotator=bob)
    services.span_create(article=article, start=4, end=11, label=label, annotator=bob)
    result = project_agreement(project=article.project)
    url = reverse("annotations:project-agreement", args=[article.project.slug])

    html = signed_in.get(url).content.decode()

    kappa = result.pairs[0].kappa
    assert kappa is not None and floatformat(kappa, 2) in html
    assert "Krippendorff" in html and floatformat(result.alpha, 2) in html
    assert 'class="matrix"' in html and 'class="matrix-self"' in html  # the pair matrix
    assert "Grades and actors of the spans they matched" in html
    assert "0 (0.0 %)" in html  # likely against ungraded: the one place disagrees on probability
    assert "Against the gold spans" not in html  # no gold span yet
    reviewer = make_member(Role.REVIEWER, username="rita")
    services.span_promote(span=article.spans.get(annotator=bob, start=4), user=reviewer)
    assert "Against the gold spans" in signed_in.get(url).content.decode()


def test_agreement_page_is_for_members_only(client, outsider, article):
    client.force_login(outsider)
    url = reverse("annotations:project-agreement", args=[article.project.slug])
    assert client.get(url).status_code == 404


# --- review -----------------------------------------------------------------------------------

HX_HEADERS = {"HX-Request": "true"}


@pytest.fixture
def to_review(annotator, article, label):
    return services.span_create(
        article=article, start=18, end=25, label=label, annotator=annotator, note="<b>why</b>"
    )


def test_review_queue_shows_pending_spans_in_context(client, reviewer, to_review):
    client.force_login(reviewer)
    url = reverse("annotations:project-review", args=[to_review.project.slug])
    html = client.get(url).content.decode()
    # The span with the body around it, the note escaped.
    assert "ISW assesses that <mark" in html and ">Belarus</mark>&#x27; involvement" in html
    assert "&lt;b&gt;why&lt;/b&gt;" in html
    accepted = client.get(url, {"status": "accepted"}).content.decode()
    assert "<mark" not in accepted and "Nothing to review here." in accepted


def test_reviewer_accepts_over_htmx_and_a_stale_version_is_refused(client, reviewer, to_review):
    client.force_login(reviewer)
    url = reverse("annotations:span-review", args=[to_review.project.slug, to_review.pk])
    response = client.post(
        url, {"status": "accepted", "version": 1}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "status-accepted" in html
    # The counts change out of band, the page's filter still marked.
    assert 'hx-swap-oob="true"' in html and "Accepted 1" in html and "Pending 0" in html
    span = Span.objects.get(pk=to_review.pk)
    assert (span.status, span.version) == ("accepted", 2)

    huge = client.post(url, {"status": "rejected", "version": "9" * 5000}, headers=HX_HEADERS)
    assert huge.status_code == 422 and 'role="alert"' in huge.content.decode()

    stale = client.post(url, {"status": "rejected", "version": 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 409 and 'role="alert"' in stale.content.decode()
    assert Span.objects.get(pk=to_review.pk).status == "accepted"


def test_review_without_javascript_redirects_or_says_why_on_a_page(client, reviewer, to_review):
    client.force_login(reviewer)
    slug = to_review.project.slug
    url = reverse("annotations:span-review", args=[slug, to_review.pk])
    queue = reverse("annotations:project-review", args=[slug])
    done = client.post(url, {"status": "accepted", "version": 1})
    assert done.status_code == 302 and done.url == queue
    stale = client.post(url, {"status": "rejected", "version": 1})
    html = stale.content.decode()
    assert stale.status_code == 409
    assert "<html" in html and "changed" in html.lower() and f'href="{queue}"' in html
    assert Span.objects.get(pk=to_review.pk).status == "accepted"


def test_an_error_page_leads_back_only_to_our_own_pages(staff_in):
    actor = services.actor_create(name="ISW")
    url = reverse("annotations:actor-merge", args=[actor.pk])
    for referer, back in (
        ("https://evil.example/actors/", "/"),
        ("//evil.example/actors/", "/"),
        ("http://testserver/actors/", "http://testserver/actors/"),
    ):
        response = staff_in.post(url, {"remove": actor.pk}, headers={"referer": referer})
        assert response.status_code == 422
        assert f'<a href="{back}">Go back</a>' in response.content.decode()


def test_review_is_for_reviewers_and_managers(client, annotator, outsider, manager, to_review):
    slug = to_review.project.slug
    page = reverse("annotations:project-review", args=[slug])
    post = reverse("annotations:span-review", args=[slug, to_review.pk])
    client.force_login(annotator)
    assert client.get(page).status_code == 403
    assert client.post(post, {"status": "accepted", "version": 1}).status_code == 403
    client.force_login(outsider)
    assert client.get(page).status_code == 404
    client.force_login(manager)
    assert client.get(page).status_code == 200
    assert Span.objects.get(pk=to_review.pk).status == "pending"


def test_review_pages_follow_the_last_span_shown_not_a_page_number(
    client, reviewer, annotator, article, label, monkeypatch
):
    """Accepting the spans of a pending queue's first page must not make the next skip any."""
    monkeypatch.setattr(review, "REVIEW_PER_PAGE", 2)
    spans = [
        services.span_create(article=article, start=n, end=n + 3, label=label, annotator=annotator)
        for n in range(5)
    ]
    client.force_login(reviewer)
    url = reverse("annotations:project-review", args=[article.project.slug])
    first = client.get(url)
    assert [span.pk for span in first.context["spans"]] == [spans[0].pk, spans[1].pk]
    for span in spans[:2]:
        services.span_update(span=span, user=reviewer, version=1, status="accepted")
    following = client.get(url + "?" + first.context["next_query"])
    assert [span.pk for span in following.context["spans"]] == [spans[2].pk, spans[3].pk]
    assert following.context["total"] == 3 and following.context["first_query"]
    last = client.get(url + "?" + following.context["next_query"])
    assert [span.pk for span in last.context["spans"]] == [spans[4].pk]
    assert not last.context["next_query"]
    assert client.get(url, {"after": "9" * 5000}).status_code == 200  # a bad key: the start


def test_review_total_is_the_queues_count_under_every_pick(
    client, reviewer, annotator, article, label, make_member
):
    """The queue's total (from the counts per status when only a status is picked) is the
    number of spans the picked filters keep, whatever is picked: counted here by hand."""
    other = LabelFactory(project=article.project, name="Claim")
    bob = make_member(Role.ANNOTATOR, username="bob")
    made = [
        (annotator, label, "accepted"),
        (annotator, other, "pending"),
        (bob, label, "pending"),
        (bob, other, "rejected"),
        (annotator, label, "pending"),
    ]
    for n, (who, which, status) in enumerate(made):
        span = services.span_create(article=article, start=n, end=n + 3, label=which,
                                    annotator=who)  # fmt: skip
        if status != "pending":
            services.span_update(span=span, user=reviewer, version=1, status=status)
    client.force_login(reviewer)
    url = reverse("annotations:project-review", args=[article.project.slug])
    for status in ("", "pending", "accepted", "rejected"):
        for which in ("", other):
            for who in ("", bob):
                picked = {
                    "status": status,
                    "label": which and which.pk,
                    "annotator": who and who.username,
                }
                expected = sum(
                    status in ("", s) and which in ("", w) and who in ("", u) for u, w, s in made
                )
                assert client.get(url, picked).context["total"] == expected, picked
    assert client.get(url).context["total"] == 3  # pending, by default


def test_refusals_and_missing_pages_keep_the_site_layout(signed_in, project):
    refused = signed_in.get(reverse("annotations:project-review", args=[project.slug]))
    html = refused.content.decode()
    assert refused.status_code == 403 and 'class="topbar"' in html
    assert "Only a reviewer or manager of the project reviews its spans." in html
    missing = signed_in.get("/projects/no-such-project/")
    assert missing.status_code == 404 and 'class="topbar"' in missing.content.decode()


def test_a_signed_out_htmx_request_is_sent_to_sign_in_as_a_whole_page(client, project):
    url = reverse("annotations:project-review", args=[project.slug])
    plain = client.get(url)
    assert plain.status_code == 302 and plain.url.startswith("/accounts/login/")
    htmx = client.post(url, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("name", ["project-list", "actor-list"])
def test_head_is_answered_like_get(signed_in, name):
    response = signed_in.head(reverse(f"annotations:{name}"))
    assert response.status_code == 200 and response.content == b""


def test_head_never_writes_even_with_a_form(project, manager):
    """HEAD skips the CSRF check: a view that takes GET, HEAD and POST writes on POST only."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    form = {"name": "Sneaky", "kind": "span", "color": "#000000"}
    for url in (labels_url(project), reverse("annotations:actor-list")):
        response = client.generic("HEAD", url, urlencode(form), "application/x-www-form-urlencoded")
        assert response.status_code == 200
    assert not Label.objects.filter(name="Sneaky").exists()
    assert not Actor.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize(
    "name", ["project-detail", "project-export", "project-agreement", "project-review"]
)
def test_pages_that_answer_a_fragment_to_htmx_vary_on_it(client, manager, project, name):
    """A cache must not give the fragment to a browser that asked for the whole page."""
    client.force_login(manager)
    url = reverse(f"annotations:{name}", args=[project.slug])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]


def test_the_layouts_comments_stay_out_of_the_page(signed_in):
    """A ``{# #}`` comment is one line only: a longer one was shown atop every page."""
    html = signed_in.get(reverse("annotations:project-list")).content.decode()
    assert "409 and 422 answers" not in html
