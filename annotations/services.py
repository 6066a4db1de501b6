"""Every write in Assay goes through a function here.

The pages, the API, the admin, the importers and the management commands call these functions,
so each rule of the SPEC exists once: offsets are code points inside the body, ``text`` equals
``body[start:end]``, line endings become ``\\n``, NUL characters and lone surrogates are refused,
a body is frozen once spans refer to it, a change carries the ``version`` it was based on, and
each span change is recorded in the history in the same transaction.

Errors: ``django.core.exceptions.ValidationError`` (bad input, 400), ``PermissionDenied``
(the role does not allow it, 403) and ``annotations.errors.Conflict`` (409).
"""

import contextlib
import functools
import hashlib
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.text import slugify

from .errors import Conflict
from .models import (
    MAX_OFFSET,
    Actor,
    ActorRole,
    Article,
    ArticleProgress,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
    SpanEvent,
    SpanStatus,
)
from .permissions import MANAGER_ROLES, MEMBER_ROLES, REVIEW_ROLES, require_role, user_role

User = get_user_model()

_FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")
RESERVED_HOTKEYS = frozenset("? ")


class DuplicateArticle(ValidationError):
    """The project already holds an article with this body."""

    def __init__(self, existing: Article):
        super().__init__(
            {
                "body": f"The project already has this text: article {existing.pk} "
                f"“{existing.title}”."
            }
        )
        self.existing = existing


# --- validation helpers -------------------------------------------------------------------


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets mean the same on every platform."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_text(value: str | None, field: str) -> None:
    """Refuse NUL characters and lone surrogates, naming the field and the position."""
    if not isinstance(value, str):
        return
    match = _FORBIDDEN_CHARACTERS.search(value)
    if match:
        what = "a NUL character" if match.group() == "\x00" else "a lone surrogate"
        raise ValidationError({field: f"Contains {what} at position {match.start()}."})


MAX_JSON_DEPTH = 32  # nesting of a JSON value kept (metadata): the encoder recurses


