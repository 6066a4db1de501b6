"""A project's labels."""

from annotations import selectors, services
from annotations.models import Label

from .. import filters, serializers
from .base import ServiceViewSet


class LabelViewSet(ServiceViewSet):
    """A project's labels; only managers change them. A label in use cannot be deleted."""

    queryset = Label.objects.none()

    serializer_class = serializers.LabelSerializer
    update_serializer_class = serializers.LabelUpdateSerializer
    filterset_class = filters.LabelFilter

    def scoped_queryset(self, user):
        return selectors.scope_to_user(Label.objects.select_related("project"), user=user).order_by(
            "project_id", "order", "name", "id"
        )

    def perform_create(self, data):
        return services.label_create(user=self.request.user, **data)

    def perform_update(self, label, data):
        return services.label_update(label=label, user=self.request.user, **data)

    def perform_destroy(self, label):
        services.label_delete(label=label, user=self.request.user)
