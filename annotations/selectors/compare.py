"""What the compare and adjudicate page reads of an article: every span (gold ones too) with
its grade and actors, who made them, and which are still to settle; a fixed number of queries
however many spans (6,000 on the big article with three annotators)."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from annotations.metrics.places import CompareSpan, Place, article_places
from annotations.models import Article, Span, SpanActor

from .gold import undecided_spans

SPAN_FIELDS = (
    *("id", "start", "end", "label_id", "annotator_id", "gold"),
    *("probability", "confidence", "status", "version"),
)


@dataclass(slots=True)
class ArticleComparison:
    article: Article
    spans: list[CompareSpan]
    places: list[Place]
    annotators: list[int]  # ids, sorted: those with a non-gold span on the article
    usernames: dict[int, str]  # every author of a span here, gold spans' too
    actor_names: dict[int, str]
    undecided: set[int]  # ids of the spans still to settle (``undecided_spans``)
    open_places: set[int] = field(default_factory=set)  # those with an undecided span

    @property
    def lanes(self) -> list[tuple[int, str]]:
        """The annotators' lanes, ``(id, username)``, by username."""
        return sorted(((pk, self.usernames[pk]) for pk in self.annotators), key=lambda x: x[1])

    def place_open(self, place: Place) -> bool:
        """A place is open while one of its spans is undecided."""
        return place.pk in self.open_places


def article_comparison(*, article: Article) -> ArticleComparison:
    """The article's spans and places (``metrics.places``), four queries. ``article`` is
    read with its body: the spans' texts are sliced from it rather than read again."""
    body = article.body
    links: dict[int, list[tuple[int, str]]] = {}
    actor_names: dict[int, str] = {}
    for span_id, actor_id, role, name in (
        SpanActor.objects.filter(span__article=article)
        .order_by()
        .values_list("span_id", "actor_id", "role", "actor__name")
    ):
        links.setdefault(span_id, []).append((actor_id, role))
        actor_names[actor_id] = name
    spans = [
        CompareSpan(*row, body[row[1] : row[2]], tuple(sorted(links.get(row[0], ()))))
        for row in Span.objects.filter(article=article)
        .order_by("start", "end", "id")
        .values_list(*SPAN_FIELDS)
    ]
    places, annotators = article_places(spans)
    user_model = get_user_model()
    usernames = dict(
        user_model.objects.filter(pk__in={span.annotator_id for span in spans}).values_list(
            "pk", user_model.USERNAME_FIELD
        )
    )
    undecided = set(undecided_spans(article=article).values_list("id", flat=True))
    open_places = {
        place.pk for place in places if any(span.pk in undecided for span in place.spans)
    }
    return ArticleComparison(
        article, spans, places, annotators, usernames, actor_names, undecided, open_places
    )
