"""Every write in Assay goes through a function here.

The pages, the API, the admin, the importers and the management commands call these functions,
so each rule of the SPEC exists once: offsets are code points inside the body, ``text`` equals
``body[start:end]``, line endings become ``\\n``, NUL characters and lone surrogates are refused,
a body is frozen once spans refer to it, a change carries the ``version`` it was based on, and
each span change is recorded in the history in the same transaction.

Errors: ``django.core.exceptions.ValidationError`` (bad input, 400), ``PermissionDenied``
(the role does not allow it, 403) and ``annotations.errors.Conflict`` (409).
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
from .history import span_snapshot
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
    membership_remove,
    membership_set,
    project_create,
    project_delete,
    project_update,
)
from .relations import relation_create, relation_delete, relation_update
from .span_rules import span_offsets_validate, span_values_validate
from .spans import (
    SPAN_EDITABLE,
    BulkValidationError,
    span_bulk_create,
    span_create,
    span_delete,
    span_restore,
    span_update,
)
from .validation import MAX_JSON_DEPTH, check_json, check_text, normalize_newlines

__all__ = [
    "ARTICLE_FIELDS",
    "MAX_JSON_DEPTH",
    "RESERVED_HOTKEYS",
    "SPAN_EDITABLE",
    "BulkValidationError",
    "DuplicateArticle",
    "actor_create",
    "actor_delete",
    "actor_merge",
    "actor_search_text",
    "actor_update",
    "actor_validate",
    "article_create",
    "article_delete",
    "article_mark_done",
    "article_update",
    "article_validate",
    "body_sha256",
    "check_json",
    "check_text",
    "label_create",
    "label_delete",
    "label_in_use",
    "label_move",
    "label_update",
    "membership_remove",
    "membership_set",
    "normalize_newlines",
    "project_create",
    "project_delete",
    "project_update",
    "relation_create",
    "relation_delete",
    "relation_update",
    "span_bulk_create",
    "span_create",
    "span_delete",
    "span_offsets_validate",
    "span_restore",
    "span_snapshot",
    "span_update",
    "span_values_validate",
]
