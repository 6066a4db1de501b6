"""Projects and members."""

from rest_framework import serializers

from annotations.models import Role

from .fields import MAX_TEXT, CharField


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
    blind = serializers.BooleanField(
        required=False,
        help_text="Annotators see only their own spans and relations (pages, API, exports, "
        "agreement); reviewers and managers see everything. Managers change it.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    my_role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True)


class MemberSerializer(serializers.Serializer):
    username = CharField(max_length=150, source="user.username")
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleSerializer(MemberSerializer):
    username = CharField(source="user.username", read_only=True)
