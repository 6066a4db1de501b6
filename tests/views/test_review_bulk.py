"""The review queue's bulk action and the project page's gold status."""

import pytest
from django.urls import reverse

from annotations import selectors, services
from annotations.models import Role, Span, SpanEvent

from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(project, article, label, annotator, make_member):
    bob = make_member(Role.ANNOTATOR, username="bob")
    other = LabelFactory(project=project, name="Claim")
    spans = {
        "alice-a": SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3),
        "alice-c": SpanFactory(article=article, label=other, annotator=annotator, start=0, end=3),
        "bob-a": SpanFactory(article=article, label=label, annotator=bob, start=0, end=3),
    }
    return spans, other


def test_bulk_accepts_every_pending_span_of_a_label_on_an_article(
    client, project, article, label, reviewer, queue
):
    spans, _ = queue
    client.force_login(reviewer)
    page = client.get(
        reverse("annotations:project-review", args=[project.slug]) + f"?label={label.pk}"
    )
    assert 'name="article"' in page.content.decode()
    response = client.post(
        reverse("annotations:review-bulk", args=[project.slug]),
        {"article": article.pk, "label": label.pk, "status": "accepted"},
    )
    assert response.status_code == 302
    statuses = {key: Span.objects.get(pk=span.pk).status for key, span in spans.items()}
    assert statuses == {"alice-a": "accepted", "alice-c": "pending", "bob-a": "accepted"}
    assert SpanEvent.objects.filter(action="updated").count() == 2  # each in the history


def test_bulk_by_annotator_and_its_refusals(project, article, reviewer, annotator, queue):
    spans, _ = queue
    assert services.spans_review_bulk(article=article, user=reviewer, annotator="alice") == 2
    assert Span.objects.get(pk=spans["bob-a"].pk).status == "pending"
    with pytest.raises(Exception, match="label"):
        services.spans_review_bulk(article=article, user=reviewer)
    with pytest.raises(Exception, match=r"reviewer|role"):
        services.spans_review_bulk(article=article, user=annotator, annotator="bob")


def test_gold_status_per_article(project, article, label, reviewer, queue, client):
    spans, _ = queue
    empty = ArticleFactory(project=project)
    status = selectors.article_gold_status(article_ids=[article.pk, empty.pk])
    assert status == {article.pk: "not_started", empty.pk: "not_started"}
    services.span_promote(span=spans["alice-a"], user=reviewer)
    assert selectors.article_gold_status(article_ids=[article.pk])[article.pk] == "in_progress"
    services.span_update(span=spans["alice-c"], user=reviewer, version=1, status="rejected")
    # bob's span is at the gold span's place and label: decided too.
    assert selectors.article_gold_status(article_ids=[article.pk])[article.pk] == "settled"
    client.force_login(reviewer)
    page = client.get(reverse("annotations:project-detail", args=[project.slug]))
    assert "Settled" in page.content.decode()
