"""Fields every serializer shares: text only where text belongs, and ids resolved among the
requesting user's objects only."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotations import selectors
from annotations.models import (
    MAX_ID,
    Article,
    Label,
    Membership,
    Project,
    Span,
)

MAX_TEXT = 10_000
MAX_BULK = 5_000

User = get_user_model()
DATETIME = serializers.DateTimeField()  # DRF's form of a timestamp, for hand-built answers


class CharField(serializers.CharField):
    """Text only: a number or a boolean where text belongs is a mistake, not a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects of the requesting user's projects.

    Resolved objects are cached per request, so a list of spans on one article and label
    costs one query for each (plus one for the user's projects), not one per item. Another
    project's object answers "does not exist", exactly as a missing one does.
    """

    default_error_messages = {
        "does_not_exist": "Invalid pk “{pk_value}” - object does not exist.",
        "incorrect_type": "Incorrect type. Expected pk value, received {data_type}.",
    }

    def __init__(self, *, project_field="project", **kwargs):
        self.project_field = project_field
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return selectors.scope_to_user(
            super().get_queryset(), user=user, project_field=self.project_field
        )

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        cache = self.context.setdefault("_resolved", {})
        key = (self.queryset.model, data)
        if key not in cache:
            # Plain lookups by pk, then the project checked against the user's (one query a
            # request): cheaper than a subquery per field. No ordering: the models' default
            # orderings would join the project for nothing.
            found = list(self.queryset.filter(pk=data).order_by()[:1])
            cache[key] = found[0] if found and self._in_scope(found[0]) else None
        if cache[key] is None:
            self.fail("does_not_exist", pk_value=data)
        return cache[key]

    def _in_scope(self, obj) -> bool:
        user = self.context["request"].user
        if user.is_superuser:
            return True
        if "_project_ids" not in self.context:
            self.context["_project_ids"] = set(
                Membership.objects.filter(user=user).values_list("project_id", flat=True)
            )
        project_id = obj.pk if self.project_field == "pk" else obj.project_id
        return project_id in self.context["_project_ids"]


class ProjectIdField(ScopedPrimaryKeyRelatedField):
    # Querysets as class attributes: DRF deep-copies field kwargs for every serializer.
    queryset = Project.objects.all()

    def __init__(self, **kwargs):
        super().__init__(project_field="pk", **kwargs)


class ArticleIdField(ScopedPrimaryKeyRelatedField):
    queryset = Article.objects.only("id", "project_id")  # never the body


class LabelIdField(ScopedPrimaryKeyRelatedField):
    queryset = Label.objects.all()


class SpanIdField(ScopedPrimaryKeyRelatedField):
    queryset = Span.objects.only("id", "article_id", "project_id")