def check_json(value: Any, field: str) -> None:
    """Apply ``check_text`` to every key and string inside a JSON value, and refuse one
    nested deeper than ``MAX_JSON_DEPTH``: storing it would recurse as deep, and crash
    somewhere past the parser's own limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, field)
        elif isinstance(item, Mapping | list | tuple):
            if depth > MAX_JSON_DEPTH:
                raise ValidationError({field: f"Nested more than {MAX_JSON_DEPTH} levels deep."})
            if isinstance(item, Mapping):
                for key, nested in item.items():
                    check_text(str(key), field)
                    stack.append((nested, depth + 1))
            else:
                stack.extend((nested, depth + 1) for nested in item)


def _clean_fields(model: type[Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """Run each model field's own validation (length, URL, date, choices) on ``values``."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            errors[name] = ["Unknown field."]
            continue
        if isinstance(value, str):
            try:
                check_text(value, name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as exc:
            errors[name] = exc.messages
        except (TypeError, ValueError):
            # e.g. a number where a date is expected: DateField.to_python raises TypeError.
            errors[name] = ["Invalid value."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _validate_body(body: Any) -> str:
    if not isinstance(body, str):
        raise ValidationError({"body": "Must be text."})
    check_text(body, "body")
    body = normalize_newlines(body)
    if not body.strip():
        raise ValidationError({"body": "The article has no text."})
    return body


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _title_from_body(body: str) -> str:
    first_line = next((line.strip() for line in body.split("\n") if line.strip()), "")
    return first_line[:200]


# --- projects and members ------------------------------------------------------------------


SLUG_ATTEMPTS = 5  # a new slug is tried this often when others take it at the same instant


def _slug_taken(slug: str, *, project: Project | None = None) -> bool:
    others = Project.objects.filter(slug=slug)
    return (others.exclude(pk=project.pk) if project else others).exists()


def _unique_slug(base: str) -> str:
    base = base[:90] or "project"
    slug, n = base, 2
    while _slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _save_unless_slug_taken(project: Project, **save) -> bool:
    """Save ``project`` in a savepoint: ``False`` (and nothing saved) when another request
    took its slug between the check and the write, which only the unique index can tell."""
    try:
        with transaction.atomic():
            project.save(**save)
    except IntegrityError:
        if _slug_taken(project.slug, project=project if project.pk else None):
            return False
        raise
    return True


@transaction.atomic
def project_create(*, name: str, creator, slug: str = "", description: str = "") -> Project:
    """Create a project; its creator becomes its manager. Without a ``slug``, one is made
    from the name, numbered (``-2``, ``-3``...) past those taken."""
    data = _clean_fields(Project, {"name": name, "description": description})
    given = bool(slug)
    if given:
        slug = _clean_fields(Project, {"slug": slug})["slug"]
        if _slug_taken(slug):
            raise ValidationError({"slug": f"The slug “{slug}” is taken."})
    else:
        slug = _unique_slug(slugify(data["name"]))
    project = Project(slug=slug, created_by=creator, **data)
    for _ in range(SLUG_ATTEMPTS):
        if _save_unless_slug_taken(project, force_insert=True):
            break
        if given:
            raise ValidationError({"slug": f"The slug “{slug}” is taken."})
        project.slug = _unique_slug(slugify(data["name"]))
    else:
        raise ValidationError({"slug": "Others are creating projects of this name; try again."})
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    return project


@transaction.atomic
def project_update(*, project: Project, user, **changes) -> Project:
    require_role(project, user, MANAGER_ROLES, "change the project")
    data = _clean_fields(Project, changes)
    taken = ValidationError({"slug": f"The slug “{data.get('slug')}” is taken."})
    if "slug" in data and _slug_taken(data["slug"], project=project):
        raise taken
    for key, value in data.items():
        setattr(project, key, value)
    if not _save_unless_slug_taken(project):
        raise taken
    return project


@transaction.atomic
def project_delete(*, project: Project, user) -> None:
    require_role(project, user, MANAGER_ROLES, "delete the project")
    count = Span.objects.filter(project=project).count()
    if count:
        raise Conflict(f"The project has {count} spans; delete them before the project.")
    SpanEvent.objects.filter(project=project).delete()
    Relation.objects.filter(article__project=project).delete()
    Article.objects.filter(project=project).delete()
    project.delete()


@transaction.atomic
def membership_set(*, project: Project, user, member, role: str) -> Membership:
    """Add ``member`` to the project with ``role``, or change their role."""
    require_role(project, user, MANAGER_ROLES, "manage members")
    role = _clean_fields(Membership, {"role": role})["role"]
    membership = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if membership is None:
        return Membership.objects.create(project=project, user=member, role=role)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _ensure_another_manager(project, member)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, project: Project, user, member) -> None:
    require_role(project, user, MANAGER_ROLES, "manage members")
    membership = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if membership is None:
        return
    if membership.role == Role.MANAGER:
        _ensure_another_manager(project, member)
    membership.delete()


def _ensure_another_manager(project: Project, member) -> None:
    others = Membership.objects.filter(project=project, role=Role.MANAGER).exclude(user=member)
    if not others.exists():
        raise Conflict("A project needs at least one manager.")


# --- labels ----------------------------------------------------------------------------------


def _check_label_unique(project: Project, name: str, hotkey: str, exclude_pk=None) -> None:
    others = Label.objects.filter(project=project).exclude(pk=exclude_pk)
    errors = {}
    # Case-folded in Python: SQLite's LOWER() and LIKE fold ASCII only, so "Оценка" and
    # "оценка" would both pass the database there. A project has few labels.
    folded = name.casefold()
    clash_name = next(
        (n for n in others.values_list("name", flat=True) if n.casefold() == folded), None
    )
    if clash_name is not None:
        errors["name"] = f"The project already has a label named “{clash_name}”."
    if hotkey:
        if hotkey in RESERVED_HOTKEYS:
            errors["hotkey"] = f"“{hotkey}” is reserved for the page's own shortcuts."
        else:
            clash = others.filter(hotkey=hotkey).first()
            if clash:
                errors["hotkey"] = f"The hotkey “{hotkey}” is already used by “{clash.name}”."
    if errors:
        raise ValidationError(errors)


def _check_color(data: Mapping[str, Any]) -> None:
    """The database's ``color_hex`` check, as a 400 that names the field."""
    if "color" in data and not _COLOR.fullmatch(data["color"]):
        raise ValidationError({"color": f"“{data['color']}” is not a color such as #93c5fd."})


@transaction.atomic
def label_create(*, project: Project, user=None, **fields) -> Label:
    """Add a label (span or relation kind) to a project; names and hotkeys stay unique."""
    if user is not None:
        require_role(project, user, MANAGER_ROLES, "change the labels")
    fields.setdefault("kind", Label.Kind.SPAN)
    data = _clean_fields(Label, fields)
    _check_color(data)
    _check_label_unique(project, data.get("name", ""), data.get("hotkey", ""))
    if "order" not in data:
        data["order"] = Label.objects.filter(project=project).count()
    label = Label(project=project, **data)
    _save_label(label)
    return label


def _save_label(label: Label) -> None:
    """Save in a savepoint: what the checks above let through but the database refuses (its
    ``LOWER(name)`` folds some letters unlike ``casefold``: ``İ``) is a ValidationError."""
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError as exc:
        raise ValidationError("The label clashes with another (name, hotkey or color).") from exc


@transaction.atomic
def label_update(*, label: Label, user=None, **changes) -> Label:
    if user is not None:
        require_role(label.project, user, MANAGER_ROLES, "change the labels")
    data = _clean_fields(Label, changes)
    _check_color(data)
    if "kind" in data and data["kind"] != label.kind and label_in_use(label):
        raise Conflict("The label is in use; its kind cannot change.")
    _check_label_unique(
        label.project, data.get("name", label.name), data.get("hotkey", label.hotkey), label.pk
    )
    for key, value in data.items():
        setattr(label, key, value)
    _save_label(label)
    return label


@transaction.atomic
def label_move(*, label: Label, user, step: int) -> None:
    """Move a label one place in its project's scheme (``step`` -1 up, 1 down) and number
    them 0, 1, 2...: all or nothing, and only the order is written (labels an admin saved
    with values the form refuses move as well)."""
    require_role(label.project, user, MANAGER_ROLES, "change the labels")
    labels = list(
        Label.objects.select_for_update().filter(project=label.project_id).order_by("order", "name")
    )
    index = next((i for i, item in enumerate(labels) if item.pk == label.pk), None)
    if index is None:
        raise ValidationError("The label was deleted meanwhile.")
    other = index + step
    if 0 <= other < len(labels):
        labels[index], labels[other] = labels[other], labels[index]
    for position, item in enumerate(labels):
        if item.order != position:
            Label.objects.filter(pk=item.pk).update(order=position)


def label_in_use(label: Label) -> bool:
    return label.spans.exists() or label.relations.exists()


@transaction.atomic
def label_delete(*, label: Label, user=None) -> None:
    if user is not None:
        require_role(label.project, user, MANAGER_ROLES, "change the labels")
    spans, relations = label.spans.count(), label.relations.count()
    if spans or relations:
        raise Conflict(
            f"The label “{label.name}” is used by {spans} spans and {relations} relations."
        )
    label.delete()


# --- articles --------------------------------------------------------------------------------

ARTICLE_FIELDS = (
    "title",
    "source",
    "url",
    "published_on",
    "author",
    "language",
    "external_id",
    "metadata",
)


def _clean_article_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    values = dict(values)
    metadata = values.pop("metadata", None)
    for key in ("title", "source", "url", "author", "language", "external_id"):
        if values.get(key) is None and key in values:
            values[key] = ""
    if isinstance(values.get("title"), str):
        values["title"] = " ".join(normalize_newlines(values["title"]).split("\n")).strip()
    # A blank title is allowed here: the callers derive one from the body's first line.
    blank_title = "title" in values and values["title"] == ""
    if blank_title:
        del values["title"]
    data = _clean_fields(Article, values)
    if blank_title:
        data["title"] = ""
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise ValidationError({"metadata": "Must be a JSON object."})
        check_json(metadata, "metadata")
        try:
            json.dumps(metadata, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"metadata": f"Not storable as JSON: {exc}."}) from exc
        data["metadata"] = metadata
    return data


