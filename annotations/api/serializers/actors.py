"""Actors."""

from rest_framework import serializers

from annotations.models import ActorKind

from .fields import MAX_TEXT, CharField


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
