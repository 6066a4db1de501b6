"""Inter-annotator agreement of a project (an action of ``ProjectViewSet``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import selectors
from annotations.metrics.agreement import METHOD
from annotations.metrics.attributes import ATTRIBUTES_METHOD
from annotations.metrics.reliability import RELIABILITY_METHOD

from .. import serializers


class ProjectAgreementAction:
    """``projects/{id}/agreement/``."""

    @extend_schema(
        summary="Inter-annotator agreement per pair of annotators and per label",
        description=(
            "Every member may read it. "
            + METHOD
            + "\n\n"
            + RELIABILITY_METHOD
            + "\n\n"
            + ATTRIBUTES_METHOD
            + "\n\nIn a blind project an annotator gets the figures of their own work only."
            + "\n\n`label` restricts the spans compared (not the articles); `article` restricts "
            "the articles. No annotator, or one: 200 with empty `pairs`."
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
        result = selectors.project_agreement(
            project=project, user=request.user, **query.validated_data
        )
        return Response(serializers.AgreementSerializer(result).data)
