"""Reads shared by the pages, the API and the exports, scoped to what a user may see: a module
per concern. The names other modules import are re-exported here."""

from .actors import actors_search, actors_with_counts
from .agreement import AgreementBasis, project_agreement
from .analytics import (
    ActorChoices,
    AnalyticsFilters,
    actor_choices,
    actors_ranked,
    project_timeline,
    source_distribution,
    sources_and_ranked,
)
from .articles import (
    ArticleTarget,
    article_detail,
    article_neighbours,
    article_target,
    project_articles,
)
from .exports import (
    ExportActor,
    ExportArticle,
    ExportRelation,
    ExportSpan,
    export_articles,
)
from .gold import GoldStatus, article_gold_status
from .scope import (
    articles_for_user,
    blind_project_ids,
    hide_others_work,
    projects_for_user,
    scope_to_user,
    spans_for_user,
    visible_annotator,
)
from .spans import (
    AnnotateSpan,
    annotate_spans,
    annotate_spans_near,
    article_span_counts,
    span_actor_links,
    span_labels,
    span_links,
    span_version_snapshot,
)
from .suggestions import (
    ArticleSuggestions,
    SpanProposals,
    article_for_suggestions,
    article_suggestions,
    builtin_suggestions,
    registry_names,
    registry_stamp,
    span_proposals,
    suggestion_backend_of,
)

__all__ = [
    "ActorChoices",
    "AgreementBasis",
    "AnalyticsFilters",
    "AnnotateSpan",
    "ArticleSuggestions",
    "ArticleTarget",
    "ExportActor",
    "ExportArticle",
    "ExportRelation",
    "ExportSpan",
    "GoldStatus",
    "SpanProposals",
    "actor_choices",
    "actors_ranked",
    "actors_search",
    "actors_with_counts",
    "annotate_spans",
    "annotate_spans_near",
    "article_detail",
    "article_for_suggestions",
    "article_gold_status",
    "article_neighbours",
    "article_span_counts",
    "article_suggestions",
    "article_target",
    "articles_for_user",
    "blind_project_ids",
    "builtin_suggestions",
    "export_articles",
    "hide_others_work",
    "project_agreement",
    "project_articles",
    "project_timeline",
    "projects_for_user",
    "registry_names",
    "registry_stamp",
    "scope_to_user",
    "source_distribution",
    "sources_and_ranked",
    "span_actor_links",
    "span_labels",
    "span_links",
    "span_proposals",
    "span_version_snapshot",
    "spans_for_user",
    "suggestion_backend_of",
    "visible_annotator",
]
