"""The actor registry shared by all projects: search, create, edit, merge."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import selectors, services
from ..forms import ActorForm
from ..models import Actor
from ..selectors.pages import KeyedPaginator
from .common import search_words, whole_number
from .errors import answers_refusals, catch_refusal, error_response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def actor_list(request):
    """The actor registry shared by all projects: search, create."""
    form = ActorForm(request.POST or None)
    refused = catch_refusal()
    if request.method == "POST" and form.is_valid():
        with refused:
            actor = services.actor_create(**form.cleaned_values())
        if not refused:
            return redirect(reverse("annotations:actor-edit", args=[actor.pk]) + "?created=1")
    q = search_words(request)
    actors = selectors.actors_with_counts(user=request.user).order_by("name", "id")
    if q:
        actors = actors.filter(search_text__contains=q.casefold())
    page = KeyedPaginator(actors, 50).get_page(request.GET.get("page"))
    context = {"form": form, "error": refused.message, "page": page, "q": q}
    if request.htmx and request.method == "GET":
        return render(request, "annotations/partials/actors/actor_table.html", context)
    return render(request, "annotations/actor_list.html", context, status=refused.status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def actor_edit(request, actor_id):
    actor = get_object_or_404(selectors.actors_with_counts(user=request.user), pk=actor_id)
    initial = {
        "name": actor.name,
        "kind": actor.kind,
        "aliases": "\n".join(actor.aliases),
        "description": actor.description,
        "wikidata_id": actor.wikidata_id,
    }
    form = ActorForm(request.POST or None, initial=initial)
    refused = catch_refusal()
    if request.method == "POST" and form.is_valid():
        with refused:
            services.actor_update(actor=actor, **form.cleaned_values())
        if not refused:
            return redirect(reverse("annotations:actor-edit", args=[actor.pk]) + "?saved=1")
    # Merge candidates: a search over names and aliases (the registry may hold thousands).
    merge_q = search_words(request, "merge_q")
    candidates = []
    if merge_q:
        candidates = (
            selectors.actors_with_counts(user=request.user)
            .exclude(pk=actor.pk)
            .filter(search_text__contains=merge_q.casefold())
            .order_by("name", "id")[:20]
        )
    if request.htmx and request.method == "GET" and "merge_q" in request.GET:
        return render(
            request,
            "annotations/partials/actors/merge_candidates.html",
            {"merge_q": merge_q, "candidates": candidates},
        )
    return render(
        request,
        "annotations/actor_edit.html",
        {
            "actor": actor,
            "form": form,
            "error": refused.message,
            "merge_q": merge_q,
            "candidates": candidates,
            "saved": "saved" in request.GET,
            "created": "created" in request.GET,
            "merged": request.GET.get("merged", ""),
        },
        status=refused.status,
    )


@login_required
@require_POST
@answers_refusals
def actor_merge(request, actor_id):
    """Merge another actor into this one (``remove`` in the form)."""
    keep = get_object_or_404(Actor, pk=actor_id)
    remove_id = whole_number(request.POST.get("remove", ""))
    remove = get_object_or_404(Actor, pk=remove_id) if remove_id is not None else None
    if remove is None:
        return error_response(request, "Choose the actor to merge into this one.")
    name = remove.name
    services.actor_merge(keep=keep, remove=remove, user=request.user)
    return HttpResponseRedirect(
        reverse("annotations:actor-edit", args=[keep.pk]) + "?" + urlencode({"merged": name})
    )
