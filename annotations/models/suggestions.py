"""What the suggestions remember: a user's dismissals and a project's suggestion server."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .core import Article, Project


class SuggestionDismissal(models.Model):
    """A suggestion one user dismissed: it is not proposed to them again while the article's
    text there is the same."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_dismissals"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="suggestion_dismissals"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=32, help_text="actor, estimative, source, or a backend's")
    text = models.TextField(help_text="body[start:end] when dismissed.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["article", "user", "start", "end", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="%(app_label)s_%(class)s_start_lt_end",
            ),
            models.UniqueConstraint(
                fields=["user", "article", "start", "end", "kind"],
                name="%(app_label)s_%(class)s_once",
            ),
        ]

    def __str__(self):
        return f"{self.user} dismissed {self.kind} [{self.start}:{self.end}] of {self.article_id}"


class SuggestionBackend(models.Model):
    """A project's own suggestion server (the ML backend protocol, docs/suggestions.md): it
    receives an article of the project and answers suggestions in the API's shape."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="suggestion_backend"
    )
    url = models.URLField(max_length=2000, help_text="http(s) URL that receives the POST.")
    timeout_ms = models.PositiveIntegerField(
        default=2000, help_text="The whole exchange's bound, 100 to 10,000 ms."
    )
    enabled = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timeout_ms__gte=100) & Q(timeout_ms__lte=10_000),
                name="%(app_label)s_%(class)s_timeout",
            ),
            models.CheckConstraint(condition=~Q(url=""), name="%(app_label)s_%(class)s_url"),
        ]

    def __str__(self):
        return f"{self.project}: {self.url}"
