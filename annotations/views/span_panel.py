"""The span panel beside the text: edit, actors, relations, delete and restore."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors, services
from ..forms import RelationForm, SpanActorForm, SpanEditForm
from ..models import (
    Actor,
    Confidence,
    Label,
    Probability,
    Relation,
    Span,
    SpanEvent,
)
from ..suggestions import LabelChooser
from ..templatetags.assay import excerpt
from .common import posted_version, search_words, whole_number
from .errors import answers_refusals, catch_refusal, error_response, form_message
from .workspace import NOT_GRADED, Workspace


def _panel_response(
    request,
    ws: Workspace,
    span: Span,
    *,
    touched=(),
    live="",
    removed=(),
    added=(),
    status=200,
    **extra,
):
    """The span's panel, and out of band what the change touched, for htmx; a refusal says
    why in the panel (422, or the refusal's own status). A plain form post (no JavaScript)
    gets the page with the span open, or a page saying why not."""
    error = extra.get("error")
    if error and status == 200:
        status = 422
    if not request.htmx:
        back = f"{ws.url('annotate')}?span={span.pk}"
        if not error:
            return redirect(back)
        form = extra.get("form")
        if form is not None and form.errors:
            error += " " + form_message(form)
        return error_response(request, error, status, back=back)
    panel = render_to_string(
        "annotations/partials/annotate/span_panel.html", ws.panel_context(span, **extra), request
    )
    if not touched and not live:
        return HttpResponse(panel, status=status)
    return ws.fragments(touched=set(touched), panel=panel, live=live, removed=removed, added=added)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def span_panel(request, slug, article_id, span_id):
    """The span's detail beside the text (htmx); a plain GET opens the page with it."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    if not request.htmx:
        return redirect(f"{ws.url('annotate')}?span={span.pk}")
    return _panel_response(request, ws, span)


@login_required
@require_POST
def span_edit(request, slug, article_id, span_id):
    """Change label, probability, confidence and note; a stale version is refused inline."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    form = SpanEditForm(request.POST, project=ws.project)
    if not form.is_valid():
        return _panel_response(request, ws, span, form=form, error="Please correct the form.")
    data = form.cleaned_data
    old_range = (span.start, span.end)
    with catch_refusal() as refused:
        updated = services.span_update(
            span=span,
            user=request.user,
            version=data["version"],
            label=data["label"],
            probability=data["probability"] or None,
            confidence=data["confidence"] or None,
            note=data["note"],
        )
    if refused:
        changes = _stale_changes(ws, span, data) if refused.status == 409 else {}
        return _panel_response(
            request,
            ws,
            span,
            form=form,
            error=refused.message,
            stale=True,
            status=refused.status,
            **changes,
        )
    if not request.htmx:
        return redirect(f"{ws.url('annotate')}?span={span.pk}")
    ws.reload()
    span = ws.span(updated.pk)
    return _panel_response(
        request,
        ws,
        span,
        touched=ws.touched(*old_range),
        removed=(span.pk,),
        added=(span.pk,),
        live=f"Saved changes to {span.label.name}: “{excerpt(span.text)}”.",
    )


EDIT_FIELDS = (("label", "Label"), ("probability", "Probability"), ("confidence", "Confidence"),
               ("note", "Note"))  # fmt: skip


def _stale_changes(ws: Workspace, span: Span, data: dict) -> dict:
    """What a stale edit meets, field by field: the version it was based on (from the
    history), the current one (theirs) and the posted one (mine); and ``reapply``, the
    current version with the fields I changed set to mine, to post again on top of it."""
    base = selectors.span_version_snapshot(span=span, version=data["version"])
    mine = {
        "label": data["label"].pk,
        "probability": data["probability"] or "",
        "confidence": data["confidence"] or "",
        "note": data["note"],
    }
    theirs = {
        "label": span.label_id,
        "probability": span.probability or "",
        "confidence": span.confidence or "",
        "note": span.note,
    }
    before = None
    if base is not None:
        before = {key: base.get(key) or "" for key in mine}
        before["label"] = base.get("label")
    names = {label.pk: label.name for label in ws.labels}
    shown = {
        "label": lambda value: names.get(value, "—"),
        "probability": lambda value: Probability(value).label if value else NOT_GRADED,
        "confidence": lambda value: Confidence(value).label if value else NOT_GRADED,
        "note": lambda value: excerpt(value, 200) if value else "(empty)",
    }
    rows, reapply = [], dict(theirs)
    for key, title in EDIT_FIELDS:
        i_changed = mine[key] != (before[key] if before is not None else theirs[key])
        they_changed = before is not None and before[key] != theirs[key]
        if i_changed:
            reapply[key] = mine[key]
        if i_changed or they_changed:
            rows.append(
                {
                    "field": title,
                    "mine": shown[key](mine[key]),
                    "theirs": shown[key](theirs[key]),
                    "who": "both" if i_changed and they_changed else "me" if i_changed else "them",
                }
            )
    return {"conflict_rows": rows, "reapply": {**reapply, "version": span.version}}


@login_required
@require_POST
def span_actor_add(request, slug, article_id, span_id):
    """Attach an actor (an existing one, or a new one by name) to the span in a role."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    form = SpanActorForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, ws, span, error="Choose an actor and a role.")
    data = form.cleaned_data
    # One transaction: a new actor is kept only if the span takes it.
    with catch_refusal() as refused, transaction.atomic():
        if data["actor"]:
            actor = get_object_or_404(Actor, pk=data["actor"])
        elif (data["name"] or "").strip():
            actor = services.actor_create(name=data["name"], kind=Actor.Kind.OTHER)
        else:
            raise ValidationError("Choose an actor, or type a name to create one.")
        services.span_update(
            span=span,
            user=request.user,
            version=data["version"],
            actors=[
                *selectors.span_actor_links(span=span),
                {"actor": actor.pk, "role": data["role"]},
            ],
        )
    if refused:
        return _panel_response(
            request, ws, span, error=refused.message, stale=True, status=refused.status
        )
    ws.reload()
    span = ws.span(span_id)
    return _panel_response(
        request, ws, span, live=f"Attached {actor.name} as {data['role']}.", focus="actor-q"
    )


@login_required
@require_POST
def span_actor_remove(request, slug, article_id, span_id):
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    form = SpanActorForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["actor"]:
        return _panel_response(request, ws, span, error="Choose the actor to remove.")
    data = form.cleaned_data
    links = [
        link
        for link in selectors.span_actor_links(span=span)
        if not (link["actor"] == data["actor"] and link["role"] == data["role"])
    ]
    with catch_refusal() as refused:
        services.span_update(span=span, user=request.user, version=data["version"], actors=links)
    if refused:
        return _panel_response(
            request, ws, span, error=refused.message, stale=True, status=refused.status
        )
    ws.reload()
    return _panel_response(request, ws, ws.span(span_id), live="Actor removed.")


@login_required
@require_safe
def span_actor_search(request, slug, article_id, span_id):
    """Search-as-you-type over actor names and aliases, for the span's panel."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    q = search_words(request)
    actors = list(selectors.actors_search(q=q)) if q else []
    return render(
        request,
        "annotations/partials/annotate/actor_results.html",
        {"actors": actors, "q": q, "span": span, "add_url": ws.url("span-actor-add", span.pk)},
    )


@login_required
@require_safe
@vary_on_headers("HX-Request")
def span_relation_form(request, slug, article_id, span_id):
    """The form that links the span to another one. For htmx, a picker: the target is picked
    in the text (annotate.js), so no option per span (2,000 on the big article). Without
    JavaScript, a page whose form lists every other span."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    context = {
        "relation_labels": ws.relation_labels,
        "relation_url": ws.url("span-relation-add", span.pk),
    }
    if request.htmx:
        counts = selectors.article_span_counts(article=ws.article, user=request.user)
        context.update(has_targets=sum(counts.values()) > 1, span=span)
        return render(request, "annotations/partials/annotate/relation_picker.html", context)
    labels = ws.label_map
    targets = [
        {"pk": other.pk, "label": labels[other.label_id].name, "text": other.text}
        for other in ws.spans
        if other.pk != span.pk
    ]
    context.update(
        ws.context(with_spans=False),
        span=span,
        targets=targets,
        back_url=f"{ws.url('annotate')}?span={span.pk}",
    )
    return render(request, "annotations/span_relation.html", context)


