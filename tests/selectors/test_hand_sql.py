"""The hand-written reads (selectors/articles.py, selectors/spans.py) answer what their ORM
twins answer, on the same rows: the fast path may be faster, never different."""

import pytest
from django.db.models import Count

from annotations.models import Article, Span
from annotations.selectors import articles_for_user
from annotations.selectors.articles import article_detail
from annotations.selectors.spans import annotate_spans, annotate_spans_near, article_span_counts

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory, superuser

BODY = "🇺🇦 Lukashenko said: “no”. ISW assesses that Belarus' involvement remains unlikely."


@pytest.fixture
def spans(project, annotator, reviewer):
    article = ArticleFactory(project=project, body=BODY, metadata={"a": [1, {"b": None}]})
    labels = [LabelFactory(project=project, name=name) for name in ("Claim", "Assessment")]
    made = []
    for start, end, label in [(0, 2, 0), (3, 13, 1), (3, 13, 0), (30, 60, 1), (59, 75, 0)]:
        made.append(
            SpanFactory(
                article=article, start=start, end=end, label=labels[label], annotator=annotator
            )
        )
    SpanFactory(article=article, start=3, end=13, label=labels[0], annotator=reviewer)
    return article, made


def _orm_detail(pk, user):
    return (
        articles_for_user(user=user)
        .filter(pk=pk)
        .annotate(span_count=Count("spans", distinct=True))
        .first()
    )


@pytest.mark.parametrize("who", ["annotator", "outsider", "superuser"])
def test_article_detail_is_its_orm_twin(spans, who, request):
    article, _ = spans
    ArticleFactory(project=ProjectFactory(), body="Another project's.")
    user = superuser() if who == "superuser" else request.getfixturevalue(who)
    for pk in (article.pk, article.pk + 1000):
        fast, orm = article_detail(pk=pk, user=user), _orm_detail(pk, user)
        if orm is None:
            assert fast is None
            continue
        fields = [field.attname for field in Article._meta.concrete_fields] + ["span_count"]
        assert {f: getattr(fast, f) for f in fields} == {f: getattr(orm, f) for f in fields}
    assert (article_detail(pk=article.pk, user=user) is None) == (who == "outsider")


@pytest.mark.parametrize("window", [(0, 0), (3, 13), (13, 30), (14, 29), (60, 60), (0, 85)])
def test_annotate_spans_near_is_its_orm_twin(spans, annotator, window):
    article, _ = spans
    rows, counts = annotate_spans_near(article=article, user=annotator, overlapping=window)
    assert rows == annotate_spans(article=article, user=annotator, overlapping=window)
    assert counts == article_span_counts(article=article, user=annotator)
    assert sum(counts.values()) == Span.objects.filter(annotator=annotator).count()
