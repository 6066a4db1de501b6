"""Projects and their members."""

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import selectors, services
from annotations.models import Membership, Project
from annotations.permissions import SUPERUSER_ROLE

from .. import serializers
from ..pagination import PagePagination
from .agreement import ProjectAgreementAction
from .analytics import ProjectAnalyticsActions
from .base import ServiceViewSet, User
from .datasets import ProjectDatasetActions
from .gold import ProjectAssignAction
from .suggestions import ProjectSuggestionBackendAction


class ProjectViewSet(
    ProjectDatasetActions,
    ProjectAgreementAction,
    ProjectSuggestionBackendAction,
    ProjectAnalyticsActions,
    ProjectAssignAction,
    ServiceViewSet,
):
    """Projects you are a member of; any signed-in user may create one and becomes manager."""

    queryset = Project.objects.none()

    serializer_class = serializers.ProjectSerializer

    def scoped_queryset(self, user):
        role = Subquery(
            Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        )
        if user.is_superuser:
            role = Coalesce(role, Value(SUPERUSER_ROLE))
        return selectors.scope_to_user(
            Project.objects.all(), user=user, project_field="pk"
        ).annotate(my_role=role)

    def perform_create(self, data):
        project = services.project_create(creator=self.request.user, **data)
        return self.refetch(project)

    def perform_update(self, project, data):
        project = services.project_update(project=project, user=self.request.user, **data)
        return self.refetch(project)

    def perform_destroy(self, project):
        services.project_delete(project=project, user=self.request.user)

    def _member(self, username):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationError({"username": [f"No user named “{username}”."]})
        return user

    @extend_schema(
        summary="The project's members and their roles",
        responses=serializers.MemberSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=serializers.MemberSerializer,
        pagination_class=PagePagination,
        filter_backends=[],
    )
    def members(self, request, pk=None):
        project = self.get_object()
        memberships = project.memberships.select_related("user").order_by("user__username")
        page = self.paginate_queryset(memberships)
        data = serializers.MemberSerializer(page, many=True).data
        return self.get_paginated_response(data)

    # Its own handler, not a branch of ``members``: HEAD is answered as GET, never as a write.
    @extend_schema(
        summary="Add a member, or change the role of one",
        request=serializers.MemberSerializer,
        responses={201: serializers.MemberSerializer},
    )
    @members.mapping.post
    def add_member(self, request, pk=None):
        project = self.get_object()
        serializer = serializers.MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set(
            project=project,
            user=request.user,
            member=self._member(serializer.validated_data["user"]["username"]),
            role=serializer.validated_data["role"],
        )
        return Response(
            serializers.MemberSerializer(membership).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        methods=["PATCH"],
        summary="Change a member's role",
        request=serializers.MemberRoleSerializer,
        responses=serializers.MemberSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="Remove a member", responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"members/(?P<username>[\w.@+-]{1,150})",
        serializer_class=serializers.MemberRoleSerializer,
        filter_backends=[],
    )
    def member(self, request, pk=None, username=None):
        project = self.get_object()
        membership = get_object_or_404(
            Membership.objects.select_related("user"), project=project, user__username=username
        )
        if request.method == "DELETE":
            services.membership_remove(project=project, user=request.user, member=membership.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = serializers.MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set(
            project=project,
            user=request.user,
            member=membership.user,
            role=serializer.validated_data["role"],
        )
        return Response(serializers.MemberSerializer(membership).data)
