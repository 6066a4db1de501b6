"""Records into rows: articles, spans with their actors, relations, and the history events.

All or nothing: every record is checked in Python first (labels, actors and annotators are
looked up by name once each), then written in batches of ``BATCH`` articles with a handful
of bulk writes, so that 10,000 articles cost a few hundred queries, not a hundred thousand.
On PostgreSQL the bulk writes are ``COPY`` with ids reserved from the tables' sequences
(a hundred thousand spans in seconds, where ``bulk_create``'s arrays take a minute);
elsewhere they are ``bulk_create``. Spans are checked into plain rows rather than model
instances, and their history snapshot is built from those rows in ``span_snapshot``'s shape.
Once a record fails nothing more is written, the rest is still checked so that the answer
lists every bad line with its reason, and the whole import is rolled back. An article whose
body the project already holds (or that came earlier in the same file) is skipped and
counted, with its spans.
"""

import json
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from annotations import services
from annotations.models import (
    Actor,
    ActorRole,
    Article,
    Label,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
    SpanEvent,
    SpanStatus,
)
from annotations.selectors import user_role

from .base import ARTICLE_KEYS, LineError, Record

ROLES = frozenset(ActorRole.values)
RECORD_KEYS = frozenset({"body", *ARTICLE_KEYS, "spans", "relations"})
SPAN_KEYS = frozenset(
    {
        "start",
        "end",
        "text",
        "label",
        "actors",
        "probability",
        "confidence",
        "note",
        "status",
        "annotator",
    }
)


@dataclass
class ImportResult:
    created: int = 0
    skipped_duplicates: int = 0
    spans: int = 0
    relations: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The API's answer: ``{"created", "skipped_duplicates", "errors"}``."""
        return {
            "created": self.created,
            "skipped_duplicates": self.skipped_duplicates,
            "errors": self.errors,
        }


def describe(exc: ValidationError, prefix: str = "") -> str:
    """One line out of a ``ValidationError``: ``field: message; field: message``."""
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            label = f"{prefix}{name}" if name != "__all__" else prefix.rstrip(".")
            text = " ".join(errors)
            parts.append(f"{label}: {text}" if label else text)
        return "; ".join(parts)
    text = " ".join(exc.messages)
    return f"{prefix.rstrip('.')}: {text}" if prefix else text


class _Names:
    """Labels, actors and annotators named in the file, looked up once each and cached."""

    def __init__(self, project: Project, user, *, create_labels: bool, create_actors: bool):
        self.project = project
        self.user = user
        self.create_labels = create_labels
        self.create_actors = create_actors
        self.users: dict[str, Any] = {}
        self.labels = {label.name.casefold(): label for label in project.labels.all()}
        self.actors: dict[tuple[str, str], Actor] = {}

    def label(self, name: Any, kind: str) -> Label:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("A label is given by its name.")
        label = self.labels.get(name.casefold())
        if label is None and "_" in name:
            # brat and CoNLL types cannot hold spaces: "Threat_rhetoric" is "Threat rhetoric".
            label = self.labels.get(name.replace("_", " ").casefold())
        if label is None:
            if not self.create_labels:
                raise ValidationError(f"The project has no label “{name}”.")
            label = services.label_create(project=self.project, name=name, kind=kind)
            self.labels[name.casefold()] = label
        if label.kind != kind:
            raise ValidationError(f"“{label.name}” is a {label.kind} label, not a {kind} label.")
        return label

    def actor(self, item: Any) -> tuple[int, str]:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValidationError("An actor is {name, kind, wikidata_id, role}.")
        role = item.get("role") or ActorRole.MENTIONED
        if role not in ROLES:
            raise ValidationError(f"“{role}” is not a role: {', '.join(ActorRole.values)}.")
        name, wikidata_id = item["name"], item.get("wikidata_id") or ""
        key = (wikidata_id, name if not wikidata_id else "")
        actor = self.actors.get(key)
        if actor is None:
            found = Actor.objects.filter(wikidata_id=wikidata_id).first() if wikidata_id else None
            found = (
                found or Actor.objects.filter(name=" ".join(name.split())).order_by("pk").first()
            )
            if found is None:
                if not self.create_actors:
                    raise ValidationError(f"No actor named “{name}”.")
                found = services.actor_create(
                    name=name, kind=item.get("kind") or Actor.Kind.OTHER, wikidata_id=wikidata_id
                )
            actor = self.actors[key] = found
        return actor.pk, role

    def annotator(self, username: Any):
        if username in (None, ""):
            return self.user
        if not isinstance(username, str):
            raise ValidationError("An annotator is given by a username.")
        if username not in self.users:
            User = get_user_model()
            member = User.objects.filter(
                username=username, memberships__project=self.project
            ).first()
            self.users[username] = member
        if self.users[username] is None:
            raise ValidationError(f"“{username}” is not a member of the project.")
        return self.users[username]


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({name: "A whole number is required."})
    return value


