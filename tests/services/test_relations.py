"""relation_create, relation_update, relation_delete: typed links inside one article."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.models import Label, Relation, Span

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, RelationFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(article, label, annotator):
    return services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)


@pytest.fixture
def denial(article, label, annotator):
    return services.span_create(article=article, start=18, end=25, label=label, annotator=annotator)


@pytest.fixture
def relation(claim, denial, relation_label, annotator):
    return services.relation_create(
        from_span=denial, to_span=claim, label=relation_label, annotator=annotator
    )


def test_relation_links_two_spans_of_one_article(relation, claim, denial, article, annotator):
    stored = Relation.objects.get(pk=relation.pk)
    assert (stored.from_span, stored.to_span, stored.article) == (denial, claim, article)
    assert stored.annotator == annotator
    assert stored.label.name == "Responds to"


def test_any_member_links_anyones_spans(claim, denial, relation_label, make_member):
    bob = make_member(username="bob")
    relation = services.relation_create(
        from_span=claim, to_span=denial, label=relation_label, annotator=bob
    )
    assert relation.annotator == bob


def test_spans_of_two_articles_refused(claim, project, label, annotator, relation_label):
    elsewhere = SpanFactory(article=ArticleFactory(project=project), label=label)
    with pytest.raises(ValidationError) as caught:
        services.relation_create(
            from_span=claim, to_span=elsewhere, label=relation_label, annotator=annotator
        )
    assert caught.value.message_dict == {"to_span": ["Both spans must be in the same article."]}


def test_span_cannot_relate_to_itself(claim, relation_label, annotator):
    with pytest.raises(ValidationError) as caught:
        services.relation_create(
            from_span=claim, to_span=claim, label=relation_label, annotator=annotator
        )
    assert caught.value.message_dict == {"to_span": ["A span cannot relate to itself."]}


def test_label_must_be_a_relation_label_of_the_project(claim, denial, label, annotator):
    with pytest.raises(ValidationError) as caught:
        services.relation_create(from_span=claim, to_span=denial, label=label, annotator=annotator)
    assert caught.value.message_dict == {
        "label": ["The label “Assessment” is not a relation label."]
    }
    foreign = LabelFactory(project=ProjectFactory(), kind=Label.Kind.RELATION)
    with pytest.raises(ValidationError) as caught:
        services.relation_create(
            from_span=claim, to_span=denial, label=foreign, annotator=annotator
        )
    assert "label" in caught.value.message_dict
    assert not Relation.objects.exists()


def test_non_member_refused(claim, denial, relation_label, outsider):
    with pytest.raises(PermissionDenied):
        services.relation_create(
            from_span=claim, to_span=denial, label=relation_label, annotator=outsider
        )


def test_duplicate_relation_is_a_validation_error(relation, claim, denial, relation_label):
    with pytest.raises(ValidationError) as caught:
        services.relation_create(
            from_span=denial, to_span=claim, label=relation_label, annotator=relation.annotator
        )
    assert "non_field_errors" in caught.value.message_dict
    assert Relation.objects.count() == 1


def test_owner_updates_a_relation(relation, project, annotator, claim, denial):
    based_on = LabelFactory(project=project, name="Based on", kind=Label.Kind.RELATION)
    services.relation_update(
        relation=relation, user=annotator, label=based_on, from_span=claim, to_span=denial
    )
    stored = Relation.objects.get(pk=relation.pk)
    assert (stored.label, stored.from_span, stored.to_span) == (based_on, claim, denial)


def test_update_checks_like_create(relation, annotator, claim, label):
    with pytest.raises(ValidationError):
        services.relation_update(relation=relation, user=annotator, to_span=relation.from_span)
    relation = Relation.objects.get(pk=relation.pk)
    with pytest.raises(ValidationError):
        services.relation_update(relation=relation, user=annotator, label=label)
    assert Relation.objects.get(pk=relation.pk).to_span == claim


def test_update_cannot_move_a_relation_to_another_project(relation, annotator):
    """Otherwise a member of one project could write relations into another."""
    other = ProjectFactory()
    foreign_article = ArticleFactory(project=other)
    a = SpanFactory(article=foreign_article, start=0, end=3)
    b = SpanFactory(article=foreign_article, start=4, end=8, label=a.label)
    foreign_label = LabelFactory(project=other, kind=Label.Kind.RELATION)
    with pytest.raises(ValidationError):
        services.relation_update(
            relation=relation, user=annotator, from_span=a, to_span=b, label=foreign_label
        )
    assert not Relation.objects.filter(article=foreign_article).exists()


def test_only_the_owner_updates_and_a_manager_also_deletes(
    relation, make_member, manager, claim, denial
):
    """As with spans: the annotator changes their own; a manager may delete any."""
    for user in (make_member(username="bob"), manager):
        with pytest.raises(PermissionDenied):
            services.relation_update(relation=relation, user=user, from_span=claim, to_span=denial)
    with pytest.raises(PermissionDenied):
        services.relation_delete(relation=relation, user=make_member(username="carol"))
    assert Relation.objects.filter(pk=relation.pk).exists()
    services.relation_delete(relation=relation, user=manager)
    assert not Relation.objects.filter(pk=relation.pk).exists()


def test_owner_deletes_a_relation(relation, annotator, claim):
    services.relation_delete(relation=relation, user=annotator)
    assert not Relation.objects.exists()
    assert Span.objects.filter(pk=claim.pk).exists()


def test_relation_factory_is_consistent(db):
    relation = RelationFactory()
    assert relation.from_span.article_id == relation.to_span.article_id == relation.article_id
    assert relation.label.kind == Label.Kind.RELATION
    assert relation.label.project_id == relation.article.project_id
