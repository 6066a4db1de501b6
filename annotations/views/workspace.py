"""What the annotate page and its fragments read, in a fixed number of queries."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse

from .. import selectors
from ..models import (
    ActorRole,
    Article,
    Confidence,
    Label,
    LabelKind,
    Probability,
    Span,
)
from ..permissions import user_role
from .annotate_render import cached_bounds, remember_bounds, render_paragraph_window, touched_range
from .common import user_project

SPAN_LIST_CHANGES = "annotations/partials/annotate/span_list_changes.html"
PANEL_FIELDS = ("version", "label", "probability", "confidence", "note")
NOT_GRADED = "— not graded —"


class Workspace:
    """What the annotate page and its fragments need, read with a fixed number of queries."""

    def __init__(self, request, slug: str, article_id: int):
        self.request = request
        self.project = user_project(request, slug)
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

    def form_label(self, form) -> Label | None:
        """The project's span label that a valid ``SpanCreateForm`` names (from the labels
        read already: no query); else ``None``, and a ``label`` error on the form."""
        if not form.is_valid():
            return None
        wanted = form.cleaned_data["label"]
        label = next((x for x in self.span_labels if x.pk == wanted), None)
        if label is None:
            form.add_error("label", "Select one of the project's span labels.")
        return label

    @property
    def relation_labels(self) -> list[Label]:
        return [label for label in self.labels if label.kind == LabelKind.RELATION]

    @property
    def label_map(self) -> dict[int, Label]:
        return {label.pk: label for label in self.labels}

    @property
    def spans(self) -> list[selectors.AnnotateSpan]:
        if self._spans is None:
            self._spans = selectors.annotate_spans(article=self.article, user=self.request.user)
        return self._spans

    def span(self, span_id: int) -> Span:
        """One of the user's spans on this article, as a model instance; else 404."""
        return get_object_or_404(
            Span.objects.select_related("label", "annotator"),
            pk=span_id,
            article=self.article,
            annotator=self.request.user,
            gold=False,  # a gold span is changed on the compare page
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
            "all_labels": self.labels,  # their colours: partials/annotate/label_styles.html
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
            **grade_options(picked["probability"], picked["confidence"]),
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
            "proposals_url": self.url("span-proposals", span.pk),
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
            nearby, counts = selectors.annotate_spans_near(
                article=self.article, user=self.request.user, overlapping=(first, last)
            )
        else:
            counts = selectors.article_span_counts(article=self.article, user=self.request.user)
        total = sum(counts.values())
        ctx = {"live": live, "span_count": total, "oob": True}
        html = [panel, render_to_string("annotations/partials/annotate/live.html", ctx)]
        if touched:
            base, text = self.window(first, last)
            html += render_paragraph_window(
                text, base, [(i, *bounds[i]) for i in indexes], nearby, oob=True
            )
        if removed or added:
            rows = {row.pk: row for row in nearby if row.pk in added}
            if missing := [pk for pk in added if pk not in rows]:
                new_rows = Span.objects.filter(
                    pk__in=missing, article=self.article, annotator=self.request.user
                ).values_list("id", "start", "end", "label_id", "text")
                rows.update((values[0], selectors.AnnotateSpan(*values)) for values in new_rows)
            changes = {
                **ctx,
                "removed": removed,
                "added": [row for pk in added if (row := rows.get(pk))],
                "groups": [
                    {"label": label, "count": counts.get(label.pk, 0)} for label in self.span_labels
                ],
            }
            html.append(render_to_string(SPAN_LIST_CHANGES, changes))
        return HttpResponse("".join(html))


def grade_options(probability: str, confidence: str) -> dict:
    """The probability and confidence options, ``(value, name, picked)``, "not graded" first:
    the span panel's and the gold span editor's."""
    return {
        "probabilities": [
            (value, text, value == probability)
            for value, text in (("", NOT_GRADED), *Probability.choices)
        ],
        "confidences": [
            (value, text, value == confidence)
            for value, text in (("", NOT_GRADED), *Confidence.choices)
        ],
    }
