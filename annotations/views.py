"""The analyst's pages (server-rendered, htmx).

Every page looks its project up among the signed-in user's projects, so a page of another
project answers 404. Every write is a POST that calls one function of ``annotations.services``;
a refusal (``ValidationError``, ``PermissionDenied``, ``Conflict``) is shown inline, never as a
server error.
"""

import json
import threading
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from functools import lru_cache
from html import escape as escape_html
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest, Substr
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from . import estimative, selectors, services
from .errors import Conflict
from .exports import FORMATS as EXPORT_FORMATS
from .exports import export_stream
from .forms import (
    ActorForm,
    ArticleFilterForm,
    LabelForm,
    RelationForm,
    SpanActorForm,
    SpanCreateForm,
    SpanEditForm,
)
from .imports import FORMATS as IMPORT_FORMATS
from .imports import import_file_steps, run_steps
from .models import (
    Actor,
    ActorRole,
    Article,
    ArticleProgress,
    Confidence,
    Label,
    LabelKind,
    Probability,
    Relation,
    Role,
    Span,
    SpanEvent,
    SpanStatus,
)
from .permissions import user_role
from .selectors import projects_for_user

ARTICLES_PER_PAGE = 25
PANEL_FIELDS = ("version", "label", "probability", "confidence", "note")
NOT_GRADED = "— not graded —"


def _message(exc: Exception) -> str:
    """One readable sentence from a service's refusal."""
    if isinstance(exc, Conflict):
        return exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            parts = []
            for field, messages in exc.message_dict.items():
                prefix = "" if field in ("__all__", "non_field_errors") else f"{field}: "
                parts.extend(prefix + message for message in messages)
            return " ".join(parts)
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


def _status_of(exc: Exception) -> int:
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 422


def _error_response(request, message: str, status: int = 422, back: str = "") -> HttpResponse:
    """An inline error: htmx puts it in the page's alert region, a plain request gets a page
    that leads ``back`` (by default to the page it came from, if that is one of ours)."""
    if request.htmx:
        response = HttpResponse(
            render_to_string("annotations/partials/error.html", {"message": message}, request),
            status=status,
        )
        return reswap(retarget(response, "#errors"), "innerHTML")
    if not back:
        referer = request.headers.get("referer", "")
        ours = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        back = referer if ours else "/"
    return render(
        request, "annotations/error_page.html", {"message": message, "back": back}, status=status
    )


def _project(request, slug: str):
    return get_object_or_404(projects_for_user(user=request.user), slug=slug)


