"""What the API reads and answers. Validation of shape and range lives here; every rule that
needs the database (roles, offsets inside the body, uniqueness) lives in the services.

Ids in request bodies resolve only among the requesting user's objects, so another project's
article, label or span answers 400 "does not exist" and never reveals anything about it.
"""

import contextlib
import dataclasses
import datetime
import functools
import json
import re
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Func
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations import selectors, services
from annotations.models import (
    MAX_ID,
    MAX_OFFSET,
    ActorKind,
    ActorRole,
    Article,
    Confidence,
    Label,
    LabelKind,
    Membership,
    Probability,
    Project,
    Role,
    Span,
    SpanActor,
    SpanStatus,
)

MAX_TEXT = 10_000
MAX_BULK = 5_000

User = get_user_model()


class CharField(serializers.CharField):
    """Text only: a number or a boolean where text belongs is a mistake, not a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects of the requesting user's projects.

    Resolved objects are cached per request, so a list of spans on one article and label
    costs one query for each (plus one for the user's projects), not one per item. Another
    project's object answers "does not exist", exactly as a missing one does.
    """

    default_error_messages = {
        "does_not_exist": "Invalid pk “{pk_value}” - object does not exist.",
        "incorrect_type": "Incorrect type. Expected pk value, received {data_type}.",
    }

    def __init__(self, *, project_field="project", **kwargs):
        self.project_field = project_field
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return selectors.scope_to_user(
            super().get_queryset(), user=user, project_field=self.project_field
        )

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        cache = self.context.setdefault("_resolved", {})
        key = (self.queryset.model, data)
        if key not in cache:
            # Plain lookups by pk, then the project checked against the user's (one query a
            # request): cheaper than a subquery per field. No ordering: the models' default
            # orderings would join the project for nothing.
            found = list(self.queryset.filter(pk=data).order_by()[:1])
            cache[key] = found[0] if found and self._in_scope(found[0]) else None
        if cache[key] is None:
            self.fail("does_not_exist", pk_value=data)
        return cache[key]

    def _in_scope(self, obj) -> bool:
        user = self.context["request"].user
        if user.is_superuser:
            return True
        if "_project_ids" not in self.context:
            self.context["_project_ids"] = set(
                Membership.objects.filter(user=user).values_list("project_id", flat=True)
            )
        project_id = obj.pk if self.project_field == "pk" else obj.project_id
        return project_id in self.context["_project_ids"]


class ProjectIdField(ScopedPrimaryKeyRelatedField):
    # Querysets as class attributes: DRF deep-copies field kwargs for every serializer.
    queryset = Project.objects.all()

    def __init__(self, **kwargs):
        super().__init__(project_field="pk", **kwargs)


class ArticleIdField(ScopedPrimaryKeyRelatedField):
    queryset = Article.objects.only("id", "project_id")  # never the body


class LabelIdField(ScopedPrimaryKeyRelatedField):
    queryset = Label.objects.all()


class SpanIdField(ScopedPrimaryKeyRelatedField):
    queryset = Span.objects.only("id", "article_id", "project_id")


# --- projects and members -------------------------------------------------------------------


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Made from the name when not given; unique.",
    )
    description = CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)
    my_role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True)


class MemberSerializer(serializers.Serializer):
    username = CharField(max_length=150, source="user.username")
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleSerializer(MemberSerializer):
    username = CharField(source="user.username", read_only=True)


# --- labels ---------------------------------------------------------------------------------


class LabelSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    project = ProjectIdField()
    name = CharField(max_length=100)
    kind = serializers.ChoiceField(choices=LabelKind.choices, default=LabelKind.SPAN)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", max_length=7, required=False)
    hotkey = CharField(max_length=1, required=False, allow_blank=True, trim_whitespace=False)
    description = CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    category = CharField(max_length=100, required=False, allow_blank=True)
    order = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)


