import os

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from . import views
from .views.jobs import JobViewSet

router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="api-project")
router.register("labels", views.LabelViewSet, basename="api-label")
router.register("articles", views.ArticleViewSet, basename="api-article")
router.register("actors", views.ActorViewSet, basename="api-actor")
router.register("spans", views.SpanViewSet, basename="api-span")
router.register("relations", views.RelationViewSet, basename="api-relation")
router.register("history", views.SpanEventViewSet, basename="api-history")
router.register("jobs", JobViewSet, basename="api-job")
router.register("assignments", views.AssignmentViewSet, basename="api-assignment")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "docs/",
        # No OPTIONS metadata: the page's HTML renderer has no template for it (405, not 500).
        # The split view serves its script as a file: the Content Security Policy allows no
        # inline script.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[AllowAny], metadata_class=None
        ),
        name="api-docs",
    ),
    *router.urls,
]

if os.environ.get("ASSAY_BENCH_FLOOR") == "1":  # bench/api_bench.py only, never in production
    from bench.floor import bench_floor

    # Among the API's routes, after the router's, so that resolving it costs what resolving
    # spans/ does: the floor is the span create's yardstick.
    urlpatterns.append(path("bench/floor/", bench_floor, name="api-bench-floor"))

# Last, and only for paths ending in a slash, so APPEND_SLASH still sends "spans" to "spans/".
urlpatterns.append(re_path(r"^.*/$", views.NotFoundView.as_view(), name="api-not-found"))