def article_validate(
    *,
    project: Project,
    article: Article | None = None,
    body: Any = None,
    check_duplicate: bool = True,
    **fields,
) -> dict[str, Any]:
    """Check an article's fields as ``article_create`` (no ``article``) or ``article_update``
    would, and return them cleaned, with ``body`` and ``sha256`` when the text is new.

    Raises ``ValidationError``, ``DuplicateArticle`` or ``Conflict`` (body frozen by spans).
    Bulk importers pass ``check_duplicate=False`` and look duplicates up a batch at a time.
    """
    data = _clean_article_fields(fields)
    if article is None or body is not None:
        body = _validate_body(body)
        if article is None or body != article.body:
            if article is not None and article.spans.exists():
                raise Conflict("The article has spans; its text can no longer change.")
            sha = body_sha256(body)
            clash = Article.objects.filter(project=project, sha256=sha)
            if article is not None:
                clash = clash.exclude(pk=article.pk)
            if check_duplicate and (existing := clash.first()):
                raise DuplicateArticle(existing)
            data["body"], data["sha256"] = body, sha
    if (article is None or "title" in data) and not data.get("title"):
        data["title"] = _title_from_body(data.get("body") or article.body)
    return data


@transaction.atomic
def article_create(*, project: Project, body: str, created_by=None, user=None, **fields) -> Article:
    """Add an article; its line endings become ``\\n``. The same text twice is refused.

    With ``user`` (the API, the pages), only a manager of the project may add one.
    """
    if user is not None:
        require_role(project, user, MANAGER_ROLES, "add articles")
    data = article_validate(project=project, body=body, **fields)
    sha = data["sha256"]
    article = Article(project=project, created_by=created_by, **data)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:
        existing = Article.objects.filter(project=project, sha256=sha).first()
        if existing:
            raise DuplicateArticle(existing) from exc
        raise
    return article


@transaction.atomic
def article_update(*, article: Article, user=None, **changes) -> Article:
    """Change an article's fields; its body only while no span refers to it."""
    if user is not None:
        require_role(article.project, user, MANAGER_ROLES, "change articles")
    article = Article.objects.select_for_update().get(pk=article.pk)
    data = article_validate(project=article.project, article=article, **changes)
    for key, value in data.items():
        setattr(article, key, value)
    article.updated_at = timezone.now()
    article.save()
    return article


@transaction.atomic
def article_delete(*, article: Article, user=None) -> None:
    if user is not None:
        require_role(article.project, user, MANAGER_ROLES, "delete articles")
    count = article.spans.count()
    if count:
        raise Conflict(f"The article has {count} spans; delete them before the article.")
    SpanEvent.objects.filter(article=article).delete()
    article.delete()


# --- actors ----------------------------------------------------------------------------------


def actor_search_text(name: str, aliases: Iterable[str]) -> str:
    """Name and aliases case-folded by Python, one a line: ``?q=путин`` finds ``Путин``."""
    return "\n".join(item.casefold() for item in [name, *aliases])


def _clean_aliases(aliases: Any, name: str) -> list[str]:
    if aliases is None:
        return []
    if not isinstance(aliases, list | tuple) or not all(isinstance(a, str) for a in aliases):
        raise ValidationError({"aliases": "Must be a list of strings."})
    seen, cleaned = {name.casefold()}, []
    for alias in aliases:
        check_text(alias, "aliases")
        alias = " ".join(alias.split())
        if len(alias) > 300:
            raise ValidationError({"aliases": "An alias is at most 300 characters."})
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            cleaned.append(alias)
    return cleaned


def _actor_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "An actor needs a name."})
    return name


def _check_wikidata_unique(wikidata_id: str, exclude_pk=None) -> None:
    if not wikidata_id:
        return
    if not _WIKIDATA_ID.fullmatch(wikidata_id):
        raise ValidationError({"wikidata_id": f"“{wikidata_id}” is not Q followed by digits."})
    clash = Actor.objects.filter(wikidata_id=wikidata_id).exclude(pk=exclude_pk).first()
    if clash:
        raise ValidationError({"wikidata_id": f"{wikidata_id} is already “{clash.name}”."})