class LabelUpdateSerializer(LabelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    kind = serializers.ChoiceField(choices=LabelKind.choices, required=False)


# --- articles -------------------------------------------------------------------------------


class ArticleListSerializer(serializers.Serializer):
    """An article without its body, as lists show it."""

    id = serializers.IntegerField(read_only=True)
    project = ProjectIdField()
    title = CharField(max_length=500, required=False, allow_blank=True)
    source = CharField(max_length=200, required=False, allow_blank=True)
    url = CharField(max_length=2000, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    author = CharField(max_length=300, required=False, allow_blank=True)
    language = CharField(max_length=35, required=False, allow_blank=True)
    external_id = CharField(max_length=200, required=False, allow_blank=True)
    metadata = serializers.DictField(required=False)
    span_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def validate_metadata(self, value):
        try:
            json.dumps(value, allow_nan=False)
        except ValueError:
            raise serializers.ValidationError("Numbers must be finite.") from None
        return value


class ArticleSerializer(ArticleListSerializer):
    body = CharField(
        trim_whitespace=False,
        help_text="Line endings become \\n; offsets count code points. "
        "Frozen once spans refer to the article (409).",
    )


class ArticleUpdateSerializer(ArticleSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)


# --- actors ---------------------------------------------------------------------------------


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = CharField(max_length=300)
    kind = serializers.ChoiceField(choices=ActorKind.choices, default=ActorKind.OTHER)
    aliases = serializers.ListField(child=CharField(max_length=300), max_length=200, required=False)
    description = CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    wikidata_id = serializers.RegexField(
        r"^Q[1-9][0-9]*$", max_length=20, required=False, allow_blank=True
    )
    span_count = serializers.IntegerField(
        read_only=True, help_text="Spans naming this actor in your projects."
    )


class ActorUpdateSerializer(ActorSerializer):
    kind = serializers.ChoiceField(choices=ActorKind.choices, required=False)


# --- spans ----------------------------------------------------------------------------------


class SpanActorSerializer(serializers.Serializer):
    """An ``{actor, role}`` item: both required and no other key, so a missing or misspelt
    ``role`` is a 400 naming it rather than a link in a role the client did not mean."""

    actor = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    role = serializers.ChoiceField(choices=ActorRole.choices)

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and (unknown := set(data) - set(self.fields)):
            raise serializers.ValidationError({key: ["Unknown field."] for key in sorted(unknown)})
        return super().to_internal_value(data)

    def to_representation(self, instance):
        return {"actor": instance.actor_id, "role": instance.role}


_DATETIME = serializers.DateTimeField()


class UtcText(Func):
    """A datetime column as the database writes it in UTC, as text: on PostgreSQL (session
    time zone UTC) ``2026-06-01 12:30:05.12345+00``, on SQLite what Django stored,
    ``2026-06-01 12:30:05.123450``. ``utc_text`` finishes it into DRF's form. Cheaper than
    a datetime, which the database driver parses in Python and DRF formats again: twice a
    span, a thousand spans a page. (Not to_char: the columns are computed for every
    matching row before the sort and LIMIT, and to_char costs several times a cast.)"""

    output_field = models.CharField()
    arity = 1
    # An expression on SQLite, not the bare column: sqlite3 would parse a "datetime" column.
    TEMPLATES = {"postgresql": "(%(expressions)s)::text", "sqlite": "(%(expressions)s || '')"}

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.TEMPLATES["postgresql"])

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.TEMPLATES["sqlite"])


def _stamps_as_utc_text() -> bool:
    """Whether span rows may carry their timestamps as ``UtcText``: both the current time
    zone and the database connection's are UTC (the settings)."""
    return timezone.get_current_timezone_name() == "UTC" and connection.timezone_name == "UTC"


