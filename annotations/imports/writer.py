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

``Annotations`` records (from a format without text: ``webanno``) add spans and relations to
articles the project already holds, through the same checks and bulk writes: each bad span
or relation is listed on its own line, and a span the article already has for the same
annotator (start, end, label) is an error, never a second copy.
"""

import json
import re
from collections.abc import Container, Generator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from annotations import services
from annotations.exports.base import tag_name
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
from annotations.permissions import can_manage, user_role

from .base import ARTICLE_KEYS, Annotations, LineError, Record

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
        self.members_added: list[str] = []
        self.labels: dict[str, Label] = {}
        self.tags: dict[str, Label] = {}
        for label in project.labels.all():
            self._remember(label)
        self.actors: dict[tuple[str, str], Actor] = {}

    def label(self, name: Any, kind: str) -> Label:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("A label is given by its name.")
        label = self.labels.get(name.casefold())
        if label is None and "_" in name:
            # brat types and CoNLL tags cannot hold whitespace: the exporters write a label's
            # name as ``tag_name`` gives it, so "Threat_rhetoric" is "Threat rhetoric".
            label = self.tags.get(name.casefold())
        if label is None:
            if not self.create_labels:
                raise ValidationError(f"The project has no label “{name}”.")
            label = services.label_create(
                project=self.project, user=self.user, name=name, kind=kind
            )
            self._remember(label)
        if label.kind != kind:
            raise ValidationError(f"“{label.name}” is a {label.kind} label, not a {kind} label.")
        return label

    def _remember(self, label: Label) -> None:
        self.labels[label.name.casefold()] = label
        self.tags.setdefault(tag_name(label.name).casefold(), label)

    def actor(self, item: Any) -> tuple[int, str]:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValidationError("An actor is {name, kind, wikidata_id, role}.")
        role = item.get("role") or ActorRole.MENTIONED
        if not isinstance(role, str) or role not in ROLES:
            raise ValidationError(f"“{role}” is not a role: {', '.join(ActorRole.values)}.")
        name, wikidata_id = item["name"], item.get("wikidata_id") or ""
        if not isinstance(wikidata_id, str):
            raise ValidationError("A Wikidata id is text, such as Q7747.")
        # Before any lookup: a NUL or a lone surrogate cannot reach the database.
        services.check_text(name, "name")
        services.check_text(wikidata_id, "wikidata_id")
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
            self.users[username] = self._member(username)
        if self.users[username] is None:
            raise ValidationError(f"No user “{username}”.")
        return self.users[username]

    def _member(self, username: str):
        """The user named ``username``, made an annotator of the project if they are not a
        member yet (the jsonl round trip into an empty project keeps its annotators); ``None``
        when no such user exists."""
        services.check_text(username, "annotator")
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and user_role(project=self.project, user=user) is None:
            services.membership_set(
                project=self.project, user=self.user, member=user, role=Role.ANNOTATOR
            )
            self.members_added.append(username)
        return user


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


def _span(
    item: Any, body: str, names: _Names, values: _Values, seen: set, held: Container = ()
) -> _SpanRow:
    """One span in ``jsonl``'s shape checked against ``body``. ``seen`` holds the
    ``(start, end, label, annotator)`` keys the file gave the article so far (the span's is
    added), ``held`` those of the spans the article had before the import."""
    if not isinstance(item, dict):
        raise ValidationError("Must be an object.")
    if unknown := set(item) - SPAN_KEYS:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    start, end = item.get("start"), item.get("end")
    text = services.span_offsets_validate(body=body, start=start, end=end, text=item.get("text"))
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
    if key in held:
        raise ValidationError(
            f"{annotator.get_username()} already has this “{label.name}” span in the article."
        )
    if key in seen:
        raise ValidationError(f"{annotator.get_username()} has this “{label.name}” span twice.")
    seen.add(key)
    return _SpanRow(
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


def _spans(body: str, items: Any, names: _Names, values: _Values) -> list[_SpanRow]:
    """A new article's spans; the first bad one raises, named by its index."""
    if not isinstance(items, list):
        raise ValidationError({"spans": "Must be a list."})
    spans: list[_SpanRow] = []
    seen: set[tuple] = set()
    for index, item in enumerate(items):
        try:
            spans.append(_span(item, body, names, values, seen))
        except ValidationError as exc:
            raise ValidationError(describe(exc, f"spans[{index}].")) from exc
    return spans


