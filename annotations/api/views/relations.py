"""Relations between two spans of one article."""

from annotations import selectors, services
from annotations.models import Relation

from .. import filters, serializers
from .base import ServiceViewSet


class RelationViewSet(ServiceViewSet):
    """Typed links between two spans of one article; only their annotator changes them."""

    queryset = Relation.objects.none()

    serializer_class = serializers.RelationSerializer
    update_serializer_class = serializers.RelationUpdateSerializer
    filterset_class = filters.RelationFilter

    def scoped_queryset(self, user):
        queryset = Relation.objects.select_related("annotator").order_by("id")
        if self.action in ("partial_update", "destroy"):
            queryset = queryset.select_related("article", "from_span", "to_span").defer(
                "article__body"
            )
        queryset = selectors.scope_to_user(queryset, user=user, project_field="article__project")
        # In a blind project an annotator sees their own relations only.
        return selectors.hide_others_work(queryset, user=user, project_field="article__project")

    def perform_create(self, data):
        return services.relation_create(annotator=self.request.user, **data)

    def perform_update(self, relation, data):
        return services.relation_update(relation=relation, user=self.request.user, **data)

    def perform_destroy(self, relation):
        services.relation_delete(relation=relation, user=self.request.user)