def utc_text(value: str | None) -> str | None:
    """``UtcText``'s text as ``DateTimeField().to_representation`` writes the datetime in
    UTC: ``2026-06-01T12:30:05.123450Z``, the fraction in six digits or left out when zero."""
    if value is None:
        return None
    if len(value) > 23 and value[19] == "." and value.endswith("+00"):
        # PostgreSQL's usual ``YYYY-MM-DD HH:MM:SS.f+00``, trailing zeros of the fraction
        # dropped: put back to six digits. The hot path, two per span.
        return f"{value[:10]}T{value[11:-3]:0<15}Z"
    if value.endswith("+00"):
        value = value[:-3]
    day, _, time = value.partition(" ")
    seconds, dot, fraction = time.partition(".")
    return f"{day}T{seconds}.{fraction:0<6}Z" if dot else f"{day}T{seconds}Z"


def span_row_columns() -> tuple:
    """The columns of a span row as ``span_rows`` reads them, ``id`` first (the cursor's
    position). The timestamps come as ``UtcText`` while both the current time zone and the
    database connection's are UTC (the settings), else as datetimes."""
    stamps = ("created_at", "updated_at")
    if _stamps_as_utc_text():
        stamps = tuple(UtcText(name) for name in stamps)
    return (
        "id",
        "article_id",
        "project_id",
        "start",
        "end",
        "text",
        "label_id",
        "probability",
        "confidence",
        "note",
        "status",
        "annotator__username",
        "version",
        *stamps,
    )


def iso_datetimes():
    """A function giving what ``DateTimeField().to_representation`` gives for an aware
    datetime (ISO 8601 in the current time zone, ``Z`` for UTC), without its per-call
    lookups."""
    tz = timezone.get_current_timezone()

    def iso(value):
        if value is None:
            return value
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


_ARTICLE_PAGE_PARAMETERS = frozenset({"article", "page_size", "cursor"})


def plain_article_page(query_params) -> int | None:
    """The article id of a span list asked for by ``?article=`` alone (``page_size`` and
    ``cursor`` aside, which the paginator reads either way), when ``ArticleSpanRows`` can
    answer it; else ``None``, and the filter set decides (with its error messages)."""
    if not query_params.keys() <= _ARTICLE_PAGE_PARAMETERS or not _stamps_as_utc_text():
        return None
    values = query_params.getlist("article")
    if len(values) != 1 or not (values[0].isascii() and values[0].isdigit()):
        return None
    article = int(values[0])
    return article if 1 <= article <= MAX_ID else None


@functools.cache
def _article_span_rows_sql(vendor: str, member_check: bool) -> str:
    quote = connection.ops.quote_name
    span, user, membership = Span._meta, User._meta, Membership._meta
    *names, _, _ = span_row_columns()  # the timestamps, always as UtcText here
    columns = [
        f"u.{quote(user.get_field('username').column)}"
        if name == "annotator__username"
        else f"s.{quote(span.get_field(name.removesuffix('_id')).column)}"
        for name in names
    ]
    for stamp in ("created_at", "updated_at"):
        column = f"s.{quote(span.get_field(stamp).column)}"
        columns.append(UtcText.TEMPLATES[vendor] % {"expressions": column})
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(span.db_table)} s "
        f"INNER JOIN {quote(user.db_table)} u "
        f"ON u.{quote(user.pk.column)} = s.{quote(span.get_field('annotator').column)} "
        f"WHERE s.{quote(span.get_field('article').column)} = %s"
    )
    if member_check:
        sql += (
            f" AND s.{quote(span.get_field('project').column)} IN "
            f"(SELECT m.{quote(membership.get_field('project').column)} "
            f"FROM {quote(membership.db_table)} m "
            f"WHERE m.{quote(membership.get_field('user').column)} = %s)"
        )
    return sql


