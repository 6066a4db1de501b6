from django.urls import path

from .views import (
    actors,
    agreement,
    analytics,
    annotate,
    annotate_suggestions,
    io,
    jobs,
    labels,
    members,
    projects,
    review,
    search,
    span_panel,
    span_undo,
)

app_name = "annotations"

article = "projects/<slug:slug>/articles/<int:article_id>/"
span = article + "spans/<int:span_id>/"

urlpatterns = [
    path("", projects.project_list, name="project-list"),
    path("search/", search.search_page, name="search"),
    path("projects/<slug:slug>/", projects.project_detail, name="project-detail"),
    path("projects/<slug:slug>/analytics/", analytics.project_analytics, name="analytics"),
    path("projects/<slug:slug>/labels/", labels.label_scheme, name="label-scheme"),
    path("projects/<slug:slug>/labels.css", labels.label_css, name="label-css"),
    path("projects/<slug:slug>/members/", members.project_members, name="project-members"),
    path(
        "projects/<slug:slug>/members/<str:username>/role/",
        members.member_role,
        name="member-role",
    ),
    path(
        "projects/<slug:slug>/members/<str:username>/remove/",
        members.member_remove,
        name="member-remove",
    ),
    path("projects/<slug:slug>/export/", io.project_export, name="project-export"),
    path(
        "projects/<slug:slug>/export/download/",
        io.project_export_download,
        name="project-export-download",
    ),
    path("projects/<slug:slug>/import/", io.project_import, name="project-import"),
    path("projects/<slug:slug>/export/job/", jobs.project_export_job, name="project-export-job"),
    path("projects/<slug:slug>/jobs/<int:job_id>/", jobs.job_detail, name="job-detail"),
    path(
        "projects/<slug:slug>/jobs/<int:job_id>/download/",
        jobs.job_download,
        name="job-download",
    ),
    path(
        "projects/<slug:slug>/agreement/",
        agreement.project_agreement,
        name="project-agreement",
    ),
    path("projects/<slug:slug>/review/", review.project_review, name="project-review"),
    path("projects/<slug:slug>/review/<int:span_id>/", review.span_review, name="span-review"),
    path("projects/<slug:slug>/review/bulk/", review.review_bulk, name="review-bulk"),
    path("projects/<slug:slug>/labels/<int:label_id>/", labels.label_edit, name="label-edit"),
    path("projects/<slug:slug>/labels/<int:label_id>/move/", labels.label_move, name="label-move"),
    path(article, annotate.annotate, name="annotate"),
    path(article + "done/", annotate.article_done, name="article-done"),
    path(article + "spans/", annotate.span_create, name="span-create"),
    path(
        article + "suggestions/accept-all/",
        annotate_suggestions.suggestions_accept_all,
        name="suggestions-accept-all",
    ),
    path(article + "label-all/", annotate_suggestions.label_all, name="label-all"),
    path(span, span_panel.span_panel, name="span-panel"),
    path(span + "proposals/", span_panel.span_proposals, name="span-proposals"),
    path(span + "edit/", span_panel.span_edit, name="span-edit"),
    path(span + "delete/", span_panel.span_delete, name="span-delete"),
    path(span + "actors/", span_panel.span_actor_add, name="span-actor-add"),
    path(span + "actors/remove/", span_panel.span_actor_remove, name="span-actor-remove"),
    path(span + "actors/search/", span_panel.span_actor_search, name="span-actor-search"),
    path(span + "relations/", span_panel.span_relation_add, name="span-relation-add"),
    path(span + "relations/form/", span_panel.span_relation_form, name="span-relation-form"),
    path(span + "relations/remove/", span_panel.span_relation_remove, name="span-relation-remove"),
    path(article + "history/<int:event_id>/restore/", span_panel.span_restore, name="span-restore"),
    path(article + "history/revert/", span_undo.span_revert, name="span-revert"),
    path("actors/", actors.actor_list, name="actor-list"),
    path("actors/<int:actor_id>/", actors.actor_edit, name="actor-edit"),
    path("actors/<int:actor_id>/merge/", actors.actor_merge, name="actor-merge"),
]
