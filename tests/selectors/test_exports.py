"""``export_filters``: the one check of an export's status, label and annotator filters."""

import pytest
from django.core.exceptions import ValidationError

from annotations.models import MAX_ID, Span
from annotations.selectors.exports import SpanFilters, export_filters

from ..factories import LabelFactory, ProjectFactory, SpanFactory


def refused(project, **filters) -> dict:
    with pytest.raises(ValidationError) as caught:
        export_filters(project, **filters)
    return caught.value.message_dict


def test_empty_filters_filter_nothing(project, django_assert_num_queries):
    with django_assert_num_queries(0):
        filters = export_filters(project, status="", label="", annotator="")

    assert filters == SpanFilters()
    assert export_filters(project) == SpanFilters(None, None, None)


def test_good_filters_come_back_typed(project, label, django_assert_num_queries):
    with django_assert_num_queries(1):  # the label, looked up in the project
        filters = export_filters(project, status="accepted", label=str(label.pk), annotator="alice")

    assert filters == SpanFilters(status="accepted", label=label.pk, annotator="alice")
    assert export_filters(project, label=label.pk).label == label.pk


@pytest.mark.parametrize("status", ["gold", "ACCEPTED", " accepted"])
def test_a_status_must_be_a_span_status(project, status):
    assert list(refused(project, status=status)) == ["status"]


@pytest.mark.parametrize(
    "label", ["Claim", "1; DROP TABLE", "-1", " 1", "1.0", "٣", str(MAX_ID + 1), "9" * 5000]
)
def test_a_label_is_an_id_within_bigint_refused_without_a_query(
    project, label, django_assert_num_queries
):
    with django_assert_num_queries(0):
        errors = refused(project, label=label)

    assert errors == {"label": [f"A label is given by its id, not “{label[:40]}”."]}


def test_a_label_must_be_one_of_the_projects(project, label):
    other = LabelFactory(project=ProjectFactory())

    assert refused(project, label=other.pk) == {
        "label": [f"The project has no label “{other.pk}”."]
    }
    assert list(refused(project, label=MAX_ID)) == ["label"]


@pytest.mark.parametrize("annotator", ["a" * 151, "al\x00ice", ["alice"]])
def test_an_annotator_must_be_a_possible_username(project, annotator):
    assert refused(project, annotator=annotator) == {"annotator": ["No such username."]}


def test_every_bad_field_is_named_at_once(project):
    errors = refused(project, status="gold", label="x", annotator="\x00")

    assert list(errors) == ["status", "label", "annotator"]


def test_the_filters_condition_keeps_the_matching_spans(project, label, annotator):
    kept = SpanFactory(article__project=project, label=label, annotator=annotator)
    SpanFactory(article=kept.article, label=label)  # another annotator's
    SpanFactory(article=kept.article, annotator=annotator)  # another label

    filters = export_filters(
        project, status=kept.status, label=label.pk, annotator=annotator.username
    )

    assert list(Span.objects.filter(filters.spans())) == [kept]
    assert Span.objects.filter(SpanFilters().spans()).count() == 3