@dataclass(slots=True)
class _SpanRow:
    """A checked span, not yet written; ``pk`` is set once it has an id."""

    start: int
    end: int
    text: str
    label: Label
    annotator: Any
    probability: str | None
    confidence: str | None
    note: str
    status: str
    links: list[tuple[int, str]]
    pk: int | None = None


@dataclass(slots=True)
class _RelationRow:
    source: _SpanRow
    target: _SpanRow
    label: Label


class _Values:
    """``services.span_values_validate`` remembered by its input: a file repeats the same few
    grades thousands of times, and the check is a pure function of them."""

    def __init__(self):
        self.cache: dict[tuple, dict[str, Any]] = {}

    def __call__(self, item: dict) -> dict[str, Any]:
        raw = {key: item[key] for key in ("probability", "confidence", "note") if key in item}
        raw["status"] = item.get("status") or SpanStatus.PENDING
        try:
            key = tuple(raw.items())
            hash(key)
        except TypeError:
            return services.span_values_validate(raw)
        if any(type(value) not in (str, type(None)) for value in raw.values()):
            return services.span_values_validate(raw)  # 1 == True == 1.0 as keys
        cached = self.cache.get(key)
        if cached is None:
            cached = services.span_values_validate(raw)
            if len(self.cache) < 10_000:
                self.cache[key] = cached
        return cached


def _spans(body: str, items: Any, names: _Names, values: _Values) -> list[_SpanRow]:
    if not isinstance(items, list):
        raise ValidationError({"spans": "Must be a list."})
    spans, seen = [], set()
    for index, item in enumerate(items):
        where = f"spans[{index}]."
        try:
            if not isinstance(item, dict):
                raise ValidationError("Must be an object.")
            if unknown := set(item) - SPAN_KEYS:
                raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
            start, end = item.get("start"), item.get("end")
            text = services.span_offsets_validate(
                body=body, start=start, end=end, text=item.get("text")
            )
            try:
                label = names.label(item.get("label"), Label.Kind.SPAN)
            except ValidationError as exc:
                raise ValidationError({"label": exc.messages}) from exc
            try:
                annotator = names.annotator(item.get("annotator"))
            except ValidationError as exc:
                raise ValidationError({"annotator": exc.messages}) from exc
            graded = values(item)
            actors = item.get("actors") or []
            if not isinstance(actors, list):
                raise ValidationError({"actors": "Must be a list."})
            span_links = []
            for actor_index, actor in enumerate(actors):
                try:
                    link = names.actor(actor)
                except ValidationError as exc:
                    raise ValidationError({f"actors[{actor_index}]": exc.messages}) from exc
                if link not in span_links:
                    span_links.append(link)
            key = (start, end, label.pk, annotator.pk)
            if key in seen:
                raise ValidationError(
                    f"{annotator.get_username()} has this “{label.name}” span twice."
                )
            seen.add(key)
        except ValidationError as exc:
            raise ValidationError(describe(exc, where)) from exc
        spans.append(
            _SpanRow(
                start,
                end,
                text,
                label,
                annotator,
                graded.get("probability"),
                graded.get("confidence"),
                graded.get("note", ""),
                graded["status"],
                span_links,
            )
        )
    return spans