def actor_validate(*, actor: Actor | None = None, **fields) -> dict[str, Any]:
    """Check an actor's fields as ``actor_create`` (no ``actor``) or ``actor_update`` would;
    return them cleaned, with the ``search_text`` they imply. Nothing is changed."""
    aliases = fields.pop("aliases", None)
    data = _clean_fields(Actor, fields)
    if actor is None or "name" in data:
        data["name"] = _actor_name(data.get("name", ""))
    name = data.get("name") or actor.name
    if actor is None or aliases is not None:
        data["aliases"] = _clean_aliases(aliases, name)
    if data.get("wikidata_id"):
        _check_wikidata_unique(data["wikidata_id"], actor.pk if actor else None)
    data["search_text"] = actor_search_text(name, data.get("aliases", actor and actor.aliases))
    return data


@transaction.atomic
def actor_create(*, name: str, kind: str = Actor.Kind.OTHER, aliases=None, **fields) -> Actor:
    """Add an actor to the shared registry; aliases are trimmed and de-duplicated."""
    data = actor_validate(name=name, kind=kind, aliases=aliases, **fields)
    return Actor.objects.create(**data)


@transaction.atomic
def actor_update(*, actor: Actor, **changes) -> Actor:
    """Change an actor; the caller's object changes only once every field is valid."""
    data = actor_validate(actor=actor, **changes)
    for key, value in data.items():
        setattr(actor, key, value)
    actor.save()
    return actor


@transaction.atomic
def actor_delete(*, actor: Actor, user) -> None:
    if not user.is_staff:
        raise PermissionDenied("Only staff may delete an actor.")
    count = actor.span_actors.values("span").distinct().count()
    if count:
        raise Conflict(f"“{actor.name}” is attached to {count} spans; merge it instead.")
    actor.delete()


# --- spans -----------------------------------------------------------------------------------


def span_snapshot(span: Span, actors: Iterable[tuple[int, str]] | None = None) -> dict:
    """The span as the API shows it; what the history stores before and after each change."""
    if actors is None:
        actors = span.span_actors.order_by("id").values_list("actor_id", "role")
    return {
        "id": span.pk,
        "article": span.article_id,
        "project": span.project_id,
        "start": span.start,
        "end": span.end,
        "text": span.text,
        "label": span.label_id,
        "actors": [{"actor": actor_id, "role": role} for actor_id, role in actors],
        "probability": span.probability,
        "confidence": span.confidence,
        "note": span.note,
        "status": span.status,
        "annotator": span.annotator.get_username(),
        "version": span.version,
        "created_at": span.created_at.isoformat(),
        "updated_at": span.updated_at.isoformat(),
    }


def _record(span: Span, action: str, user, before: dict | None, after: dict | None) -> SpanEvent:
    return SpanEvent.objects.create(
        span_id=span.pk,
        article_id=span.article_id,
        project_id=span.project_id,
        action=action,
        user=user,
        before=before,
        after=after,
    )


def _article_slice(article: Article, start: int, end: int) -> tuple[int, str]:
    """The body's length and ``body[start:end]``, without loading a deferred body."""
    if "body" not in article.get_deferred_fields():
        return len(article.body), article.body[start:end]
    return (
        Article.objects.filter(pk=article.pk)
        .annotate(n=Length("body"), piece=Substr("body", start + 1, max(end - start, 0)))
        .values_list("n", "piece")
        .get()
    )


def _role_and_slice_sql() -> str:
    """The one query of ``_role_and_slice``, written out: the API's span create runs it on
    every request, and the ORM spends longer building it (a subquery and two functions)
    than the database spends answering it. LENGTH and SUBSTR count characters (code points)
    on PostgreSQL and SQLite alike."""
    quote = connection.ops.quote_name
    article, membership = Article._meta, Membership._meta
    body = quote(article.get_field("body").column)
    project = quote(article.get_field("project").column)
    return (
        f"SELECT (SELECT m.{quote(membership.get_field('role').column)} "
        f"FROM {quote(membership.db_table)} m "
        f"WHERE m.{quote(membership.get_field('project').column)} = a.{project} "
        f"AND m.{quote(membership.get_field('user').column)} = %s LIMIT 1), "
        f"LENGTH(a.{body}), SUBSTR(a.{body}, %s, %s) "
        f"FROM {quote(article.db_table)} a WHERE a.{quote(article.pk.column)} = %s"
    )


def _role_and_slice(article: Article, user, start: int, end: int) -> tuple[str | None, int, str]:
    """The user's role in the article's project, the body's length and ``body[start:end]``:
    one query when the body is deferred (the API's hot path), none for the slice otherwise."""
    if "body" not in article.get_deferred_fields():
        role = user_role(project=article.project_id, user=user)
        return role, len(article.body), article.body[start:end]
    with connection.cursor() as cursor:
        cursor.execute(_role_and_slice_sql(), [user.pk, start + 1, max(end - start, 0), article.pk])
        row = cursor.fetchone()
    if row is None:
        raise Article.DoesNotExist("Article matching query does not exist.")
    found_role, length, piece = row
    if user.is_superuser:
        found_role = Role.MANAGER
    return found_role, length, piece


def _check_offset_values(start: Any, end: Any, text: Any) -> None:
    errors = {}
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "A whole number is required."
    if errors:
        raise ValidationError(errors)
    if start < 0:
        raise ValidationError({"start": "Must be 0 or more."})
    if end <= start:
        raise ValidationError({"end": "Must be greater than start."})
    if text is not None:
        if not isinstance(text, str):
            raise ValidationError({"text": "Must be text."})
        check_text(text, "text")
    if end > MAX_OFFSET:
        raise ValidationError({"end": "Beyond any article's length."})


