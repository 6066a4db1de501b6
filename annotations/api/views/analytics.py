"""A project's analytics (actions of ``ProjectViewSet``): the timeline of assessments, the
probability distribution per source, the actors most assessed."""

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import selectors
from annotations.metrics.analytics import TooManyPeriods, sources_csv_rows, timeline_csv_rows
from annotations.selectors.analytics import AnalyticsFilters

from .. import serializers
from .datasets import DatasetFormatNegotiation

_ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="A bad parameter, named: an unknown actor, a label not of the project, "
        "a bad interval or role, a malformed date, an unknown parameter; a timeline of "
        "more than 5,000 periods (`interval`).",
    ),
    404: OpenApiResponse(serializers.ErrorSerializer, description="Not a project of yours."),
}
_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="`csv`: the same figures as CSV."
)
_FILTERS = ("actor", "role", "label", "gold", "published_after", "published_before")
_BLIND = " In a blind project an annotator's figures count their own spans only."


def _query(request, serializer_class, project):
    params = {key: value for key, value in request.query_params.items() if value != ""}
    known = set(serializer_class().fields) | {"format"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValidationError({key: ["Unknown parameter."] for key in unknown})
    fmt = params.pop("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationError({"format": ["`json` or `csv`."]})
    query = serializer_class(data=params, context={"project": project})
    query.is_valid(raise_exception=True)
    data = dict(query.validated_data)
    filters = AnalyticsFilters(**{key: data.pop(key) for key in _FILTERS if key in data})
    return filters.for_user(project=project, user=request.user), data, fmt


def _csv(rows, filename: str) -> HttpResponse:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ProjectAnalyticsActions:
    """``projects/{id}/analytics/timeline/``, ``.../sources/``, ``.../actors/``."""

    @extend_schema(
        summary="How assessments move over time",
        description="Spans of the project's dated articles counted per period of the "
        "article's `published_on` (`period`: the period's first day), with their ICD 203 "
        "steps and `mean_probability`; the periods without spans between the first and the "
        "last are included with zeros; spans of undated articles are left out. An actor of "
        "no span: an empty series. `?format=csv`: `period,count,<each step>,mean_probability`."
        + _BLIND,
        parameters=[serializers.TimelineQuerySerializer, _FORMAT],
        responses={200: serializers.TimelineSerializer, **_ERRORS},
    )
    @action(
        detail=True, methods=["get"], url_path="analytics/timeline", filter_backends=[],
        pagination_class=None, content_negotiation_class=DatasetFormatNegotiation,
    )  # fmt: skip
    def analytics_timeline(self, request, pk=None):
        project = self.get_object()
        filters, data, fmt = _query(request, serializers.TimelineQuerySerializer, project)
        interval = data["interval"]
        try:
            series = selectors.project_timeline(project=project, filters=filters, interval=interval)
        except TooManyPeriods as error:
            raise ValidationError({"interval": [str(error)]}) from None
        if fmt == "csv":
            return _csv(timeline_csv_rows(series), f"{project.slug}-timeline-{interval}.csv")
        return Response({"interval": interval, "series": series})

    @extend_schema(
        summary="The probability distribution per source actor",
        description="For each actor who is a `source` of the spans counted: how many, how "
        "many at each ICD 203 step, how many ungraded, and the mean of the midpoints; most "
        "spans first. `?format=csv` gives the same figures." + _BLIND,
        parameters=[serializers.AnalyticsQuerySerializer, _FORMAT],
        responses={200: serializers.SourcesSerializer, **_ERRORS},
    )
    @action(
        detail=True, methods=["get"], url_path="analytics/sources", filter_backends=[],
        pagination_class=None, content_negotiation_class=DatasetFormatNegotiation,
    )  # fmt: skip
    def analytics_sources(self, request, pk=None):
        project = self.get_object()
        filters, _, fmt = _query(request, serializers.AnalyticsQuerySerializer, project)
        results = selectors.source_distribution(project=project, filters=filters)
        if fmt == "csv":
            return _csv(sources_csv_rows(results), f"{project.slug}-sources.csv")
        return Response({"results": results})

    @extend_schema(
        summary="The actors most assessed",
        description="The actors most often in `rank_role` (by default `subject`) of the "
        "spans counted, most first; equal counts share a rank. `?format=csv` too." + _BLIND,
        parameters=[serializers.ActorsQuerySerializer, _FORMAT],
        responses={200: serializers.ActorsRankedSerializer, **_ERRORS},
    )
    @action(
        detail=True, methods=["get"], url_path="analytics/actors", filter_backends=[],
        pagination_class=None, content_negotiation_class=DatasetFormatNegotiation,
    )  # fmt: skip
    def analytics_actors(self, request, pk=None):
        project = self.get_object()
        filters, data, fmt = _query(request, serializers.ActorsQuerySerializer, project)
        results = selectors.actors_ranked(
            project=project, filters=filters, role=data["rank_role"], limit=data["limit"]
        )
        if fmt == "csv":
            rows = [["rank", "actor", "name", "count"]]
            rows += [[r["rank"], r["actor"], r["name"], r["count"]] for r in results]
            return _csv(rows, f"{project.slug}-actors.csv")
        return Response({"results": results})
