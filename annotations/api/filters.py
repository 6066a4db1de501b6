"""Query parameters of the list endpoints; an invalid value answers 400, never a 500."""

import copy

from django import forms
from django.core.validators import ProhibitNullCharactersValidator as ProhibitNull
from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from annotations.models import (
    MAX_ID,
    Actor,
    ActorKind,
    ActorRole,
    Article,
    Assignment,
    Confidence,
    Label,
    Probability,
    Relation,
    Span,
    SpanActor,
    SpanEvent,
    SpanStatus,
)
from annotations.search import search_articles, search_spans
from annotations.text_search import contains_ignoring_case


class IdFilter(filters.NumberFilter):
    """A database id: a whole number within bigint, so no lookup overflows."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TextFilter(filters.CharFilter):
    """Free text, bounded in length."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(*args, **kwargs)


class _CopiedShallow(dict):
    """A class's filters or form fields, which every request would deep-copy (seventeen
    filters and their form fields, a third of a span page's time). Nothing here changes a
    filter or a field after the class is built, so each request gets shallow copies: its own
    filter objects (django-filter sets their ``parent``), the same form fields."""

    def __init__(self, items, *, copy_values: bool):
        super().__init__(items)
        self.copy_values = copy_values

    def __deepcopy__(self, memo):
        if not self.copy_values:
            return dict(self)
        copies = {}
        for name, value in self.items():
            copies[name] = copied = copy.copy(value)
            if copied.method is not None:
                copied.method = copied.method  # binds a FilterMethod to the copy, not the original
        return copies


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per FilterSet class rather
    than on every request (a form field made for each filter: a quarter of a short span
    list's time), and no deep copies per request (``_CopiedShallow``). The filters are fixed
    per class here, so the form class is too."""

    @classmethod
    def get_filters(cls):
        return _CopiedShallow(super().get_filters(), copy_values=True)

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = _CopiedShallow(form_class.base_fields, copy_values=False)
            cls._form_class = form_class
        return cls._form_class


# Read by the paginators and by DRF's format suffix, never by a filter set.
NOT_FILTERS = frozenset({"page", "page_size", "cursor", "format"})


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, where a list's unknown query parameter answers 400: a
    misspelt filter (``?lable=5``) would otherwise list everything, and look like an answer."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) == "list":
            filterset_class = self.get_filterset_class(view, queryset)
            known = set(filterset_class.base_filters) if filterset_class else set()
            unknown = set(request.query_params) - known - NOT_FILTERS
            if unknown:
                hint = "This list has no filters."
                if known:
                    hint = f"The filters here are: {', '.join(sorted(known))}."
                raise ValidationError({key: [f"Unknown filter. {hint}"] for key in sorted(unknown)})
        return super().filter_queryset(request, queryset, view)


class ProjectFilter(FilterSet):
    project = IdFilter(field_name="project_id", help_text="Project id.")


class LabelFilter(ProjectFilter):
    kind = filters.ChoiceFilter(choices=Label.Kind.choices)

    class Meta:
        model = Label
        fields = ["project", "kind"]


SEARCH_HELP = (
    "Full-text search, ranked by relevance (best first, then by id): words stemmed by the "
    "article's language, \"quoted phrases\", `or`, `-word` (PostgreSQL's websearch syntax; "
    "FTS5 on SQLite). Any string is accepted; one that finds nothing gives an empty list."
)


class AnyTextField(forms.CharField):
    """Any text at all: Django's CharField refuses NUL, which a search leaves out instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNull)]


class SearchFilter(filters.CharFilter):
    """A websearch string: any text (NUL and past 10,000 characters are left out)."""

    field_class = AnyTextField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", SEARCH_HELP)
        super().__init__(*args, **kwargs)


class ArticleFilter(ProjectFilter):
    q = TextFilter(method="filter_q", help_text="Case-insensitive text in the title or body.")
    search = SearchFilter(method="filter_search")
    source = TextFilter(field_name="source", lookup_expr="iexact")
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published_on", lookup_expr="lte")
    assigned_to = TextFilter(
        method="filter_assigned_to",
        max_length=150,
        help_text="A username: the articles assigned to them.",
    )

    class Meta:
        model = Article
        fields = [
            "project",
            "q",
            "search",
            "source",
            "published_after",
            "published_before",
            "assigned_to",
        ]

    def filter_search(self, queryset, name, value):
        return search_articles(queryset, value).order_by("-search_rank", "id")

    def filter_assigned_to(self, queryset, name, value):
        return queryset.filter(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), annotator__username=value))
        )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            contains_ignoring_case("title", value) | contains_ignoring_case("body", value)
        )


