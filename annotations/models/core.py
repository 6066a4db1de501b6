"""Assay's domain: projects, labels, articles, actors, spans, relations and the span history.

Invariants that need only one row live here as database constraints; rules that need other rows
(offsets inside the body, the label's project) live in ``annotations.services``, roles in
``annotations.permissions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

MAX_ID = 2**63 - 1  # a primary key's range (bigint): a larger id names no row
MAX_OFFSET = 2**31 - 1  # PositiveIntegerField's range on every backend: offsets, orders


def _choice_check(field: str, choices, *, nullable: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__in": [value for value, _ in choices]})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{field}_valid"
    )


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


class Probability(models.TextChoices):
    """ICD 203 estimative language, in increasing order of likelihood."""

    ALMOST_NO_CHANCE = "almost_no_chance", "Almost no chance (1–5 %)"
    VERY_UNLIKELY = "very_unlikely", "Very unlikely (5–20 %)"
    UNLIKELY = "unlikely", "Unlikely (20–45 %)"
    ROUGHLY_EVEN_CHANCE = "roughly_even_chance", "Roughly even chance (45–55 %)"
    LIKELY = "likely", "Likely (55–80 %)"
    VERY_LIKELY = "very_likely", "Very likely (80–95 %)"
    ALMOST_CERTAIN = "almost_certain", "Almost certain (95–99 %)"

    @classmethod
    def at_least(cls, value: str) -> list[str]:
        """The steps of the scale at or above ``value``."""
        values = list(cls.values)
        return values[values.index(value) :]


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class SpanStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ActorRole(models.TextChoices):
    SOURCE = "source", "Source (who asserts it)"
    SUBJECT = "subject", "Subject (whom it is about)"
    TARGET = "target", "Target"
    MENTIONED = "mentioned", "Mentioned"


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    blind = models.BooleanField(
        default=False,
        help_text="Annotators see only their own spans and relations; reviewers and managers "
        "see everything.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="%(app_label)s_%(class)s_slug"),
            models.CheckConstraint(condition=~Q(name=""), name="%(app_label)s_%(class)s_name"),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="%(app_label)s_%(class)s_one_per_user"
            ),
            _choice_check("role", Role.choices),
        ]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.role})"


class LabelKind(models.TextChoices):
    SPAN = "span", "Span"
    RELATION = "relation", "Relation"


class Label(models.Model):
    Kind = LabelKind

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=LabelKind.choices, default=LabelKind.SPAN)
    color = models.CharField(max_length=7, default="#93c5fd", help_text="#rrggbb")
    hotkey = models.CharField(
        max_length=1, blank=True, help_text="One character, unique in the project."
    )
    description = models.TextField(blank=True)
    category = models.CharField(
        max_length=100, blank=True, help_text='A group such as "Judgement" or "Rhetoric".'
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                "project", Lower("name"), name="%(app_label)s_%(class)s_name_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "hotkey"],
                condition=~Q(hotkey=""),
                name="%(app_label)s_%(class)s_hotkey_unique",
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"),
                name="%(app_label)s_%(class)s_color_hex",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="%(app_label)s_%(class)s_name"),
            _choice_check("kind", LabelKind.choices),
        ]

    def __str__(self):
        return self.name


class Article(models.Model):
    # Indexed by (project, id) below rather than alone: the same lookups, and a ranked
    # search's ranking reads its project's article ids from that index alone.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="articles", db_index=False
    )
    title = models.CharField(max_length=500)
    body = models.TextField(help_text="Line endings are \\n; offsets count code points.")
    source = models.CharField(max_length=200, blank=True, help_text='e.g. "ISW"')
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    author = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, e.g. en")
    external_id = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "-published_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "sha256"], name="%(app_label)s_%(class)s_body_unique"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="%(app_label)s_%(class)s_body"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="%(app_label)s_%(class)s_sha256_hex",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "id"], name="annotations_article_project"),
            models.Index(fields=["project", "published_on"]),
            models.Index(fields=["project", "source"]),
            models.Index(fields=["project", "external_id"]),
            # The languages in use, by a skip scan; a search's match by language (search/).
            models.Index(fields=["language"], name="annotations_article_language"),
        ]

    def __str__(self):
        return self.title or f"Article {self.pk}"


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    STATE = "state", "State"
    ORGANIZATION = "organization", "Organization"
    GROUP = "group", "Group"
    OTHER = "other", "Other"


class Actor(models.Model):
    """A registry shared by all projects: people, states, organizations, groups."""

    Kind = ActorKind

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=ActorKind.choices, default=ActorKind.OTHER)
    aliases = models.JSONField(default=list, blank=True, help_text="A list of strings.")
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(max_length=20, blank=True, help_text="Q followed by digits.")
    search_text = models.TextField(
        editable=False,
        default="",
        help_text="Name and aliases, case-folded in Python so that search works in every script.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="Set by every change; with the count and the last id, the registry's version "
        "(the suggestions' matcher is rebuilt when it moves).",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="%(app_label)s_%(class)s_name"),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="%(app_label)s_%(class)s_wikidata_id",
            ),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="%(app_label)s_%(class)s_wikidata_unique",
            ),
            _choice_check("kind", ActorKind.choices),
        ]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.name


class Span(models.Model):
    """An annotation on one article by one annotator; offsets are code points, half-open."""

    # Indexed by the (article, id) index below, which also pages an article's spans in order.
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="spans", db_index=False
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="spans",
        help_text="Always the article's project; kept here so filters need no join.",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="body[start:end], stored to check and export.")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="spans")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spans"
    )
    actors = models.ManyToManyField(Actor, through="SpanActor", related_name="spans")
    # null, not "", means "not graded": the SPEC's API and exports carry null.
    probability = models.CharField(  # noqa: DJ001
        max_length=32, choices=Probability.choices, null=True, blank=True
    )
    confidence = models.CharField(  # noqa: DJ001
        max_length=16, choices=Confidence.choices, null=True, blank=True
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=SpanStatus.choices, default="pending")
    gold = models.BooleanField(
        default=False,
        help_text="Part of the article's adjudicated version, made by a reviewer or manager; "
        "never counted as an annotator's work.",
    )
    source_span = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gold_copies",
        help_text="The annotator's span a gold span was promoted from.",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="%(app_label)s_%(class)s_start_lt_end",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="%(app_label)s_%(class)s_v"),
            # An annotator's own layer: one span per place and label. A gold span is the
            # article's, whoever made it: one per place and label (a reviewer may have a span
            # of their own there too).
            models.UniqueConstraint(
                fields=["article", "start", "end", "label", "annotator"],
                condition=Q(gold=False),
                name="%(app_label)s_%(class)s_no_duplicate",
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "label"],
                condition=Q(gold=True),
                name="%(app_label)s_%(class)s_one_gold",
            ),
            _choice_check("probability", Probability.choices, nullable=True),
            _choice_check("confidence", Confidence.choices, nullable=True),
            _choice_check("status", SpanStatus.choices),
        ]
        indexes = [
            models.Index(fields=["article", "id"]),
            models.Index(fields=["article", "start", "end"]),
            models.Index(fields=["project", "label"]),
            models.Index(fields=["project", "status"]),
            models.Index(fields=["project", "probability"]),
            # A project's spans by article: the analytics timeline counts them from this index
            # alone (an index-only scan, in article order), never reading the wide span rows.
            models.Index(fields=["project", "article", "probability"]),
            models.Index(fields=["annotator", "project"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.label} [{self.start}:{self.end}] {self.text[:40]}"


class Assignment(models.Model):
    """An article given to an annotator to annotate; one per article and annotator."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "article", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "annotator"], name="%(app_label)s_%(class)s_one_per_user"
            ),
        ]
        indexes = [models.Index(fields=["project", "annotator"])]

    def __str__(self):
        return f"article {self.article_id} to {self.annotator}"