@login_required
@require_POST
def span_relation_remove(request, slug, article_id, span_id):
    """Remove one of the span's outgoing relations (only their annotator may)."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    relation_id = whole_number(request.POST.get("relation", ""))
    if relation_id is None:
        return _panel_response(request, ws, span, error="Choose the relation to remove.")
    relation = get_object_or_404(
        Relation.objects.select_related("label"), pk=relation_id, from_span=span
    )
    with catch_refusal() as refused:
        services.relation_delete(relation=relation, user=request.user)
    if refused:
        return _panel_response(request, ws, span, error=refused.message, status=refused.status)
    ws.reload()
    return _panel_response(
        request, ws, ws.span(span_id), live=f"Removed the “{relation.label.name}” link."
    )


@login_required
@require_POST
def span_relation_add(request, slug, article_id, span_id):
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    form = RelationForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, ws, span, error="Choose a span and a relation label.")
    data = form.cleaned_data
    to_span = get_object_or_404(Span, pk=data["to_span"], article=ws.article)
    label = get_object_or_404(Label, pk=data["label"], project=ws.project)
    with catch_refusal() as refused:
        services.relation_create(
            from_span=span, to_span=to_span, label=label, annotator=request.user
        )
    if refused:
        return _panel_response(request, ws, span, error=refused.message, status=refused.status)
    ws.reload()
    return _panel_response(request, ws, ws.span(span_id), live=f"Linked with “{label.name}”.")


@login_required
@require_POST
@answers_refusals
def span_delete(request, slug, article_id, span_id):
    """Delete a span; the answer offers Undo (a restore of the ``deleted`` event)."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    services.span_delete(span=span, user=request.user)
    event = (
        SpanEvent.objects.filter(span_id=span_id, action=SpanEvent.Action.DELETED)
        .order_by("-at", "-id")
        .first()
    )
    if not request.htmx:
        return redirect(ws.url("annotate"))
    ws.reload()
    panel = render_to_string(
        "annotations/partials/annotate/span_deleted.html",
        {
            **ws.context(with_spans=False),
            "event": event,
            "deleted": span,
            "restore_url": ws.url("span-restore", event.pk),
        },
        request,
    )
    return ws.fragments(
        touched=ws.touched(span.start, span.end),
        removed=(span.pk,),
        panel=panel,
        live=f"Deleted {span.label.name}: “{excerpt(span.text)}”. Undo is in the side panel.",
    )


