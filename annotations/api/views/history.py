"""The span history and its restore."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import selectors, services
from annotations.models import SpanEvent

from .. import filters, serializers
from .base import ScopedMixin
from .spans import spans_for_api


class SpanEventViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Every create, change, delete and restore of a span, newest first."""

    queryset = SpanEvent.objects.none()

    serializer_class = serializers.SpanEventSerializer
    filterset_class = filters.SpanEventFilter

    def scoped_queryset(self, user):
        events = selectors.scope_to_user(SpanEvent.objects.select_related("user"), user=user)
        # In a blind project an annotator sees the history of their own spans only.
        username = user.get_username()
        events = selectors.hide_others_work(
            events,
            user=user,
            owner=Q(after__annotator=username) | Q(before__annotator=username),
        )
        return events.order_by("-at", "-id")

    @extend_schema(
        request=None,
        responses={200: serializers.SpanSerializer},
        summary="Put the span back as it was before this event",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request, pk=None):
        event = self.get_object()
        span = services.span_restore(event=event, user=request.user)
        span = spans_for_api(request.user).get(pk=span.pk)
        return Response(serializers.SpanSerializer(span).data)
