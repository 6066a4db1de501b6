"""Relations."""

from rest_framework import serializers

from .fields import CharField, LabelIdField, SpanIdField


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
