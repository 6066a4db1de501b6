"""The gold layer: promoting an annotator's span into it, and curating an article at once.

A gold span is a span (``Span.gold``): it is made through ``spans.span_create_orm`` and so
follows every span rule, the history and restore. At most one gold span per (article, start,
end, label) is a database constraint (``annotations_span_one_gold``); the checks here only
word its refusal, and two reviewers promoting at the same instant are told apart by it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..errors import Conflict
from ..metrics.attributes import SPAN_ATTRIBUTES
from ..models import Article, Span
from ..permissions import REVIEW_ROLES, require_role
from .span_rules import gold_span_at, gold_taken_message
from .spans import span_create_orm


class CurateStrategy:
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"
    CHOICES = (UNANIMOUS, MAJORITY)


@transaction.atomic
def span_promote(*, span: Span | int, user) -> Span:
    """Copy an annotator's span into the gold layer: start, end, label, actors with their
    roles, probability, confidence and note; the original stays as it was and is the gold
    span's ``source_span``. Reviewers and managers.

    A gold span already at its place and label: ``Conflict`` naming its id (also when
    another reviewer promoted there a moment before: the constraint decides). Promoting a
    gold span: ``ValidationError``."""
    pk = span.pk if isinstance(span, Span) else span
    source = Span.objects.select_related("article", "label").defer("article__body").get(pk=pk)
    require_role(source.project_id, user, REVIEW_ROLES, "promote spans into the gold layer")
    if source.gold:
        raise ValidationError({"span": "This span is already gold; promote an annotator's span."})
    taken = gold_span_at(source.article_id, source.start, source.end, source.label_id)
    if taken is not None:
        raise Conflict(gold_taken_message(taken, source.start, source.end))
    actors = list(source.span_actors.order_by("id").values_list("actor_id", "role"))
    try:
        with transaction.atomic():
            return span_create_orm(
                article=source.article,
                start=source.start,
                end=source.end,
                label=source.label,
                annotator=user,
                text=source.text,
                actors=actors,
                probability=source.probability,
                confidence=source.confidence,
                note=source.note,
                gold=True,
                source_span=source,
            )
    except (IntegrityError, ValidationError) as exc:
        # Another reviewer's gold span got there between the check and the insert.
        taken = gold_span_at(source.article_id, source.start, source.end, source.label_id)
        if taken is None:
            raise
        raise Conflict(gold_taken_message(taken, source.start, source.end)) from exc


@dataclass
class CurateResult:
    created: int = 0
    existing: int = 0
    conflicts: list[dict] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


def _agreed(values: list):
    """The value every one of ``values`` has, else ``None`` (they differ)."""
    first = values[0]
    return first if all(value == first for value in values[1:]) else None


@transaction.atomic
def article_curate(*, article: Article | int, user, strategy: str) -> CurateResult:
    """Make the article's gold spans from its annotators' agreement: every (start, end, label)
    made by all (``unanimous``) or by more than half (``majority``) of the annotators with at
    least one non-gold span on the article becomes a gold span. Probability, confidence and
    the actor set are copied where the annotators who made it agree and left empty where
    not; each disagreement is a conflict ``{start, end, label, field}``. A place already gold
    is counted in ``existing`` and left as it is. Reviewers and managers; an article with
    fewer than two annotators has nothing to curate (``ValidationError`` naming ``article``).
    """
    if not isinstance(article, Article):
        article = Article.objects.defer("body").get(pk=article)
    require_role(article.project_id, user, REVIEW_ROLES, "curate articles")
    if strategy not in CurateStrategy.CHOICES:
        raise ValidationError(
            {"strategy": f"“{str(strategy)[:40]}” is not a strategy: unanimous, majority."}
        )
    spans = list(
        Span.objects.filter(article=article, gold=False)
        .select_related("label")
        .prefetch_related("span_actors")
        .order_by("start", "end", "label_id", "id")
    )
    annotators = {span.annotator_id for span in spans}
    if len(annotators) < 2:
        raise ValidationError(
            {
                "article": f"Curating compares annotators: this article has {len(annotators)} "
                "with spans of their own, and needs at least two."
            }
        )
    needed = len(annotators) if strategy == CurateStrategy.UNANIMOUS else len(annotators) // 2 + 1
    places: dict[tuple[int, int, int], list[Span]] = defaultdict(list)
    for span in spans:
        places[span.start, span.end, span.label_id].append(span)
    gold = set(
        Span.objects.filter(article=article, gold=True).values_list("start", "end", "label_id")
    )
    result = CurateResult()
    for (start, end, label_id), group in places.items():
        if len({span.annotator_id for span in group}) < needed:
            continue
        if (start, end, label_id) in gold:
            result.existing += 1
            continue
        values = {}
        for name in SPAN_ATTRIBUTES:
            if name == "actors":
                found = [
                    frozenset((link.actor_id, link.role) for link in span.span_actors.all())
                    for span in group
                ]
            else:
                found = [getattr(span, name) for span in group]
            agreed = _agreed(found)
            if agreed is None and any(value for value in found):
                result.conflicts.append(
                    {"start": start, "end": end, "label": label_id, "field": name}
                )
            values[name] = agreed
        result.spans.append(
            span_create_orm(
                article=article,
                start=start,
                end=end,
                label=group[0].label,
                annotator=user,
                text=group[0].text,
                actors=sorted(values["actors"] or ()),
                probability=values["probability"],
                confidence=values["confidence"],
                gold=True,
            )
        )
        result.created += 1
    return result