def _check_covered(start: int, end: int, text: Any, length: int, piece: str) -> str:
    if end > length:
        raise ValidationError({"end": f"Must be at most {length}, the length of the article."})
    if text is not None and text != piece:
        raise ValidationError(
            {"text": f"Does not match the article: body[{start}:{end}] is {piece!r}."}
        )
    return piece


def span_offsets_validate(*, body: str, start: Any, end: Any, text: Any = None) -> str:
    """The offset rules on a body in hand: ``0 <= start < end <= len(body)`` in code points
    and ``text == body[start:end]`` when given. Returns the covered text."""
    _check_offset_values(start, end, text)
    return _check_covered(start, end, text, len(body), body[start:end])


def _check_offsets(article: Article, start: Any, end: Any, text: Any) -> str:
    """``span_offsets_validate`` on an article whose body may be deferred (sliced in the DB)."""
    _check_offset_values(start, end, text)
    length, piece = _article_slice(article, start, end)
    return _check_covered(start, end, text, length, piece)


def _check_label(label: Label, project_id: int, kind: str = Label.Kind.SPAN) -> None:
    if label.project_id != project_id:
        raise ValidationError({"label": "The label belongs to another project."})
    if label.kind != kind:
        raise ValidationError({"label": f"The label “{label.name}” is not a {kind} label."})


