"""Inter-annotator agreement of a project (an action of ``ProjectViewSet``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import selectors

from .. import serializers


class ProjectAgreementAction:
    """``projects/{id}/agreement/``."""

    @extend_schema(
        summary="Inter-annotator agreement per pair of annotators and per label",
        description=(
            "Every member may read it. The annotators are the users who annotated an article of "
            "the project; by default (`basis=spans`) a user *annotated* an article when they "
            "have at least one span on it, of any label; with `basis=done`, when they marked it "
            "done (so that finding nothing to tag counts too). Each pair of annotators "
            "(`annotator_a` alphabetically before `annotator_b`) is compared over the articles "
            "both annotated, and only those (`articles`); every span counts, whatever its "
            "review status.\n\n"
            "**Exact match**: a span of each with the same article, `start`, `end` (code "
            "points) and label; `matches` counts them (one to one), `only_a` and `only_b` the "
            "spans left unmatched, and `f1` = 2·matches / (spans_a + spans_b), the F1 of "
            "either annotator scored against the other (symmetric).\n\n"
            "**Relaxed match**: a span is found when the other annotator has one with the same "
            "label sharing at least one code point; `overlapping_a` and `overlapping_b` count "
            "the spans found, `relaxed_f1` is the harmonic mean of overlapping_a / spans_a and "
            "overlapping_b / spans_b (not one to one).\n\n"
            "Each pair has its figures summed over labels and per label (the labels either of "
            "them used on those articles). `labels` pools each label over every pair, the "
            "top-level `matches`, `spans` and `f1` pool everything (micro-average). An F1 is "
            "null when there is no span to compare. `label` restricts the spans compared (not "
            "the articles); `article` restricts the articles. No annotator, or one: 200 with "
            "empty `pairs`."
        ),
        parameters=[serializers.AgreementQuerySerializer],
        responses={
            200: serializers.AgreementSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A bad filter: an unknown basis, or a label or article id that "
                "is not the project's (DRF's field messages).",
            ),
            404: OpenApiResponse(
                serializers.ErrorSerializer, description="Not a project of yours."
            ),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def agreement(self, request, pk=None):
        """Inter-annotator agreement per pair of annotators and per label: exact and relaxed
        F1 over the articles both annotated (the schema at /api/v1/docs/ tells the method)."""
        project = self.get_object()
        # A blank parameter means no filter, as on the list endpoints.
        params = {key: value for key, value in request.query_params.items() if value != ""}
        query = serializers.AgreementQuerySerializer(data=params, context={"project": project})
        query.is_valid(raise_exception=True)
        result = selectors.project_agreement(project=project, **query.validated_data)
        return Response(serializers.AgreementSerializer(result).data)
