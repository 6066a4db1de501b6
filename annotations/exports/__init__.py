"""Exports: one module per format, all behind the one ``FORMATS`` registry.

A format's ``write(articles, stats)`` is a generator of ``str`` (or, for brat's zip,
``bytes``) chunks, fed by the ``export_articles`` selector's iterator: a response streams and
memory holds a batch of articles and one article's spans (a chunk's spans on SQLite), however
large the project. What a format cannot hold
(CoNLL's overlapping spans, for one) is counted in the ``ExportStats`` the caller reads
after the stream ends, and is never dropped silently.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from annotations.models import Project
from annotations.selectors.exports import ExportArticle, export_articles, export_filters

from . import brat, conll, csv_format, doccano, jsonl, labelstudio, spacy, webanno
from .base import ExportStats

__all__ = ["FORMATS", "ExportFormat", "ExportStats", "export_stream"]


@dataclass(frozen=True)
class ExportFormat:
    content_type: str
    extension: str
    write: Callable[[Iterable[ExportArticle], ExportStats], Iterator[str] | Iterator[bytes]]
    binary: bool = False
    timestamps: bool = False  # the format writes the spans' created_at / updated_at


FORMATS: dict[str, ExportFormat] = {
    "jsonl": ExportFormat("application/x-ndjson; charset=utf-8", "jsonl", jsonl.write),
    "doccano": ExportFormat("application/x-ndjson; charset=utf-8", "jsonl", doccano.write),
    "spacy": ExportFormat("application/x-ndjson; charset=utf-8", "jsonl", spacy.write),
    "conll": ExportFormat("text/plain; charset=utf-8", "conll", conll.write),
    "brat": ExportFormat("application/zip", "zip", brat.write, binary=True),
    "webanno": ExportFormat(
        "application/ld+json; charset=utf-8", "jsonld", webanno.write, timestamps=True
    ),
    "labelstudio": ExportFormat("application/json; charset=utf-8", "json", labelstudio.write),
    "csv": ExportFormat("text/csv; charset=utf-8", "csv", csv_format.write, timestamps=True),
}


def _counted(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[ExportArticle]:
    for article in articles:
        stats.articles += 1
        stats.spans += len(article.spans)
        stats.relations += len(article.relations)
        yield article


def export_stream(
    project: Project,
    fmt: str,
    *,
    status: str | None = None,
    label: int | str | None = None,
    annotator: str | None = None,
    gold: bool | str | None = None,
    visible_to: str | None = None,
    chunk_size: int | None = None,
) -> tuple[str, str, Iterator[str] | Iterator[bytes], ExportStats]:
    """``(content_type, filename, chunks, stats)`` for an export of ``project`` in ``fmt``.

    Nothing is read until ``chunks`` is iterated (but a ``label`` filter, looked up in the
    project first); ``stats`` is complete once it is exhausted. ``gold`` (true or false)
    keeps only gold spans, or only annotators'; ``visible_to`` (a username) keeps only that
    user's spans (a blind project's annotator, ``selectors.visible_annotator``).
    A bad format or filter (``export_filters``) raises ``ValidationError`` naming the field,
    before any byte is streamed, so that an API answers 400 rather than breaking off a response.
    """
    errors = {}
    export_format = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if export_format is None:
        errors["format"] = [f"Unknown format “{fmt}”; choose one of: {', '.join(FORMATS)}."]
    try:
        filters = export_filters(
            project,
            status=status,
            label=label,
            annotator=annotator,
            gold=gold,
            visible_to=visible_to,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    stats = ExportStats()
    articles = export_articles(
        project=project,
        status=filters.status,
        label=filters.label,
        annotator=filters.annotator,
        gold=filters.gold,
        visible_to=filters.visible_to,
        chunk_size=chunk_size,
        timestamps=export_format.timestamps,
    )
    # The format in the name only where the extension does not say it (doccano's .jsonl).
    named = "" if fmt == export_format.extension else f"-{fmt}"
    filename = f"{project.slug}{named}.{export_format.extension}"
    chunks = export_format.write(_counted(articles, stats), stats)
    return export_format.content_type, filename, chunks, stats
