"""Every write in Assay goes through a function here.

The pages, the API, the admin, the importers and the management commands call these functions,
so each rule of the SPEC exists once: offsets are code points inside the body, ``text`` equals
``body[start:end]``, line endings become ``\\n``, NUL characters and lone surrogates are refused,
a body is frozen once spans refer to it, a change carries the ``version`` it was based on, and
each span change is recorded in the history in the same transaction.

Where each rule lives (a module per concern; this package re-exports the public names):

- ``validation``: the input rules every service shares (``check_text``: no NUL, no lone
  surrogate; ``check_json``; ``normalize_newlines``; ``clean_fields``: each model field's own
  validation; ``UNSET``/``given`` for the fields a change names).
- ``span_rules``: each span rule once (offsets, text, label kind and project, graded fields,
  actor links, the duplicate constraint's message, and ``check_span_create``, a create's
  rules in their order); ``history``: the span snapshot and the event that records a change.
- ``spans``: span create (one or many), update, delete, restore; ``spans_sql``: the PostgreSQL
  one-statement create and the hand SQL of ``role_and_slice``, beside the ORM code they
  replace, calling the same rules (tests/services/test_spans_sql.py compares the two).
- ``gold``: promote a span into the gold layer, curate an article (unanimous, majority);
  ``assignments``: who annotates which article, one by one or spread evenly.
- ``projects`` (projects, members: a project keeps a manager), ``labels``, ``articles``,
  ``actors`` (the shared registry, merges), ``relations``, ``progress``, ``suggestions``
  (dismissals, a project's suggestion server), ``span_occurrences`` (label all occurrences).
- ``kept_counts``: the operator's repair of what PostgreSQL's triggers keep for the
  analytics (``manage.py recount --rebuild``).
- Roles are ``annotations.permissions``'s: the services ask it, none compares roles itself.

Errors: ``django.core.exceptions.ValidationError`` (bad input, 400), ``PermissionDenied``
(the role does not allow it, 403) and ``annotations.errors.Conflict`` (409). A field that is
not a parameter of a service is a ``TypeError``: callers pass only what they validated.
"""

from .actors import (
    actor_create,
    actor_delete,
    actor_merge,
    actor_search_text,
    actor_update,
    actor_validate,
)
from .articles import (
    ARTICLE_FIELDS,
    DuplicateArticle,
    article_create,
    article_delete,
    article_update,
    article_validate,
    body_sha256,
)
from .assignments import (
    BulkAssignmentError,
    assignment_create,
    assignment_delete,
    assignments_create,
    project_assign,
)
from .gold import CurateResult, CurateStrategy, article_curate, span_promote
from .history import record_event, relation_snapshot, span_snapshot
from .kept_counts import kept_counts_forget, kept_counts_rebuild
from .labels import (
    RESERVED_HOTKEYS,
    label_create,
    label_delete,
    label_in_use,
    label_move,
    label_update,
)
from .progress import article_mark_done
from .projects import (
    membership_add,
    membership_remove,
    membership_set,
    project_create,
    project_delete,
    project_update,
)
from .relations import (
    check_relation_ends,
    relation_create,
    relation_delete,
    relation_update,
)
from .review import spans_review_bulk
from .span_occurrences import LabelAllResult, phrase_occurrences, span_label_all
from .span_rules import (
    DuplicateSpan,
    check_actor_role,
    check_covered,
    check_label,
    check_label_kind,
    check_offset_values,
    check_span_create,
    clean_actor_links,
    duplicate_span_error,
    duplicate_span_id,
    duplicate_span_message,
    span_offsets_validate,
    span_values_validate,
)
from .spans import (
    span_create,
    span_delete,
    span_restore,
    span_update,
)
from .spans_bulk import BulkValidationError, span_bulk_create
from .suggestions import (
    suggestion_backend_delete,
    suggestion_backend_set,
    suggestion_dismiss,
    suggestion_undismiss,
    suggestions_accept,
)
from .undo import (
    MAX_GROUP,
    Reverted,
    check_group_size,
    describe_event,
    describe_events,
    span_event_find,
    span_event_revert,
    span_events_find,
    span_events_latest,
    span_events_revert,
)
from .validation import MAX_JSON_DEPTH, UNSET, check_json, check_text, normalize_newlines

__all__ = [
    "ARTICLE_FIELDS",
    "MAX_GROUP",
    "MAX_JSON_DEPTH",
    "RESERVED_HOTKEYS",
    "UNSET",
    "BulkAssignmentError",
    "BulkValidationError",
    "CurateResult",
    "CurateStrategy",
    "DuplicateArticle",
    "DuplicateSpan",
    "LabelAllResult",
    "Reverted",
    "actor_create",
    "actor_delete",
    "actor_merge",
    "actor_search_text",
    "actor_update",
    "actor_validate",
    "article_create",
    "article_curate",
    "article_delete",
    "article_mark_done",
    "article_update",
    "article_validate",
    "assignment_create",
    "assignment_delete",
    "assignments_create",
    "body_sha256",
    "check_actor_role",
    "check_covered",
    "check_group_size",
    "check_json",
    "check_label",
    "check_label_kind",
    "check_offset_values",
    "check_relation_ends",
    "check_span_create",
    "check_text",
    "clean_actor_links",
    "describe_event",
    "describe_events",
    "duplicate_span_error",
    "duplicate_span_id",
    "duplicate_span_message",
    "kept_counts_forget",
    "kept_counts_rebuild",
    "label_create",
    "label_delete",
    "label_in_use",
    "label_move",
    "label_update",
    "membership_add",
    "membership_remove",
    "membership_set",
    "normalize_newlines",
    "phrase_occurrences",
    "project_assign",
    "project_create",
    "project_delete",
    "project_update",
    "record_event",
    "relation_create",
    "relation_delete",
    "relation_snapshot",
    "relation_update",
    "span_bulk_create",
    "span_create",
    "span_delete",
    "span_event_find",
    "span_event_revert",
    "span_events_find",
    "span_events_latest",
    "span_events_revert",
    "span_label_all",
    "span_offsets_validate",
    "span_promote",
    "span_restore",
    "span_snapshot",
    "span_update",
    "span_values_validate",
    "spans_review_bulk",
    "suggestion_backend_delete",
    "suggestion_backend_set",
    "suggestion_dismiss",
    "suggestion_undismiss",
    "suggestions_accept",
]