@dataclasses.dataclass(frozen=True)
class ArticleSpanRows:
    """One article's spans in the user's projects as ``span_row_columns`` rows, by one
    written-out query: the span list of ``?article=`` alone, what a client reading an
    article asks for page after page. The ORM took longer to build the scoped, filtered
    query than the database takes to answer it.

    It offers what ``SpanCursorPagination`` asks of a queryset and nothing more: ordering
    by ``id`` either way, a bound on the id, a slice.
    """

    article: int
    user: object
    descending: bool = False
    bound: tuple[str, int] | None = None  # ("gt" or "lt", id)

    def order_by(self, *ordering):
        if ordering not in (("id",), ("-id",)):
            raise ValueError(f"Span rows are ordered by id, not {ordering}.")
        return dataclasses.replace(self, descending=ordering == ("-id",))

    def filter(self, **lookup):
        ((key, value),) = lookup.items()
        if key not in ("id__gt", "id__lt"):
            raise ValueError(f"Span rows are bounded by id, not {key}.")
        return dataclasses.replace(self, bound=(key[-2:], int(value)))

    def __getitem__(self, item: slice) -> list[tuple]:
        start, stop = item.start or 0, item.stop
        member_check = not self.user.is_superuser
        sql = _article_span_rows_sql(connection.vendor, member_check)
        params = [self.article] + ([self.user.pk] if member_check else [])
        if self.bound is not None:
            sql += f" AND s.{connection.ops.quote_name(Span._meta.pk.column)} "
            sql += "> %s" if self.bound[0] == "gt" else "< %s"
            params.append(self.bound[1])
        order = "DESC" if self.descending else "ASC"
        sql += f" ORDER BY s.{connection.ops.quote_name(Span._meta.pk.column)} {order}"
        sql += " LIMIT %s OFFSET %s"
        params += [stop - start, start]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@functools.cache
def _span_actor_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    meta = SpanActor._meta
    span, actor, role = (quote(meta.get_field(name).column) for name in ("span", "actor", "role"))
    # The ids as one text parameter: an array literal on PostgreSQL, a JSON list on SQLite.
    # A thousand placeholders (the ORM's ``__in``), or a list the driver adapts item by
    # item, cost more to build and send than the query takes.
    ids = (
        "= ANY(%s::bigint[])" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    )
    return (
        f"SELECT {span}, {actor}, {role} FROM {quote(meta.db_table)} "
        f"WHERE {span} {ids} ORDER BY {quote(meta.pk.column)}"
    )


def _span_actor_rows(span_ids: list[int]) -> list[tuple]:
    """``(span_id, actor_id, role)`` of the spans' actor links, in link order. The ids are
    spans the caller has already read through its scoped queryset."""
    param = ",".join(map(str, span_ids))
    param = f"{{{param}}}" if connection.vendor == "postgresql" else f"[{param}]"
    with connection.cursor() as cursor:
        cursor.execute(_span_actor_sql(connection.vendor), [param])
        return cursor.fetchall()


def span_rows(rows) -> list[dict]:
    """Span objects as ``SpanSerializer`` renders them, from ``values_list(*span_row_columns())``
    rows, in one pass: a page of a thousand spans skips a thousand model instances and the
    serializer's field machinery.

    Their actors come in one more query, in link order (``_span_actor_rows``).
    """
    rows = list(rows)
    if not rows:
        return []
    actors: dict[int, list] = {}
    for span_id, actor_id, role in _span_actor_rows([row[0] for row in rows]):
        actors.setdefault(span_id, []).append({"actor": actor_id, "role": role})
    convert = utc_text if isinstance(rows[0][-1], str) else iso_datetimes()
    seen: dict = {}  # a span never edited has created_at == updated_at: convert it once

    def iso(value):
        text = seen.get(value)
        if text is None:
            text = seen[value] = convert(value)
        return text

    return [
        {
            "id": pk,
            "article": article,
            "project": project,
            "start": start,
            "end": end,
            "text": text,
            "label": label,
            "actors": actors.get(pk, []),
            "probability": probability,
            "confidence": confidence,
            "note": note,
            "status": status,
            "annotator": annotator,
            "version": version,
            "created_at": iso(created_at),
            "updated_at": iso(updated_at),
        }
        for (
            pk,
            article,
            project,
            start,
            end,
            text,
            label,
            probability,
            confidence,
            note,
            status,
            annotator,
            version,
            created_at,
            updated_at,
        ) in rows
    ]


class SpanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    article = ArticleIdField(
        help_text="Resolved among your projects' articles.",
    )
    project = serializers.IntegerField(source="project_id", read_only=True)
    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET)
    end = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET)
    text = CharField(
        required=False,
        trim_whitespace=False,
        help_text="When given, must equal body[start:end] (code points).",
    )
    label = LabelIdField()
    actors = SpanActorSerializer(many=True, required=False, source="span_actors", max_length=200)
    probability = serializers.ChoiceField(
        choices=Probability.choices, required=False, allow_null=True
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices, required=False, allow_null=True
    )
    note = CharField(max_length=MAX_TEXT, required=False, allow_blank=True, trim_whitespace=False)
    status = serializers.ChoiceField(
        choices=SpanStatus.choices,
        required=False,
        help_text="Only a reviewer or manager sets it; a new span is pending.",
    )
    annotator = CharField(source="annotator.username", read_only=True)
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, span):
        # Spans are listed by the thousand (an article's page, exports over the API): the
        # generic field-by-field path costs more than the queries, so build the dict directly.
        # The declared fields above still define the schema and the input.
        actors = getattr(span, "api_actors", None)  # set by a create that knows there are none
        if actors is None:
            actors = [(link.actor_id, link.role) for link in span.span_actors.all()]
        data = services.span_snapshot(span, actors)  # the history's shape: one definition
        data["created_at"] = _DATETIME.to_representation(span.created_at)
        data["updated_at"] = _DATETIME.to_representation(span.updated_at)
        return data

    def validate(self, attrs):
        if "span_actors" in attrs:
            attrs["actors"] = attrs.pop("span_actors")
        return attrs


_SURROGATE = re.compile("[\ud800-\udfff]")
_PROBABILITIES = frozenset(Probability.values)
_CONFIDENCES = frozenset(Confidence.values)
_STATUSES = frozenset(SpanStatus.values)


def _plain_text(value, *, blank: bool, max_length: int | None = None) -> bool:
    """Text that CharField(trim_whitespace=False) takes as it is: a str, not blank unless
    allowed, within max_length, with no NUL and no lone surrogate."""
    return (
        type(value) is str
        and (blank or value != "")
        and (max_length is None or len(value) <= max_length)
        and "\x00" not in value
        and (value.isascii() or not _SURROGATE.search(value))
    )


def plain_span_input(data) -> dict | None:
    """The fields of a one-span create as ``SpanSerializer`` validates them, for the plain
    case only: a JSON object whose values have exactly the types and ranges the serializer
    takes unchanged, and no actors. Anything else answers None, and the serializer itself
    decides (with its error messages). ``article`` and ``label`` stay ids, for the view to
    resolve in one query.

    The API's hot path: the serializer's per-field machinery costs more than the queries
    of a create. tests/test_api_spans_fast.py checks that both agree on generated input.
    """
    if type(data) is not dict or "actors" in data:
        return None
    try:
        article, label, start, end = data["article"], data["label"], data["start"], data["end"]
    except KeyError:
        return None
    if not (
        type(article) is int
        and type(label) is int
        and type(start) is int
        and type(end) is int
        and 1 <= article <= MAX_ID
        and 1 <= label <= MAX_ID
        and 0 <= start <= MAX_OFFSET
        and 1 <= end <= MAX_OFFSET
    ):
        return None
    out = {"article": article, "start": start, "end": end, "label": label}
    if "text" in data:
        if not _plain_text(data["text"], blank=False):
            return None
        out["text"] = data["text"]
    for name, choices in (("probability", _PROBABILITIES), ("confidence", _CONFIDENCES)):
        if name in data:
            value = data[name]
            if value is not None and (type(value) is not str or value not in choices):
                return None
            out[name] = value
    if "note" in data:
        if not _plain_text(data["note"], blank=True, max_length=MAX_TEXT):
            return None
        out["note"] = data["note"]
    if "status" in data:
        if type(data["status"]) is not str or data["status"] not in _STATUSES:
            return None
        out["status"] = data["status"]
    return out


