"""The project's label scheme: managers add, edit and reorder labels."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import condition, require_http_methods, require_POST, require_safe

from .. import services
from ..colors import next_label_color
from ..forms import LabelForm
from ..models import Label
from ..permissions import can_manage, user_role
from .common import user_project
from .errors import catch_refusal, error_response, form_message


def _label_page(request, project, *, form=None, error="", edit_errors=None, status=200):
    labels = list(Label.objects.filter(project=project).order_by("order", "name"))
    role = user_role(project=project, user=request.user)
    return render(
        request,
        "annotations/label_scheme.html",
        {
            "project": project,
            "labels": labels,
            "is_manager": can_manage(role),
            # A new label's colour: one no label of the project has yet.
            "form": form or LabelForm(initial={"color": next_label_color(x.color for x in labels)}),
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
    project = user_project(request, slug)
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _label_page(request, project)
    form = LabelForm(request.POST)
    if not form.is_valid():
        return _label_page(request, project, form=form, status=422)
    with catch_refusal() as refused:
        services.label_create(project=project, user=request.user, **form.cleaned_data)
    if refused:
        return _label_page(
            request, project, form=form, error=refused.message, status=refused.status
        )
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=added")


@login_required
@require_POST
def label_edit(request, slug, label_id):
    project = user_project(request, slug)
    label = get_object_or_404(Label, pk=label_id, project=project)
    form = LabelForm(request.POST)
    if not form.is_valid():
        edit_errors = {label.pk: form_message(form)}
        return _label_page(request, project, edit_errors=edit_errors, status=422)
    with catch_refusal() as refused:
        services.label_update(label=label, user=request.user, **form.cleaned_data)
    if refused:
        edit_errors = {label.pk: refused.message}
        return _label_page(request, project, edit_errors=edit_errors, status=refused.status)
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=saved")


@login_required
@require_POST
def label_move(request, slug, label_id):
    """Move a label one place up or down; the order is rewritten 0, 1, 2, ..."""
    project = user_project(request, slug)
    label = Label.objects.filter(project=project, pk=label_id).first()
    if label is None:
        return error_response(request, "No such label.", 404)
    step = -1 if request.POST.get("direction") == "up" else 1
    with catch_refusal() as refused:
        services.label_move(label=label, user=request.user, step=step)
    if refused:
        return _label_page(request, project, error=refused.message, status=refused.status)
    return redirect(reverse("annotations:label-scheme", args=[slug]) + "?saved=moved")


def _label_css(request, slug) -> str:
    """The stylesheet's text, made once per request (the ETag is its hash)."""
    if not hasattr(request, "_label_css"):
        project = user_project(request, slug)
        labels = Label.objects.filter(project=project).order_by("order", "name")
        request._label_css = render_to_string(
            "annotations/partials/annotate/label_styles.html", {"labels": labels}
        )
    return request._label_css


def _label_css_etag(request, slug):
    return hashlib.sha256(_label_css(request, slug).encode()).hexdigest()[:32]


@login_required
@require_safe
@condition(etag_func=_label_css_etag)
def label_css(request, slug):
    """The project's label colours as a stylesheet (``.l<id>`` sets ``--c``, the fill and the
    underline cue): pages link it rather than carry inline styles, which the Content Security
    Policy forbids. Revalidated each time (an ETag of its text: 304 while it is the same)."""
    response = HttpResponse(_label_css(request, slug), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response
