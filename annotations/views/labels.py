"""The project's label scheme: managers add, edit and reorder labels."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..errors import Conflict
from ..forms import (
    LabelForm,
)
from ..models import (
    Label,
    Role,
)
from ..permissions import user_role
from .common import _project
from .errors import _error_response, _message, _status_of


def _label_page(request, project, *, form=None, error="", edit_errors=None, status=200):
    labels = list(Label.objects.filter(project=project).order_by("order", "name"))
    role = user_role(project=project, user=request.user)
    return render(
        request,
        "annotations/label_scheme.html",
        {
            "project": project,
            "labels": labels,
            "is_manager": role == Role.MANAGER,
            "form": form or LabelForm(),
            "error": error,
            "edit_errors": edit_errors or {},
            "saved": request.GET.get("saved", ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def label_scheme(request, slug):
    """The project's labels; managers add, edit and reorder them."""
    project = _project(request, slug)
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _label_page(request, project)
    form = LabelForm(request.POST)
    if not form.is_valid():
        return _label_page(request, project, form=form, status=422)
    try:
        services.label_create(project=project, user=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _label_page(request, project, form=form, error=_message(exc), status=_status_of(exc))
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=added")


@login_required
@require_POST
def label_edit(request, slug, label_id):
    project = _project(request, slug)
    label = get_object_or_404(Label, pk=label_id, project=project)
    form = LabelForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{f}: {' '.join(m)}" for f, m in form.errors.items())
        return _label_page(request, project, edit_errors={label.pk: errors}, status=422)
    try:
        services.label_update(label=label, user=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _label_page(
            request, project, edit_errors={label.pk: _message(exc)}, status=_status_of(exc)
        )
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=saved")


@login_required
@require_POST
def label_move(request, slug, label_id):
    """Move a label one place up or down; the order is rewritten 0, 1, 2, ..."""
    project = _project(request, slug)
    label = Label.objects.filter(project=project, pk=label_id).first()
    if label is None:
        return _error_response(request, "No such label.", 404)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.label_move(label=label, user=request.user, step=step)
    except (ValidationError, PermissionDenied) as exc:
        return _label_page(request, project, error=_message(exc), status=_status_of(exc))
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=moved")
