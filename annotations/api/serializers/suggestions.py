"""Suggestions: the answer of ``articles/{id}/suggestions/``, a dismissal, label all
occurrences, and a project's suggestion server."""

from rest_framework import serializers

from annotations.models import MAX_OFFSET, Confidence, Probability

from .fields import MAX_TEXT, CharField, LabelIdField
from .spans import SpanActorSerializer, SpanSerializer


class SuggestionSerializer(serializers.Serializer):
    """One suggestion (the SPEC's shape). Written out by ``Suggestion.as_dict`` for speed;
    tests/api/test_suggestions.py holds the two to the same output."""

    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField(help_text="body[start:end]")
    kind = serializers.CharField(
        help_text="`actor`, `estimative`, `source`, or a suggestion server's own kind."
    )
    actor = serializers.IntegerField(allow_null=True, help_text="An actor id (actor, source).")
    role = serializers.CharField(
        allow_null=True,
        help_text="The role the actor would take: `mentioned` for a mention, `source` for an "
        "attribution; null for an estimative phrase.",
    )
    probability = serializers.ChoiceField(choices=Probability.choices, allow_null=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices, allow_null=True)
    label = serializers.IntegerField(
        allow_null=True, help_text="The project's label it proposes, or null."
    )
    score = serializers.FloatField(min_value=0, max_value=1)


class SuggestionsSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True, help_text="Ordered by start.")
    notes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Present only when something went wrong with the project's suggestion "
        "server (timeout, error, a malformed answer): its suggestions are missing, the "
        "built-in ones are all there.",
    )


class DismissSerializer(serializers.Serializer):
    """The suggestion to dismiss (or bring back): its offsets and kind."""

    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET)
    end = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET)
    kind = CharField(max_length=32)
    text = CharField(
        required=False,
        trim_whitespace=False,
        max_length=MAX_OFFSET,
        help_text="When given, must equal body[start:end].",
    )


class DismissalSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class LabelAllSerializer(serializers.Serializer):
    """The phrase (the selection ``start``/``end``, or ``text``) and the span to make at
    each of its occurrences."""

    start = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)
    end = serializers.IntegerField(min_value=1, max_value=MAX_OFFSET, required=False)
    text = CharField(
        required=False,
        trim_whitespace=False,
        max_length=MAX_TEXT,
        help_text="The phrase; with start and end it must equal body[start:end].",
    )
    label = LabelIdField(help_text="A span label of the article's project.")
    actors = SpanActorSerializer(many=True, required=False, max_length=200)
    probability = serializers.ChoiceField(
        choices=Probability.choices, required=False, allow_null=True
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices, required=False, allow_null=True
    )
    note = CharField(max_length=MAX_TEXT, required=False, allow_blank=True, trim_whitespace=False)
    match_case = serializers.BooleanField(
        default=True, help_text="Only occurrences written as the phrase is (default)."
    )
    whole_words = serializers.BooleanField(
        default=True, help_text="Only occurrences on word boundaries (default)."
    )

    def validate(self, data):
        if ("start" in data) != ("end" in data):
            raise serializers.ValidationError("Give start and end together, or text alone.")
        if "start" not in data and "text" not in data:
            raise serializers.ValidationError("Give the phrase: start and end, or text.")
        return data


class LabelAllResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Spans made.")
    skipped_existing = serializers.IntegerField(
        help_text="Occurrences where you already had a span with this label."
    )
    spans = SpanSerializer(many=True, help_text="The spans made, by start.")


class SuggestionBackendSerializer(serializers.Serializer):
    """A project's suggestion server (docs/suggestions.md). Managers only."""

    url = CharField(max_length=2000, help_text="http(s) URL that receives a POST per article.")
    timeout_ms = serializers.IntegerField(min_value=100, max_value=10_000, default=2000)
    enabled = serializers.BooleanField(default=True)
    updated_at = serializers.DateTimeField(read_only=True)
