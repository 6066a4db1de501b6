"""Spans in and out: the serializers, and the plain-input parser that answers what
``SpanSerializer`` would for the common one-span create (tests/api/test_spans_fast.py)."""

import re
from collections.abc import Mapping

from rest_framework import serializers

from annotations import services
from annotations.models import (
    MAX_ID,
    MAX_OFFSET,
    ActorRole,
    Confidence,
    Probability,
    SpanStatus,
)

from .fields import DATETIME, MAX_TEXT, ArticleIdField, CharField, LabelIdField


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
    gold = serializers.BooleanField(
        required=False,
        help_text="A gold span: the article's adjudicated version. `true` on create makes "
        "one (reviewers and managers; an annotator gets 403); fixed afterwards.",
    )
    source_span = serializers.IntegerField(
        source="source_span_id",
        read_only=True,
        allow_null=True,
        help_text="The span a gold span was promoted from, or null.",
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
        data["created_at"] = DATETIME.to_representation(span.created_at)
        data["updated_at"] = DATETIME.to_representation(span.updated_at)
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
    of a create. tests/api/test_spans_fast.py checks that both agree on generated input.
    """
    if type(data) is not dict or "actors" in data or data.get("gold", False) is not False:
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
