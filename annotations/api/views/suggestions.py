"""An article's suggestions, their dismissals, and label all occurrences (actions of
``ArticleViewSet``); a project's suggestion server (an action of ``ProjectViewSet``)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import selectors, services
from annotations.models import MAX_ID, Article
from annotations.permissions import MANAGER_ROLES, check_role, user_role

from .. import serializers
from .spans import spans_for_api


def _article(pk, user) -> Article:
    """The article if it is in one of the user's projects, else 404."""
    digits = str(pk)
    if not digits.isdigit() or len(digits) > 19 or int(digits) > MAX_ID:
        raise Http404
    article = selectors.article_for_suggestions(pk=int(digits), user=user)
    if article is None:
        raise Http404
    return article


class ArticleSuggestionActions:
    """``articles/{id}/suggestions/``, ``articles/{id}/suggestions/dismiss/`` and
    ``articles/{id}/label-all/``."""

    @extend_schema(
        summary="What Assay proposes on the article",
        description=(
            "Actor mentions of the registry (`actor`), ICD 203 phrases (`estimative`) and "
            "attributed statements (`source`, the speaker as `actor` with `role` `source`), "
            "and a project suggestion server's, ordered by start. A suggestion you already "
            "made (a span of yours at the same offsets) or dismissed is left out. Members."
        ),
        responses={200: serializers.SuggestionsSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def suggestions(self, request, pk=None):
        article = _article(pk, request.user)
        found = selectors.article_suggestions(article=article, user=request.user)
        data = {"results": [suggestion.as_dict() for suggestion in found.results]}
        if found.notes:
            data["notes"] = found.notes
        return Response(data)

    @extend_schema(
        summary="Dismiss a suggestion (POST), or bring it back (DELETE)",
        description=(
            "The suggestion of `kind` at `start`/`end` is not proposed to you again while "
            "the article's text there stays the same. Dismissing twice is no error (200). "
            "DELETE with the same body forgets the dismissal (204; 404 if there was none)."
        ),
        request=serializers.DismissSerializer,
        responses={
            201: serializers.DismissalSerializer,
            200: serializers.DismissalSerializer,
            204: OpenApiResponse(description="Forgotten (DELETE)."),
        },
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        url_path="suggestions/dismiss",
        filter_backends=[],
        pagination_class=None,
    )
    def dismiss(self, request, pk=None):
        article = _article(pk, request.user)
        serializer = serializers.DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if request.method == "DELETE":
            data.pop("text", None)
            if not services.suggestion_undismiss(article=article, user=request.user, **data):
                raise Http404
            return Response(status=status.HTTP_204_NO_CONTENT)
        dismissal, created = services.suggestion_dismiss(article=article, user=request.user, **data)
        return Response(
            serializers.DismissalSerializer(dismissal).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Label all occurrences of a phrase",
        description=(
            "The phrase is the selection (`start`, `end`) or `text`; the same span (label, "
            "actors, probability, confidence, note) is made at each of its occurrences in the "
            "article (as written and on word boundaries, unless `match_case` or "
            "`whole_words` is false), in one request: all or nothing. An occurrence where you "
            "already have a span with that label is skipped and counted."
        ),
        request=serializers.LabelAllSerializer,
        responses={
            201: serializers.LabelAllResultSerializer,
            200: serializers.LabelAllResultSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="label-all",
        filter_backends=[],
        pagination_class=None,
    )
    def label_all(self, request, pk=None):
        article = _article(pk, request.user)
        serializer = serializers.LabelAllSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        result = services.span_label_all(
            article=article, annotator=request.user, **serializer.validated_data
        )
        spans = spans_for_api(request.user).filter(pk__in=[s.pk for s in result.created])
        data = {
            "created": len(result.created),
            "skipped_existing": result.skipped_existing,
            "spans": serializers.SpanSerializer(spans.order_by("start", "id"), many=True).data,
        }
        return Response(data, status=status.HTTP_201_CREATED if result.created else 200)


class ProjectSuggestionBackendAction:
    """``projects/{id}/suggestion-backend/``: the project's suggestion server, managers only
    (docs/suggestions.md)."""

    @extend_schema(
        summary="The project's suggestion server (the ML backend protocol)",
        description=(
            "Managers only. GET answers the server set (404 when none); POST sets it "
            "(`url`, `timeout_ms` 100-10,000, `enabled`); DELETE removes it. Each "
            "suggestions request of the project POSTs the article to it "
            "(docs/suggestions.md)."
        ),
        request=serializers.SuggestionBackendSerializer,
        responses={
            200: serializers.SuggestionBackendSerializer,
            204: OpenApiResponse(description="Removed (DELETE)."),
        },
    )
    @action(
        detail=True,
        methods=["get", "post", "delete"],
        url_path="suggestion-backend",
        filter_backends=[],
        pagination_class=None,
    )
    def suggestion_backend(self, request, pk=None):
        project = self.get_object()
        user = request.user
        if request.method == "DELETE":
            services.suggestion_backend_delete(project=project, user=user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "POST":
            serializer = serializers.SuggestionBackendSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            backend = services.suggestion_backend_set(
                project=project, user=user, **serializer.validated_data
            )
            return Response(serializers.SuggestionBackendSerializer(backend).data)
        check_role(user_role(project=project, user=user), MANAGER_ROLES, "see its server")
        backend = selectors.suggestion_backend_of(project)
        if backend is None:
            raise Http404
        return Response(serializers.SuggestionBackendSerializer(backend).data)
