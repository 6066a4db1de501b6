"""Articles."""

import json

from rest_framework import serializers

from .fields import CharField, ProjectIdField


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