def _relations(items: Any, spans: list[_SpanRow], names: _Names) -> list[_RelationRow]:
    if not isinstance(items, list):
        raise ValidationError({"relations": "Must be a list."})
    relations, seen = [], set()
    for index, item in enumerate(items):
        where = f"relations[{index}]."
        try:
            if not isinstance(item, dict):
                raise ValidationError("Must be an object.")
            ends = []
            for name in ("from", "to"):
                position = _int(item.get(name), name)
                if not 0 <= position < len(spans):
                    raise ValidationError({name: f"No span {position} in this article's spans."})
                ends.append(spans[position])
            source, target = ends
            if source is target:
                raise ValidationError("A span cannot relate to itself.")
            try:
                label = names.label(item.get("label"), Label.Kind.RELATION)
            except ValidationError as exc:
                raise ValidationError({"label": exc.messages}) from exc
            key = (id(source), id(target), label.pk)
            if key in seen:
                raise ValidationError("The same relation twice.")
            seen.add(key)
        except ValidationError as exc:
            raise ValidationError(describe(exc, where)) from exc
        relations.append(_RelationRow(source, target, label))
    return relations


@dataclass(slots=True)
class _Prepared:
    line: int
    article: Article
    spans: list[_SpanRow]
    relations: list[_RelationRow]


def _prepare(
    line: int, record: Any, project: Project, user, names: _Names, values: _Values
) -> _Prepared:
    """A record checked and turned into unsaved rows; ``ValidationError`` names what is wrong."""
    if not isinstance(record, dict):
        raise ValidationError("A record is a JSON object.")
    if unknown := set(record) - RECORD_KEYS:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    if "body" not in record:
        raise ValidationError({"body": "Required."})
    fields = services.article_validate(
        project=project,
        body=record["body"],
        check_duplicate=False,
        **{key: record[key] for key in ARTICLE_KEYS if key in record},
    )
    now = timezone.now()
    article = Article(
        project=project,
        created_by=user,
        created_at=now,
        updated_at=now,
        **fields,
    )
    spans = _spans(article.body, record.get("spans") or [], names, values)
    relations = _relations(record.get("relations") or [], spans, names)
    return _Prepared(line, article, spans, relations)


