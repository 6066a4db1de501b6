"""The gold layer's reads: where each article stands in adjudication."""

from django.db.models import Exists, OuterRef, QuerySet, TextChoices

from annotations.models import Article, Span, SpanStatus


class GoldStatus(TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SETTLED = "settled", "Settled"


def undecided_spans(*, article) -> QuerySet[Span]:
    """An article's spans still to settle (``article``: an id, an instance or an
    ``OuterRef``): an annotator's span is decided by a gold span at its place and label or by
    its rejection; any other is undecided. The one rule of what is left to adjudicate."""
    settled_place = Span.objects.filter(
        article_id=OuterRef("article_id"),
        gold=True,
        start=OuterRef("start"),
        end=OuterRef("end"),
        label_id=OuterRef("label_id"),
    )
    return (
        Span.objects.filter(article=article, gold=False)
        .exclude(status=SpanStatus.REJECTED)
        .exclude(Exists(settled_place))
    )


def article_gold_status(*, article_ids) -> dict[int, str]:
    """Each article's ``GoldStatus``, in one query: *not started* without a gold span;
    *settled* once every annotator's span is decided (``undecided_spans``); *in progress*
    between the two."""
    gold = Span.objects.filter(article=OuterRef("pk"), gold=True)
    undecided = undecided_spans(article=OuterRef("pk"))
    rows = (
        Article.objects.filter(pk__in=list(article_ids))
        .order_by()
        .annotate(has_gold=Exists(gold), undecided=Exists(undecided))
        .values_list("pk", "has_gold", "undecided")
    )
    return {
        pk: GoldStatus.NOT_STARTED
        if not has_gold
        else GoldStatus.IN_PROGRESS
        if undecided
        else GoldStatus.SETTLED
        for pk, has_gold, undecided in rows
    }
