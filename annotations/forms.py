"""Forms that parse the pages' input; the writes themselves happen in ``annotations.services``."""

from django import forms

from .models import ActorKind, ActorRole, Confidence, Label, LabelKind, Probability, SpanStatus

STATUS_CHOICES = [("", "Any status"), ("todo", "To do"), ("done", "Done")]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Title contains", max_length=200)
    source = forms.ChoiceField(required=False, label="Source")
    published_after = forms.DateField(
        required=False, label="Published from", widget=forms.DateInput(attrs={"type": "date"})
    )
    published_before = forms.DateField(
        required=False, label="Published until", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(required=False, label="My status", choices=STATUS_CHOICES)

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "Any source")] + [(s, s) for s in sources]


class SpanCreateForm(forms.Form):
    """A new span's offsets and label id; the view checks that the label is one of the
    project's span labels, which it has read already (no query here)."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    label = forms.IntegerField(min_value=1)
    # An accepted suggestion brings its actor (in its role) and its grade along.
    actor = forms.IntegerField(min_value=1, required=False)
    role = forms.ChoiceField(required=False, choices=[("", ""), *ActorRole.choices])
    probability = forms.ChoiceField(required=False, choices=[("", ""), *Probability.choices])
    confidence = forms.ChoiceField(required=False, choices=[("", ""), *Confidence.choices])


class SpanEditForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    label = forms.ModelChoiceField(queryset=Label.objects.none(), empty_label=None)
    probability = forms.ChoiceField(
        required=False, choices=[("", "— not graded —"), *Probability.choices]
    )
    confidence = forms.ChoiceField(
        required=False, choices=[("", "— not graded —"), *Confidence.choices]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].queryset = Label.objects.filter(project=project, kind=LabelKind.SPAN)


class SpanActorForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    role = forms.ChoiceField(choices=ActorRole.choices)
    actor = forms.IntegerField(required=False)
    name = forms.CharField(required=False, max_length=300)


class RelationForm(forms.Form):
    to_span = forms.IntegerField()
    label = forms.IntegerField()


def aliases_from_text(text: str) -> list[str]:
    """One alias a line, or comma-separated on one line."""
    parts = text.replace("\r", "").split("\n")
    if len(parts) == 1:
        parts = parts[0].split(",")
    return [part.strip() for part in parts if part.strip()]


class ActorForm(forms.Form):
    name = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=ActorKind.choices, initial=ActorKind.PERSON)
    aliases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One alias a line (or separated by commas).",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    wikidata_id = forms.CharField(required=False, max_length=20, label="Wikidata id")

    def cleaned_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["aliases"] = aliases_from_text(data.get("aliases") or "")
        return data


class LabelForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=LabelKind.choices, initial=LabelKind.SPAN)
    color = forms.CharField(
        max_length=7, initial="#93c5fd", widget=forms.TextInput(attrs={"type": "color"})
    )
    hotkey = forms.CharField(required=False, max_length=1, strip=False)
    category = forms.CharField(required=False, max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PickForm(forms.Form):
    """Filters of a page's GET form: each value is one the page offers, else no filter (a
    bookmarked or hand-typed address never errs). ``picked()`` gives the values as strings,
    as the page's form shows them selected; ``defaults`` stands in for a value left out or
    not offered."""

    defaults: dict[str, str] = {}

    def picked(self) -> dict[str, str]:
        self.is_valid()
        return {
            name: self.cleaned_data.get(name) or self.defaults.get(name, "") for name in self.fields
        }


class SpanFilterForm(PickForm):
    """Status, label and annotator of a project's spans (the review queue, the export page)."""

    status = forms.ChoiceField(required=False, choices=[("", "Any"), *SpanStatus.choices])
    label = forms.ChoiceField(required=False)
    annotator = forms.ChoiceField(required=False)

    def __init__(self, data, *, labels, annotators):
        super().__init__(data)
        self.fields["label"].choices = [("", "Any"), *((str(pk), name) for pk, name in labels)]
        self.fields["annotator"].choices = [("", "Any"), *((name, name) for name in annotators)]


class ExportFilterForm(SpanFilterForm):
    """The export page: a format (``jsonl`` unless another is picked) and the span filters."""

    format = forms.ChoiceField(required=False)
    field_order = ["format", "status", "label", "annotator"]
    defaults = {"format": "jsonl"}

    def __init__(self, data, *, formats, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["format"].choices = [(name, name) for name in formats]


REVIEW_KEY = r"^\d{1,18}-\d{1,18}-\d{1,18}-\d{1,18}$"


class ReviewFilterForm(SpanFilterForm):
    """The review queue: pending spans unless another status (or any, ``""``) is picked, and
    ``after``, the last span a page showed (``article-start-end-id``)."""

    after = forms.RegexField(regex=REVIEW_KEY, required=False)

    def __init__(self, data, **kwargs):
        if "status" not in data:
            data = data.copy()
            data["status"] = SpanStatus.PENDING
        super().__init__(data, **kwargs)

    def picked(self) -> dict[str, str]:
        picked = super().picked()
        del picked["after"]
        return picked

    def after_key(self) -> tuple[int, int, int, int] | None:
        """``(article, start, end, id)`` of the last span shown, or None."""
        self.is_valid()
        after = self.cleaned_data.get("after")
        return tuple(int(part) for part in after.split("-")) if after else None


class AgreementFilterForm(PickForm):
    """The agreement page: the basis of a pair (both have a span, both marked it done) and
    one label or all."""

    basis = forms.ChoiceField(required=False)
    label = forms.ChoiceField(required=False)

    def __init__(self, data, *, bases, labels, default_basis):
        super().__init__(data)
        self.defaults = {"basis": default_basis}
        self.fields["basis"].choices = list(bases)
        self.fields["label"].choices = [("", "All"), *((str(pk), name) for pk, name in labels)]
