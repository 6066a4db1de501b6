"""The span history."""

import contextlib
import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .fields import DATETIME, CharField
from .spans import SpanSerializer


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
                    snapshot[key] = DATETIME.to_representation(stamp)
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
