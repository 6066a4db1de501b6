"""Records into rows: articles, spans with their actors, relations, and the history events.

All or nothing: every record is checked in Python first (labels, actors and annotators are
looked up by name once each), then written in batches of ``BATCH`` articles with a handful
of bulk inserts, so that 10,000 articles cost a few hundred queries, not a hundred thousand.
Once a record fails nothing more is written, the rest is still checked so that the answer
lists every bad line with its reason, and the whole import is rolled back. An article whose
body the project already holds (or that came earlier in the same file) is skipped and
counted, with its spans.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
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
        if role not in ActorRole.values:
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


def _spans(
    article: Article, items: Any, names: _Names, now
) -> tuple[list[Span], list[list[tuple[int, str]]]]:
    if not isinstance(items, list):
        raise ValidationError({"spans": "Must be a list."})
    body, spans, links, seen = article.body, [], [], set()
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
            values = services.span_values_validate(
                {key: item[key] for key in ("probability", "confidence", "note") if key in item}
                | {"status": item.get("status") or SpanStatus.PENDING}
            )
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
            Span(
                article=article,
                project_id=article.project_id,
                start=start,
                end=end,
                text=text,
                label=label,
                annotator=annotator,
                created_at=now,
                updated_at=now,
                **values,
            )
        )
        links.append(span_links)
    return spans, links


def _relations(article: Article, items: Any, spans: list[Span], names: _Names) -> list[Relation]:
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
        relations.append(
            Relation(
                article=article,
                from_span=source,
                to_span=target,
                label=label,
                annotator=source.annotator,
            )
        )
    return relations


@dataclass(slots=True)
class _Prepared:
    line: int
    article: Article
    spans: list[Span]
    links: list[list[tuple[int, str]]]
    relations: list[Relation]


def _prepare(line: int, record: Any, project: Project, user, names: _Names) -> _Prepared:
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
    spans, links = _spans(article, record.get("spans") or [], names, now)
    relations = _relations(article, record.get("relations") or [], spans, names)
    return _Prepared(line, article, spans, links, relations)


def _flush(batch: list[_Prepared], project: Project, user, result: ImportResult) -> None:
    """Write a batch with one bulk insert per table; skip what the project already holds."""
    shas = [prepared.article.sha256 for prepared in batch]
    held = set(
        Article.objects.filter(project=project, sha256__in=shas).values_list("sha256", flat=True)
    )
    batch = [prepared for prepared in batch if prepared.article.sha256 not in held]
    result.skipped_duplicates += len(shas) - len(batch)
    Article.objects.bulk_create([prepared.article for prepared in batch])
    spans = [span for prepared in batch for span in prepared.spans]
    Span.objects.bulk_create(spans)
    pairs = [
        (span, span_links)
        for prepared in batch
        for span, span_links in zip(prepared.spans, prepared.links, strict=True)
    ]
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role)
        for span, span_links in pairs
        for actor_id, role in span_links
    )
    SpanEvent.objects.bulk_create(
        SpanEvent(
            span_id=span.pk,
            article_id=span.article.pk,
            project_id=project.pk,
            action=SpanEvent.Action.CREATED,
            user=user,
            at=span.created_at,
            before=None,
            after=services.span_snapshot(span, span_links),
        )
        for span, span_links in pairs
    )
    relations = [relation for prepared in batch for relation in prepared.relations]
    Relation.objects.bulk_create(relations)
    result.created += len(batch)
    result.spans += len(spans)
    result.relations += len(relations)


BATCH = 500


@transaction.atomic
def write_records(
    *,
    project: Project,
    user,
    records: Iterable[Record | LineError],
    create_labels: bool = True,
    create_actors: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write every record, or none: see the module's docstring."""
    if user_role(project=project, user=user) != Role.MANAGER:
        raise PermissionDenied("Only a manager of the project imports articles.")
    names = _Names(project, user, create_labels=create_labels, create_actors=create_actors)
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
                prepared = _prepare(item.line, item.data, project, user, names)
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
        if progress is not None:
            progress(done)
    if batch and not result.errors:
        flush()
    if result.errors:
        transaction.set_rollback(True)
        return ImportResult(errors=result.errors)
    return result
