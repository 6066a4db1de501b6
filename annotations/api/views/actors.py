"""The actor registry."""

from annotations import selectors, services
from annotations.models import Actor

from .. import filters, serializers
from .base import ServiceViewSet


class ActorViewSet(ServiceViewSet):
    """The actor registry shared by all projects; only staff delete (409 while in use)."""

    queryset = Actor.objects.none()

    serializer_class = serializers.ActorSerializer
    update_serializer_class = serializers.ActorUpdateSerializer
    filterset_class = filters.ActorFilter

    def scoped_queryset(self, user):
        return selectors.actors_with_counts(user=user).order_by("name", "id")

    def perform_create(self, data):
        return self.refetch(services.actor_create(**data))

    def perform_update(self, actor, data):
        return self.refetch(services.actor_update(actor=actor, **data))

    def perform_destroy(self, actor):
        services.actor_delete(actor=actor, user=self.request.user)
