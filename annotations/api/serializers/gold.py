"""Assignments, the assign action, and the gold layer's curate: their input and answers."""

from rest_framework import serializers

from annotations.metrics.attributes import SPAN_ATTRIBUTES
from annotations.services.assignments import MAX_PER_ARTICLE
from annotations.services.gold import CurateStrategy

from .fields import ArticleIdField, CharField


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)
    article = ArticleIdField(help_text="Resolved among your projects' articles.")
    annotator = CharField(
        max_length=150,
        source="annotator.username",
        help_text="The username of a member of the article's project.",
    )
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, assignment):
        return {
            "id": assignment.pk,
            "project": assignment.project_id,
            "article": assignment.article_id,
            "annotator": assignment.annotator.get_username(),
            "created_at": serializers.DateTimeField().to_representation(assignment.created_at),
        }

    def validate(self, attrs):
        attrs["annotator"] = attrs.pop("annotator")["username"]
        return attrs


class AssignSerializer(serializers.Serializer):
    annotators = serializers.ListField(
        child=CharField(max_length=150),
        allow_empty=False,
        max_length=1000,
        help_text="Usernames of members of the project.",
    )
    per_article = serializers.IntegerField(
        default=1,
        min_value=1,
        max_value=MAX_PER_ARTICLE,
        help_text="Annotators per article; an article ends with min(per_article, number of "
        "annotators) assignees.",
    )
    articles = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100_000,
        help_text="Article ids of the project; default: those with fewer than per_article "
        "assignees.",
    )


class AssignResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Assignments created.")


class CurateSerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(
        choices=CurateStrategy.CHOICES,
        help_text="`unanimous`: made by every annotator of the article; `majority`: by more "
        "than half of them.",
    )


class CurateConflictSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    label = serializers.IntegerField()
    field = serializers.ChoiceField(choices=SPAN_ATTRIBUTES)


class CurateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Gold spans created.")
    existing = serializers.IntegerField(help_text="Places that were gold already.")
    conflicts = CurateConflictSerializer(
        many=True, help_text="Fields left empty because the annotators differ on them."
    )
