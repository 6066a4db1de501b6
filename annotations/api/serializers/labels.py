"""Labels."""

from rest_framework import serializers

from annotations.models import MAX_OFFSET, LabelKind

from .fields import MAX_TEXT, CharField, ProjectIdField


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
