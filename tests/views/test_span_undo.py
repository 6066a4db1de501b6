"""The annotate page's undo and redo (span_revert): the revert's fragments, its event for the
way back, and a refusal in words."""

import json

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Span, SpanEvent

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
