"""Assignments as the pages read them: where an annotator stands on an article, each
annotator's load and progress, one annotator's articles in the list's order."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, TextChoices

from annotations.models import ArticleProgress, Assignment, Membership, Project, Span


class WorkState(TextChoices):
    """Where a user stands on an article: the project page's "my status" and an assignment's
    state."""

    NOT_STARTED = "todo", "Not started"
    IN_PROGRESS = "started", "In progress"
    DONE = "done", "Done"


def work_state(*, done: bool, started: bool) -> WorkState:
    """*Done* once they marked the article done; *in progress* with a span of their own on it
    (gold spans are not theirs); else *not started*. The one rule."""
    if done:
        return WorkState.DONE
    return WorkState.IN_PROGRESS if started else WorkState.NOT_STARTED


def _done_mark(article: OuterRef, user: OuterRef) -> Exists:
    return Exists(ArticleProgress.objects.filter(article=article, user=user, done_at__isnull=False))


def _own_span(article: OuterRef, user: OuterRef) -> Exists:
    return Exists(Span.objects.filter(article=article, annotator=user, gold=False))


@dataclass(slots=True)
class AnnotatorLoad:
    username: str
    role: str
    assigned: int = 0
    started: int = 0  # in progress, not done
    done: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


def assignment_loads(*, project: Project) -> list[AnnotatorLoad]:
    """Each member's assignments in the project and how far they got (two queries), by
    username; members without assignments too, so that a manager sees who is free."""
    loads = {
        username: AnnotatorLoad(username, role)
        for username, role in Membership.objects.filter(project=project)
        .order_by("user__username")
        .values_list("user__username", "role")
    }
    rows = (
        Assignment.objects.filter(project=project)
        .order_by()
        .annotate(
            done=_done_mark(OuterRef("article_id"), OuterRef("annotator_id")),
            started=_own_span(OuterRef("article_id"), OuterRef("annotator_id")),
        )
        .values_list("annotator__username", "done", "started")
    )
    for username, done, started in rows:
        load = loads.setdefault(username, AnnotatorLoad(username, ""))
        load.assigned += 1
        state = work_state(done=done, started=started)
        if state == WorkState.DONE:
            load.done += 1
        elif state == WorkState.IN_PROGRESS:
            load.started += 1
    return list(loads.values())


def project_assignments(*, project: Project, annotator: str = "") -> QuerySet[Assignment]:
    """The project's assignments with their article's title and their state's two facts
    (``done``, ``started``), by article then annotator; ``annotator`` (a username) narrows."""
    qs = (
        Assignment.objects.filter(project=project)
        .select_related("annotator", "article")
        .only("id", "created_at", "annotator__username", "article__id", "article__title")
        .annotate(
            done=_done_mark(OuterRef("article_id"), OuterRef("annotator_id")),
            started=_own_span(OuterRef("article_id"), OuterRef("annotator_id")),
        )
        .order_by("article__title", "article_id", "annotator__username")
    )
    if annotator:
        qs = qs.filter(annotator__username=annotator)
    return qs


def assigned_to(article: OuterRef, user) -> Exists:
    """Whether the article is assigned to the user (for an annotation)."""
    return Exists(Assignment.objects.filter(article=article, annotator=user))


def assigned_sql(article: str) -> str:
    """``assigned_to`` as a condition for hand-written SQL: whether the article whose id
    column is ``article`` (quoted, qualified) is assigned to the user; one parameter, the
    user's id. ``LIMIT 1`` as the ORM's ``Exists`` has it."""
    quote = connection.ops.quote_name
    meta = Assignment._meta
    return (
        f"EXISTS (SELECT 1 FROM {quote(meta.db_table)} asg "
        f"WHERE asg.{quote(meta.get_field('article').column)} = {article} "
        f"AND asg.{quote(meta.get_field('annotator').column)} = %s LIMIT 1)"
    )