def _relation(item: Any, spans: list, names: _Names, seen: set) -> _RelationRow:
    """One relation, ``from`` and ``to`` indexes into ``spans``; ``seen`` as for ``_span``."""
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
    return _RelationRow(source, target, label)


def _relations(items: Any, spans: list[_SpanRow], names: _Names) -> list[_RelationRow]:
    """A new article's relations; the first bad one raises, named by its index."""
    if not isinstance(items, list):
        raise ValidationError({"relations": "Must be a list."})
    relations: list[_RelationRow] = []
    seen: set[tuple] = set()
    for index, item in enumerate(items):
        try:
            relations.append(_relation(item, spans, names, seen))
        except ValidationError as exc:
            raise ValidationError(describe(exc, f"relations[{index}].")) from exc
    return relations


@dataclass(slots=True)
class _Prepared:
    """An article's checked rows; ``existing`` when the article is the project's already
    (``Annotations``), so only its spans and relations are written, stamped ``at``."""

    line: int
    article: Article
    spans: list[_SpanRow]
    relations: list[_RelationRow]
    at: datetime
    existing: bool = False


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
    return _Prepared(line, article, spans, relations, now)


ARTICLE_URN = re.compile(r"urn:assay:article:([0-9]{1,18})")  # ASCII digits, within bigint


class _Articles:
    """The project's articles as ``Annotations.source`` names them, looked up once each."""

    def __init__(self, project: Project):
        self.project = project
        self.found: dict[str, Article | ValidationError] = {}
        self.held: dict[int, set[tuple]] = {}
        self.seen: dict[int, set[tuple]] = {}

    def get(self, source: str) -> Article:
        if source not in self.found:
            try:
                self.found[source] = self._find(source)
            except ValidationError as exc:
                self.found[source] = exc
        found = self.found[source]
        if isinstance(found, ValidationError):
            raise found
        return found

    def _find(self, source: str) -> Article:
        services.check_text(source, "source")  # a NUL or a lone surrogate reaches no query
        articles = Article.objects.filter(project=self.project)
        if match := ARTICLE_URN.fullmatch(source):
            article = articles.filter(pk=int(match[1])).first()
            if article is None:
                raise ValidationError(f"This project has no article {match[1]} ({source}).")
            return article
        found = list(articles.filter(url=source).order_by("pk")[:2])
        if not found:
            raise ValidationError(f"No article of this project has the url “{source}”.")
        if len(found) > 1:
            raise ValidationError(
                f"Several articles of this project have the url “{source}”; name one as "
                f"urn:assay:article:<id>."
            )
        return found[0]

    def spans_of(self, article: Article) -> tuple[set[tuple], set[tuple]]:
        """The ``(start, end, label, annotator)`` keys of the spans the article held before
        the import, and of those the file gives it, shared by all the groups that name it
        (by url or by urn), so that no span is there twice."""
        if article.pk not in self.held:
            self.held[article.pk] = set(
                Span.objects.filter(article=article).values_list(
                    "start", "end", "label_id", "annotator_id"
                )
            )
            self.seen[article.pk] = set()
        return self.held[article.pk], self.seen[article.pk]


