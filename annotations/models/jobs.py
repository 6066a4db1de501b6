"""Jobs: long work done outside the request (``annotations.tasks``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .core import Project, _choice_check


class JobKind(models.TextChoices):
    IMPORT = "import", "Import"
    EXPORT = "export", "Export"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """Long work done outside the request (``annotations.tasks``): a page's import or export.

    ``params`` holds what the job was asked (format, filters, options); ``file`` the upload to
    import or the export written, under ``settings.JOBS_DIR``; ``heartbeat_at`` is touched while
    it runs, so a job whose worker died is seen as such (``services.jobs.job_refresh``).
    """

    Kind = JobKind
    Status = JobStatus

    kind = models.CharField(max_length=16, choices=JobKind.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True, help_text="The name shown to users.")
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            _choice_check("kind", JobKind.choices),
            _choice_check("status", JobStatus.choices),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1),
                name="%(app_label)s_%(class)s_progress_share",
            ),
        ]

    def __str__(self):
        return f"{self.kind} job {self.pk} ({self.status})"

    @property
    def seconds(self) -> float | None:
        """How long it ran (or has run so far); ``None`` before it started."""
        if self.started_at is None:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