@login_required
@require_POST
@answers_refusals
def span_restore(request, slug, article_id, event_id):
    ws = Workspace.for_write(request, slug, article_id, None)
    event = get_object_or_404(SpanEvent, pk=event_id, article=ws.article)
    span = services.span_restore(event=event, user=request.user)
    if span.annotator_id != request.user.pk:  # a reviewer's or manager's restore
        if not request.htmx:
            return redirect(reverse("annotations:project-review", args=[ws.project.slug]))
        span = Span.objects.select_related("label", "annotator").get(pk=span.pk)
        panel = render_to_string(
            "annotations/partials/annotate/span_restored_elsewhere.html",
            {"restored": span},
            request,
        )
        return ws.fragments(panel=panel, live=f"Restored {span.annotator.username}'s span.")
    if not request.htmx:
        return redirect(f"{ws.url('annotate')}?span={span.pk}")
    ws.reload()
    span = ws.span(span.pk)
    return _panel_response(
        request,
        ws,
        span,
        touched=ws.touched(span.start, span.end),
        added=(span.pk,),
        live=f"Restored {span.label.name}: “{excerpt(span.text)}”.",
    )


def _proposals(ws: Workspace, span: Span, held: list[dict] | None) -> selectors.SpanProposals:
    labels = LabelChooser((label.pk, label.name) for label in ws.span_labels)
    return selectors.span_proposals(article=ws.article, span=span, labels=labels, held=held)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def span_proposals(request, slug, article_id, span_id):
    """What the article's suggestions propose for the span (the actors mentioned inside it,
    the attributed speaker as ``source``, the grade its words state): GET shows them in the
    panel (loaded after it), POST takes them all in one change of the span."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    if request.method != "POST":
        proposals = _proposals(ws, span, held=None)
        context = {"span": span, "proposals": proposals, "url": ws.url("span-proposals", span.pk)}
        return render(request, "annotations/partials/annotate/span_proposals.html", context)
    held = selectors.span_actor_links(span=span)  # read once: what is proposed, and kept
    proposals = _proposals(ws, span, held=held)
    if not proposals:
        return _panel_response(request, ws, span, live="Nothing left to take: the span has it all.")
    grade = {field: value for field, value, _, _ in proposals.grades()}
    with catch_refusal() as refused:
        services.span_update(
            span=span,
            user=request.user,
            version=posted_version(request),
            actors=[*held, *proposals.links()],
            **grade,
        )
    if refused:
        return _panel_response(
            request, ws, span, error=refused.message, stale=True, status=refused.status
        )
    ws.reload()
    taken = [f"{actor.name} ({role})" for actor, role in proposals.actors]
    taken += [f"{field} {value.replace('_', ' ')}" for field, value in grade.items()]
    return _panel_response(request, ws, ws.span(span_id), live="Took " + ", ".join(taken) + ".")
