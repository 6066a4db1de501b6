"""The members page: managers add people by username, change their roles and remove them."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from .. import services
from ..models import Membership, Role
from ..permissions import can_manage, user_role
from .common import user_project
from .errors import catch_refusal

PAGE = "annotations/project_members.html"
PARTIAL = "annotations/partials/members/member_table.html"
SAVED = {
    "added": "{who} added as {role}.",
    "changed": "{who} is now {role}.",
    "removed": "{who} removed from the project.",
}


def _members_page(request, project, *, status=200, **extra):
    """The page, or for htmx its one fragment (``#members``): the list, the add form and the
    message of what was just done or refused. ``focus`` names what gets the keyboard focus
    after a swap (htmx focuses the ``autofocus`` element of new content)."""
    memberships = Membership.objects.filter(project=project).select_related("user")
    context = {
        "project": project,
        "memberships": memberships.order_by("user__username"),
        "is_manager": can_manage(user_role(project=project, user=request.user)),
        "roles": Role.choices,
        "new_role": Role.ANNOTATOR,
        "username": "",
        "error": "",
        "error_for": "",
        "saved": "",
        "focus": "",
        **extra,
    }
    if not extra.get("saved") and (done := request.GET.get("saved")) in SAVED:
        who = request.GET.get("who", "")[:150]
        role = request.GET.get("role", "")
        context["saved"] = SAVED[done].format(who=who, role=role if role in Role.values else "")
    template = PARTIAL if request.htmx else PAGE
    return render(request, template, context, status=status)


def _done(request, project, kind: str, who: str, role: str = ""):
    """After a change: the fragment again for htmx, else back to the page (a GET)."""
    if request.htmx:
        message = SAVED[kind].format(who=who, role=role)
        focus = "add" if kind != "changed" else who
        return _members_page(request, project, saved=message, focus=focus)
    url = reverse("annotations:project-members", args=[project.slug])
    query = urlencode({"saved": kind, "who": who, **({"role": role} if role else {})})
    return redirect(f"{url}?{query}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def project_members(request, slug):
    """The project's members and their roles; managers add someone by username."""
    project = user_project(request, slug)
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _members_page(request, project)
    username = request.POST.get("username", "").strip()[:150]
    role = request.POST.get("role", "")
    with catch_refusal() as refused:
        services.membership_add(project=project, user=request.user, username=username, role=role)
    if refused:
        # Shown beside the form's fields: their messages without the field names.
        invalid = isinstance(refused.error, ValidationError)
        return _members_page(
            request,
            project,
            username=username,
            new_role=role,
            error=" ".join(refused.error.messages) if invalid else refused.message,
            error_for="add",
            focus="add",
            status=refused.status,
        )
    return _done(request, project, "added", username, role)


def _refused_on_row(request, project, refused, username: str):
    """A refused change of one member: the page with the message on their row, focused."""
    return _members_page(
        request,
        project,
        error=refused.message,
        error_for=username,
        focus=username,
        status=refused.status,
    )


def _membership(project, username: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), project=project, user__username=username
    )


@login_required
@require_POST
@vary_on_headers("HX-Request")
def member_role(request, slug, username):
    """Change a member's role; the project's last manager stays one."""
    project = user_project(request, slug)
    membership = _membership(project, username)
    role = request.POST.get("role", "")
    with catch_refusal() as refused:
        services.membership_set(
            project=project, user=request.user, member=membership.user, role=role
        )
    if refused:
        return _refused_on_row(request, project, refused, username)
    return _done(request, project, "changed", username, role)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def member_remove(request, slug, username):
    """Remove a member (their spans stay, with their history); never the last manager."""
    project = user_project(request, slug)
    membership = _membership(project, username)
    with catch_refusal() as refused:
        services.membership_remove(project=project, user=request.user, member=membership.user)
    if refused:
        return _refused_on_row(request, project, refused, username)
    if membership.user == request.user:  # they left: the project is no longer theirs to see
        url = reverse("annotations:project-list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _done(request, project, "removed", username)
