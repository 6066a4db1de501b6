"""Assay's domain, a module per concern: ``core`` (projects, labels, articles, actors, spans,
relations, the span history, assignments), ``suggestions`` (dismissals, a project's suggestion
server), ``jobs`` and ``search`` (PostgreSQL's search rows of the articles). Every model
and constant is importable from here, as before."""

from .core import *  # noqa: F403
from .core import MAX_ID, MAX_OFFSET, _choice_check  # noqa: F401  (underscored: not in *)
from .jobs import Job, JobKind, JobStatus  # noqa: F401
from .search import ArticleSearch  # noqa: F401
from .suggestions import SuggestionBackend, SuggestionDismissal  # noqa: F401
