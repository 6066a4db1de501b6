"""The review queue's bulk actions: every pending span of a label or an annotator on an
article, accepted (or rejected) at once, each through ``span_update`` (its version, its
history)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Article, Span, SpanStatus
from ..permissions import REVIEW_ROLES, require_role
from .spans import span_update


@transaction.atomic
def spans_review_bulk(
    *,
    article: Article,
    user,
    status: str = SpanStatus.ACCEPTED,
    label: int | None = None,
    annotator: str | None = None,
) -> int:
    """Set ``status`` on every pending, non-gold span of ``article`` with ``label`` (an id)
    and/or by ``annotator`` (a username); reviewers and managers. Answers how many changed.
    One of ``label`` and ``annotator`` is required: a bulk action over a whole article would
    be a review nobody made."""
    require_role(article.project_id, user, REVIEW_ROLES, "review spans")
    if label is None and not annotator:
        raise ValidationError({"label": "Name a label or an annotator (or both)."})
    if status not in (SpanStatus.ACCEPTED, SpanStatus.REJECTED):
        raise ValidationError({"status": "Must be accepted or rejected."})
    spans = Span.objects.filter(article=article, status=SpanStatus.PENDING, gold=False)
    if label is not None:
        spans = spans.filter(label_id=label)
    if annotator:
        spans = spans.filter(annotator__username=annotator)
    changed = 0
    for span in spans.order_by("id").select_for_update(of=("self",)):
        span_update(span=span, user=user, version=span.version, status=status)
        changed += 1
    return changed
