"""Assignments: which annotator annotates which article (managers assign)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.response import Response

from annotations import selectors, services
from annotations.models import Assignment

from .. import filters, serializers
from .base import ServiceViewSet

_ONE_OR_LIST = PolymorphicProxySerializer(
    component_name="AssignmentOrList",
    serializers=[serializers.AssignmentSerializer, serializers.AssignmentSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    create=extend_schema(
        description="Managers: one `{article, annotator}`, or a list created all or nothing. "
        "An annotator who is not a member of the article's project: 400 naming `annotator`; "
        "an assignment that exists: 400.",
        request=_ONE_OR_LIST,
        responses={
            201: _ONE_OR_LIST,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="One: DRF's field messages. A list: "
                '`{"items": [{"index", "errors"}]}`; nothing is created.',
            ),
        },
    ),
    destroy=extend_schema(description="Managers remove an assignment."),
)
class AssignmentViewSet(ServiceViewSet):
    """Assignments of articles to annotators in your projects."""

    queryset = Assignment.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]

    serializer_class = serializers.AssignmentSerializer
    filterset_class = filters.AssignmentFilter

    def scoped_queryset(self, user):
        return selectors.scope_to_user(
            Assignment.objects.select_related("annotator").order_by("id"), user=user
        )

    def create(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        serializer = serializers.AssignmentSerializer(
            data=request.data,
            many=many,
            context=self.get_serializer_context(),
            **({"allow_empty": False, "max_length": serializers.MAX_BULK} if many else {}),
        )
        serializer.is_valid(raise_exception=True)
        if many:
            created = services.assignments_create(
                items=serializer.validated_data, user=request.user
            )
            data = serializers.AssignmentSerializer(created, many=True).data
        else:
            created = services.assignment_create(user=request.user, **serializer.validated_data)
            data = serializers.AssignmentSerializer(created).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, assignment):
        services.assignment_delete(assignment=assignment, user=self.request.user)
