"""Inter-annotator agreement: its query and its answer."""

from rest_framework import serializers

from annotations import selectors
from annotations.models import MAX_ID, Article, Label, LabelKind


class AgreementQuerySerializer(serializers.Serializer):
    """The query parameters of projects/{id}/agreement/; ids must be of the project."""

    basis = serializers.ChoiceField(
        choices=selectors.AgreementBasis.choices,
        default=selectors.AgreementBasis.SPANS,
        help_text="What makes an article annotated by a user: `spans`, at least one span of "
        "theirs on it (any label); `done`, they marked it done.",
    )
    label = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="A span label id of the project: compare only the spans with this label "
        "(the articles compared stay the same).",
    )
    article = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="An article id of the project: compare only on this article.",
    )

    def validate_label(self, value):
        project = self.context["project"]
        if not Label.objects.filter(project=project, pk=value, kind=LabelKind.SPAN).exists():
            raise serializers.ValidationError(f"The project has no span label {value}.")
        return value

    def validate_article(self, value):
        if not Article.objects.filter(project=self.context["project"], pk=value).exists():
            raise serializers.ValidationError(f"The project has no article {value}.")
        return value


class AgreementCountsSerializer(serializers.Serializer):
    spans_a = serializers.IntegerField(help_text="annotator_a's spans compared.")
    spans_b = serializers.IntegerField(help_text="annotator_b's spans compared.")
    matches = serializers.IntegerField(
        help_text="Exact matches: same article, start, end and label (one to one)."
    )
    only_a = serializers.IntegerField(help_text="annotator_a's spans without an exact match.")
    only_b = serializers.IntegerField(help_text="annotator_b's spans without an exact match.")
    f1 = serializers.FloatField(
        allow_null=True,
        help_text="2·matches / (spans_a + spans_b); null when both are 0.",
    )
    overlapping_a = serializers.IntegerField(
        help_text="annotator_a's spans that overlap one of annotator_b's with the same label."
    )
    overlapping_b = serializers.IntegerField(
        help_text="annotator_b's spans that overlap one of annotator_a's with the same label."
    )
    relaxed_f1 = serializers.FloatField(
        allow_null=True,
        help_text="Harmonic mean of overlapping_a / spans_a and overlapping_b / spans_b; "
        "null when both are 0.",
    )


class AgreementLabelSerializer(AgreementCountsSerializer):
    label = serializers.IntegerField(help_text="Label id.")
    name = serializers.CharField(help_text="Label name.")


class AgreementPairSerializer(AgreementCountsSerializer):
    annotator_a = serializers.CharField(help_text="Username, alphabetically before annotator_b.")
    annotator_b = serializers.CharField()
    articles = serializers.IntegerField(help_text="Articles both annotated: those compared.")
    labels = AgreementLabelSerializer(
        many=True, help_text="Per label either of them used on those articles."
    )
    kappa = serializers.FloatField(
        allow_null=True,
        help_text="Cohen's κ over the tokens of the articles both annotated (see the method); "
        "null with nothing to compare or no variation.",
    )


class AgreementLabelPooledSerializer(serializers.Serializer):
    label = serializers.IntegerField(help_text="Label id.")
    name = serializers.CharField()
    pairs = serializers.IntegerField(help_text="Pairs in which either annotator used it.")
    matches = serializers.IntegerField(help_text="Exact matches, summed over the pairs.")
    spans = serializers.IntegerField(help_text="spans_a + spans_b, summed over the pairs.")
    f1 = serializers.FloatField(allow_null=True, help_text="2·matches / spans.")


class GoldScoreSerializer(serializers.Serializer):
    annotator = serializers.CharField(help_text="Username.")
    articles = serializers.IntegerField(
        help_text="Articles with gold spans and spans of theirs: those compared."
    )
    spans = serializers.IntegerField(help_text="Their spans on those articles.")
    gold_spans = serializers.IntegerField(help_text="The gold spans on those articles.")
    matches = serializers.IntegerField(
        help_text="Their spans with a gold span at the same start, end and label."
    )
    f1 = serializers.FloatField(
        allow_null=True, help_text="2·matches / (spans + gold_spans); null when both are 0."
    )


class AttributeScoreSerializer(serializers.Serializer):
    attribute = serializers.CharField(
        help_text="The span attribute compared: `probability`, `confidence` or `actors`."
    )
    level = serializers.ChoiceField(
        choices=["ordinal", "jaccard"],
        help_text="How alpha compares two values: `ordinal` (the ICD 203 steps; low < "
        "moderate < high), `jaccard` (sets of (actor, role) links).",
    )
    places = serializers.IntegerField(
        help_text="Places (article, start, end, label) where two or more annotators have a span."
    )
    agreed = serializers.IntegerField(
        help_text="Places where all of them gave the same value (no value is a value)."
    )
    percent = serializers.FloatField(allow_null=True, help_text="agreed / places.")
    alpha = serializers.FloatField(
        allow_null=True,
        help_text="Krippendorff's α over the places (see the method); null with nothing to "
        "compare or no variation.",
    )


class AgreementSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=selectors.AgreementBasis.choices)
    label = serializers.IntegerField(allow_null=True, help_text="The label filter, if any.")
    article = serializers.IntegerField(allow_null=True, help_text="The article filter, if any.")
    annotators = serializers.ListField(
        child=serializers.CharField(),
        help_text="Usernames of everyone who annotated an article (in the filters' scope).",
    )
    matches = serializers.IntegerField(help_text="Exact matches over every pair and label.")
    spans = serializers.IntegerField(help_text="spans_a + spans_b over every pair.")
    f1 = serializers.FloatField(
        allow_null=True, help_text="2·matches / spans: pooled over every pair (micro-average)."
    )
    pairs = AgreementPairSerializer(many=True)
    labels = AgreementLabelPooledSerializer(many=True, help_text="Each label over every pair.")
    alpha = serializers.FloatField(
        allow_null=True,
        help_text="Krippendorff's α, nominal, over the tokens of every article two or more "
        "annotators annotated (see the method); null with nothing to compare or no variation.",
    )
    gold = GoldScoreSerializer(
        many=True, help_text="Per annotator, exact F1 of their spans against the gold spans."
    )
    attributes = AttributeScoreSerializer(
        many=True,
        help_text="Agreement on probability, confidence and actors of the spans annotators "
        "matched exactly.",
    )
