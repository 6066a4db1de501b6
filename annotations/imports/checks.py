"""Records checked into unsaved rows, every rule through the services.

A record (a line of ``jsonl``, or what another format's parser made of its article) becomes
an unsaved ``Article`` and, for each span, a ``CheckedSpan`` with its actor links; the
writers (``writer``, ``writer_copy``) only give them ids and write them. The span rules are
the services': offsets and text (``span_offsets_validate``), the graded fields
(``span_values_validate``), NUL and lone surrogates (``check_text``); the article's are
``article_validate``'s. What only an import can get wrong is checked here: unknown keys, the
same span twice in a file (or one the article already has, for ``Annotations``), relations
given as indexes into the article's spans.
"""

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations import services
from annotations.errors import describe
from annotations.models import Article, Label, Project, Span, SpanStatus

from .base import ARTICLE_KEYS, Annotations, LineError, Record
from .names import Names

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


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({name: "A whole number is required."})
    return value


@dataclass(slots=True)
class CheckedSpan:
    """A checked span, not yet written, under ``Span``'s attribute names, so that
    ``services.span_snapshot`` reads it as it reads a span (the ``COPY`` writer's history);
    ``instance`` is the unsaved ``Span`` for ``bulk_create``. Not a model instance from the
    start: one costs 20 µs, two seconds of a 100,000-span import. ``pk`` is set once the
    span has an id; ``links`` are its ``(actor id, role)`` pairs."""

    article: Article
    start: int
    end: int
    text: str
    label: Label
    annotator: Any
    probability: str | None
    confidence: str | None
    note: str
    status: str
    created_at: datetime
    updated_at: datetime
    links: list[tuple[int, str]]
    pk: int | None = None
    version: int = 1
    gold: bool = False  # an import writes annotators' spans, never the gold layer
    source_span_id: int | None = None

    @property
    def article_id(self) -> int | None:
        return self.article.pk

    @property
    def project_id(self) -> int:
        return self.article.project_id

    @property
    def label_id(self) -> int:
        return self.label.pk

    @property
    def annotator_id(self) -> int:
        return self.annotator.pk

    def instance(self) -> Span:
        return Span(
            article=self.article,
            project_id=self.project_id,
            start=self.start,
            end=self.end,
            text=self.text,
            label=self.label,
            annotator=self.annotator,
            probability=self.probability,
            confidence=self.confidence,
            note=self.note,
            status=self.status,
            version=self.version,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


@dataclass(slots=True)
class CheckedRelation:
    source: CheckedSpan
    target: CheckedSpan
    label: Label


class Values:
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


def check_span(
    item: Any,
    article: Article,
    at: datetime,
    names: Names,
    values: Values,
    seen: set,
    held: Container = (),
) -> CheckedSpan:
    """One span in ``jsonl``'s shape checked against ``article``'s body. ``seen`` holds the
    ``(start, end, label, annotator)`` keys the file gave the article so far (the span's is
    added), ``held`` those of the spans the article had before the import."""
    if not isinstance(item, dict):
        raise ValidationError("Must be an object.")
    if unknown := set(item) - SPAN_KEYS:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    start, end = item.get("start"), item.get("end")
    text = services.span_offsets_validate(
        body=article.body, start=start, end=end, text=item.get("text")
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
    if key in held:
        raise ValidationError(
            services.duplicate_span_message(
                text=text, label=label.name, start=start, end=end, by=annotator.get_username()
            )
        )
    if key in seen:
        raise ValidationError(f"{annotator.get_username()} has this “{label.name}” span twice.")
    seen.add(key)
    return CheckedSpan(
        article,
        start,
        end,
        text,
        label,
        annotator,
        graded.get("probability"),
        graded.get("confidence"),
        graded.get("note", ""),
        graded["status"],
        at,
        at,
        span_links,
    )


def _spans(article: Article, at: datetime, items: Any, names: Names, values: Values):
    """A new article's spans; the first bad one raises, named by its index."""
    if not isinstance(items, list):
        raise ValidationError({"spans": "Must be a list."})
    spans: list[CheckedSpan] = []
    seen: set[tuple] = set()
    for index, item in enumerate(items):
        try:
            spans.append(check_span(item, article, at, names, values, seen))
        except ValidationError as exc:
            raise ValidationError(describe(exc, prefix=f"spans[{index}].")) from exc
    return spans


def check_relation(item: Any, spans: list, names: Names, seen: set) -> CheckedRelation:
    """One relation, ``from`` and ``to`` indexes into ``spans``; ``seen`` as for
    ``check_span``."""
    if not isinstance(item, dict):
        raise ValidationError("Must be an object.")
    ends = []
    for name in ("from", "to"):
        position = _int(item.get(name), name)
        if not 0 <= position < len(spans):
            raise ValidationError({name: f"No span {position} in this article's spans."})
        ends.append(spans[position])
    source, target = ends
    services.check_relation_ends(source, target)
    try:
        label = names.label(item.get("label"), Label.Kind.RELATION)
    except ValidationError as exc:
        raise ValidationError({"label": exc.messages}) from exc
    key = (id(source), id(target), label.pk)
    if key in seen:
        raise ValidationError("The same relation twice.")
    seen.add(key)
    return CheckedRelation(source, target, label)


def _relations(items: Any, spans: list[CheckedSpan], names: Names) -> list[CheckedRelation]:
    """A new article's relations; the first bad one raises, named by its index."""
    if not isinstance(items, list):
        raise ValidationError({"relations": "Must be a list."})
    relations: list[CheckedRelation] = []
    seen: set[tuple] = set()
    for index, item in enumerate(items):
        try:
            relations.append(check_relation(item, spans, names, seen))
        except ValidationError as exc:
            raise ValidationError(describe(exc, prefix=f"relations[{index}].")) from exc
    return relations


@dataclass(slots=True)
class Prepared:
    """An article's checked rows; ``existing`` when the article is the project's already
    (``Annotations``), so only its spans and relations are written, stamped ``at``."""

    line: int
    article: Article
    spans: list[CheckedSpan]
    relations: list[CheckedRelation]
    at: datetime
    existing: bool = False


def _prepare(
    line: int, record: Any, project: Project, user, names: Names, values: Values
) -> Prepared:
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
    spans = _spans(article, now, record.get("spans") or [], names, values)
    relations = _relations(record.get("relations") or [], spans, names)
    return Prepared(line, article, spans, relations, now)


ARTICLE_URN = re.compile(r"urn:assay:article:([0-9]{1,18})")  # ASCII digits, within bigint


class Articles:
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
    item: Annotations, articles: Articles, names: Names, values: Values
) -> tuple[Prepared | None, list[dict[str, Any]]]:
    """``Annotations`` checked into rows for an article the project holds, and the errors,
    each on the line of its own span or relation (every bad one, not only the first). A span
    the article already has for the same annotator is an error: see ``webanno``."""
    try:
        article = articles.get(item.source)
    except ValidationError as exc:
        return None, [{"line": line, "error": describe(exc)} for line, _ in item.spans]
    held, seen = articles.spans_of(article)
    now = timezone.now()
    errors: list[dict[str, Any]] = []
    spans: list[CheckedSpan | None] = []
    for line, span in item.spans:
        try:
            spans.append(check_span(span, article, now, names, values, seen, held))
        except ValidationError as exc:
            spans.append(None)
            errors.append({"line": line, "error": describe(exc)})
    relations: list[CheckedRelation] = []
    linked: set[tuple] = set()
    for line, relation in item.relations:
        if any(spans[relation[end]] is None for end in ("from", "to")):
            continue  # its span's own error is listed
        try:
            relations.append(check_relation(relation, spans, names, linked))
        except ValidationError as exc:
            errors.append({"line": line, "error": describe(exc)})
    if errors:
        return None, errors
    return Prepared(item.line, article, spans, relations, now, existing=True), []


def check(
    item: Record | Annotations | LineError,
    project: Project,
    user,
    names: Names,
    values: Values,
    articles: Articles,
) -> tuple[Prepared | None, list[dict[str, Any]]]:
    """What a parser yielded, checked: its rows, or ``None`` and its errors."""
    if isinstance(item, LineError):
        return None, [{"line": item.line, "error": item.error}]
    if isinstance(item, Annotations):
        return _prepare_annotations(item, articles, names, values)
    try:
        return _prepare(item.line, item.data, project, user, names, values), []
    except ValidationError as exc:
        return None, [{"line": item.line, "error": describe(exc)}]
