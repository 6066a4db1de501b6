"""Spans: the list (a page built from rows) and the create (one, or many all or nothing)."""

import functools
import json

from django.core import exceptions as django_exceptions
from django.db import connection
from django.db.models import Prefetch
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
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
    Article,
    Label,
    Membership,
    Span,
    SpanActor,
)

from .. import filters, serializers
from ..pagination import SpanCursorPagination
from .base import ServiceViewSet


def spans_for_api(user):
    """Spans of the user's projects with what the span serializer renders, in two queries."""
    return selectors.scope_to_user(
        Span.objects.select_related("annotator").prefetch_related(
            Prefetch("span_actors", queryset=SpanActor.objects.order_by("id"))
        ),
        user=user,
    )


@functools.cache
def _label_of_article_sql(member_check: bool) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    label, article, membership = Label._meta, Article._meta, Membership._meta
    fields = label.concrete_fields
    project = quote(label.get_field("project").column)
    sql = (
        f"SELECT {', '.join('l.' + quote(f.column) for f in fields)} "
        f"FROM {quote(label.db_table)} l WHERE l.{quote(label.pk.column)} = %s "
        f"AND l.{project} = (SELECT a.{quote(article.get_field('project').column)} "
        f"FROM {quote(article.db_table)} a WHERE a.{quote(article.pk.column)} = %s)"
    )
    if member_check:
        sql += (
            f" AND EXISTS (SELECT 1 FROM {quote(membership.db_table)} m "
            f"WHERE m.{quote(membership.get_field('project').column)} = l.{project} "
            f"AND m.{quote(membership.get_field('user').column)} = %s)"
        )
    return sql, [f.attname for f in fields]


def _label_of_article(label_id: int, article_id: int, user) -> Label | None:
    """The label, if it and the article are of one project of the user's: the three lookups of
    a span create (article, label, the user's projects) in one query, written out because the
    ORM takes longer to build it than the database to answer it."""
    sql, attnames = _label_of_article_sql(not user.is_superuser)
    params = [label_id, article_id] + ([] if user.is_superuser else [user.pk])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else Label.from_db(connection.alias, attnames, row)


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
class SpanViewSet(ServiceViewSet):
    """Spans of your projects, paged by cursor in id order."""

    queryset = Span.objects.none()

    serializer_class = serializers.SpanSerializer
    update_serializer_class = serializers.SpanUpdateSerializer
    filterset_class = filters.SpanFilter
    pagination_class = SpanCursorPagination

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.scope_to_user(Span.objects.all(), user=user)
        return spans_for_api(user)

    def list(self, request, *args, **kwargs):
        # Rows, not model instances: a page of 1,000 spans is built in one pass by span_rows,
        # which answers exactly what SpanSerializer does (tests/test_api_spans_fast.py).
        article = serializers.plain_article_page(request.query_params)
        if article is not None:
            rows = serializers.ArticleSpanRows(article=article, user=request.user)
        else:
            queryset = self.filter_queryset(self.get_queryset())
            rows = queryset.values_list(*serializers.span_row_columns())
        return self.get_paginated_response(serializers.span_rows(self.paginate_queryset(rows)))

    def _plain_create(self, request):
        """A one-span create the fast way, or None when the input needs the serializer.

        ``plain_span_input`` validates as SpanSerializer would; then the label, the
        article's project and the user's membership come in one query (the serializer's
        fields take three). Whatever that query does not find (a missing id, another
        project's, a label of another project than the article's) goes the serializer's way,
        which answers the same errors as ever.
        """
        values = serializers.plain_span_input(request.data)
        if values is None:
            return None
        user = request.user
        if connection.vendor == "postgresql" and values.get("status") in (None, "pending"):
            # span_create reads the article and label in its one statement: ids suffice.
            # Whatever it refuses wrote nothing, and the serializer's way answers the error.
            values["label"], values["article"] = (
                Label(pk=values["label"]),
                Article(pk=values["article"]),
            )
            try:
                span = services.span_create(annotator=user, **values)
            except (
                django_exceptions.ValidationError,
                django_exceptions.PermissionDenied,
                django_exceptions.ObjectDoesNotExist,
            ):
                return None
            span.api_actors = []
            return Response(serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED)
        label = _label_of_article(values["label"], values["article"], user)
        if label is None:
            return None
        values["label"] = label
        # As ArticleIdField resolves it: only the id and project, the body deferred.
        values["article"] = Article.from_db(
            label._state.db, ["id", "project_id"], [values["article"], label.project_id]
        )
        span = services.span_create(annotator=user, **values)
        span.api_actors = []  # none were given: nothing to read back
        return Response(serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED)

    def create(self, request, *args, **kwargs):
        response = self._plain_create(request)
        if response is not None:
            return response
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


# --- benchmark floor ------------------------------------------------------------------------


@csrf_exempt
def bench_floor(request):
    """The cheapest possible span write: parse JSON, one INSERT, answer JSON.

    Routed only when ASSAY_BENCH_FLOOR=1 (bench/api_bench.py): the yardstick the API's span
    create is compared with, on the same server and database.
    """
    if request.method != "POST":
        return JsonResponse({"detail": "POST only."}, status=405)
    data = json.loads(request.body)
    span = Span.objects.create(
        article_id=data["article"],
        project_id=data["project"],
        label_id=data["label"],
        annotator_id=data["annotator"],
        start=data["start"],
        end=data["end"],
        text=data["text"],
    )
    return JsonResponse({"id": span.pk}, status=201)
