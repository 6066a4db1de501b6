"""The annotate page's reads of spans: rows, counts per label, the spans near a write, a
span's links, the labels to draw them with."""

from typing import NamedTuple

from django.db import connection
from django.db.models import Count

from annotations.models import Article, Label, Project, Relation, Span, SpanActor, SpanEvent


def span_labels(*, project: Project) -> list[Label]:
    return list(
        Label.objects.filter(project=project, kind=Label.Kind.SPAN).order_by("order", "name")
    )


class AnnotateSpan(NamedTuple):
    """What the annotate page draws of a span: no model instance, so 2,000 of them are cheap."""

    pk: int
    start: int
    end: int
    label_id: int
    text: str


def annotate_spans(
    *, article: Article, user, overlapping: tuple[int, int] | None = None
) -> list[AnnotateSpan]:
    """The user's spans on an article in text order (one query); with ``overlapping``
    ``(start, end)``, only those that touch that range (its ends included). Gold spans are
    the article's, not the reviewer's who made them: they are left out."""
    spans = Span.objects.filter(article=article, annotator=user, gold=False)
    if overlapping is not None:
        spans = spans.filter(start__lte=overlapping[1], end__gte=overlapping[0])
    return [
        AnnotateSpan(*row)
        for row in spans.order_by("start", "end", "id").values_list(
            "id", "start", "end", "label_id", "text"
        )
    ]


def article_span_counts(*, article: Article, user) -> dict[int, int]:
    """How many spans the user has on an article, per label id (one query)."""
    return dict(
        Span.objects.filter(article=article, annotator=user, gold=False)
        .order_by()
        .values_list("label_id")
        .annotate(n=Count("id"))
        .values_list("label_id", "n")
    )


def annotate_spans_near(
    *, article: Article, user, overlapping: tuple[int, int]
) -> tuple[list[AnnotateSpan], dict[int, int]]:
    """``annotate_spans`` with ``overlapping`` and ``article_span_counts`` in one query:
    what an htmx answer on the annotate page redraws after a write (the paragraphs around
    it, the counters). Written out, as a ``UNION ALL`` of the two."""
    quote = connection.ops.quote_name
    meta = Span._meta

    def column(name):
        return quote(meta.get_field(name).column)

    table = quote(meta.db_table)
    mine = f"{column('article')} = %s AND {column('annotator')} = %s AND {column('gold')} = %s"
    sql = (
        f"SELECT {column('id')}, {column('start')}, {column('end')}, {column('label')}, "
        f"{column('text')}, NULL FROM {table} "
        f"WHERE {mine} AND {column('start')} <= %s AND {column('end')} >= %s "
        f"UNION ALL SELECT NULL, NULL, NULL, {column('label')}, NULL, COUNT(*) FROM {table} "
        f"WHERE {mine} GROUP BY {column('label')}"
    )
    params = [
        article.pk,
        user.pk,
        False,
        overlapping[1],
        overlapping[0],
        article.pk,
        user.pk,
        False,
    ]
    rows, counts = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, start, end, label_id, text, count in cursor.fetchall():
            if pk is None:
                counts[label_id] = count
            else:
                rows.append(AnnotateSpan(pk, start, end, label_id, text))
    rows.sort(key=lambda row: (row.start, row.end, row.pk))
    return rows, counts


def span_links(*, span: Span) -> tuple[list[SpanActor], list[Relation]]:
    """A span's actors and outgoing relations (with label and target span): two queries."""
    actors = list(SpanActor.objects.filter(span=span).select_related("actor").order_by("id"))
    relations = list(
        Relation.objects.filter(from_span=span).select_related("label", "to_span").order_by("id")
    )
    return actors, relations


def span_actor_links(*, span: Span) -> list[dict]:
    """A span's actor links as ``span_update`` takes them (``{"actor", "role"}``), in the
    order they were made: one query, what a change of the links starts from."""
    links = SpanActor.objects.filter(span=span).order_by("id").values_list("actor_id", "role")
    return [{"actor": actor, "role": role} for actor, role in links]


def span_version_snapshot(*, span: Span, version: int) -> dict | None:
    """The span as it was at ``version`` (the history's snapshot after the change that made
    it), or ``None`` when the history holds none: what a stale edit was based on."""
    event = (
        SpanEvent.objects.filter(span_id=span.pk, after__version=version)
        .order_by("-at", "-id")
        .values_list("after", flat=True)
        .first()
    )
    return event