def _search_words(request, name: str = "q") -> str:
    """A search box's words, bounded; a NUL (which PostgreSQL text cannot hold) dropped."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:100]


def _whole_number(value: str) -> int | None:
    """A form or query value as an id or version: decimal digits within bigint, else None
    (``"²".isdigit()`` is true but no number; 5,000 digits are past Python's int limit)."""
    return int(value) if value.isdecimal() and len(value) <= 18 else None


# --- projects ------------------------------------------------------------------------------------


@login_required
@require_safe
def project_list(request):
    """The projects the signed-in user belongs to."""
    projects = (
        projects_for_user(user=request.user)
        .annotate(article_count=Count("articles", distinct=True))
        .order_by(F("name").asc())
    )
    return render(request, "annotations/project_list.html", {"projects": projects})


@login_required
@require_safe
def project_detail(request, slug):
    """A project's articles: search, filters, my progress, pages of 25."""
    project = _project(request, slug)
    sources = (
        Article.objects.filter(project=project)
        .exclude(source="")
        .order_by("source")
        .values_list("source", flat=True)
        .distinct()
    )
    form = ArticleFilterForm(request.GET or None, sources=list(sources))
    filters = form.cleaned_data if form.is_valid() else {}
    articles = selectors.project_articles(
        project=project,
        user=request.user,
        q=filters.get("q") or "",
        source=filters.get("source") or "",
        published_after=filters.get("published_after"),
        published_before=filters.get("published_before"),
        status=filters.get("status") or "",
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "project": project,
        "role": user_role(project=project, user=request.user),
        "form": form,
        "page": page,
        "query": urlencode(query),
        "filtered": bool(query),
    }
    if request.htmx:
        return render(request, "annotations/partials/article_results.html", context)
    return render(request, "annotations/project_detail.html", context)


# --- the annotate page: server-side highlights ---------------------------------------------------


@lru_cache(maxsize=16)
def paragraph_bounds(body: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each line of the body in code points; ``end`` excludes the ``\\n``.

    Cached: one request asks for the same 200,000-character body's bounds several times."""
    bounds, start = [], 0
    for line in body.split("\n"):
        bounds.append((start, start + len(line)))
        start += len(line) + 1
    return tuple(bounds)


# Paragraph bounds by article id, with the body's sha256 they were computed from: a span's
# fragments then read only the touched paragraphs' text, not the whole body. Per process, a
# few articles' worth (a 200,000-character article's bounds are a few kilobytes).
_ARTICLE_BOUNDS: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {}
_ARTICLE_BOUNDS_LOCK = threading.Lock()  # for threaded servers (runserver)
ARTICLE_BOUNDS_KEPT = 64


def remember_bounds(article_id: int, sha256: str, body: str) -> tuple[tuple[int, int], ...]:
    """The body's paragraph bounds, remembered for ``cached_bounds``."""
    bounds = paragraph_bounds(body)
    with _ARTICLE_BOUNDS_LOCK:
        _ARTICLE_BOUNDS.pop(article_id, None)
        _ARTICLE_BOUNDS[article_id] = (sha256, bounds)
        while len(_ARTICLE_BOUNDS) > ARTICLE_BOUNDS_KEPT:
            del _ARTICLE_BOUNDS[next(iter(_ARTICLE_BOUNDS))]  # the oldest
    return bounds


def cached_bounds(article_id: int) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    """``(sha256, bounds)`` remembered for the article, or ``None``."""
    return _ARTICLE_BOUNDS.get(article_id)


def _segment(text: str, base: int, start: int, end: int, covering: list) -> str:
    piece = escape_html(text[start - base : end - base], quote=False)
    if not covering:
        return f'<span class="seg" data-start="{start}">{piece}</span>'
    # Innermost first: the shortest span colours the background, up to three others underline
    # it (the u1-/u2-/u3- classes of ``label_styles``). Classes rather than a style and a
    # title on each of thousands of highlights: the page is that much less to parse; the
    # page's script gives a highlight its title (the labels' names) on hover.
    classes = f"seg hl l{covering[0].label_id}"
    if len(covering) > 1:
        covering = sorted(covering, key=lambda s: (s.end - s.start, -s.start, s.pk))
        classes = f"seg hl l{covering[0].label_id} multi" + "".join(
            [f" u{depth}-{s.label_id}" for depth, s in enumerate(covering[1:4], start=1)]
        )
    ids = " ".join([str(s.pk) for s in covering])
    return f'<mark class="{classes}" data-start="{start}" data-spans="{ids}">{piece}</mark>'


def render_paragraphs(
    body: str, spans: list, *, only: set[int] | None = None, oob: bool = False
) -> list[str]:
    """The body as ``<p>`` elements split on every span boundary, escaped (HTML strings).

    ``spans`` have ``pk``, ``start``, ``end`` and ``label_id``. Each segment carries
    ``data-start`` (code points) and ``data-spans`` (the spans covering it, innermost first),
    so the page can turn a selection into offsets and a click into a span. ``only`` limits
    the output to some paragraph indexes (for htmx out-of-band updates).
    """
    bounds = paragraph_bounds(body)
    indexes = range(len(bounds)) if only is None else sorted(only)
    return render_paragraph_window(
        body, 0, [(index, *bounds[index]) for index in indexes], spans, oob=oob
    )


def render_paragraph_window(
    text: str,
    base: int,
    paragraphs: list[tuple[int, int, int]],
    spans: list,
    *,
    oob: bool = False,
) -> list[str]:
    """``render_paragraphs`` on a piece of the body: ``text`` is ``body[base:...]`` and
    ``paragraphs`` lists ``(index, start, end)`` of the paragraphs it holds, in text order;
    ``spans`` are those that overlap them."""
    starts, ends = defaultdict(list), defaultdict(list)
    for span in spans:
        starts[span.start].append(span)
        ends[span.end].append(span)
    cuts = sorted(set(starts) | set(ends))
    active: dict[int, object] = {}
    out, ci = [], 0
    oob_attr = ' hx-swap-oob="outerHTML"' if oob else ""
    for index, ps, pe in paragraphs:
        pieces, pos = [], ps
        while ci < len(cuts) and cuts[ci] <= pe:
            cut = cuts[ci]
            if cut > pos:
                pieces.append(_segment(text, base, pos, cut, list(active.values())))
            pos = max(pos, cut)
            for span in ends.get(cut, ()):
                active.pop(span.pk, None)
            for span in starts.get(cut, ()):
                active[span.pk] = span
            ci += 1
        if pe > pos:
            pieces.append(_segment(text, base, pos, pe, list(active.values())))
        if ps == pe:
            pieces.append(f'<span class="seg empty" data-start="{ps}"></span>')
        out.append(
            f'<p id="para-{index}" class="para" data-start="{ps}"{oob_attr}>'
            + "".join(pieces)
            + "</p>"
        )
    return out


def touched_range(bounds: tuple[tuple[int, int], ...], start: int, end: int) -> range:
    """Indexes of the paragraphs that ``[start, end)`` overlaps (its ends included)."""
    first = bisect_left(bounds, start, key=lambda b: b[1])
    last = bisect_right(bounds, end, key=lambda b: b[0])
    return range(first, max(first, last))


def paragraphs_touched(body: str, *ranges: tuple[int, int]) -> set[int]:
    """Indexes of the paragraphs that ``[start, end)`` ranges overlap."""
    bounds = paragraph_bounds(body)
    return {index for start, end in ranges for index in touched_range(bounds, start, end)}


def label_styles(labels) -> SafeString:
    """Each label's colour: ``--c`` for its highlights, ``--u1`` to ``--u3`` for the underlines
    it draws beneath an inner span's highlight."""
    rules = "".join(
        f".l{label.pk}{{--c:{color}}}.u1-{label.pk}{{--u1:{color}}}"
        f".u2-{label.pk}{{--u2:{color}}}.u3-{label.pk}{{--u3:{color}}}"
        for label in labels
        if (color := escape(label.color))
    )
    return mark_safe(rules)


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _span_item(span) -> str:
    """One entry of the span list; ``data-start`` keeps a group in text order."""
    return (
        f'<li id="item-{span.pk}" data-start="{span.start}">'
        f'<a href="?span={span.pk}" data-span-link="{span.pk}">'
        f"{escape_html(_excerpt(span.text, 90), quote=False)}</a></li>"
    )


def _span_groups(labels: list[Label], spans: list) -> list[dict]:
    """The span list: a group per span label (empty ones hidden), in the scheme's order."""
    by_label = defaultdict(list)
    for span in spans:
        by_label[span.label_id].append(span)
    return [
        {
            "label": label,
            "count": len(by_label[label.pk]),
            "items": mark_safe("".join([_span_item(span) for span in by_label[label.pk]])),
        }
        for label in labels
    ]


class Workspace:
    """What the annotate page and its fragments need, read with a fixed number of queries."""

    def __init__(self, request, slug: str, article_id: int):
        self.request = request
        self.project = _project(request, slug)
        self.article = get_object_or_404(Article, pk=article_id, project=self.project)
        self.role = user_role(project=self.project, user=request.user)
        self._spans = None
        self._labels = None
        self._window = None

    @classmethod
    def for_write(cls, request, slug: str, article_id: int, near: tuple[int, int] | None):
        """A workspace for a span's fragments, read in one query (article, project, role,
        labels) without the article's body. With ``near`` ``(start, end)`` (a new span's
        offsets) and the article's paragraph bounds at hand, the paragraphs around it are
        read with it; without the bounds, the body is, and its bounds are remembered. Without
        ``near``, the body is read only if a fragment needs it. 404 for a user outside the
        project."""
        ws = cls.__new__(cls)
        ws.request, ws._spans, ws._labels, ws._window = request, None, None, None
        cached = cached_bounds(article_id)
        window = None
        if cached is not None and near is not None:
            paragraphs = touched_range(cached[1], *near)
            if paragraphs:
                window = (cached[1][paragraphs[0]][0], cached[1][paragraphs[-1]][1])
        target = selectors.article_target(
            slug=slug,
            article_id=article_id,
            user=request.user,
            window=window,
            body=cached is None and near is not None,
        )
        if target is None or target.role is None:
            raise Http404("No such article in your projects.")
        ws.article, ws.project, ws.role = target.article, target.project, target.role
        ws._labels = target.labels
        if cached is None and near is not None:
            remember_bounds(ws.article.pk, ws.article.sha256, ws.article.body)
        elif window is not None and cached[0] == ws.article.sha256:
            ws._window = (window[0], target.piece)
        return ws

    def bounds(self) -> tuple[tuple[int, int], ...]:
        """The article's paragraph bounds (the body is loaded if they are not known)."""
        cached = cached_bounds(self.article.pk)
        if cached is not None and cached[0] == self.article.sha256:
            return cached[1]
        return remember_bounds(self.article.pk, self.article.sha256, self.article.body)

    def touched(self, start: int, end: int) -> set[int]:
        """Indexes of the paragraphs that ``[start, end)`` overlaps."""
        return set(touched_range(self.bounds(), start, end))

    def window(self, start: int, end: int) -> tuple[int, str]:
        """``(start, body[start:end])``: from the piece read with the article when it covers
        that range, else from the body (loaded if it was deferred)."""
        if self._window is not None:
            base, piece = self._window
            if base <= start and end <= base + len(piece):
                return start, piece[start - base : end - base]
        return start, self.article.body[start:end]

    @property
    def labels(self) -> list[Label]:
        if self._labels is None:
            self._labels = list(
                Label.objects.filter(project=self.project).order_by("order", "name")
            )
        return self._labels

    @property
    def span_labels(self) -> list[Label]:
        return [label for label in self.labels if label.kind == LabelKind.SPAN]

    @property
    def relation_labels(self) -> list[Label]:
        return [label for label in self.labels if label.kind == LabelKind.RELATION]

    @property
    def label_map(self) -> dict[int, Label]:
        return {label.pk: label for label in self.labels}

    @property
    def spans(self) -> list[selectors.SpanRow]:
        if self._spans is None:
            self._spans = selectors.article_span_rows(article=self.article, user=self.request.user)
        return self._spans

    def span(self, span_id: int) -> Span:
        """One of the user's spans on this article, as a model instance; else 404."""
        return get_object_or_404(
            Span.objects.select_related("label", "annotator"),
            pk=span_id,
            article=self.article,
            annotator=self.request.user,
        )

    def reload(self):
        self._spans = None

    def url(self, name: str, *args) -> str:
        return reverse(f"annotations:{name}", args=[self.project.slug, self.article.pk, *args])

    def context(self, *, with_spans: bool = True, **extra) -> dict:
        """The page's context; fragments that draw no span list pass ``with_spans=False``
        and skip reading every span of the article."""
        context = {
            "project": self.project,
            "article": self.article,
            "role": self.role,
            "labels": self.span_labels,
            "relation_labels": self.relation_labels,
            "label_styles": label_styles(self.labels),
            "create_url": self.url("span-create"),
            **extra,
        }
        if with_spans:
            context["spans"] = self.spans
            context["span_count"] = len(self.spans)
        return context

    def panel_fields(self, span, data=None) -> dict:
        """The edit form's options and values: the span's, or those posted (``data``) when
        the form is shown again with an error. Plain values for the template: Django's
        widgets took longer to render this form than the rest of a span create together."""
        if data is None:
            values = {
                "version": span.version,
                "label": span.label_id,
                "probability": span.probability or "",
                "confidence": span.confidence or "",
                "note": span.note,
            }
        else:
            values = {key: data.get(key, "") for key in PANEL_FIELDS}
        picked = {key: str(value) for key, value in values.items()}
        return {
            "version": values["version"],
            "labels": [
                (label.pk, label.name, str(label.pk) == picked["label"])
                for label in self.span_labels
            ],
            "probabilities": [
                (value, text, value == picked["probability"])
                for value, text in (("", NOT_GRADED), *Probability.choices)
            ],
            "confidences": [
                (value, text, value == picked["confidence"])
                for value, text in (("", NOT_GRADED), *Confidence.choices)
            ],
            "note": values["note"],
        }

    def panel_context(self, span: Span, *, new: bool = False, **extra) -> dict:
        """The span panel's context; ``new`` for a span just created, which has no actors
        and no relations yet (two queries saved)."""
        form = extra.pop("form", None)
        actor_links, relations = ([], []) if new else selectors.span_links(span=span)
        return {
            "actor_links": actor_links,
            "relations": relations,
            **self.context(with_spans=False),
            "span": span,
            "fields": self.panel_fields(span, form.data if form is not None else None),
            "roles": ActorRole.choices,
            "edit_url": self.url("span-edit", span.pk),
            "delete_url": self.url("span-delete", span.pk),
            "actor_add_url": self.url("span-actor-add", span.pk),
            "actor_remove_url": self.url("span-actor-remove", span.pk),
            "actor_search_url": self.url("span-actor-search", span.pk),
            "relation_url": self.url("span-relation-add", span.pk),
            "relation_form_url": self.url("span-relation-form", span.pk),
            "relation_remove_url": self.url("span-relation-remove", span.pk),
            "panel_url": self.url("span-panel", span.pk),
            "suggestion": _suggestion(span),
            **extra,
        }

    def fragments(
        self,
        *,
        panel: str,
        live: str = "",
        touched: set[int] = frozenset(),
        removed: tuple[int, ...] = (),
        added: tuple[int, ...] = (),
    ) -> HttpResponse:
        """The panel (the main swap) and, out of band, only what changed elsewhere.

        The live region, the ``touched`` paragraphs, the span list's ``removed`` and ``added``
        entries and the counters: a few kilobytes, however long the article.
        """
        nearby = []
        if touched:
            bounds, indexes = self.bounds(), sorted(touched)
            first, last = bounds[indexes[0]][0], bounds[indexes[-1]][1]
            nearby, counts = selectors.article_spans_near(
                article=self.article, user=self.request.user, overlapping=(first, last)
            )
        else:
            counts = selectors.article_span_counts(article=self.article, user=self.request.user)
        total = sum(counts.values())
        ctx = {"live": live, "span_count": total, "oob": True}
        html = [panel, render_to_string("annotations/partials/live.html", ctx)]
        if touched:
            base, text = self.window(first, last)
            html += render_paragraph_window(
                text, base, [(i, *bounds[i]) for i in indexes], nearby, oob=True
            )  # escaped by render_paragraph_window
        if removed or added:
            html += [f'<li id="item-{pk}" hx-swap-oob="delete"></li>' for pk in removed]
            rows = {row.pk: row for row in nearby if row.pk in added}
            if missing := [pk for pk in added if pk not in rows]:
                new_rows = Span.objects.filter(
                    pk__in=missing, article=self.article, annotator=self.request.user
                ).values_list("id", "start", "end", "label_id", "text")
                rows.update((values[0], selectors.SpanRow(*values)) for values in new_rows)
            html += [
                f'<ol hx-swap-oob="beforeend:#group-items-{row.label_id}">{_span_item(row)}</ol>'
                for pk in added
                if (row := rows.get(pk))
            ]
            html += [
                f'<span id="group-count-{label.pk}" class="count" hx-swap-oob="true">'
                f"{counts.get(label.pk, 0)}</span>"
                for label in self.span_labels
            ]
            html.append(f'<span id="span-total" class="count" hx-swap-oob="true">{total}</span>')
            html.append(render_to_string("annotations/partials/counters.html", ctx))
        return HttpResponse("".join(html))


@login_required
@require_safe
def annotate(request, slug, article_id):
    """The annotate page: highlighted text, the label palette, the span list and panel."""
    ws = Workspace(request, slug, article_id)
    previous_id, next_id = selectors.article_neighbours(article=ws.article)
    progress = ArticleProgress.objects.filter(article=ws.article, user=request.user).first()
    panel_span = None
    if (wanted := _whole_number(request.GET.get("span", ""))) is not None:
        panel_span = (
            Span.objects.select_related("label", "annotator")
            .filter(pk=wanted, article=ws.article, annotator=request.user)
            .first()
        )
    context = ws.context(
        groups=_span_groups(ws.span_labels, ws.spans),
        # Through ws.bounds(), so that this process remembers the bounds for span creates.
        paragraphs=mark_safe(
            "".join(
                render_paragraph_window(
                    ws.article.body,
                    0,
                    [(index, *bounds) for index, bounds in enumerate(ws.bounds())],
                    ws.spans,
                )
            )
        ),
        previous_url=previous_id and reverse("annotations:annotate", args=[slug, previous_id]),
        next_url=next_id and reverse("annotations:annotate", args=[slug, next_id]),
        done=bool(progress and progress.done_at),
    )
    if panel_span is not None:
        context.update(ws.panel_context(panel_span))
    return render(request, "annotations/annotate.html", context)


@login_required
@require_POST
def article_done(request, slug, article_id):
    ws = Workspace.for_write(request, slug, article_id, None)  # neither the body nor the spans
    done = request.POST.get("done") == "1"
    try:
        services.article_mark_done(article=ws.article, user=request.user, done=done)
    except (ValidationError, PermissionDenied) as exc:
        return _error_response(request, _message(exc), _status_of(exc))
    if not request.htmx:
        return redirect(ws.url("annotate"))
    ctx = {**ws.context(with_spans=False), "done": done, "oob": False}
    live = "Marked as done." if done else "Marked as to do."
    html = render_to_string("annotations/partials/done_toggle.html", ctx, request)
    html += render_to_string("annotations/partials/live.html", {"live": live, "oob": True}, request)
    return HttpResponse(html)


@login_required
@require_POST
def span_create(request, slug, article_id):
    """Save a span over ``[start, end)`` (code points) with a label, answer the changed pieces.

    The hot path of the page (a keypress): one query reads the article (without its body),
    its project and the user's role, and another the labels; the service saves; then the
    spans around the new one and the counts are read, and only the touched paragraphs, the
    new list entry, the counters and the panel are drawn.
    """
    form = SpanCreateForm(request.POST)
    valid = form.is_valid()
    near = (form.cleaned_data["start"], form.cleaned_data["end"]) if valid else None
    ws = Workspace.for_write(request, slug, article_id, near)
    label = None
    if valid:
        label = next((x for x in ws.span_labels if x.pk == form.cleaned_data["label"]), None)
        if label is None:
            form.add_error("label", "Select one of the project's span labels.")
    if not form.is_valid():
        errors = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in form.errors.items()
        )
        return _error_response(request, f"The span was not saved. {errors}")
    data = form.cleaned_data
    try:
        span = services.span_create(
            article=ws.article,
            start=data["start"],
            end=data["end"],
            label=label,
            annotator=request.user,
        )
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _error_response(request, _message(exc), _status_of(exc))
    if not request.htmx:
        return redirect(f"{ws.url('annotate')}?span={span.pk}")
    panel = render_to_string(
        "annotations/partials/span_panel.html", ws.panel_context(span, new=True), request
    )
    return ws.fragments(
        touched=ws.touched(span.start, span.end),
        added=(span.pk,),
        panel=panel,
        live=f"Saved {label.name}: “{_excerpt(span.text)}”.",
    )


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
            error += " " + " ".join(
                f"{field}: {message}"
                for field, messages in form.errors.items()
                for message in messages
            )
        return _error_response(request, error, status, back=back)
    panel = render_to_string(
        "annotations/partials/span_panel.html", ws.panel_context(span, **extra), request
    )
    if not touched and not live:
        return HttpResponse(panel, status=status)
    return ws.fragments(touched=set(touched), panel=panel, live=live, removed=removed, added=added)


@login_required
@require_safe
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
    try:
        updated = services.span_update(
            span=span,
            user=request.user,
            version=data["version"],
            label=data["label"],
            probability=data["probability"] or None,
            confidence=data["confidence"] or None,
            note=data["note"],
        )
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _panel_response(
            request, ws, span, form=form, error=_message(exc), stale=True, status=_status_of(exc)
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
        live=f"Saved changes to {span.label.name}: “{_excerpt(span.text)}”.",
    )


def _links(span: Span) -> list[dict]:
    actor_links, _ = selectors.span_links(span=span)
    return [{"actor": link.actor_id, "role": link.role} for link in actor_links]


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
    try:
        # One transaction: a new actor is kept only if the span takes it.
        with transaction.atomic():
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
                actors=[*_links(span), {"actor": actor.pk, "role": data["role"]}],
            )
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _panel_response(
            request, ws, span, error=_message(exc), stale=True, status=_status_of(exc)
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
        for link in _links(span)
        if not (link["actor"] == data["actor"] and link["role"] == data["role"])
    ]
    try:
        services.span_update(span=span, user=request.user, version=data["version"], actors=links)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _panel_response(
            request, ws, span, error=_message(exc), stale=True, status=_status_of(exc)
        )
    ws.reload()
    return _panel_response(request, ws, ws.span(span_id), live="Actor removed.")


