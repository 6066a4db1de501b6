"""A job: ``{"id", "kind", "status", "progress", "result", "error"}`` (the SPEC's), with the
project, its times and, for a finished export, where to download the file."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from annotations.models import Job, JobKind, JobStatus


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(help_text="From 0 to 1.")
    result = serializers.JSONField(
        allow_null=True,
        help_text="When it succeeded (or an import refused bad lines): an import's "
        '`{"created", "skipped_duplicates", "spans", "relations", "errors", "members_added"}`, '
        'an export\'s `{"articles", "spans", "relations", "content_type", "filename", "bytes"}`.',
    )
    download = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "result",
            "error",
            "project",
            "created_at",
            "started_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, job) -> str | None:
        """A finished export's file, while it is kept (24 hours)."""
        if job.kind != JobKind.EXPORT or job.status != JobStatus.SUCCEEDED or not job.file:
            return None
        return reverse("api-job-download", args=[job.pk], request=self.context.get("request"))