class ActorFilter(FilterSet):
    q = TextFilter(
        method="filter_q",
        help_text="Matches the name or any alias, case-insensitive in every script.",
    )
    kind = filters.ChoiceFilter(choices=ActorKind.choices)

    class Meta:
        model = Actor
        fields = ["q", "kind"]

    def filter_q(self, queryset, name, value):
        # search_text holds name and aliases case-folded by Python, which SQL LOWER() is not.
        return queryset.filter(search_text__contains=value.casefold())


def _with_actor(queryset, actor_id, role=None):
    links = SpanActor.objects.filter(span=OuterRef("pk"), actor_id=actor_id)
    if role:
        links = links.filter(role=role)
    return queryset.filter(Exists(links))


class SpanFilter(ProjectFilter):
    article = IdFilter(field_name="article_id")
    label = IdFilter(field_name="label_id")
    actor = IdFilter(method="filter_actor", help_text="Spans linked to this actor (see role).")
    role = filters.ChoiceFilter(
        choices=ActorRole.choices,
        method="filter_role",
        help_text="With actor: that actor in this role; alone: any actor in this role.",
    )
    source = IdFilter(method="filter_source", help_text="Short for actor=…&role=source.")
    subject = IdFilter(method="filter_subject", help_text="Short for actor=…&role=subject.")
    annotator = TextFilter(field_name="annotator__username", max_length=150)
    status = filters.ChoiceFilter(choices=SpanStatus.choices)
    probability = filters.ChoiceFilter(choices=Probability.choices)
    probability_min = filters.ChoiceFilter(
        choices=Probability.choices,
        method="filter_probability_min",
        help_text="At or above this step of the ICD 203 scale.",
    )
    confidence = filters.ChoiceFilter(choices=Confidence.choices)
    q = TextFilter(method="filter_q", help_text="Case-insensitive text of the span.")
    search = SearchFilter(
        method="filter_search",
        help_text=SEARCH_HELP.replace("relevance", "relevance of the text and the note"),
    )
    created_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    published_after = filters.DateFilter(field_name="article__published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="article__published_on", lookup_expr="lte")
    gold = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_gold",
        help_text="`true`: only gold spans; `false`: only annotators' spans.",
    )

    class Meta:
        model = Span
        fields = [
            "project",
            "article",
            "label",
            "actor",
            "role",
            "source",
            "subject",
            "annotator",
            "status",
            "probability",
            "probability_min",
            "confidence",
            "q",
            "search",
            "created_after",
            "created_before",
            "published_after",
            "published_before",
            "gold",
        ]

    def filter_gold(self, queryset, name, value):
        return queryset.filter(gold=value == "true")

    def filter_role(self, queryset, name, value):
        if self.form.cleaned_data.get("actor") is not None:
            return queryset  # filter_actor applies the role to that actor
        return queryset.filter(Exists(SpanActor.objects.filter(span=OuterRef("pk"), role=value)))

    def filter_actor(self, queryset, name, value):
        return _with_actor(queryset, value, self.form.cleaned_data.get("role"))

    def filter_source(self, queryset, name, value):
        return _with_actor(queryset, value, ActorRole.SOURCE)

    def filter_subject(self, queryset, name, value):
        return _with_actor(queryset, value, ActorRole.SUBJECT)

    def filter_q(self, queryset, name, value):
        return queryset.filter(contains_ignoring_case("text", value))

    def filter_search(self, queryset, name, value):
        # The order (rank, then id) is the cursor's: SpanSearchCursorPagination.
        return search_spans(queryset, value)

    def filter_probability_min(self, queryset, name, value):
        return queryset.filter(probability__in=Probability.at_least(value))


class RelationFilter(FilterSet):
    project = IdFilter(field_name="article__project_id")
    article = IdFilter(field_name="article_id")
    label = IdFilter(field_name="label_id")

    class Meta:
        model = Relation
        fields = ["project", "article", "label"]


class SpanEventFilter(FilterSet):
    article = IdFilter(field_name="article_id")
    span = IdFilter(field_name="span_id")

    class Meta:
        model = SpanEvent
        fields = ["article", "span"]


class AssignmentFilter(FilterSet):
    project = IdFilter(field_name="project_id", help_text="Project id.")
    article = IdFilter(field_name="article_id", help_text="Article id.")
    annotator = TextFilter(field_name="annotator__username", max_length=150, help_text="Username.")

    class Meta:
        model = Assignment
        fields = ["project", "article", "annotator"]