@login_required
@require_safe
def span_actor_search(request, slug, article_id, span_id):
    """Search-as-you-type over actor names and aliases, for the span's panel."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    q = _search_words(request)
    actors = list(selectors.actors_search(q=q)) if q else []
    return render(
        request,
        "annotations/partials/actor_results.html",
        {"actors": actors, "q": q, "span": span, "add_url": ws.url("span-actor-add", span.pk)},
    )


@login_required
@require_safe
def span_relation_form(request, slug, article_id, span_id):
    """The form that links the span to another one; loaded on demand (it lists every span)."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    labels = ws.label_map
    targets = mark_safe(
        "".join(
            f'<option value="{other.pk}">{escape_html(labels[other.label_id].name)}: '
            f"{escape_html(_excerpt(other.text, 50))}</option>"
            for other in ws.spans
            if other.pk != span.pk
        )
    )
    return render(
        request,
        "annotations/partials/relation_form.html",
        {
            "relation_labels": ws.relation_labels,
            "targets": targets,
            "relation_url": ws.url("span-relation-add", span.pk),
        },
    )


def _suggestion(span: Span) -> dict | None:
    """What the span's words state on ICD 203's scales and the panel does not hold yet, as
    ``{"probability": (value, name, words), "confidence": …}``; None when nothing is new."""
    found = estimative.suggest(span.text)
    offer = {}
    if found.probability and found.probability != span.probability:
        name = Probability(found.probability).label
        offer["probability"] = (found.probability, name, found.probability_words)
    if found.confidence and found.confidence != span.confidence:
        name = Confidence(found.confidence).label
        offer["confidence"] = (found.confidence, name, found.confidence_words)
    return offer or None


