"""Records into rows: articles, spans with their actors, relations, and the history events.

All or nothing: every record is checked first (``checks``; labels, actors and annotators are
looked up by name once each, ``names``), then written in batches of ``BATCH`` articles with a
handful of bulk writes, so that 10,000 articles cost a few hundred queries, not a hundred
thousand. On PostgreSQL the bulk writes are ``COPY`` (``writer_copy``: a hundred thousand
spans in a third of the time ``bulk_create`` takes); elsewhere, or with ``USE_COPY`` off,
they are ``bulk_create`` (``writer_orm``). Either way each span's history event holds
``services.span_snapshot`` of the span as written. Once a record fails nothing more is
written, the rest is still checked so that the answer lists every bad line with its reason,
and the whole import is rolled back. An article whose body the project already holds (or
that came earlier in the same file) is skipped and counted, with its spans.

``Annotations`` records (from a format without text: ``webanno``) add spans and relations to
articles the project already holds, through the same checks and bulk writes: each bad span
or relation is listed on its own line, and a span the article already has for the same
annotator (start, end, label) is an error, never a second copy.
"""

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from annotations.models import Article, Project
from annotations.permissions import can_manage, user_role
from annotations.search import flush_pending_index_entries

from .base import Annotations, LineError, Record
from .checks import Articles, Prepared, Values, check
from .names import Names
from .writer_copy import write_copy
from .writer_orm import write_orm

BATCH = 500
USE_COPY = True  # on PostgreSQL; the benchmark and the writers' twin test turn it off


@dataclass
class ImportResult:
    created: int = 0
    skipped_duplicates: int = 0
    spans: int = 0
    relations: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    members_added: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The API's answer: ``{"created", "skipped_duplicates", "spans", "relations",
        "errors", "members_added"}``; the spans and relations say what an import into the
        project's own articles (``webanno``, which creates none) did; ``members_added`` lists
        the users the file named as annotators who became annotators of the project."""
        return {
            "created": self.created,
            "skipped_duplicates": self.skipped_duplicates,
            "spans": self.spans,
            "relations": self.relations,
            "errors": self.errors,
            "members_added": self.members_added,
        }


def _flush(batch: list[Prepared], project: Project, user, result: ImportResult) -> None:
    """Write a batch in one bulk write per table; skip the new articles whose body the
    project already holds."""
    shas = [prepared.article.sha256 for prepared in batch if not prepared.existing]
    held = set(
        Article.objects.filter(project=project, sha256__in=shas).values_list("sha256", flat=True)
    )
    batch = [p for p in batch if p.existing or p.article.sha256 not in held]
    created = sum(not prepared.existing for prepared in batch)
    result.skipped_duplicates += len(shas) - created
    if not batch:
        return
    if USE_COPY and connection.vendor == "postgresql":
        write_copy(batch, user)
    else:
        write_orm(batch, user)
    result.created += created
    result.spans += sum(len(prepared.spans) for prepared in batch)
    result.relations += sum(len(prepared.relations) for prepared in batch)


def run_steps(steps: Generator[int, None, ImportResult], progress=None) -> ImportResult:
    """Drive an import's steps to its result, telling ``progress`` of each."""
    while True:
        try:
            done = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(done)


def write_records_steps(
    *,
    project: Project,
    user,
    records: Iterable[Record | Annotations | LineError],
    create_labels: bool = True,
    create_actors: bool = True,
) -> Generator[int, None, ImportResult]:
    """Write every record, or none (see the module's docstring), as a generator: yields the
    number of records read after each, and returns the result (``run_steps`` drives it; the
    import page streams the steps as progress). One transaction spans it all: closing the
    generator before its end (the client went away) rolls everything back."""
    with transaction.atomic():
        return (yield from _write_steps(project, user, records, create_labels, create_actors))


def _write_steps(project, user, records, create_labels, create_actors):
    """The body of ``write_records_steps``, inside its transaction."""
    if not can_manage(user_role(project=project, user=user)):
        raise PermissionDenied("Only a manager of the project imports articles.")
    names = Names(project, user, create_labels=create_labels, create_actors=create_actors)
    values = Values()
    articles = Articles(project)
    result = ImportResult()
    batch: list[Prepared] = []
    seen: set[str] = set()

    def flush() -> None:
        try:
            with transaction.atomic():
                _flush(batch, project, user, result)
        except IntegrityError:
            result.errors.append(
                {
                    "line": batch[0].line,
                    "error": "The project changed while this was imported; try again.",
                }
            )
        batch.clear()

    for done, item in enumerate(records, start=1):
        prepared, errors = check(item, project, user, names, values, articles)
        result.errors.extend(errors)
        if prepared is None:
            pass
        elif not prepared.existing and prepared.article.sha256 in seen:
            result.skipped_duplicates += 1
        elif not result.errors:
            seen.add(prepared.article.sha256)
            batch.append(prepared)
            if len(batch) >= BATCH:
                flush()
        yield done
    if batch and not result.errors:
        flush()
    if result.errors:
        transaction.set_rollback(True)
        # A parser may list a file's bad lines before the records it groups (webanno).
        return ImportResult(errors=sorted(result.errors, key=lambda error: error["line"]))
    result.members_added = names.members_added
    flush_pending_index_entries()  # a common word's search stays on the index after a bulk write
    return result
