"""A project's datasets: the export stream and the all-or-nothing import (actions of
``ProjectViewSet``)."""

from collections.abc import Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from annotations import selectors
from annotations.exports import FORMATS, export_stream
from annotations.imports import FORMATS as IMPORT_FORMATS
from annotations.imports import import_file
from annotations.models import SpanStatus

from .. import serializers

FALSE_VALUES = {"0", "false", "no", "off"}


class DatasetFormatNegotiation(DefaultContentNegotiation):
    """On the dataset endpoints ``?format=`` names a dataset format, not a renderer:
    errors are answered in JSON, and the data itself streams in its own content type."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = next(r for r in renderers if isinstance(r, JSONRenderer))
        return renderer, renderer.media_type


def _then(first, chunks: Iterator) -> Iterator:
    """``first`` (unless ``None``), then the rest of ``chunks``; closing this closes them.

    The server closes a response whose client went away; ``itertools.chain`` has no
    ``close``, so the export behind it (its reader thread, that thread's connection and open
    transaction) was left to the garbage collector, which the view's last instance, kept by
    the schema, held off until the next request."""
    try:
        if first is not None:
            yield first
        yield from chunks
    finally:
        chunks.close()


class ProjectDatasetActions:
    """``projects/{id}/export/`` and ``projects/{id}/import/``."""

    @extend_schema(
        summary="Export the project's spans as a dataset, streamed",
        description=(
            "`format` is one of: " + ", ".join(f"`{name}`" for name in FORMATS) + ". "
            "Filters: `status`, `label` (id), `annotator` (username) and `gold`. In a blind "
            "project an annotator exports their own spans only. CoNLL reports the "
            "overlapping spans it dropped in a trailing `# assay:` comment line."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), default="jsonl"),
            OpenApiParameter("status", str, enum=list(SpanStatus.values)),
            OpenApiParameter("label", int, description="A label id of this project."),
            OpenApiParameter("annotator", str, description="A username."),
            OpenApiParameter(
                "gold",
                bool,
                description="`true`: only gold spans, one per (article, start, end, label): "
                "the gold dataset; `false`: only annotators' spans.",
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Unknown format or a bad filter."),
            404: OpenApiResponse(description="Not a project of yours."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=DatasetFormatNegotiation,
    )
    def export(self, request, pk=None):
        project = self.get_object()
        params = request.query_params
        content_type, filename, chunks, _stats = export_stream(
            project,
            params.get("format", "jsonl"),
            status=params.get("status") or None,
            label=params.get("label") or None,  # checked by export_filters, as everywhere
            annotator=params.get("annotator") or None,
            gold=params.get("gold") or None,
            # A blind project's annotator exports their own spans only.
            visible_to=selectors.visible_annotator(project=project, user=request.user),
        )
        # Read the first chunk now, so that a failure answers with an error, not a cut stream.
        first = next(chunks, None)
        response = StreamingHttpResponse(_then(first, chunks), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        summary="Import articles (and their spans) from a file, all or nothing",
        description=(
            "A multipart upload in the field `file`. `format` is one of: "
            + ", ".join(f"`{name}`" for name in IMPORT_FORMATS)
            + "; without it the file's extension decides (`.conll` is `conll`, `.jsonld` "
            "`webanno`). Managers only. Any bad line: 400, every bad line listed, nothing "
            "created. Articles the project already holds are skipped and counted. `conll` "
            "rebuilds each document's text from its tokens (joined by spaces, a sentence a "
            "line), with the spans of its B-/I- tags. `webanno` carries no text: its "
            "annotations add spans and relations to articles the project holds, named by "
            "their `url` or `urn:assay:article:<id>`; a line is an annotation's position, and "
            "a span the importing user already has there is an error."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(IMPORT_FORMATS)),
            OpenApiParameter("create_labels", bool, default=True),
            OpenApiParameter("create_actors", bool, default=True),
        ],
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses={
            200: serializers.ImportResultSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "Either the import's result with every bad line in `errors` (nothing was "
                    "created), or field errors such as an unknown `format` or a missing `file`."
                ),
            ),
            403: OpenApiResponse(description="Only a manager imports."),
            404: OpenApiResponse(description="Not a project of yours."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser],
        content_negotiation_class=DatasetFormatNegotiation,
    )
    def import_(self, request, pk=None):
        project = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Upload the file in the multipart field “file”."]})
        params = request.query_params
        result = import_file(
            project,
            request.user,
            upload,
            params.get("format") or None,
            create_labels=params.get("create_labels", "true").lower() not in FALSE_VALUES,
            create_actors=params.get("create_actors", "true").lower() not in FALSE_VALUES,
        )
        answer = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_200_OK
        return Response(result.as_dict(), status=answer)