def _snapshot(span: _SpanRow, article_id: int, project_id: int, at: datetime) -> dict:
    """``services.span_snapshot`` of the span as written, without a model instance."""
    stamp = at.isoformat()
    return {
        "id": span.pk,
        "article": article_id,
        "project": project_id,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "label": span.label.pk,
        "actors": [{"actor": actor_id, "role": role} for actor_id, role in span.links],
        "probability": span.probability,
        "confidence": span.confidence,
        "note": span.note,
        "status": span.status,
        "annotator": span.annotator.get_username(),
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _flush(batch: list[_Prepared], project: Project, user, result: ImportResult) -> None:
    """Write a batch in one bulk write per table; skip what the project already holds."""
    shas = [prepared.article.sha256 for prepared in batch]
    held = set(
        Article.objects.filter(project=project, sha256__in=shas).values_list("sha256", flat=True)
    )
    batch = [prepared for prepared in batch if prepared.article.sha256 not in held]
    result.skipped_duplicates += len(shas) - len(batch)
    if not batch:
        return
    if connection.vendor == "postgresql":
        _write_copy(batch, project, user)
    else:
        _write_orm(batch, project, user)
    result.created += len(batch)
    result.spans += sum(len(prepared.spans) for prepared in batch)
    result.relations += sum(len(prepared.relations) for prepared in batch)


def _write_orm(batch: list[_Prepared], project: Project, user) -> None:
    Article.objects.bulk_create([prepared.article for prepared in batch])
    rows = [(prepared.article, span) for prepared in batch for span in prepared.spans]
    created = Span.objects.bulk_create(
        Span(
            article=article,
            project_id=project.pk,
            start=span.start,
            end=span.end,
            text=span.text,
            label=span.label,
            annotator=span.annotator,
            probability=span.probability,
            confidence=span.confidence,
            note=span.note,
            status=span.status,
            created_at=article.created_at,
            updated_at=article.created_at,
        )
        for article, span in rows
    )
    for (_, span), instance in zip(rows, created, strict=True):
        span.pk = instance.pk
    SpanActor.objects.bulk_create(
        SpanActor(span_id=span.pk, actor_id=actor_id, role=role)
        for _, span in rows
        for actor_id, role in span.links
    )
    SpanEvent.objects.bulk_create(
        SpanEvent(
            span_id=span.pk,
            article_id=article.pk,
            project_id=project.pk,
            action=SpanEvent.Action.CREATED,
            user=user,
            at=article.created_at,
            before=None,
            after=_snapshot(span, article.pk, project.pk, article.created_at),
        )
        for article, span in rows
    )
    Relation.objects.bulk_create(
        Relation(
            article=prepared.article,
            from_span_id=relation.source.pk,
            to_span_id=relation.target.pk,
            label=relation.label,
            annotator=relation.source.annotator,
            created_at=prepared.article.created_at,
        )
        for prepared in batch
        for relation in prepared.relations
    )


def _reserve_ids(cursor, model, count: int) -> list[int]:
    """``count`` ids from the table's own sequence, so that rows can be copied with them."""
    if not count:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


_ARTICLE_COLUMNS = (
    "id",
    "project_id",
    "title",
    "body",
    "source",
    "url",
    "published_on",
    "author",
    "language",
    "external_id",
    "metadata",
    "sha256",
    "created_by_id",
    "created_at",
    "updated_at",
)


def _write_copy(batch: list[_Prepared], project: Project, user) -> None:
    """``_write_orm`` as PostgreSQL ``COPY``: one round trip a table, no arrays to escape."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with connection.cursor() as cursor:
        article_ids = _reserve_ids(cursor, Article, len(batch))
        span_ids = iter(_reserve_ids(cursor, Span, sum(len(p.spans) for p in batch)))
        for prepared, pk in zip(batch, article_ids, strict=True):
            prepared.article.pk = pk
            prepared.article._state.adding = False
            for span in prepared.spans:
                span.pk = next(span_ids)
        _copy(
            cursor,
            Article,
            _ARTICLE_COLUMNS,
            (
                tuple(
                    dumps(getattr(prepared.article, column))
                    if column == "metadata"
                    else getattr(prepared.article, column)
                    for column in _ARTICLE_COLUMNS
                )
                for prepared in batch
            ),
        )
        _copy(
            cursor,
            Span,
            (
                "id",
                "article_id",
                "project_id",
                "start",
                "end",
                "text",
                "label_id",
                "annotator_id",
                "probability",
                "confidence",
                "note",
                "status",
                "version",
                "created_at",
                "updated_at",
            ),
            (
                (
                    span.pk,
                    prepared.article.pk,
                    project.pk,
                    span.start,
                    span.end,
                    span.text,
                    span.label.pk,
                    span.annotator.pk,
                    span.probability,
                    span.confidence,
                    span.note,
                    span.status,
                    1,
                    prepared.article.created_at,
                    prepared.article.created_at,
                )
                for prepared in batch
                for span in prepared.spans
            ),
        )
        _copy(
            cursor,
            SpanActor,
            ("span_id", "actor_id", "role"),
            (
                (span.pk, actor_id, role)
                for prepared in batch
                for span in prepared.spans
                for actor_id, role in span.links
            ),
        )
        _copy(
            cursor,
            SpanEvent,
            ("span_id", "article_id", "project_id", "action", "user_id", "at", "after"),
            (
                (
                    span.pk,
                    prepared.article.pk,
                    project.pk,
                    SpanEvent.Action.CREATED.value,
                    user.pk,
                    prepared.article.created_at,
                    dumps(_snapshot(span, prepared.article.pk, project.pk, stamp)),
                )
                for prepared in batch
                if (stamp := prepared.article.created_at)
                for span in prepared.spans
            ),
        )
        _copy(
            cursor,
            Relation,
            ("article_id", "from_span_id", "to_span_id", "label_id", "annotator_id", "created_at"),
            (
                (
                    prepared.article.pk,
                    relation.source.pk,
                    relation.target.pk,
                    relation.label.pk,
                    relation.source.annotator.pk,
                    prepared.article.created_at,
                )
                for prepared in batch
                for relation in prepared.relations
            ),
        )


BATCH = 500


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
    records: Iterable[Record | LineError],
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
    if user_role(project=project, user=user) != Role.MANAGER:
        raise PermissionDenied("Only a manager of the project imports articles.")
    names = _Names(project, user, create_labels=create_labels, create_actors=create_actors)
    values = _Values()
    result = ImportResult()
    batch: list[_Prepared] = []
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
        if isinstance(item, LineError):
            result.errors.append({"line": item.line, "error": item.error})
        else:
            try:
                prepared = _prepare(item.line, item.data, project, user, names, values)
            except ValidationError as exc:
                result.errors.append({"line": item.line, "error": describe(exc)})
            else:
                if prepared.article.sha256 in seen:
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
        return ImportResult(errors=result.errors)
    return result