class SpanActor(models.Model):
    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="span_actors")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="span_actors")
    role = models.CharField(max_length=16, choices=ActorRole.choices, default="mentioned")

    class Meta:
        ordering = ["span", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["span", "actor", "role"], name="%(app_label)s_%(class)s_unique"
            ),
            _choice_check("role", ActorRole.choices),
        ]
        indexes = [models.Index(fields=["actor", "role"])]

    def __str__(self):
        return f"{self.actor} as {self.role}"


class Relation(models.Model):
    """A typed, directed link between two spans of the same article."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="relations")
    from_span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="relations_from")
    to_span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="relations_to")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="relations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relations"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["article", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_span=F("to_span")), name="%(app_label)s_%(class)s_not_self"
            ),
            models.UniqueConstraint(
                fields=["from_span", "to_span", "label", "annotator"],
                name="%(app_label)s_%(class)s_no_duplicate",
            ),
        ]
        indexes = [models.Index(fields=["article", "label"])]

    def __str__(self):
        return f"{self.from_span_id} —{self.label}→ {self.to_span_id}"


class EventAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class SpanEvent(models.Model):
    """One create, change, delete or restore of a span: who, when, before and after.

    ``span`` is kept without a database constraint so that the history of a deleted span
    survives it; a restored span comes back under the same id.
    """

    Action = EventAction

    span = models.ForeignKey(
        Span,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="events",
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="span_events")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="span_events")
    action = models.CharField(max_length=16, choices=EventAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="span_events",
    )
    at = models.DateTimeField(default=timezone.now, editable=False)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    relations = models.JSONField(
        null=True,
        blank=True,
        help_text="The relations deleted with the span (a deleted event) or brought back "
        "with it (a restored event): [{id, from_span, to_span, label, annotator, created_at}].",
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            _choice_check("action", EventAction.choices),
            models.CheckConstraint(
                condition=Q(before__isnull=False) | Q(after__isnull=False),
                name="%(app_label)s_%(class)s_has_state",
            ),
        ]
        indexes = [
            models.Index(fields=["span", "-at"]),
            models.Index(fields=["article", "-at"]),
            models.Index(fields=["project", "-at"]),
        ]

    def __str__(self):
        return f"span {self.span_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"


class ArticleProgress(models.Model):
    """One user's progress on one article: ``done_at`` is set while they call it done."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_progress"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], name="%(app_label)s_%(class)s_one_per_user"
            ),
        ]

    def __str__(self):
        state = "done" if self.done_at else "to do"
        return f"{self.user} on article {self.article_id}: {state}"
