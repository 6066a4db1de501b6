"""The analytics endpoints: their query parameters (each refusal names its parameter) and
their answers, for the schema."""

from rest_framework import serializers

from annotations.metrics.analytics import INTERVALS, STEPS
from annotations.models import MAX_ID, Actor, ActorRole, Label, LabelKind


class AnalyticsQuerySerializer(serializers.Serializer):
    """Which spans of the project are counted."""

    actor = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False,
        help_text="An actor id: spans linked to this actor (in `role`, when given).",
    )  # fmt: skip
    role = serializers.ChoiceField(
        choices=ActorRole.choices, required=False,
        help_text="With `actor`: that actor in this role; alone: any actor in this role.",
    )  # fmt: skip
    label = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A span label id of the project."
    )
    gold = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="`true`: only gold spans; `false`: only annotators' spans; absent: all.",
    )  # fmt: skip
    published_after = serializers.DateField(
        required=False, help_text="Articles published on or after this date (YYYY-MM-DD)."
    )
    published_before = serializers.DateField(
        required=False, help_text="Articles published on or before this date (YYYY-MM-DD)."
    )

    def validate_actor(self, value):
        if not Actor.objects.filter(pk=value).exists():
            raise serializers.ValidationError(f"There is no actor {value}.")
        return value

    def validate_label(self, value):
        project = self.context["project"]
        if not Label.objects.filter(project=project, pk=value, kind=LabelKind.SPAN).exists():
            raise serializers.ValidationError(f"The project has no span label {value}.")
        return value


class TimelineQuerySerializer(AnalyticsQuerySerializer):
    interval = serializers.ChoiceField(
        choices=INTERVALS, default="month",
        help_text="The period: a calendar `month`, an ISO `week` (from Monday) or a `day`.",
    )  # fmt: skip


class ActorsQuerySerializer(AnalyticsQuerySerializer):
    rank_role = serializers.ChoiceField(
        choices=ActorRole.choices, default=ActorRole.SUBJECT,
        help_text="The role ranked: by default `subject`, the actors the spans assess.",
    )  # fmt: skip
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=20)


def _steps():
    return serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Spans at each step: {', '.join(STEPS)}."
    )


class TimelinePeriodSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="The first day of the period.")
    count = serializers.IntegerField()
    probability = _steps()
    mean_probability = serializers.FloatField(
        allow_null=True,
        help_text="Mean of the ICD 203 midpoints (3, 12.5, 32.5, 50, 67.5, 87.5, 97 %) over "
        "the graded spans; null when none is graded.",
    )


class TimelineSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=INTERVALS)
    series = TimelinePeriodSerializer(many=True)


class SourceDistributionSerializer(serializers.Serializer):
    actor = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    probability = _steps()
    ungraded = serializers.IntegerField()
    mean_probability = serializers.FloatField(allow_null=True)


class SourcesSerializer(serializers.Serializer):
    results = SourceDistributionSerializer(many=True)


class RankedActorSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    actor = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class ActorsRankedSerializer(serializers.Serializer):
    results = RankedActorSerializer(many=True)
