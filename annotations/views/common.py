"""What every page family needs: the project among the user's, the filters' small parsers."""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ..models import Label, LabelKind
from ..permissions import user_role
from ..selectors import projects_for_user
from ..selectors.exports import SpanFilters


def user_project(request, slug: str):
    """The project of this slug among the user's, or 404 (another's too: it tells nothing)."""
    return get_object_or_404(projects_for_user(user=request.user), slug=slug)


def user_project_for(request, slug: str, *, may: Callable[[str | None], bool], refusal: str):
    """``user_project`` for a page some roles only see: 404 for an outsider, as everywhere;
    403 saying ``refusal`` for a member whose role ``may`` (``permissions.can_review``,
    ``can_manage``) turns down."""
    project = user_project(request, slug)
    if not may(user_role(project=project, user=request.user)):
        raise PermissionDenied(refusal)
    return project


def search_words(request, name: str = "q") -> str:
    """A search box's words, bounded; a NUL (which PostgreSQL text cannot hold) dropped."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:100]


def whole_number(value: str) -> int | None:
    """A form or query value as an id or version: decimal digits within bigint, else None
    (``"²".isdigit()`` is true but no number; 5,000 digits are past Python's int limit)."""
    return int(value) if value.isdecimal() and len(value) <= 18 else None


def id_runs(ids: Iterable[int]) -> str:
    """Ids as runs of consecutive ones, ``"12-14,20"``: a group of thousands of events made
    by one request (consecutive, mostly) stays a few bytes in a response header."""
    runs: list[list[int]] = []
    for pk in sorted(set(ids)):
        if runs and runs[-1][1] == pk - 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parse_id_runs(value: str) -> list[range] | None:
    """``id_runs``'s text as ranges (not expanded: a caller bounds their length first); None
    if a part is no id, or a run ends before it starts."""
    runs = []
    for part in value.split(","):
        first, dash, last = part.partition("-")
        a = whole_number(first)
        b = whole_number(last) if dash else a
        if a is None or b is None or b < a:
            return None
        runs.append(range(a, b + 1))
    return runs


def posted_version(request) -> int | str | None:
    """The version a posted span change was based on, as ``services.span_update`` checks it:
    a whole number as an int; none posted (or blank) as ``None``, which the service says is
    required; anything else as posted, which the service says is no whole number."""
    value = request.POST.get("version", "")
    if value == "":
        return None
    number = whole_number(value)
    return value if number is None else number


def label_and_annotator_choices(project) -> tuple[list[tuple[int, str]], list[str]]:
    """The project's span labels ``(id, name)`` in scheme order and its members' usernames:
    what the export and review filters offer (partials/filters/label_annotator_fields.html)."""
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
    """Spans with the status, label and annotator picked (``SpanFilterForm``: values the page
    offers, "" for any), through the one span condition of the exports and the API."""
    label = picked.get("label")
    return spans.filter(
        SpanFilters(
            status=picked.get("status") or None,
            label=int(label) if label else None,
            annotator=picked.get("annotator") or None,
        ).spans()
    )