@login_required
@require_POST
def span_relation_remove(request, slug, article_id, span_id):
    """Remove one of the span's outgoing relations (only their annotator may)."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    relation_id = _whole_number(request.POST.get("relation", ""))
    if relation_id is None:
        return _panel_response(request, ws, span, error="Choose the relation to remove.")
    relation = get_object_or_404(
        Relation.objects.select_related("label"), pk=relation_id, from_span=span
    )
    try:
        services.relation_delete(relation=relation, user=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _panel_response(request, ws, span, error=_message(exc), status=_status_of(exc))
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
    try:
        to_span = get_object_or_404(Span, pk=data["to_span"], article=ws.article)
        label = get_object_or_404(Label, pk=data["label"], project=ws.project)
        services.relation_create(
            from_span=span, to_span=to_span, label=label, annotator=request.user
        )
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _panel_response(request, ws, span, error=_message(exc), status=_status_of(exc))
    ws.reload()
    return _panel_response(request, ws, ws.span(span_id), live=f"Linked with “{label.name}”.")


@login_required
@require_POST
def span_delete(request, slug, article_id, span_id):
    """Delete a span; the answer offers Undo (a restore of the ``deleted`` event)."""
    ws = Workspace.for_write(request, slug, article_id, None)
    span = ws.span(span_id)
    try:
        services.span_delete(span=span, user=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _error_response(request, _message(exc), _status_of(exc))
    event = (
        SpanEvent.objects.filter(span_id=span_id, action=SpanEvent.Action.DELETED)
        .order_by("-at", "-id")
        .first()
    )
    if not request.htmx:
        return redirect(ws.url("annotate"))
    ws.reload()
    panel = render_to_string(
        "annotations/partials/span_deleted.html",
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
        live=f"Deleted {span.label.name}: “{_excerpt(span.text)}”. Undo is in the side panel.",
    )


@login_required
@require_POST
def span_restore(request, slug, article_id, event_id):
    ws = Workspace.for_write(request, slug, article_id, None)
    event = get_object_or_404(SpanEvent, pk=event_id, article=ws.article)
    try:
        span = services.span_restore(event=event, user=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _error_response(request, _message(exc), _status_of(exc))
    if span.annotator_id != request.user.pk:  # a reviewer's or manager's restore
        if not request.htmx:
            return redirect(reverse("annotations:project-review", args=[ws.project.slug]))
        span = Span.objects.select_related("label", "annotator").get(pk=span.pk)
        panel = render_to_string(
            "annotations/partials/span_restored_elsewhere.html", {"restored": span}, request
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
        live=f"Restored {span.label.name}: “{_excerpt(span.text)}”.",
    )


# --- actors --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def actor_list(request):
    """The actor registry shared by all projects: search, create."""
    form = ActorForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            actor = services.actor_create(**form.cleaned_values())
        except ValidationError as exc:
            error = _message(exc)
        else:
            return redirect(reverse("annotations:actor-edit", args=[actor.pk]) + "?created=1")
    q = _search_words(request)
    actors = selectors.actors_with_counts(user=request.user).order_by("name", "id")
    if q:
        actors = actors.filter(search_text__contains=q.casefold())
    page = Paginator(actors, 50).get_page(request.GET.get("page"))
    context = {"form": form, "error": error, "page": page, "q": q}
    if request.htmx and request.method == "GET":
        return render(request, "annotations/partials/actor_table.html", context)
    return render(request, "annotations/actor_list.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.actor_update(actor=actor, **form.cleaned_values())
        except ValidationError as exc:
            error = _message(exc)
        else:
            return redirect(reverse("annotations:actor-edit", args=[actor.pk]) + "?saved=1")
    # Merge candidates: a search over names and aliases (the registry may hold thousands).
    merge_q = _search_words(request, "merge_q")
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
            "annotations/partials/merge_candidates.html",
            {"merge_q": merge_q, "candidates": candidates},
        )
    return render(
        request,
        "annotations/actor_edit.html",
        {
            "actor": actor,
            "form": form,
            "error": error,
            "merge_q": merge_q,
            "candidates": candidates,
            "saved": "saved" in request.GET,
            "created": "created" in request.GET,
            "merged": request.GET.get("merged", ""),
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def actor_merge(request, actor_id):
    """Merge another actor into this one (``remove`` in the form)."""
    keep = get_object_or_404(Actor, pk=actor_id)
    remove_id = _whole_number(request.POST.get("remove", ""))
    remove = get_object_or_404(Actor, pk=remove_id) if remove_id is not None else None
    if remove is None:
        return _error_response(request, "Choose the actor to merge into this one.")
    name = remove.name
    try:
        services.actor_merge(keep=keep, remove=remove, user=request.user)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return _error_response(request, _message(exc), _status_of(exc))
    return HttpResponseRedirect(
        reverse("annotations:actor-edit", args=[keep.pk]) + "?" + urlencode({"merged": name})
    )


# --- the label scheme ----------------------------------------------------------------------------


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


# --- export and import ---------------------------------------------------------------------------


def _label_and_annotator_choices(project) -> tuple[list[tuple[int, str]], list[str]]:
    """The project's span labels ``(id, name)`` in scheme order and its members' usernames:
    what the export and review filters offer (partials/label_annotator_fields.html)."""
    labels = list(
        Label.objects.filter(project=project, kind=LabelKind.SPAN)
        .order_by("order", "name")
        .values_list("pk", "name")
    )
    annotators = list(
        project.memberships.order_by("user__username").values_list("user__username", flat=True)
    )
    return labels, annotators


def _export_filters(request, project) -> tuple[dict, dict]:
    """The export form's choices and the filters picked, unknown values left out."""
    labels, annotators = _label_and_annotator_choices(project)
    picked = {
        "format": request.GET.get("format") or "jsonl",
        "status": request.GET.get("status") or "",
        "label": request.GET.get("label") or "",
        "annotator": request.GET.get("annotator") or "",
    }
    if picked["format"] not in EXPORT_FORMATS:
        picked["format"] = "jsonl"
    if picked["status"] not in SpanStatus.values:
        picked["status"] = ""
    if picked["label"] not in {str(pk) for pk, _ in labels}:
        picked["label"] = ""
    if picked["annotator"] not in annotators:
        picked["annotator"] = ""
    choices = {
        "formats": list(EXPORT_FORMATS),
        "statuses": SpanStatus.choices,
        "labels": labels,
        "annotators": annotators,
    }
    return choices, picked