class SpanUpdateSerializer(SpanSerializer):
    """A change: ``version`` (the one it is based on) is required; the article is fixed."""

    article = serializers.IntegerField(source="article_id", read_only=True)
    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)
    end = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET, required=False)
    label = LabelIdField(required=False)
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OFFSET,
        help_text="The version this change is based on; a stale one answers 409.",
    )

    def validate(self, attrs):
        # PATCH makes every field optional; the version never is.
        if "version" not in attrs:
            raise serializers.ValidationError(
                {"version": ["Required: the version your change is based on."]}
            )
        return super().validate(attrs)


# --- relations ------------------------------------------------------------------------------


class RelationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    article = serializers.IntegerField(source="article_id", read_only=True)
    from_span = SpanIdField()
    to_span = SpanIdField()
    label = LabelIdField(help_text="A label of kind relation.")
    annotator = CharField(source="annotator.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class RelationUpdateSerializer(RelationSerializer):
    from_span = SpanIdField(required=False)
    to_span = SpanIdField(required=False)
    label = LabelIdField(required=False)


# --- history --------------------------------------------------------------------------------


@extend_schema_field({**{"type": "object", "additionalProperties": True}, "nullable": True})
class SnapshotField(serializers.JSONField):
    """A span object as the API showed it then, or null: written as span objects are, its
    keys in their order (PostgreSQL's jsonb keeps its own) and its timestamps in DRF's form
    (stored as ``isoformat``, ``+00:00`` where a span says ``Z``)."""

    def to_representation(self, value):
        if not isinstance(value, dict):
            return value
        snapshot = {key: value[key] for key in SpanSerializer._declared_fields if key in value}
        snapshot.update((key, value[key]) for key in sorted(value) if key not in snapshot)
        for key in ("created_at", "updated_at"):
            if isinstance(snapshot.get(key), str):
                with contextlib.suppress(ValueError):
                    stamp = datetime.datetime.fromisoformat(snapshot[key])
                    snapshot[key] = _DATETIME.to_representation(stamp)
        return snapshot


class SpanEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    span = serializers.IntegerField(source="span_id", read_only=True)
    action = CharField(read_only=True)
    user = CharField(source="user.username", read_only=True, allow_null=True)
    at = serializers.DateTimeField(read_only=True)
    before = SnapshotField(read_only=True, allow_null=True)
    after = SnapshotField(read_only=True, allow_null=True)
    relations = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        allow_null=True,
        help_text="The relations a delete took with the span, or a restore brought back: "
        "{id, from_span, to_span, label, annotator, created_at}; null for other events.",
    )


# --- auth and errors ------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = CharField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    detail = CharField()


class ImportLineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Counted from 1.")
    error = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    """What an import did: all or nothing, so ``created`` is 0 whenever ``errors`` is not."""

    created = serializers.IntegerField(help_text="Articles created.")
    skipped_duplicates = serializers.IntegerField(
        help_text="Articles skipped: the project already holds their text."
    )
    spans = serializers.IntegerField(help_text="Spans created, in new or (webanno) held articles.")
    relations = serializers.IntegerField(help_text="Relations created.")
    errors = ImportLineErrorSerializer(many=True)


# --- agreement ------------------------------------------------------------------------------