def _prepare_annotations(
    item: Annotations, articles: _Articles, names: _Names, values: _Values
) -> tuple[_Prepared | None, list[dict[str, Any]]]:
    """``Annotations`` checked into rows for an article the project holds, and the errors,
    each on the line of its own span or relation (every bad one, not only the first). A span
    the article already has for the same annotator is an error: see ``webanno``."""
    try:
        article = articles.get(item.source)
    except ValidationError as exc:
        return None, [{"line": line, "error": describe(exc)} for line, _ in item.spans]
    held, seen = articles.spans_of(article)
    errors: list[dict[str, Any]] = []
    spans: list[_SpanRow | None] = []
    for line, span in item.spans:
        try:
            spans.append(_span(span, article.body, names, values, seen, held))
        except ValidationError as exc:
            spans.append(None)
            errors.append({"line": line, "error": describe(exc)})
    relations: list[_RelationRow] = []
    linked: set[tuple] = set()
    for line, relation in item.relations:
        if any(spans[relation[end]] is None for end in ("from", "to")):
            continue  # its span's own error is listed
        try:
            relations.append(_relation(relation, spans, names, linked))
        except ValidationError as exc:
            errors.append({"line": line, "error": describe(exc)})
    if errors:
        return None, errors
    return _Prepared(item.line, article, spans, relations, timezone.now(), existing=True), []


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
    if connection.vendor == "postgresql":
        _write_copy(batch, project, user)
    else:
        _write_orm(batch, project, user)
    result.created += created
    result.spans += sum(len(prepared.spans) for prepared in batch)
    result.relations += sum(len(prepared.relations) for prepared in batch)


def _write_orm(batch: list[_Prepared], project: Project, user) -> None:
    Article.objects.bulk_create([prepared.article for prepared in batch if not prepared.existing])
    rows = [(prepared, span) for prepared in batch for span in prepared.spans]
    created = Span.objects.bulk_create(
        Span(
            article=prepared.article,
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
            created_at=prepared.at,
            updated_at=prepared.at,
        )
        for prepared, span in rows
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
            article_id=prepared.article.pk,
            project_id=project.pk,
            action=SpanEvent.Action.CREATED,
            user=user,
            at=prepared.at,
            before=None,
            after=_snapshot(span, prepared.article.pk, project.pk, prepared.at),
        )
        for prepared, span in rows
    )
    Relation.objects.bulk_create(
        Relation(
            article=prepared.article,
            from_span_id=relation.source.pk,
            to_span_id=relation.target.pk,
            label=relation.label,
            annotator=relation.source.annotator,
            created_at=prepared.at,
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
        new = [prepared for prepared in batch if not prepared.existing]
        for prepared, pk in zip(new, _reserve_ids(cursor, Article, len(new)), strict=True):
            prepared.article.pk = pk
            prepared.article._state.adding = False
        span_ids = iter(_reserve_ids(cursor, Span, sum(len(p.spans) for p in batch)))
        for prepared in batch:
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
                for prepared in new
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
                    prepared.at,
                    prepared.at,
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
                    prepared.at,
                    dumps(_snapshot(span, prepared.article.pk, project.pk, prepared.at)),
                )
                for prepared in batch
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
                    prepared.at,
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
    names = _Names(project, user, create_labels=create_labels, create_actors=create_actors)
    values = _Values()
    articles = _Articles(project)
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
        prepared, errors = _check(item, project, user, names, values, articles)
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
    return result


def _check(
    item: Record | Annotations | LineError,
    project: Project,
    user,
    names: _Names,
    values: _Values,
    articles: _Articles,
) -> tuple[_Prepared | None, list[dict[str, Any]]]:
    """What a parser yielded, checked: its rows, or ``None`` and its errors."""
    if isinstance(item, LineError):
        return None, [{"line": item.line, "error": item.error}]
    if isinstance(item, Annotations):
        return _prepare_annotations(item, articles, names, values)
    try:
        return _prepare(item.line, item.data, project, user, names, values), []
    except ValidationError as exc:
        return None, [{"line": item.line, "error": describe(exc)}]
