"""The REST API v1, a module per resource: thin views that scope querysets to the user and
call the services (``base`` says how)."""

from .actors import ActorViewSet
from .articles import ArticleViewSet
from .assignments import AssignmentViewSet
from .base import NotFoundView, TokenView
from .history import SpanEventViewSet
from .labels import LabelViewSet
from .projects import ProjectViewSet
from .relations import RelationViewSet
from .spans import SpanViewSet

__all__ = [
    "ActorViewSet",
    "ArticleViewSet",
    "AssignmentViewSet",
    "LabelViewSet",
    "NotFoundView",
    "ProjectViewSet",
    "RelationViewSet",
    "SpanEventViewSet",
    "SpanViewSet",
    "TokenView",
]
