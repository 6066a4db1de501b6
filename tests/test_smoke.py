from tests.factories import SpanFactory


def test_factories_build_a_consistent_span(db):
    span = SpanFactory()
    assert span.label.project_id == span.article.project_id == span.project_id
    assert span.text == span.article.body[span.start : span.end]
