"""What every page family needs: the project among the user's, the filters' small parsers."""

from django.shortcuts import get_object_or_404

from ..models import (
    Label,
    LabelKind,
)
from ..selectors import projects_for_user


def _project(request, slug: str):
    return get_object_or_404(projects_for_user(user=request.user), slug=slug)


def _search_words(request, name: str = "q") -> str:
    """A search box's words, bounded; a NUL (which PostgreSQL text cannot hold) dropped."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:100]


def _whole_number(value: str) -> int | None:
    """A form or query value as an id or version: decimal digits within bigint, else None
    (``"²".isdigit()`` is true but no number; 5,000 digits are past Python's int limit)."""
    return int(value) if value.isdecimal() and len(value) <= 18 else None


def _label_and_annotator_choices(project) -> tuple[list[tuple[int, str]], list[str]]:
    """The project's span labels ``(id, name)`` in scheme order and its members' usernames:
    what the export and review filters offer (partials/label_annotator_fields.html)."""
    labels = list(
        Label.objects.filter(project=project, kind=LabelKind.SPAN)
        .order_by("order", "name")
        .values_list("pk", "name")
    )
    annotators = list(
        project.memberships.order_by("user__username").values_list("user__username", flat=True)
    )
    return labels, annotators


def filter_spans(spans, picked: dict):
    """Spans with the status, label and annotator picked (``SpanFilterForm``; "" is any)."""
    if picked.get("status"):
        spans = spans.filter(status=picked["status"])
    if picked.get("label"):
        spans = spans.filter(label_id=int(picked["label"]))
    if picked.get("annotator"):
        spans = spans.filter(annotator__username=picked["annotator"])
    return spans
