"""What the import tests share: an import from text, and the rows it may have written."""

import io

from annotations.imports import article_import
from annotations.models import Actor, Article, Label, Relation, Span, SpanEvent

COUNTED = (Article, Span, Relation, Label, Actor, SpanEvent)


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def do_import(project, user, fmt, data, **options):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return article_import(project=project, user=user, fmt=fmt, file=io.BytesIO(data), **options)


def spans_of(project):
    return sorted(
        (s.article.body[:10], s.start, s.end, s.text, s.label.name, s.annotator.username)
        for s in Span.objects.filter(project=project).select_related(
            "article", "label", "annotator"
        )
    )
