"""The annotate page's undo and redo (span_revert): the revert's fragments, its event for the
way back, and a refusal in words; a group (what a label-all made) undone and redone as one."""

import json

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Span, SpanEvent
from annotations.views.common import id_runs, parse_id_runs

from ..factories import ArticleFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def revert_url(article):
    return reverse("annotations:span-revert", args=[article.project.slug, article.pk])


@pytest.fixture
def client_alice(client, annotator):
    client.force_login(annotator)
    return client


@pytest.fixture
def span(article, label, annotator):
    return services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)


def test_undo_a_create_answers_the_fragments_and_the_event_to_redo(client_alice, article, span):
    response = client_alice.post(revert_url(article), {"span": span.pk, "version": 1}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Undone: created Assessment “ISW”." in html
    assert 'id="para-0"' in html and f'data-spans="{span.pk}"' not in html
    assert f'id="item-{span.pk}"' in html  # the list entry, removed out of band
    trigger = json.loads(response["HX-Trigger"])["assay:reverted"]
    deleted = SpanEvent.objects.get(action=SpanEvent.Action.DELETED)
    assert trigger == {
        "event": deleted.pk,
        "redo": False,
        "span": span.pk,
        "message": "Undone: created Assessment “ISW”.",
    }
    assert not Span.objects.exists()

    response = client_alice.post(revert_url(article), {"event": deleted.pk, "redo": "1"}, **HX)
    assert response.status_code == 200
    assert "Redone: restored Assessment “ISW”." in response.content.decode()
    assert f'data-spans="{span.pk}"' in response.content.decode()
    assert Span.objects.get().pk == span.pk


def test_an_undo_over_a_newer_change_is_refused_in_words(
    client_alice, article, span, annotator, reviewer
):
    services.span_update(span=span, user=annotator, version=1, note="mine")
    services.span_update(span=span, user=reviewer, version=2, status="accepted")
    response = client_alice.post(revert_url(article), {"span": span.pk, "version": 2}, **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#errors"
    message = "Can’t undo: rita changed the status (pending → accepted) since."
    assert message in response.content.decode()
    span.refresh_from_db()
    assert (span.note, span.status) == ("mine", "accepted")


def test_someone_elses_change_and_a_change_of_no_name_are_refused(client, article, span, manager):
    client.force_login(manager)
    response = client.post(revert_url(article), {"span": span.pk, "version": 1}, **HX)
    assert response.status_code == 403
    assert "only your own changes" in response.content.decode()
    response = client.post(revert_url(article), {"redo": "1"}, **HX)
    assert response.status_code == 422
    assert "Can’t redo: no change was named." in response.content.decode()
    assert Span.objects.exists()


def test_an_outsider_gets_404(client, article, span, outsider):
    client.force_login(outsider)
    response = client.post(revert_url(article), {"span": span.pk, "version": 1}, **HX)
    assert response.status_code == 404
    assert Span.objects.exists()


# --- a group: what an accept-all or a label-all made, undone and redone in one request ---------

GROUP_BODY = "Minsk said no.\n\nMinsk said yes. Then Minsk said nothing."


@pytest.fixture
def labelled(client_alice, project, label):
    """Label all of "Minsk" through the page: the answer's ``assay:made`` names the group."""
    article = ArticleFactory(project=project, body=GROUP_BODY)
    url = reverse("annotations:label-all", args=[project.slug, article.pk])
    response = client_alice.post(url, {"start": 0, "end": 5, "label": label.pk}, **HX)
    assert response.status_code == 200
    made = json.loads(response["HX-Trigger"])["assay:made"]
    assert made["message"] == "Labelled 3 occurrences of “Minsk” as Assessment."
    return article, made["events"]


def test_id_runs_are_compact_and_read_back_exactly():
    assert id_runs([14, 12, 13, 20, 12]) == "12-14,20"
    assert [list(r) for r in parse_id_runs("12-14,20")] == [[12, 13, 14], [20]]
    for bad in ("", "12-", "-3", "14-12", "1,,2", "x", "1-2-3", "²"):
        assert parse_id_runs(bad) is None, bad


def test_undo_a_group_in_one_request_and_redo_it(client_alice, labelled, annotator):
    article, events = labelled
    spans = sorted(Span.objects.values_list("pk", flat=True))
    made = SpanEvent.objects.filter(action=SpanEvent.Action.CREATED).values_list("pk", flat=True)
    assert events == id_runs(made)

    response = client_alice.post(revert_url(article), {"events": events}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Undone: created 3 spans (Assessment)." in html
    assert 'id="span-panel"' in html  # the panel closed (a span it showed may be gone)
    assert 'id="para-0"' in html and 'id="para-2"' in html and "data-spans" not in html
    for pk in spans:
        assert f'id="item-{pk}"' in html  # each list entry removed out of band
    assert not Span.objects.exists()
    trigger = json.loads(response["HX-Trigger"])["assay:reverted"]
    deleted = SpanEvent.objects.filter(action=SpanEvent.Action.DELETED).values_list("pk", flat=True)
    assert trigger == {
        "events": id_runs(deleted),
        "redo": False,
        "message": "Undone: created 3 spans (Assessment).",
    }

    response = client_alice.post(
        revert_url(article), {"events": trigger["events"], "redo": "1"}, **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Redone: restored 3 spans (Assessment)." in html
    assert all(f'data-spans="{pk}"' in html for pk in spans)
    assert sorted(Span.objects.values_list("pk", flat=True)) == spans
    again = json.loads(response["HX-Trigger"])["assay:reverted"]["events"]
    restored = SpanEvent.objects.filter(action=SpanEvent.Action.RESTORED)
    assert again == id_runs(restored.values_list("pk", flat=True))
    assert annotator.pk in set(restored.values_list("user", flat=True))


def test_a_group_with_a_span_someone_else_changed_is_refused_whole(
    client_alice, labelled, reviewer
):
    article, events = labelled
    span = Span.objects.order_by("start")[1]
    services.span_update(span=span, user=reviewer, version=1, status="accepted")
    before = list(SpanEvent.objects.values_list("pk", flat=True))
    response = client_alice.post(revert_url(article), {"events": events}, **HX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#errors"
    assert (
        "Can’t undo: Assessment “Minsk”: rita changed the status (pending → accepted) since. "
        "None of the 3 spans was changed." in response.content.decode()
    )
    assert Span.objects.count() == 3
    assert list(SpanEvent.objects.values_list("pk", flat=True)) == before


def test_a_group_named_badly_or_too_big_or_not_ones_own_is_refused(
    client, client_alice, labelled, manager, outsider
):
    article, events = labelled
    for bad in ("", "1-x", "9-3"):
        response = client_alice.post(revert_url(article), {"events": bad}, **HX)
        assert response.status_code == 422, bad
        assert "Can’t undo: the changes were named by no ids." in response.content.decode()
    # Too many at once: refused before a single id is read.
    response = client_alice.post(revert_url(article), {"events": "1-999999999999"}, **HX)
    assert response.status_code == 422
    assert "999,999,999,999 changes at once; at most 5,000." in response.content.decode()
    response = client_alice.post(revert_url(article), {"events": f"{events},999999"}, **HX)
    assert response.status_code == 409
    assert (
        "1 of those 4 changes is not in this article&#x27;s history." in response.content.decode()
    )
    client.force_login(manager)
    response = client.post(revert_url(article), {"events": events}, **HX)
    assert response.status_code == 403
    assert "only your own changes" in response.content.decode()
    client.force_login(outsider)
    assert client.post(revert_url(article), {"events": events}, **HX).status_code == 404
    assert Span.objects.count() == 3
