"""The pages' filter forms: a value the page does not offer is no filter, never an error."""

from django.http import QueryDict

from annotations.forms import ExportFilterForm, ReviewFilterForm

LABELS, ANNOTATORS = [(3, "Actor"), (4, "Claim")], ["alice", "bob"]


def test_review_filters_default_to_pending_and_drop_what_is_not_offered():
    form = ReviewFilterForm(QueryDict(""), labels=LABELS, annotators=ANNOTATORS)
    assert form.picked() == {"status": "pending", "label": "", "annotator": ""}
    odd = QueryDict("status=&label=9&annotator=mallory&after=1-2-3")
    form = ReviewFilterForm(odd, labels=LABELS, annotators=ANNOTATORS)
    assert form.picked() == {"status": "", "label": "", "annotator": ""}
    assert form.after_key() is None
    form = ReviewFilterForm(QueryDict("label=4&after=1-2-3-4"), labels=LABELS, annotators=[])
    assert form.picked()["label"] == "4" and form.after_key() == (1, 2, 3, 4)
    huge = ReviewFilterForm(QueryDict("after=" + "9" * 19 + "-1-1-1"), labels=[], annotators=[])
    assert huge.after_key() is None  # past bigint


def test_export_filters_keep_the_format_first_and_default_to_jsonl():
    data = QueryDict("format=nope&status=accepted&annotator=bob")
    form = ExportFilterForm(data, formats=["jsonl", "csv"], labels=LABELS, annotators=ANNOTATORS)
    assert list(form.picked().items()) == [
        ("format", "jsonl"),
        ("status", "accepted"),
        ("label", ""),
        ("annotator", "bob"),
    ]
