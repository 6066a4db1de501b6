"""The gold layer's actions and the even spread of assignments: ``spans/{id}/promote/``,
``articles/{id}/curate/`` and ``projects/{id}/assign/`` (mixed into their viewsets)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import services

from .. import serializers


class ProjectAssignAction:
    """``projects/{id}/assign/``."""

    @extend_schema(
        summary="Spread the project's articles evenly over annotators",
        description="Managers. Each article ends with min(`per_article`, number of "
        "annotators) assignees, each given to the least loaded annotator not on it yet, so "
        "that no annotator gets more than one article more than another. `articles` defaults "
        "to the project's articles with fewer than `per_article` assignees. A non-member: "
        "400 naming `annotator`; `per_article` below 1 or above 100: 400.",
        request=serializers.AssignSerializer,
        responses={201: serializers.AssignResultSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def assign(self, request, pk=None):
        project = self.get_object()
        serializer = serializers.AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.project_assign(
            project=project, user=request.user, **serializer.validated_data
        )
        return Response({"created": created}, status=status.HTTP_201_CREATED)


class SpanPromoteAction:
    """``spans/{id}/promote/``."""

    @extend_schema(
        summary="Copy a span into the gold layer",
        description="Reviewers and managers. Start, end, label, actors with their roles, "
        "probability, confidence and note are copied; the original stays as it was and is "
        "the gold span's `source_span`. A gold span already at (article, start, end, label): "
        "409 naming its id. Promoting a gold span: 400.",
        request=None,
        responses={
            201: serializers.SpanSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The span is already gold."),
            409: OpenApiResponse(
                serializers.ErrorSerializer, description="A gold span is already there."
            ),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def promote(self, request, pk=None):
        span = self.get_object()
        gold = services.span_promote(span=span, user=request.user)
        return Response(self.output(self.refetch(gold)), status=status.HTTP_201_CREATED)


class ArticleCurateAction:
    """``articles/{id}/curate/``."""

    @extend_schema(
        summary="Settle the article's gold spans from its annotators' agreement",
        description="Reviewers and managers. Every (start, end, label) made by all "
        "(`unanimous`) or by more than half (`majority`) of the annotators with at least one "
        "non-gold span on the article becomes a gold span; probability, confidence and the "
        "actor set are copied where those annotators agree and left empty where not "
        "(`conflicts`). `existing` counts places already gold. An article with fewer than "
        "two annotators: 400 naming `article`.",
        request=serializers.CurateSerializer,
        responses={200: serializers.CurateResultSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def curate(self, request, pk=None):
        article = self.get_object()
        serializer = serializers.CurateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.article_curate(
            article=article, user=request.user, strategy=serializer.validated_data["strategy"]
        )
        return Response(serializers.CurateResultSerializer(result).data)
