from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("", views.project_list, name="project-list"),
]
