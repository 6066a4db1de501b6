"""Projects and their members; a project keeps at least one manager."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ..errors import Conflict
from ..models import (
    Article,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanEvent,
)
from ..permissions import MANAGER_ROLES, require_role
from .kept_counts import kept_counts_forget
from .validation import UNSET, clean_fields, given

# --- projects and members ------------------------------------------------------------------


SLUG_ATTEMPTS = 5  # a new slug is tried this often when others take it at the same instant


def _slug_taken(slug: str, *, project: Project | None = None) -> bool:
    others = Project.objects.filter(slug=slug)
    return (others.exclude(pk=project.pk) if project else others).exists()


def _unique_slug(base: str) -> str:
    base = base[:90] or "project"
    slug, n = base, 2
    while _slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _save_unless_slug_taken(project: Project, **save) -> bool:
    """Save ``project`` in a savepoint: ``False`` (and nothing saved) when another request
    took its slug between the check and the write, which only the unique index can tell."""
    try:
        with transaction.atomic():
            project.save(**save)
    except IntegrityError:
        if _slug_taken(project.slug, project=project if project.pk else None):
            return False
        raise
    return True


@transaction.atomic
def project_create(
    *, name: str, creator, slug: str = "", description: str = "", blind: bool = False
) -> Project:
    """Create a project; its creator becomes its manager. Without a ``slug``, one is made
    from the name, numbered (``-2``, ``-3``...) past those taken."""
    data = clean_fields(Project, {"name": name, "description": description, "blind": blind})
    given = bool(slug)
    if given:
        slug = clean_fields(Project, {"slug": slug})["slug"]
        if _slug_taken(slug):
            raise ValidationError({"slug": f"The slug “{slug}” is taken."})
    else:
        slug = _unique_slug(slugify(data["name"]))
    project = Project(slug=slug, created_by=creator, **data)
    for _ in range(SLUG_ATTEMPTS):
        if _save_unless_slug_taken(project, force_insert=True):
            break
        if given:
            raise ValidationError({"slug": f"The slug “{slug}” is taken."})
        project.slug = _unique_slug(slugify(data["name"]))
    else:
        raise ValidationError({"slug": "Others are creating projects of this name; try again."})
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    user,
    name: str = UNSET,
    slug: str = UNSET,
    description: str = UNSET,
    blind: bool = UNSET,
) -> Project:
    """Change a project's name, slug, description or ``blind`` (those given); managers only."""
    changes = given(name=name, slug=slug, description=description, blind=blind)
    require_role(project, user, MANAGER_ROLES, "change the project")
    data = clean_fields(Project, changes)
    taken = ValidationError({"slug": f"The slug “{data.get('slug')}” is taken."})
    if "slug" in data and _slug_taken(data["slug"], project=project):
        raise taken
    for key, value in data.items():
        setattr(project, key, value)
    if not _save_unless_slug_taken(project):
        raise taken
    return project


@transaction.atomic
def project_delete(*, project: Project, user) -> None:
    require_role(project, user, MANAGER_ROLES, "delete the project")
    count = Span.objects.filter(project=project).count()
    if count:
        raise Conflict(f"The project has {count} spans; delete them before the project.")
    SpanEvent.objects.filter(project=project).delete()
    Relation.objects.filter(article__project=project).delete()
    Article.objects.filter(project=project).delete()
    kept_counts_forget(project_id=project.pk)
    project.delete()


@transaction.atomic
def membership_set(*, project: Project, user, member, role: str) -> Membership:
    """Add ``member`` to the project with ``role``, or change their role."""
    require_role(project, user, MANAGER_ROLES, "manage members")
    role = clean_fields(Membership, {"role": role})["role"]
    membership = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if membership is None:
        return Membership.objects.create(project=project, user=member, role=role)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _ensure_another_manager(project, member)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_add(*, project: Project, user, username: str, role: str) -> Membership:
    """Add the account named ``username`` to the project with ``role`` (the members page):
    an unknown name, or someone who is already a member, is refused by name."""
    require_role(project, user, MANAGER_ROLES, "manage members")
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "Enter the username of the person to add."})
    member = get_user_model().objects.filter(username=username).first()
    if member is None:
        raise ValidationError({"username": f"No one has the username “{username}”."})
    current = Membership.objects.filter(project=project, user=member).first()
    if current is not None:
        raise ValidationError(
            {
                "username": f"{username} is already a member, as {current.role}; "
                "change their role in the list."
            }
        )
    return membership_set(project=project, user=user, member=member, role=role)


@transaction.atomic
def membership_remove(*, project: Project, user, member) -> None:
    require_role(project, user, MANAGER_ROLES, "manage members")
    membership = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if membership is None:
        return
    if membership.role == Role.MANAGER:
        _ensure_another_manager(project, member)
    membership.delete()


def _ensure_another_manager(project: Project, member) -> None:
    others = Membership.objects.filter(project=project, role=Role.MANAGER).exclude(user=member)
    if not others.exists():
        raise Conflict("A project needs at least one manager.")