class AgreementQuerySerializer(serializers.Serializer):
    """The query parameters of projects/{id}/agreement/; ids must be of the project."""

    basis = serializers.ChoiceField(
        choices=selectors.AgreementBasis.choices,
        default=selectors.AgreementBasis.SPANS,
        help_text="What makes an article annotated by a user: `spans`, at least one span of "
        "theirs on it (any label); `done`, they marked it done.",
    )
    label = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="A span label id of the project: compare only the spans with this label "
        "(the articles compared stay the same).",
    )
    article = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="An article id of the project: compare only on this article.",
    )

    def validate_label(self, value):
        project = self.context["project"]
        if not Label.objects.filter(project=project, pk=value, kind=LabelKind.SPAN).exists():
            raise serializers.ValidationError(f"The project has no span label {value}.")
        return value

    def validate_article(self, value):
        if not Article.objects.filter(project=self.context["project"], pk=value).exists():
            raise serializers.ValidationError(f"The project has no article {value}.")
        return value


class AgreementCountsSerializer(serializers.Serializer):
    spans_a = serializers.IntegerField(help_text="annotator_a's spans compared.")
    spans_b = serializers.IntegerField(help_text="annotator_b's spans compared.")
    matches = serializers.IntegerField(
        help_text="Exact matches: same article, start, end and label (one to one)."
    )
    only_a = serializers.IntegerField(help_text="annotator_a's spans without an exact match.")
    only_b = serializers.IntegerField(help_text="annotator_b's spans without an exact match.")
    f1 = serializers.FloatField(
        allow_null=True,
        help_text="2·matches / (spans_a + spans_b); null when both are 0.",
    )
    overlapping_a = serializers.IntegerField(
        help_text="annotator_a's spans that overlap one of annotator_b's with the same label."
    )
    overlapping_b = serializers.IntegerField(
        help_text="annotator_b's spans that overlap one of annotator_a's with the same label."
    )
    relaxed_f1 = serializers.FloatField(
        allow_null=True,
        help_text="Harmonic mean of overlapping_a / spans_a and overlapping_b / spans_b; "
        "null when both are 0.",
    )


class AgreementLabelSerializer(AgreementCountsSerializer):
    label = serializers.IntegerField(help_text="Label id.")
    name = serializers.CharField(help_text="Label name.")


class AgreementPairSerializer(AgreementCountsSerializer):
    annotator_a = serializers.CharField(help_text="Username, alphabetically before annotator_b.")
    annotator_b = serializers.CharField()
    articles = serializers.IntegerField(help_text="Articles both annotated: those compared.")
    labels = AgreementLabelSerializer(
        many=True, help_text="Per label either of them used on those articles."
    )


class AgreementLabelPooledSerializer(serializers.Serializer):
    label = serializers.IntegerField(help_text="Label id.")
    name = serializers.CharField()
    pairs = serializers.IntegerField(help_text="Pairs in which either annotator used it.")
    matches = serializers.IntegerField(help_text="Exact matches, summed over the pairs.")
    spans = serializers.IntegerField(help_text="spans_a + spans_b, summed over the pairs.")
    f1 = serializers.FloatField(allow_null=True, help_text="2·matches / spans.")


class AgreementSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=selectors.AgreementBasis.choices)
    label = serializers.IntegerField(allow_null=True, help_text="The label filter, if any.")
    article = serializers.IntegerField(allow_null=True, help_text="The article filter, if any.")
    annotators = serializers.ListField(
        child=serializers.CharField(),
        help_text="Usernames of everyone who annotated an article (in the filters' scope).",
    )
    matches = serializers.IntegerField(help_text="Exact matches over every pair and label.")
    spans = serializers.IntegerField(help_text="spans_a + spans_b over every pair.")
    f1 = serializers.FloatField(
        allow_null=True, help_text="2·matches / spans: pooled over every pair (micro-average)."
    )
    pairs = AgreementPairSerializer(many=True)
    labels = AgreementLabelPooledSerializer(many=True, help_text="Each label over every pair.")
