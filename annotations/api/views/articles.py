"""Articles."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from annotations import selectors, services
from annotations.models import MAX_ID, Article, Span

from .. import filters, serializers
from .base import ServiceViewSet
from .gold import ArticleCurateAction
from .suggestions import ArticleSuggestionActions


@extend_schema_view(list=extend_schema(responses=serializers.ArticleListSerializer(many=True)))
class ArticleViewSet(ArticleSuggestionActions, ArticleCurateAction, ServiceViewSet):
    """Articles of your projects; the list leaves the body out. Managers change them."""

    queryset = Article.objects.none()

    serializer_class = serializers.ArticleSerializer
    update_serializer_class = serializers.ArticleUpdateSerializer
    filterset_class = filters.ArticleFilter

    def scoped_queryset(self, user):
        queryset = selectors.scope_to_user(Article.objects.all(), user=user)
        if self.action == "list":
            queryset = queryset.defer("body")
        # A correlated count rather than a join and GROUP BY: the article's row (a 200,000-
        # character body on retrieve) is not carried through a join with each of its spans.
        span_count = (
            selectors.hide_others_work(Span.objects.filter(article=OuterRef("pk")), user=user)
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return queryset.annotate(span_count=Coalesce(Subquery(span_count), 0)).order_by(
            "project_id", "-published_on", "id"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ArticleListSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        if request.query_params:  # the list's filters apply to the detail too: the general way
            return super().retrieve(request, *args, **kwargs)
        # A 200,000-character article is mostly its body: the one query is written out.
        digits = self.kwargs["pk"]  # by the route; int() refuses thousands of them
        pk = int(digits) if len(digits) <= 19 else None
        article = (
            selectors.article_detail(pk=pk, user=request.user)
            if pk is not None and pk <= MAX_ID
            else None
        )
        if article is None:
            raise Http404
        self.check_object_permissions(request, article)
        return Response(self.output(article))

    def perform_create(self, data):
        user = self.request.user
        article = services.article_create(created_by=user, user=user, **data)
        return self.refetch(article)

    def perform_update(self, article, data):
        article = services.article_update(article=article, user=self.request.user, **data)
        return self.refetch(article)

    def perform_destroy(self, article):
        services.article_delete(article=article, user=self.request.user)
