"""FilterSets copy their filters shallowly per request; each instance still owns its filters."""

from annotations.api.filters import SpanFilter
from annotations.models import Span


def test_each_filterset_has_its_own_filters_bound_to_itself():
    first, second = SpanFilter(data={}), SpanFilter(data={})
    for name in SpanFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not SpanFilter.base_filters[name]
        assert first.filters[name].parent is first
        assert first.filters[name].model is Span
    # A method filter finds its method on its own FilterSet, not on a shared one.
    assert first.filters["actor"].filter.f is first.filters["actor"]
    assert getattr(SpanFilter.base_filters["actor"], "parent", None) is None


def test_forms_are_separate_per_request(db):
    bound = SpanFilter(data={"article": "x"}, queryset=Span.objects.all())
    other = SpanFilter(data={"article": "3"}, queryset=Span.objects.all())
    assert not bound.is_valid() and other.is_valid()
    assert "article" in bound.errors and not other.errors
    assert bound.form.fields is not other.form.fields
