"""A project's analytics page: the timeline of assessments, the probability distribution per
source, the actors most assessed, each an SVG drawn here with its numbers as a table and a
CSV link (the API's figures, the same selectors)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors
from ..api.serializers.analytics import TimelineQuerySerializer
from ..metrics.analytics import INTERVALS, STEPS, TooManyPeriods
from ..models import ActorRole
from ..selectors.analytics import AnalyticsFilters
from . import charts
from .common import label_and_annotator_choices, search_words, user_project

FILTERS = ("actor", "role", "label", "gold", "published_after", "published_before")
ACTOR_CHOICES = 300  # past a few hundred options a <select> is no longer read: find instead


def _picked(request, project) -> tuple[dict, dict]:
    """The filters as given (for the form) and as valid (for the reads): a bad value is
    left out and named, as the API would name it."""
    given = {k: request.GET.get(k, "") for k in (*FILTERS, "interval")}
    query = TimelineQuerySerializer(
        data={k: v for k, v in given.items() if v}, context={"project": project}
    )
    if query.is_valid():
        return given, {**query.validated_data, "errors": {}}
    valid = {k: v for k, v in given.items() if v and k not in query.errors}
    again = TimelineQuerySerializer(data=valid, context={"project": project})
    again.is_valid()
    errors = {k: " ".join(str(m) for m in v) for k, v in query.errors.items()}
    return given, {**again.validated_data, "errors": errors}


@login_required
@require_safe
@vary_on_headers("HX-Request")
def project_analytics(request, slug):
    project = user_project(request, slug)
    given, valid = _picked(request, project)
    filters = AnalyticsFilters(**{k: valid[k] for k in FILTERS if valid.get(k) is not None})
    filters = filters.for_user(project=project, user=request.user)
    actor_q = search_words(request, "actor_q")
    picker = {
        "q": actor_q,
        "own_only": filters.annotator is not None,  # a blind project's annotator
        "selected": filters.actor,
        "choices": selectors.actor_choices(
            project=project, filters=filters, q=actor_q, limit=ACTOR_CHOICES
        ),
    }
    if request.htmx and "actor_q" in request.GET:  # the finder narrows the <select> alone
        return render(
            request, "annotations/partials/analytics/actor_picker.html", {"picker": picker}
        )
    interval = valid.get("interval", "month")
    try:
        series = selectors.project_timeline(project=project, filters=filters, interval=interval)
    except TooManyPeriods as error:
        series, valid["errors"] = [], {**valid["errors"], "interval": str(error)}
    sources, ranked = selectors.sources_and_ranked(project=project, filters=filters)
    labels, _ = label_and_annotator_choices(project)
    api = reverse("api-project-detail", args=[project.pk])
    csv_query = {k: v for k, v in given.items() if v and k not in valid["errors"]}
    csv_query["format"] = "csv"
    context = {
        "project": project,
        "given": given,
        "errors": valid["errors"],
        "own_only": picker["own_only"],
        "interval": interval,
        "intervals": INTERVALS,
        "roles": ActorRole.choices,
        "labels": labels,
        "picker": picker,
        "series": series,
        "sources": sources,
        "series_rows": charts.step_counts(series),
        "source_rows": charts.step_counts(sources),
        "ranked": ranked,
        "steps": [(s, charts.STEP_LABELS[s]) for s in STEPS],
        "timeline_chart": charts.timeline_chart(series, interval),
        "distribution_chart": charts.distribution_chart(sources),
        "ranked_chart": charts.ranked_chart(ranked),
        "legend": charts.legend(),
        "csv": {
            what: f"{api}analytics/{what}/?{urlencode(query)}"
            for what, query in (
                ("timeline", csv_query),
                ("sources", {k: v for k, v in csv_query.items() if k != "interval"}),
                ("actors", {k: v for k, v in csv_query.items() if k != "interval"}),
            )
        },
    }
    return render(request, "annotations/project_analytics.html", context)
