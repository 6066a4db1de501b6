"""Spans: the list (a page built from rows) and the create (one, or many all or nothing)."""

from django.core import exceptions as django_exceptions
from django.db.models import Prefetch
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
from annotations.models import (
    Span,
    SpanActor,
)

from .. import filters, serializers
from ..pagination import SpanCursorPagination, SpanSearchCursorPagination
from .base import ServiceViewSet
from .gold import SpanPromoteAction


def spans_for_api(user):
    """Spans of the user's projects with what the span serializer renders, in two queries;
    in a blind project an annotator's own only."""
    return selectors.hide_others_work(
        selectors.scope_to_user(
            Span.objects.select_related("annotator").prefetch_related(
                Prefetch("span_actors", queryset=SpanActor.objects.order_by("id"))
            ),
            user=user,
        ),
        user=user,
    )


_SPAN_OR_LIST = PolymorphicProxySerializer(
    component_name="SpanOrList",
    serializers=[serializers.SpanSerializer, serializers.SpanSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    create=extend_schema(
        description="One span, or a list of spans created all or nothing.",
        request=_SPAN_OR_LIST,
        responses={
            201: _SPAN_OR_LIST,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="One span: DRF's field messages. A list: "
                '`{"items": [{"index", "errors"}]}`, each refused item by its index '
                "(from 0) with its field messages; nothing is created.",
            ),
        },
    ),
    partial_update=extend_schema(
        description="Carries the version the change is based on: missing → 400, stale → 409.",
    ),
)
class SpanViewSet(SpanPromoteAction, ServiceViewSet):
    """Spans of your projects, paged by cursor in id order."""

    queryset = Span.objects.none()

    serializer_class = serializers.SpanSerializer
    update_serializer_class = serializers.SpanUpdateSerializer
    filterset_class = filters.SpanFilter
    pagination_class = SpanCursorPagination

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.hide_others_work(
                selectors.scope_to_user(Span.objects.all(), user=user), user=user
            )
        return spans_for_api(user)

    def list(self, request, *args, **kwargs):
        # Rows, not model instances: a page of 1,000 spans is built in one pass by span_page,
        # which answers exactly what SpanSerializer does (tests/api/test_spans_fast.py).
        article = serializers.plain_article_page(request.query_params)
        if article is not None:
            rows = serializers.ArticleSpanPage(article=article, user=request.user)
        else:
            queryset = self.filter_queryset(self.get_queryset())
            if "search_rank" in queryset.query.annotations:
                # Ranked (?search=): the rank rides last in each row for the cursor, then goes.
                self._paginator = SpanSearchCursorPagination()
                rows = queryset.values_list(*serializers.span_page_columns(), "search_rank")
                page = [row[:-1] for row in self.paginate_queryset(rows)]
                return self.get_paginated_response(serializers.span_page(page))
            rows = queryset.values_list(*serializers.span_page_columns())
        return self.get_paginated_response(serializers.span_page(self.paginate_queryset(rows)))

    def create(self, request, *args, **kwargs):
        """One route into ``services.span_create``, which picks its way (one statement on
        PostgreSQL, else the ORM). A plain one-span input (``plain_span_input``: the
        serializer's rules, without its per-field machinery) goes with the article and label
        as ids, which the service reads with its other facts. Anything else, and any plain
        input the service refuses (it wrote nothing), goes through the serializer, so a
        refusal is answered as ever: an id outside your projects is "does not exist"."""
        values = serializers.plain_span_input(request.data)
        if values is not None:
            try:
                span = services.span_create(annotator=request.user, **values)
            except (
                django_exceptions.ValidationError,
                django_exceptions.PermissionDenied,
                django_exceptions.ObjectDoesNotExist,
            ):
                pass  # the serializer's way below answers the refusal
            else:
                span.api_actors = []  # none were given: nothing to read back
                return Response(
                    serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED
                )
        many = isinstance(request.data, list)
        serializer = serializers.SpanSerializer(
            data=request.data,
            many=many,
            context=self.get_serializer_context(),
            **({"allow_empty": False, "max_length": serializers.MAX_BULK} if many else {}),
        )
        serializer.is_valid(raise_exception=True)
        user = request.user
        if many:
            spans = services.span_bulk_create(
                items=[dict(item) for item in serializer.validated_data], annotator=user
            )
            spans = self.get_queryset().filter(pk__in=[span.pk for span in spans]).order_by("id")
            data = serializers.SpanSerializer(spans, many=True).data
            return Response(data, status=status.HTTP_201_CREATED)
        span = services.span_create(annotator=user, **serializer.validated_data)
        if not serializer.validated_data.get("actors"):
            span.api_actors = []  # nothing to read back: no query on the hot path
        return Response(serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED)

    def perform_update(self, span, data):
        span = services.span_update(span=span, user=self.request.user, **data)
        return self.refetch(span)

    def perform_destroy(self, span):
        services.span_delete(span=span, user=self.request.user)
