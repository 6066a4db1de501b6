"""Answers shared by every endpoint (errors, the token) and the import's result."""

from rest_framework import serializers

from .fields import CharField


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
    members_added = serializers.ListField(
        child=serializers.CharField(),
        help_text="Usernames the file names as annotators who were not members of the project "
        "and became its annotators.",
    )
