"""Gold spans are the article's, not the work of the reviewer who made them: the annotate
page and the project page's counts leave them out."""

import pytest
from django.urls import reverse

from annotations import selectors, services

from ..factories import SpanFactory

pytestmark = pytest.mark.django_db


def test_a_reviewers_gold_spans_are_not_on_their_annotate_page(
    client, project, article, label, annotator, reviewer
):
    gold = services.span_promote(
        span=SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3),
        user=reviewer,
    )
    own = SpanFactory(article=article, label=label, annotator=reviewer, start=0, end=3)
    assert [span.pk for span in selectors.annotate_spans(article=article, user=reviewer)] == [
        own.pk
    ]
    rows, counts = selectors.annotate_spans_near(article=article, user=reviewer, overlapping=(0, 9))
    assert [row.pk for row in rows] == [own.pk] and counts == {label.pk: 1}
    client.force_login(reviewer)
    page = client.get(reverse("annotations:annotate", args=[project.slug, article.pk]))
    html = page.content.decode()
    assert f'id="item-{own.pk}"' in html and f'id="item-{gold.pk}"' not in html
    panel = client.get(reverse("annotations:span-panel", args=[project.slug, article.pk, gold.pk]))
    assert panel.status_code == 404
    (row,) = selectors.project_articles(project=project, user=reviewer)
    assert row.my_span_count == 1
