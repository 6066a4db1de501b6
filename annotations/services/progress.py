"""Who finished which article."""

from django.db import transaction
from django.utils import timezone

from ..models import (
    Article,
    ArticleProgress,
)
from ..permissions import MEMBER_ROLES, require_role

# --- progress and actor merges (the analyst's pages) ------------------------------------------


@transaction.atomic
def article_mark_done(*, article: Article, user, done: bool) -> ArticleProgress:
    """Record that ``user`` finished (or reopened) ``article``; any member may."""
    require_role(article.project_id, user, MEMBER_ROLES, "work on this project")
    progress, _ = ArticleProgress.objects.select_for_update().get_or_create(
        article=article, user=user
    )
    if bool(progress.done_at) != bool(done):
        progress.done_at = timezone.now() if done else None
        progress.save(update_fields=["done_at"])
    return progress