def _export_count(project, picked: dict) -> dict:
    """What an export with these filters holds: every article, the spans that match."""
    spans = Span.objects.filter(project=project)
    if picked["status"]:
        spans = spans.filter(status=picked["status"])
    if picked["label"]:
        spans = spans.filter(label_id=picked["label"])
    if picked["annotator"]:
        spans = spans.filter(annotator__username=picked["annotator"])
    return {
        "articles": Article.objects.filter(project=project).count(),
        "spans": spans.count(),
        "format": picked["format"],
        "query": urlencode({key: value for key, value in picked.items() if value}),
    }


@login_required
@require_safe
def project_export(request, slug):
    """The export form: format and filters, with a live count of what the file will hold."""
    project = _project(request, slug)
    choices, picked = _export_filters(request, project)
    context = {"project": project, **choices, "picked": picked, "count": None}
    context["count"] = _export_count(project, picked)
    if request.htmx:
        return render(request, "annotations/partials/export_count.html", context)
    return render(request, "annotations/project_export.html", context)


@login_required
@require_safe
def project_export_download(request, slug):
    """The export file itself, streamed as the selector reads it."""
    project = _project(request, slug)
    try:
        content_type, filename, chunks, _ = export_stream(
            project,
            request.GET.get("format") or "jsonl",
            status=request.GET.get("status") or None,
            label=request.GET.get("label") or None,
            annotator=request.GET.get("annotator") or None,
        )
    except ValidationError as exc:
        return _error_response(request, _message(exc), 400)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _import_page(request, project, *, result=None, error="", picked=None, status=200):
    return render(
        request,
        "annotations/partials/import_result.html"
        if request.htmx or request.headers.get("Accept") == IMPORT_PROGRESS_TYPE
        else "annotations/project_import.html",
        {
            "project": project,
            "formats": list(IMPORT_FORMATS),
            "picked": picked or {"format": "auto", "create_labels": True, "create_actors": True},
            "result": result,
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_import(request, slug):
    """Managers upload a file of articles: all or nothing, every bad line listed."""
    project = _project(request, slug)
    if user_role(project=project, user=request.user) != Role.MANAGER:
        raise PermissionDenied("Only a manager of the project imports articles.")
    if request.method != "POST":  # GET or HEAD: never a write (HEAD skips the CSRF check)
        return _import_page(request, project)
    picked = {
        "format": request.POST.get("format") or "auto",
        "create_labels": bool(request.POST.get("create_labels")),
        "create_actors": bool(request.POST.get("create_actors")),
    }
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, project, error="Choose a file.", picked=picked, status=422)
    try:
        steps = import_file_steps(
            project,
            request.user,
            upload,
            picked["format"],
            create_labels=picked["create_labels"],
            create_actors=picked["create_actors"],
        )
        if request.headers.get("Accept") == IMPORT_PROGRESS_TYPE:
            return StreamingHttpResponse(
                _import_progress(request, project, upload, steps, picked),
                content_type=IMPORT_PROGRESS_TYPE,
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        result = run_steps(steps)
    except (ValidationError, PermissionDenied) as exc:
        return _import_page(
            request, project, error=_message(exc), picked=picked, status=_status_of(exc)
        )
    return _import_page(
        request, project, result=result, picked=picked, status=422 if result.errors else 200
    )


IMPORT_PROGRESS_TYPE = "application/x-ndjson"
IMPORT_PROGRESS_EVERY = 0.25  # seconds between two progress lines


def _import_progress(request, project, upload, steps, picked):
    """The import page's answer when its script asks for progress (``Accept:
    application/x-ndjson``): a JSON line ``{"done", "read"}`` every quarter second while the
    import runs (records read so far, the share of the file read), then ``{"status", "html"}``
    with the result's fragment. The import is the same one transaction: a client that goes
    away closes this generator, and that rolls it back."""
    size, last = upload.size or 0, time.monotonic()
    try:
        while True:
            try:
                done = next(steps)
            except StopIteration as stop:
                result, error, status = stop.value, "", 422 if stop.value.errors else 200
                break
            if time.monotonic() - last >= IMPORT_PROGRESS_EVERY:
                last = time.monotonic()
                read = min(upload.tell() / size, 1.0) if size else None
                yield json.dumps({"done": done, "read": read}) + "\n"
    except (ValidationError, PermissionDenied) as exc:
        result, error, status = None, _message(exc), _status_of(exc)
    finally:
        steps.close()  # left before its end (the client went away): rolled back, at once
    html = render_to_string(
        "annotations/partials/import_result.html",
        {"project": project, "result": result, "error": error},
        request,
    )
    yield json.dumps({"status": status, "html": html}) + "\n"


# --- agreement -----------------------------------------------------------------------------------


@login_required
@require_safe
def project_agreement(request, slug):
    """Inter-annotator agreement per pair and per label, as the API's agreement/ computes it."""
    project = _project(request, slug)
    labels, _ = _label_and_annotator_choices(project)
    basis = request.GET.get("basis") or selectors.AgreementBasis.SPANS
    if basis not in selectors.AgreementBasis.values:
        basis = selectors.AgreementBasis.SPANS
    label = request.GET.get("label") or ""
    if label not in {str(pk) for pk, _ in labels}:
        label = ""
    result = selectors.project_agreement(
        project=project, basis=basis, label=int(label) if label else None
    )
    context = {
        "project": project,
        "result": result,
        "labels": labels,
        "bases": [
            (selectors.AgreementBasis.SPANS, "Both have a span on it"),
            (selectors.AgreementBasis.DONE, "Both marked it done"),
        ],
        "picked": {"basis": basis, "label": label},
    }
    if request.htmx:
        return render(request, "annotations/partials/agreement_tables.html", context)
    return render(request, "annotations/project_agreement.html", context)


# --- review --------------------------------------------------------------------------------------

REVIEW_PER_PAGE = 50
REVIEW_CONTEXT = 60  # characters of the body shown on each side of a span
REVIEW_FIELDS = (
    *("id", "start", "end", "text", "status", "version", "probability", "confidence", "note"),
    *("label__name", "label__color", "annotator__username"),
    *("article__id", "article__title", "article__project_id"),
)


def _review_role(request, project) -> None:
    if user_role(project=project, user=request.user) not in (Role.REVIEWER, Role.MANAGER):
        raise PermissionDenied("Only a reviewer or manager of the project reviews its spans.")


def _review_spans(project):
    """The project's spans with what a review row shows: label, annotator, article title and
    the body around the span, sliced in the database (never a whole body in Python)."""
    body = "article__body"
    before_from = Greatest(F("start") - REVIEW_CONTEXT, Value(0))
    return (
        Span.objects.filter(project=project)
        .select_related("label", "annotator", "article")
        .only(*REVIEW_FIELDS)
        .annotate(
            before=Substr(body, before_from + 1, F("start") - before_from),
            after=Substr(body, F("end") + 1, REVIEW_CONTEXT),
        )
    )


def _review_key(text: str) -> tuple[int, int, int, int] | None:
    """``article-start-end-id`` of the last span a review page showed, or None."""
    parts = text.split("-")
    numbers = tuple(_whole_number(part) for part in parts)
    return numbers if len(numbers) == 4 and None not in numbers else None


def _review_counts(project) -> list[tuple[str, str, int]]:
    """``(status, its name, spans)`` for each status of the project's spans: one query."""
    counts = dict(
        Span.objects.filter(project=project)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(value, text, counts.get(value, 0)) for value, text in SpanStatus.choices]


def _review_row(request, project, span, *, error: str = "", status: int = 200) -> HttpResponse:
    """The span's row, and the counts per status (out of band) after a change."""
    row = render_to_string(
        "annotations/partials/review_row.html",
        {"project": project, "span": span, "error": error},
        request,
    )
    if not error:
        # The queue's status filter, as the page's address holds it, stays marked.
        query = parse_qs(urlsplit(request.htmx.current_url or "").query)
        picked = {"status": query.get("status", [SpanStatus.PENDING])[0]}
        row += render_to_string(
            "annotations/partials/review_counts.html",
            {"counts": _review_counts(project), "picked": picked, "oob": True},
            request,
        )
    return HttpResponse(row, status=status)


@login_required
@require_safe
def project_review(request, slug):
    """Reviewers and managers accept or reject spans: a queue with the text around each."""
    project = _project(request, slug)
    _review_role(request, project)
    labels, annotators = _label_and_annotator_choices(project)
    picked = {
        "status": request.GET.get("status", SpanStatus.PENDING),
        "label": request.GET.get("label") or "",
        "annotator": request.GET.get("annotator") or "",
    }
    spans = _review_spans(project)
    if picked["status"] in SpanStatus.values:
        spans = spans.filter(status=picked["status"])
    else:
        picked["status"] = ""
    if picked["label"] in {str(pk) for pk, _ in labels}:
        spans = spans.filter(label_id=int(picked["label"]))
    else:
        picked["label"] = ""
    if picked["annotator"] in annotators:
        spans = spans.filter(annotator__username=picked["annotator"])
    else:
        picked["annotator"] = ""
    total = spans.count()
    # Keyset pages: spans after the last one shown, in the queue's order. A page number would
    # skip spans once those of the page before are accepted and leave a filtered queue.
    after = _review_key(request.GET.get("after", ""))
    if after is not None:
        a, st, en, pk = after
        spans = spans.filter(
            Q(article_id__gt=a)
            | Q(article_id=a, start__gt=st)
            | Q(article_id=a, start=st, end__gt=en)
            | Q(article_id=a, start=st, end=en, id__gt=pk)
        )
    rows = list(spans.order_by("article_id", "start", "end", "id")[: REVIEW_PER_PAGE + 1])
    rows, more = rows[:REVIEW_PER_PAGE], len(rows) > REVIEW_PER_PAGE
    query = {k: v for k, v in picked.items() if v}
    base = {**query, "status": picked["status"]}
    last = rows[-1] if rows else None
    context = {
        "project": project,
        "spans": rows,
        "total": total,
        "first_query": urlencode(base) if after is not None else "",
        "next_query": urlencode(
            {**base, "after": f"{last.article_id}-{last.start}-{last.end}-{last.pk}"}
        )
        if more
        else "",
        "labels": labels,
        "annotators": annotators,
        "statuses": SpanStatus.choices,
        "counts": _review_counts(project),
        "picked": picked,
    }
    if request.htmx and request.headers.get("HX-Target") == "review-queue":
        return render(request, "annotations/partials/review_queue.html", context)
    return render(request, "annotations/project_review.html", context)


@login_required
@require_POST
def span_review(request, slug, span_id):
    """Set one span's status from the review queue; answers its row (or the row and why not)."""
    project = _project(request, slug)
    _review_role(request, project)
    span = get_object_or_404(_review_spans(project), pk=span_id)
    status, version = request.POST.get("status", ""), request.POST.get("version", "")
    # A whole number (within bigint), else the service says why it is not a version.
    number = _whole_number(version)
    version = version if number is None else number
    try:
        services.span_update(span=span, user=request.user, version=version, status=status)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        if not request.htmx:  # a page saying why, rather than a bare row
            queue = reverse("annotations:project-review", args=[project.slug])
            return _error_response(request, _message(exc), _status_of(exc), back=queue)
        span = get_object_or_404(_review_spans(project), pk=span_id)
        return _review_row(request, project, span, error=_message(exc), status=_status_of(exc))
    if not request.htmx:
        return redirect(reverse("annotations:project-review", args=[project.slug]))
    span = get_object_or_404(_review_spans(project), pk=span_id)
    return _review_row(request, project, span)