def span_values_validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean the graded fields of a span: probability, confidence, note and status."""
    data = {}
    for key in ("probability", "confidence"):
        if key in values:
            value = values[key]
            data[key] = None if value in (None, "") else _clean_fields(Span, {key: value})[key]
    if "note" in values:
        note = values["note"] or ""
        if not isinstance(note, str):
            raise ValidationError({"note": "Must be text."})
        data["note"] = _clean_fields(Span, {"note": normalize_newlines(note)})["note"]
    if "status" in values:
        data["status"] = _clean_fields(Span, {"status": values["status"]})["status"]
    return data


def _clean_actor_links(actors: Iterable[Any]) -> list[tuple[int, str]]:
    """Accept ``[(actor, role)]`` or ``[{"actor": actor_or_id, "role": role}]``."""
    links, seen = [], set()
    if isinstance(actors, str | bytes | Mapping) or not isinstance(actors, Iterable):
        raise ValidationError({"actors": "Must be a list of {actor, role} items."})
    for item in actors:
        try:
            actor, role = (item["actor"], item.get("role")) if isinstance(item, Mapping) else item
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({"actors": f"Not an {{actor, role}} item: {item!r}."}) from exc
        actor_id = actor.pk if isinstance(actor, Actor) else actor
        if isinstance(actor_id, str) and actor_id.strip().isdecimal():
            actor_id = int(actor_id)  # from a form
        if isinstance(actor_id, bool) or not isinstance(actor_id, int):
            raise ValidationError({"actors": f"An actor is given by its id, not {actor_id!r}."})
        role = role or ActorRole.MENTIONED
        if not isinstance(role, str) or role not in ActorRole.values:
            raise ValidationError({"actors": f"“{role}” is not a role: {', '.join(ActorRole)}."})
        if (actor_id, role) not in seen:
            seen.add((actor_id, role))
            links.append((actor_id, role))
    if links:
        ids = {actor_id for actor_id, _ in links}
        found = set(Actor.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := ids - found:
            raise ValidationError({"actors": f"No actor with id {sorted(missing)}."})
    return links


def _save_span(span: Span, *, force_insert: bool = False) -> None:
    """Save, turning the duplicate-span constraint into a readable error.

    No savepoint: every caller is itself atomic and lets the error leave its block, which
    rolls the whole change back (and saves two round trips on the hot path)."""
    try:
        span.save(force_insert=force_insert)
    except IntegrityError as exc:
        raise _duplicate_span(span) from exc


def _duplicate_span(span: Span) -> ValidationError:
    return ValidationError(
        {
            "non_field_errors": [
                f"{span.annotator.get_username()} already has a “{span.label}” span at "
                f"[{span.start}, {span.end}) in this article."
            ]
        }
    )


@functools.cache
def _span_create_sql() -> str:
    """PostgreSQL: a span create in one statement, hence one round trip and, outside a
    transaction, no BEGIN and COMMIT of its own (a statement is atomic by itself).

    ``facts`` reads what the rules need: the article's project, the user's role there, the
    body's length and ``body[start:end]``, the label's project, kind and name. ``inserted``
    adds the span only where every rule holds, ``recorded`` its ``created`` event (the
    snapshot sent from Python, completed with what only the database knows). The statement
    answers the facts and the new id (NULL when a rule failed: the caller says which).
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
            "probability", "confidence", "note", "status", "version", "created_at", "updated_at",
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
        ), inserted AS (
            INSERT INTO {quote(span.db_table)} ({span_columns})
            SELECT %(article)s, f.project_id, %(start)s, %(end)s, f.piece, %(label)s, %(user)s,
                %(probability)s, %(confidence)s, %(note)s, %(status)s, 1, %(now)s, %(now)s
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


def _span_create_in_one_statement(
    *, article: Article, label: Label, annotator, start: int, end: int, text: str | None,
    values: dict[str, Any],
) -> Span:  # fmt: skip
    """``span_create`` without actors or a status, on PostgreSQL (``_span_create_sql``).

    The same rules in the same order with the same errors as the general way. Of ``article``
    and ``label`` only the ids are used: the rest is read in the statement, so a caller
    holding just the ids (the API) passes ``Article(pk=…)`` and ``Label(pk=…)``."""
    now = timezone.now()
    span = Span(
        article=article,
        start=start,
        end=end,
        label=label,
        annotator=annotator,
        created_at=now,
        updated_at=now,
        **values,
    )
    params = {
        "article": article.pk,
        "label": label.pk,
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
        span.label = Label.objects.filter(pk=label.pk).first() or label
        raise _duplicate_span(span) from exc
    if row is None:
        raise Article.DoesNotExist("Article matching query does not exist.")
    project_id, role, length, piece, label_project, label_kind, label_name, span_id = row
    if role is None and not annotator.is_superuser:
        raise PermissionDenied("Your role in this project does not allow you to annotate.")
    if label_project is None:
        raise Label.DoesNotExist("Label matching query does not exist.")
    _check_label(
        Label(pk=label.pk, project_id=label_project, kind=label_kind, name=label_name), project_id
    )
    _check_covered(start, end, text, length, piece)
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


def span_create(
    *,
    article: Article,
    start: int,
    end: int,
    label: Label,
    annotator,
    text: str | None = None,
    actors: Iterable[Any] = (),
    probability: str | None = None,
    confidence: str | None = None,
    note: str = "",
    status: str | None = None,
) -> Span:
    """Annotate ``body[start:end]`` of ``article``; records a ``created`` event."""
    _check_offset_values(start, end, text)
    general = {"actors": actors, "probability": probability, "confidence": confidence}
    general |= {"note": note, "status": status}
    if connection.vendor == "postgresql" and not actors and status in (None, SpanStatus.PENDING):
        try:
            values = span_values_validate(
                {"probability": probability, "confidence": confidence, "note": note}
            )
        except ValidationError:
            # The general way checks role, label and offsets first: its first error it is.
            return _span_create(
                article=article, start=start, end=end, label=label, annotator=annotator,
                text=text, **general,
            )  # fmt: skip
        return _span_create_in_one_statement(
            article=article,
            label=label,
            annotator=annotator,
            start=start,
            end=end,
            text=text,
            values=values,
        )
    return _span_create(
        article=article,
        start=start,
        end=end,
        label=label,
        annotator=annotator,
        text=text,
        **general,
    )


@transaction.atomic
def _span_create(
    *,
    article: Article,
    start: int,
    end: int,
    label: Label,
    annotator,
    text: str | None,
    actors: Iterable[Any],
    probability: str | None,
    confidence: str | None,
    note: str,
    status: str | None,
) -> Span:
    """``span_create`` the general way: any backend, actors and a status."""
    role, length, piece = _role_and_slice(article, annotator, start, end)
    if role is None:
        raise PermissionDenied("Your role in this project does not allow you to annotate.")
    _check_label(label, article.project_id)
    covered = _check_covered(start, end, text, length, piece)
    values = span_values_validate(
        {"probability": probability, "confidence": confidence, "note": note}
    )
    if status not in (None, SpanStatus.PENDING):
        if role not in REVIEW_ROLES:
            raise PermissionDenied("Only a reviewer or manager sets a span's status.")
        values.update(span_values_validate({"status": status}))
    links = _clean_actor_links(actors)
    now = timezone.now()
    span = Span(
        article=article,
        project_id=article.project_id,
        start=start,
        end=end,
        text=covered,
        label=label,
        annotator=annotator,
        created_at=now,
        updated_at=now,
        **values,
    )
    _save_span(span)
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
    )
    _record(span, SpanEvent.Action.CREATED, annotator, None, span_snapshot(span, links))
    return span


class BulkValidationError(ValidationError):
    """Items of a bulk create are invalid.

    ``item_errors`` is ``[{"index": 0-based, "errors": {field: [messages]}}]``; the messages
    (``message_dict["items"]``) say the same in words. Django's ValidationError cannot hold a
    dict per item itself: ``ValidationError({"items": [dict, ...]})`` raises AttributeError.
    """

    def __init__(self, item_errors: list[dict[str, Any]]):
        super().__init__({"items": [_describe_item_error(error) for error in item_errors]})
        self.item_errors = item_errors


def _describe_item_error(error: dict[str, Any]) -> str:
    errors = error["errors"]
    if isinstance(errors, Mapping):
        parts = [
            message if field in ("non_field_errors", "__all__") else f"{field}: {message}"
            for field, messages in errors.items()
            for message in messages
        ]
    else:
        parts = list(errors)
    return f"Item {error['index']}: {' '.join(parts)}"


@transaction.atomic
def span_bulk_create(*, items: list[Mapping[str, Any]], annotator) -> list[Span]:
    """Create many spans, all or nothing; errors name the item's index (from 0)."""
    allowed = set(inspect.signature(span_create).parameters) - {"annotator"}
    spans, errors = [], []
    for index, item in enumerate(items):
        if unknown := set(item) - allowed:
            errors.append({"index": index, "errors": {k: ["Unknown field."] for k in unknown}})
            continue
        try:
            with transaction.atomic():
                spans.append(span_create(annotator=annotator, **item))
        except TypeError:
            errors.append({"index": index, "errors": {"non_field_errors": ["Incomplete span."]}})
        except ValidationError as exc:
            errors.append({"index": index, "errors": _error_payload(exc)})
    if errors:
        raise BulkValidationError(errors)
    return spans


def _error_payload(exc: ValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def _lock_span(span: Span | int) -> Span:
    pk = span.pk if isinstance(span, Span) else span
    locked = (
        Span.objects.select_for_update(of=("self",))
        .select_related("annotator", "label", "article")
        .defer("article__body")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise Conflict("This span no longer exists; it was deleted.")
    return locked


SPAN_EDITABLE = ("start", "end", "text", "label", "actors", "probability", "confidence", "note")


@transaction.atomic
def span_update(*, span: Span | int, user, version: Any, **changes) -> Span:
    """Change a span. ``version`` must be the one the change was based on, else ``Conflict``.

    The annotator changes their own span; a reviewer or manager may set any span's status.
    A change that changes nothing is not recorded and keeps the version.
    """
    unknown = set(changes) - {*SPAN_EDITABLE, "status"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    if version is None:
        raise ValidationError({"version": "Required: the version your change is based on."})
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": "A whole number is required."})
    span = _lock_span(span)
    # Permission first: a change that is not allowed is refused whatever its version, and
    # the Conflict below carries the current span, which only those allowed may see.
    role = require_role(span.project_id, user, MEMBER_ROLES, "change spans")
    own = span.annotator_id == user.pk
    if "status" in changes and role not in REVIEW_ROLES:
        raise PermissionDenied("Only a reviewer or manager sets a span's status.")
    if not own and set(changes) - {"status"}:
        raise PermissionDenied("Only its annotator changes a span; reviewers set its status.")
    if version != span.version:
        raise Conflict(
            f"Someone changed this span meanwhile: it is at version {span.version}, "
            f"your change was based on version {version}. Reload it and try again.",
            current=span,
        )

    before = span_snapshot(span)
    values = span_values_validate(changes)
    if "label" in changes:
        label = changes["label"]
        _check_label(label, span.project_id)
        values["label"] = label
    if {"start", "end", "text"} & set(changes):
        start, end = changes.get("start", span.start), changes.get("end", span.end)
        values["text"] = _check_offsets(span.article, start, end, changes.get("text"))
        values["start"], values["end"] = start, end
    links = None
    if "actors" in changes:
        links = _clean_actor_links(changes["actors"] or [])
    for key, value in values.items():
        setattr(span, key, value)
    after_links = (
        links if links is not None else [(a["actor"], a["role"]) for a in before["actors"]]
    )
    after = span_snapshot(span, after_links)
    if _same_state(before, after):
        return span
    span.version += 1
    span.updated_at = timezone.now()
    _save_span(span)
    if links is not None:
        span.span_actors.all().delete()
        SpanActor.objects.bulk_create(
            SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
        )
    _record(span, SpanEvent.Action.UPDATED, user, before, span_snapshot(span, after_links))
    return span


def _same_state(before: dict, after: dict) -> bool:
    """Equal but for version and timestamp; the same actors in another order are no change."""

    def key(snapshot: dict) -> dict:
        state = {k: v for k, v in snapshot.items() if k not in {"version", "updated_at"}}
        state["actors"] = sorted((a["actor"], a["role"]) for a in snapshot["actors"])
        return state

    return key(before) == key(after)


@transaction.atomic
def span_delete(*, span: Span | int, user) -> None:
    """Delete a span (its relations go with it); the ``deleted`` event keeps it restorable.

    The annotator deletes their own spans; a manager may delete any.
    """
    span = _lock_span(span)
    role = require_role(span.project_id, user, MEMBER_ROLES, "delete spans")
    if span.annotator_id != user.pk and role != Role.MANAGER:
        raise PermissionDenied("Only its annotator or a manager deletes a span.")
    before = span_snapshot(span)
    _record(span, SpanEvent.Action.DELETED, user, before, None)
    span.delete()


@transaction.atomic
def span_restore(*, event: SpanEvent, user) -> Span:
    """Put the span back as it was before ``event``; a deleted span comes back, same id."""
    target = event.before
    if target is None:
        raise Conflict("The span did not exist before this event; there is nothing to restore.")
    role = user_role(project=event.project_id, user=user)
    if role is None:
        raise PermissionDenied("You are not a member of this project.")
    if role not in REVIEW_ROLES and target["annotator"] != user.get_username():
        raise PermissionDenied("Only the span's annotator, a reviewer or a manager restores it.")

    label = Label.objects.filter(pk=target["label"], project_id=event.project_id).first()
    if label is None:
        raise Conflict("The span's label no longer exists.")
    if label.kind != Label.Kind.SPAN:
        raise Conflict(f"The label “{label.name}” now labels relations, not spans.")
    try:
        links = _clean_actor_links(target["actors"])
    except ValidationError as exc:
        raise Conflict("An actor of the span no longer exists; it cannot be put back.") from exc
    current = Span.objects.select_for_update().filter(pk=event.span_id).first()
    versions = [
        snapshot["version"]
        for pair in SpanEvent.objects.filter(span_id=event.span_id).values_list("before", "after")
        for snapshot in pair
        if snapshot
    ]
    values = {
        "start": target["start"],
        "end": target["end"],
        "label": label,
        "probability": target["probability"],
        "confidence": target["confidence"],
        "note": target["note"],
        "status": target["status"],
        "version": max(versions, default=0) + 1,
        "updated_at": timezone.now(),
    }
    if current is not None:
        before = span_snapshot(current)
        span = current
    else:
        before = None
        article = Article.objects.filter(pk=event.article_id).first()
        annotator = User.objects.filter(username=target["annotator"]).first()
        if article is None or annotator is None:
            raise Conflict("The span's article or annotator no longer exists.")
        span = Span(
            pk=event.span_id,
            article=article,
            project_id=event.project_id,
            annotator=annotator,
            created_at=datetime.fromisoformat(target["created_at"]),
        )
    try:
        span.text = _check_offsets(span.article, target["start"], target["end"], target["text"])
    except ValidationError as exc:
        raise Conflict("The article's text changed; the span cannot be put back.") from exc
    for key, value in values.items():
        setattr(span, key, value)
    try:
        _save_span(span, force_insert=current is None)
    except ValidationError as exc:
        raise Conflict(_error_payload(exc)["non_field_errors"][0]) from exc
    span.span_actors.all().delete()
    SpanActor.objects.bulk_create(
        SpanActor(span=span, actor_id=actor_id, role=role) for actor_id, role in links
    )
    _record(span, SpanEvent.Action.RESTORED, user, before, span_snapshot(span, links))
    return span


# --- relations -------------------------------------------------------------------------------


def _check_relation(from_span: Span, to_span: Span, label: Label) -> None:
    if from_span.article_id != to_span.article_id:
        raise ValidationError({"to_span": "Both spans must be in the same article."})
    if from_span.pk == to_span.pk:
        raise ValidationError({"to_span": "A span cannot relate to itself."})
    _check_label(label, from_span.project_id, Label.Kind.RELATION)


def _save_relation(relation: Relation) -> None:
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"non_field_errors": ["You already linked these spans with this label."]}
        ) from exc


@transaction.atomic
def relation_create(*, from_span: Span, to_span: Span, label: Label, annotator) -> Relation:
    """Link two spans of one article with a relation-kind label."""
    require_role(from_span.project_id, annotator, MEMBER_ROLES, "annotate")
    _check_relation(from_span, to_span, label)
    relation = Relation(
        article_id=from_span.article_id,
        from_span=from_span,
        to_span=to_span,
        label=label,
        annotator=annotator,
    )
    _save_relation(relation)
    return relation


def _require_relation_owner(relation: Relation, user, *, or_manager: bool = False) -> None:
    role = require_role(relation.article.project_id, user, MEMBER_ROLES, "change relations")
    if relation.annotator_id != user.pk and not (or_manager and role == Role.MANAGER):
        raise PermissionDenied(
            "Only its annotator or a manager deletes a relation."
            if or_manager
            else "Only its annotator changes a relation."
        )


@transaction.atomic
def relation_update(*, relation: Relation, user, **changes) -> Relation:
    _require_relation_owner(relation, user)
    for key in ("from_span", "to_span", "label"):
        if key in changes:
            setattr(relation, key, changes[key])
    # A relation stays in its article, hence in the project whose membership was checked.
    if relation.from_span.article_id != relation.article_id:
        raise ValidationError({"from_span": "A relation stays in its article."})
    _check_relation(relation.from_span, relation.to_span, relation.label)
    relation.article_id = relation.from_span.article_id
    _save_relation(relation)
    return relation


@transaction.atomic
def relation_delete(*, relation: Relation, user) -> None:
    """Delete a relation: its annotator, or a manager (as with spans)."""
    _require_relation_owner(relation, user, or_manager=True)
    relation.delete()


# --- progress and actor merges (the analyst's pages) ------------------------------------------


@transaction.atomic
def article_mark_done(*, article: Article, user, done: bool) -> ArticleProgress:
    """Record that ``user`` finished (or reopened) ``article``; any member may."""
    require_role(article.project_id, user, MEMBER_ROLES, "work on this project")
    progress, _ = ArticleProgress.objects.select_for_update().get_or_create(
        article=article, user=user
    )
    if bool(progress.done_at) != bool(done):
        progress.done_at = timezone.now() if done else None
        progress.save(update_fields=["done_at"])
    return progress


@transaction.atomic
def actor_merge(*, keep: Actor, remove: Actor, user) -> Actor:
    """Fold ``remove`` into ``keep``: its spans move over, its name and aliases become aliases.

    A span that already has ``keep`` in the same role keeps one link. Each span whose actors
    change gets a new version and an ``updated`` event, so the merge is in its history.
    """
    if not getattr(user, "is_staff", False):
        # As a delete: the duplicate goes, and spans change in every project that names it.
        raise PermissionDenied("Only staff merge actors.")
    if keep.pk == remove.pk:
        raise ValidationError({"remove": "An actor cannot be merged into itself."})
    keep = Actor.objects.select_for_update().get(pk=keep.pk)
    remove = Actor.objects.select_for_update().get(pk=remove.pk)
    span_ids = set(remove.span_actors.values_list("span_id", flat=True))
    spans = list(
        Span.objects.select_for_update(of=("self",))
        .select_related("annotator")
        .filter(pk__in=span_ids)
        .order_by("pk")
    )
    befores = {span.pk: span_snapshot(span) for span in spans}
    for link in SpanActor.objects.filter(actor=remove).order_by("pk"):
        if SpanActor.objects.filter(span_id=link.span_id, actor=keep, role=link.role).exists():
            link.delete()
        else:
            link.actor = keep
            link.save(update_fields=["actor"])
    now = timezone.now()
    for span in spans:
        span.version += 1
        span.updated_at = now
        span.save(update_fields=["version", "updated_at"])
        _record(span, SpanEvent.Action.UPDATED, user, befores[span.pk], span_snapshot(span))
    wikidata_id = keep.wikidata_id or remove.wikidata_id
    keep.aliases = _clean_aliases([*keep.aliases, remove.name, *remove.aliases], keep.name)
    keep.search_text = actor_search_text(keep.name, keep.aliases)
    remove.delete()
    keep.wikidata_id = wikidata_id
    keep.save()
    return keep
