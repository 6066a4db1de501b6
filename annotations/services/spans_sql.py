"""The hand-written SQL of the span services, beside the ORM code it replaces (spans.py).

Kept because it pays on the API's span create (bench/api_bench.py: 1.45x the bare-insert
floor with the one statement, the target 1.5x). Both ways read the same facts and hand them
to the same rule, ``span_rules.check_span_create``; tests/services/test_spans_sql.py runs both
on the same inputs and compares the answers and the errors.
"""

import contextlib
import functools
import json
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..models import (
    Article,
    Label,
    Membership,
    Span,
    SpanEvent,
)
from ..permissions import role_of
from .history import span_snapshot
from .span_rules import article_slice, check_span_create, duplicate_span_error


def role_and_slice_sql() -> str:
    """The one query of ``spans.role_and_slice`` (the article's project, the user's role
    there, the body's length and ``body[start:end]``), written out: the API's span create
    runs it on every request off PostgreSQL, and the ORM spends longer building it (a
    subquery and two functions) than the database spends answering it. LENGTH and SUBSTR
    count characters (code points) on PostgreSQL and SQLite alike. On PostgreSQL the article
    is read ``FOR SHARE`` (``_span_create_sql`` says why)."""
    quote = connection.ops.quote_name
    article, membership = Article._meta, Membership._meta
    body = quote(article.get_field("body").column)
    project = quote(article.get_field("project").column)
    return (
        f"SELECT a.{project}, (SELECT m.{quote(membership.get_field('role').column)} "
        f"FROM {quote(membership.db_table)} m "
        f"WHERE m.{quote(membership.get_field('project').column)} = a.{project} "
        f"AND m.{quote(membership.get_field('user').column)} = %s LIMIT 1), "
        f"LENGTH(a.{body}), SUBSTR(a.{body}, %s, %s) "
        f"FROM {quote(article.db_table)} a WHERE a.{quote(article.pk.column)} = %s"
        + (" FOR SHARE OF a" if connection.vendor == "postgresql" else "")
    )


def bodies_for_spans(ids) -> dict[int, tuple[int, str]]:
    """``{id: (project id, body)}`` of the articles ``ids``, to check new spans against. On
    PostgreSQL they are read ``FOR SHARE``, in id order (``_span_create_sql`` says why)."""
    if connection.vendor != "postgresql":
        rows = Article.objects.filter(pk__in=ids).order_by().values_list("pk", "project_id", "body")
        return {pk: (project_id, body) for pk, project_id, body in rows}
    quote, article = connection.ops.quote_name, Article._meta
    pk = quote(article.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk}, {quote(article.get_field('project').column)}, "
            f"{quote(article.get_field('body').column)} FROM {quote(article.db_table)} "
            f"WHERE {pk} = ANY(%s) ORDER BY {pk} FOR SHARE",
            [list(ids)],
        )
        return {pk: (project_id, body) for pk, project_id, body in cursor.fetchall()}


