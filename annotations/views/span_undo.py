"""Undo and redo on the annotate page: the revert of a change the page made, answered as the
page's other changes are (the panel, and out of band what it touched); a group of changes
(what an accept-all or a label-all made) reverted as one."""

from itertools import chain

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from .. import services
from .common import id_runs, parse_id_runs, whole_number
from .errors import catch_refusal, error_response
from .workspace import Workspace


def _range(*snapshots) -> tuple[int, int]:
    shown = [s for s in snapshots if s]
    return min(s["start"] for s in shown), max(s["end"] for s in shown)


@login_required
@require_POST
def span_revert(request, slug, article_id):
    """Revert one of the user's changes on this article: ``event`` (an event id), or ``span``
    and ``version`` (the change that brought the span to that version); ``redo`` says which
    way the page is going, for the words. The answer's ``assay:reverted`` event carries the
    revert's own event, which the page reverts to go back again."""
    ws = Workspace.for_write(request, slug, article_id, None)
    redo = request.POST.get("redo") == "1"
    verb = "redo" if redo else "undo"
    if "events" in request.POST:
        return _revert_group(request, ws, redo)
    event_id = whole_number(request.POST.get("event", ""))
    span_id = whole_number(request.POST.get("span", ""))
    version = whole_number(request.POST.get("version", ""))
    if event_id is None and (span_id is None or version is None):
        return error_response(request, f"Can’t {verb}: no change was named.")
    with catch_refusal() as refused:
        event = services.span_event_find(
            article=ws.article, event_id=event_id, span_id=span_id, version=version
        )
        reverted = services.span_event_revert(event=event, user=request.user)
    if refused:
        return error_response(request, f"Can’t {verb}: {refused.message}", refused.status)
    if not request.htmx:
        return redirect(ws.url("annotate"))
    ws.reload()
    span = reverted.span
    # An undo names the change it took back; a redo the change it made again.
    what = services.describe_event(reverted.event) if redo else reverted.what
    live = f"{'Redone' if redo else 'Undone'}: {what}."
    touched = ws.touched(*_range(event.before, event.after))
    if span is None:
        panel = render_to_string("annotations/partials/annotate/span_panel_empty.html", {}, request)
        response = ws.fragments(panel=panel, touched=touched, removed=(event.span_id,), live=live)
    else:
        span = ws.span(span.pk)
        panel = render_to_string(
            "annotations/partials/annotate/span_panel.html", ws.panel_context(span), request
        )
        response = ws.fragments(
            panel=panel,
            touched=touched | ws.touched(span.start, span.end),
            removed=(span.pk,) if event.before is not None and event.after is not None else (),
            added=(span.pk,),
            live=live,
        )
    return trigger_client_event(
        response,
        "assay:reverted",
        {"event": reverted.event.pk, "redo": redo, "span": event.span_id, "message": live},
    )


def _revert_group(request, ws: Workspace, redo: bool):
    """``events`` (their ids as ``id_runs``): the group reverted as one, all or nothing. The page
    gets the empty panel, the touched paragraphs and list entries out of band, and in
    ``assay:reverted`` the group's own events (their revert goes back again)."""
    verb = "redo" if redo else "undo"
    runs = parse_id_runs(request.POST["events"])
    if runs is None:
        return error_response(request, f"Can’t {verb}: the changes were named by no ids.")
    with catch_refusal() as refused:
        services.check_group_size(sum(len(run) for run in runs))  # before the runs are read
        events = services.span_events_find(article=ws.article, event_ids=chain(*runs))
        reverted = services.span_events_revert(events=events, user=request.user)
    if refused:
        return error_response(request, f"Can’t {verb}: {refused.message}", refused.status)
    if not request.htmx:
        return redirect(ws.url("annotate"))
    own = [r.event for r in reverted]
    live = f"{'Redone' if redo else 'Undone'}: {services.describe_events(own if redo else events)}."
    touched = set()
    for event in events:
        touched |= ws.touched(*_range(event.before, event.after))
    for r in reverted:
        if r.span is not None:
            touched |= ws.touched(r.span.start, r.span.end)
    panel = render_to_string("annotations/partials/annotate/span_panel_empty.html", {}, request)
    response = ws.fragments(
        panel=panel,
        touched=touched,
        removed=tuple(e.span_id for e in events if e.before is not None and e.after is not None)
        + tuple(r.event.span_id for r in reverted if r.span is None),
        added=tuple(r.span.pk for r in reverted if r.span is not None),
        live=live,
    )
    return trigger_client_event(
        response,
        "assay:reverted",
        {"events": id_runs(event.pk for event in own), "redo": redo, "message": live},
    )
