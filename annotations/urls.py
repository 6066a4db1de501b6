from django.urls import path

from . import views

app_name = "annotations"

article = "projects/<slug:slug>/articles/<int:article_id>/"
span = article + "spans/<int:span_id>/"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<slug:slug>/", views.project_detail, name="project-detail"),
    path("projects/<slug:slug>/labels/", views.label_scheme, name="label-scheme"),
    path("projects/<slug:slug>/export/", views.project_export, name="project-export"),
    path(
        "projects/<slug:slug>/export/download/",
        views.project_export_download,
        name="project-export-download",
    ),
    path("projects/<slug:slug>/import/", views.project_import, name="project-import"),
    path("projects/<slug:slug>/agreement/", views.project_agreement, name="project-agreement"),
    path("projects/<slug:slug>/review/", views.project_review, name="project-review"),
    path("projects/<slug:slug>/review/<int:span_id>/", views.span_review, name="span-review"),
    path("projects/<slug:slug>/labels/<int:label_id>/", views.label_edit, name="label-edit"),
    path("projects/<slug:slug>/labels/<int:label_id>/move/", views.label_move, name="label-move"),
    path(article, views.annotate, name="annotate"),
    path(article + "done/", views.article_done, name="article-done"),
    path(article + "spans/", views.span_create, name="span-create"),
    path(span, views.span_panel, name="span-panel"),
    path(span + "edit/", views.span_edit, name="span-edit"),
    path(span + "delete/", views.span_delete, name="span-delete"),
    path(span + "actors/", views.span_actor_add, name="span-actor-add"),
    path(span + "actors/remove/", views.span_actor_remove, name="span-actor-remove"),
    path(span + "actors/search/", views.span_actor_search, name="span-actor-search"),
    path(span + "relations/", views.span_relation_add, name="span-relation-add"),
    path(span + "relations/form/", views.span_relation_form, name="span-relation-form"),
    path(span + "relations/remove/", views.span_relation_remove, name="span-relation-remove"),
    path(article + "history/<int:event_id>/restore/", views.span_restore, name="span-restore"),
    path("actors/", views.actor_list, name="actor-list"),
    path("actors/<int:actor_id>/", views.actor_edit, name="actor-edit"),
    path("actors/<int:actor_id>/merge/", views.actor_merge, name="actor-merge"),
]