@functools.cache
def _span_create_sql() -> str:
    """PostgreSQL: a span create in one statement, hence one round trip and, outside a
    transaction, no BEGIN and COMMIT of its own (a statement is atomic by itself).

    ``facts`` reads what the rules need: the article's project, the user's role there, the
    body's length and ``body[start:end]``, the label's project, kind and name. ``inserted``
    adds the span only where every rule holds, ``recorded`` its ``created`` event (the
    snapshot sent from Python, completed with what only the database knows). The statement
    answers the facts and the new id (NULL when a rule failed: the caller says which).

    The article is read ``FOR SHARE``: a manager's change of its body (allowed while no span
    refers to it, ``article_update``) holds the row, and the span then waits for it and is
    checked against the body that commits. Read without the lock, a span checked against
    the old body would be saved over the new one, its words not the body's at its offsets.
    """
    quote = connection.ops.quote_name
    span, event, article, label = Span._meta, SpanEvent._meta, Article._meta, Label._meta
    membership = Membership._meta

    def col(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    span_columns = ", ".join(
        col(span, name)
        for name in (
            "article", "project", "start", "end", "text", "label", "annotator",
            "probability", "confidence", "note", "status", "gold", "version", "created_at",
            "updated_at",
        )
    )  # fmt: skip
    event_columns = ", ".join(
        col(event, name)
        for name in ("span", "article", "project", "action", "user", "at", "before", "after")
    )
    a_project = f"a.{col(article, 'project')}"
    return f"""
        WITH facts AS (
            SELECT {a_project} AS project_id,
                (SELECT m.{col(membership, "role")} FROM {quote(membership.db_table)} m
                 WHERE m.{col(membership, "project")} = {a_project}
                 AND m.{col(membership, "user")} = %(user)s LIMIT 1) AS role,
                LENGTH(a.{col(article, "body")}) AS length,
                SUBSTR(a.{col(article, "body")}, %(from)s, %(count)s) AS piece,
                l.{col(label, "project")} AS label_project,
                l.{col(label, "kind")} AS label_kind,
                l.{col(label, "name")} AS label_name
            FROM {quote(article.db_table)} a
            LEFT JOIN {quote(label.db_table)} l ON l.{quote(label.pk.column)} = %(label)s
            WHERE a.{quote(article.pk.column)} = %(article)s
            FOR SHARE OF a
        ), inserted AS (
            INSERT INTO {quote(span.db_table)} ({span_columns})
            SELECT %(article)s, f.project_id, %(start)s, %(end)s, f.piece, %(label)s, %(user)s,
                %(probability)s, %(confidence)s, %(note)s, %(status)s, FALSE, 1, %(now)s, %(now)s
            FROM facts f
            WHERE (f.role IS NOT NULL OR %(superuser)s)
                AND f.label_project = f.project_id AND f.label_kind = %(kind)s
                AND f.length >= %(end)s AND (%(text)s::text IS NULL OR f.piece = %(text)s)
            RETURNING {quote(span.pk.column)} AS id, {col(span, "project")} AS project_id,
                {col(span, "text")} AS text
        ), recorded AS (
            INSERT INTO {quote(event.db_table)} ({event_columns})
            SELECT i.id, %(article)s, i.project_id, %(action)s, %(user)s, %(now)s, NULL,
                %(after)s::jsonb
                || jsonb_build_object('id', i.id, 'project', i.project_id, 'text', i.text)
            FROM inserted i
        )
        SELECT f.project_id, f.role, f.length, f.piece, f.label_project, f.label_kind,
            f.label_name, (SELECT i.id FROM inserted i)
        FROM facts f
    """


def span_create_one_statement(
    *, article_id: int, label_id: int, annotator, start: int, end: int, text: str | None,
    values: dict[str, Any],
) -> Span:  # fmt: skip
    """``span_create`` without actors, a status or ``gold``, on PostgreSQL (``_span_create_sql``):
    the article and the label are read in the statement, so ids suffice. Its errors are
    ``check_span_create``'s on the facts the statement read, as the ORM way's are."""
    now = timezone.now()
    span = Span(
        article_id=article_id,
        start=start,
        end=end,
        label_id=label_id,
        annotator=annotator,
        created_at=now,
        updated_at=now,
        **values,
    )
    params = {
        "article": article_id,
        "label": label_id,
        "user": annotator.pk,
        "superuser": annotator.is_superuser,
        "from": start + 1,
        "count": end - start,
        "start": start,
        "end": end,
        "text": text,
        "kind": Label.Kind.SPAN,
        "probability": span.probability,
        "confidence": span.confidence,
        "note": span.note,
        "status": span.status,
        "now": now,
        "action": SpanEvent.Action.CREATED,
    }
    # The snapshot as span_snapshot writes it; id, project and text come from the database.
    params["after"] = json.dumps(span_snapshot(span, ()))
    try:
        with _atomic_unless_autocommit(), connection.cursor() as cursor:
            cursor.execute(_span_create_sql(), params)
            row = cursor.fetchone()
    except IntegrityError as exc:
        # Its name, for the message (the general way says "duplicate" for any conflict too).
        span.label = Label.objects.filter(pk=label_id).first() or Label(pk=label_id)
        # And the words, which the statement read from the body when none were given.
        if text is None and (stored := Article.objects.only("pk").filter(pk=article_id).first()):
            text = article_slice(stored, start, end)[1]
        span.text = text or ""
        raise duplicate_span_error(span) from exc
    if row is None:
        raise Article.DoesNotExist("Article matching query does not exist.")
    project_id, role, length, piece, label_project, label_kind, label_name, span_id = row
    check_span_create(
        role=role_of(annotator, role),
        label=None
        if label_project is None
        else Label(pk=label_id, project_id=label_project, kind=label_kind, name=label_name),
        project_id=project_id,
        start=start,
        end=end,
        text=text,
        length=length,
        piece=piece,
    )
    if span_id is None:  # every rule above held, so the statement inserted: never here
        raise RuntimeError("The span create statement inserted nothing.")
    span.pk, span.project_id, span.text = span_id, project_id, piece
    span._state.adding, span._state.db = False, connection.alias
    return span


def _atomic_unless_autocommit():
    """A savepoint inside a transaction; nothing outside one, where one statement is
    atomic by itself (and BEGIN and COMMIT would be two more round trips)."""
    if connection.get_autocommit():
        return contextlib.nullcontext()
    return transaction.atomic()
