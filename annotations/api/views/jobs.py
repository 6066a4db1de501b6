"""Jobs: the state of a page's import or export, and an export's file."""

from pathlib import Path

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from annotations.models import Job, JobKind, JobStatus
from annotations.selectors.jobs import jobs_for_user
from annotations.services.jobs import job_refresh

from ..serializers.jobs import JobSerializer
from .base import ScopedMixin


class JobViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Your imports and exports run as jobs (from the pages), newest first. A job whose worker
    died is answered as failed, with why, never as running forever."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer

    def scoped_queryset(self, user):
        return jobs_for_user(user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        jobs = [job_refresh(job) for job in page]
        return self.get_paginated_response(self.get_serializer(jobs, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(job_refresh(self.get_object())).data)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Not an export, not finished, or its file expired."),
        },
        summary="The file of a finished export",
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None):
        job = self.get_object()
        path = Path(job.file) if job.file else None
        if (
            job.kind != JobKind.EXPORT
            or job.status != JobStatus.SUCCEEDED
            or path is None
            or not path.is_file()
        ):
            raise NotFound("No file: the job is not a finished export, or its file has expired.")
        result = job.result or {}
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=job.filename or path.name,
            content_type=result.get("content_type") or "application/octet-stream",
        )
