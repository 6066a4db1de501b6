import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

if os.environ.get("ASSAY_BENCH_FLOOR") == "1":  # bench/api_bench.py only, never in production
    from bench.floor import bench_floor

    # Before the API's own paths, whose last one answers 404 for any other path.
    urlpatterns.append(path("api/v1/bench/floor/", bench_floor, name="api-bench-floor"))

urlpatterns += [
    path("api/v1/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]
