"""The database itself refuses rows that break an invariant, however they are written.

Every test here bypasses the services on purpose (``objects.create``, ``bulk_create``,
``update()``): the constraints must hold for the admin, a migration or a raw script too, on
PostgreSQL and on SQLite alike.
"""

import hashlib
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError

from annotations.models import (
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
    SpanEvent,
)

from .factories import (
    ActorFactory,
    ArticleFactory,
    LabelFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_database():
    """The statement inside fails with IntegrityError; the savepoint keeps the test usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def span_row(article, label, annotator, **fields) -> Span:
    values = {
        "article": article,
        "project": article.project,
        "start": 0,
        "end": 3,
        "text": article.body[0:3],
        "label": label,
        "annotator": annotator,
    }
    values.update(fields)
    return Span.objects.create(**values)


def article_row(project, body, **fields) -> Article:
    values = {
        "project": project,
        "title": "T",
        "body": body,
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
    }
    values.update(fields)
    return Article.objects.create(**values)


# --- Span ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5), (1, 0)])
def test_span_start_must_be_before_end(article, label, annotator, start, end):
    with refused_by_database():
        span_row(article, label, annotator, start=start, end=end)


def test_span_start_cannot_be_negative(article, label, annotator):
    with refused_by_database():
        span_row(article, label, annotator, start=-1, end=3)


def test_span_check_also_guards_update(article, label, annotator):
    span = span_row(article, label, annotator, start=0, end=3)
    with refused_by_database():
        Span.objects.filter(pk=span.pk).update(end=F("start"))
    span.refresh_from_db()
    assert (span.start, span.end) == (0, 3)


def test_span_version_starts_at_one(article, label, annotator):
    with refused_by_database():
        span_row(article, label, annotator, version=0)


def test_span_same_annotator_offsets_and_label_only_once(article, label, annotator):
    span_row(article, label, annotator)
    with refused_by_database():
        span_row(article, label, annotator)


def test_span_duplicate_refused_in_bulk_create_too(article, label, annotator):
    rows = [
        Span(
            article=article,
            project=article.project,
            start=0,
            end=3,
            text="ISW",
            label=label,
            annotator=annotator,
        )
        for _ in range(2)
    ]
    with refused_by_database():
        Span.objects.bulk_create(rows)
    assert not Span.objects.exists()


def test_span_same_offsets_allowed_for_another_label_or_annotator(
    article, label, annotator, make_member
):
    span_row(article, label, annotator)
    span_row(article, LabelFactory(project=article.project), annotator)
    span_row(article, label, make_member(username="bob"))
    assert Span.objects.filter(article=article, start=0, end=3).count() == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("probability", "probable"),
        ("probability", ""),
        ("confidence", "certain"),
        ("status", "approved"),
        ("status", ""),
    ],
)
def test_span_choices_checked_by_database(article, label, annotator, field, value):
    span = span_row(article, label, annotator)
    with refused_by_database():
        Span.objects.filter(pk=span.pk).update(**{field: value})


def test_span_probability_and_confidence_may_be_null(article, label, annotator):
    span = span_row(article, label, annotator, probability="likely", confidence="high")
    Span.objects.filter(pk=span.pk).update(probability=None, confidence=None)
    span.refresh_from_db()
    assert (span.probability, span.confidence) == (None, None)


def test_span_actor_role_checked_and_unique(article, label, annotator):
    span = span_row(article, label, annotator)
    actor = ActorFactory()
    with refused_by_database():
        SpanActor.objects.create(span=span, actor=actor, role="author")
    SpanActor.objects.create(span=span, actor=actor, role="source")
    SpanActor.objects.create(span=span, actor=actor, role="subject")
    with refused_by_database():
        SpanActor.objects.create(span=span, actor=actor, role="source")


# --- Label -----------------------------------------------------------------------------------


def test_label_name_unique_per_project_ignoring_case(project):
    Label.objects.create(project=project, name="Claim")
    with refused_by_database():
        Label.objects.create(project=project, name="CLAIM")
    Label.objects.create(project=ProjectFactory(), name="claim")


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's LOWER() folds ASCII only; the service folds"
)
def test_label_name_unique_ignoring_case_in_cyrillic_on_postgresql(project):
    Label.objects.create(project=project, name="Оценка")
    with refused_by_database():
        Label.objects.create(project=project, name="ОЦЕНКА")


def test_label_name_cannot_be_empty(project):
    with refused_by_database():
        Label.objects.create(project=project, name="")


def test_label_hotkey_unique_per_project_when_set(project):
    Label.objects.create(project=project, name="Claim", hotkey="c")
    with refused_by_database():
        Label.objects.create(project=project, name="Counterclaim", hotkey="c")
    Label.objects.create(project=ProjectFactory(), name="Claim", hotkey="c")


def test_label_blank_hotkey_allowed_twice(project):
    Label.objects.create(project=project, name="One", hotkey="")
    Label.objects.create(project=project, name="Two", hotkey="")
    assert Label.objects.filter(project=project, hotkey="").count() == 2


@pytest.mark.parametrize("color", ["red", "#12345", "#12345g", "93c5fd0", "#GGGGGG", ""])
def test_label_color_must_be_hex(project, color):
    with refused_by_database():
        Label.objects.create(project=project, name="Claim", color=color)


@pytest.mark.parametrize("color", ["#93c5fd", "#ABCDEF", "#000000"])
def test_label_hex_colors_accepted(project, color):
    assert Label.objects.create(project=project, name="Claim", color=color).pk


def test_label_kind_checked_by_database(label):
    with refused_by_database():
        Label.objects.filter(pk=label.pk).update(kind="entity")


# --- Article ---------------------------------------------------------------------------------


def test_article_body_unique_per_project_by_sha256(project):
    article_row(project, "Same text.")
    with refused_by_database():
        article_row(project, "Same text.", title="Another title")
    assert article_row(ProjectFactory(), "Same text.").pk


def test_article_body_cannot_be_empty(project):
    with refused_by_database():
        article_row(project, "")


@pytest.mark.parametrize("sha256", ["x" * 64, "A" * 64, "a" * 63, ""])
def test_article_sha256_must_be_lowercase_hex(project, sha256):
    with refused_by_database():
        article_row(project, "Some text.", sha256=sha256)


# --- Project and Membership ------------------------------------------------------------------


def test_project_slug_unique_and_not_empty(project):
    with refused_by_database():
        Project.objects.create(name="Other", slug=project.slug)
    with refused_by_database():
        Project.objects.create(name="Other", slug="")


def test_project_name_not_empty():
    with refused_by_database():
        Project.objects.create(name="", slug="nameless")


def test_membership_one_per_user_and_project(project, annotator):
    with refused_by_database():
        Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    assert Membership.objects.create(project=ProjectFactory(), user=annotator).pk


def test_membership_role_checked_by_database(project):
    with refused_by_database():
        Membership.objects.create(project=project, user=UserFactory(), role="owner")


# --- Actor -----------------------------------------------------------------------------------


@pytest.mark.parametrize("wikidata_id", ["Q", "Q0", "Q01", "q42", "P31", "Q42a", "42"])
def test_actor_wikidata_id_format(wikidata_id):
    with refused_by_database():
        Actor.objects.create(name="Belarus", wikidata_id=wikidata_id)


def test_actor_wikidata_id_unique_when_set():
    Actor.objects.create(name="Belarus", wikidata_id="Q184")
    with refused_by_database():
        Actor.objects.create(name="Republic of Belarus", wikidata_id="Q184")
    Actor.objects.create(name="ISW", wikidata_id="")
    Actor.objects.create(name="RAND", wikidata_id="")
    assert Actor.objects.filter(wikidata_id="").count() == 2


def test_actor_kind_and_name_checked_by_database():
    with refused_by_database():
        Actor.objects.create(name="Wagner", kind="militia")
    with refused_by_database():
        Actor.objects.create(name="")


# --- Relation and SpanEvent ------------------------------------------------------------------


def test_relation_cannot_link_a_span_to_itself(article, label, annotator, relation_label):
    span = span_row(article, label, annotator)
    with refused_by_database():
        Relation.objects.create(
            article=article, from_span=span, to_span=span, label=relation_label, annotator=annotator
        )


def test_relation_no_duplicate(article, label, annotator, relation_label):
    a = span_row(article, label, annotator, start=0, end=3)
    b = span_row(article, label, annotator, start=4, end=11)
    fields = {
        "article": article,
        "from_span": a,
        "to_span": b,
        "label": relation_label,
        "annotator": annotator,
    }
    Relation.objects.create(**fields)
    with refused_by_database():
        Relation.objects.create(**fields)


def test_span_event_needs_before_or_after(article):
    fields = {"span_id": 1, "article": article, "project": article.project, "action": "created"}
    with refused_by_database():
        SpanEvent.objects.create(**fields, before=None, after=None)
    assert SpanEvent.objects.create(**fields, after={"id": 1}).pk


def test_span_event_action_checked_by_database(article):
    with refused_by_database():
        SpanEvent.objects.create(
            span_id=1, article=article, project=article.project, action="edited", after={}
        )


def test_span_event_outlives_its_span(article, label, annotator):
    """No foreign key from the history to the span: deleting a span keeps its events."""
    span = span_row(article, label, annotator)
    event = SpanEvent.objects.create(
        span=span, article=article, project=article.project, action="created", after={"id": 1}
    )
    span_id = span.pk
    span.delete()
    event.refresh_from_db()
    assert event.span_id == span_id
    assert not Span.objects.filter(pk=span_id).exists()


# --- on_delete -------------------------------------------------------------------------------


@pytest.fixture
def span_in_use(article, label, annotator):
    span = SpanFactory(article=article, label=label, annotator=annotator)
    SpanActor.objects.create(span=span, actor=ActorFactory(name="Putin"), role="source")
    return span


def test_label_in_use_by_a_span_is_protected(span_in_use):
    with pytest.raises(ProtectedError):
        span_in_use.label.delete()


def test_label_in_use_by_a_relation_is_protected(db):
    relation = RelationFactory()
    with pytest.raises(ProtectedError):
        relation.label.delete()


def test_actor_in_use_is_protected(span_in_use):
    with pytest.raises(ProtectedError):
        Actor.objects.get(name="Putin").delete()


def test_article_with_spans_is_protected(span_in_use):
    with pytest.raises(ProtectedError):
        span_in_use.article.delete()
    with pytest.raises(ProtectedError):
        span_in_use.project.delete()


def test_user_with_spans_is_protected(span_in_use):
    with pytest.raises(ProtectedError):
        span_in_use.annotator.delete()


def test_deleting_a_span_deletes_its_actor_links_and_relations(db):
    relation = RelationFactory()
    span = relation.from_span
    SpanActor.objects.create(span=span, actor=ActorFactory(), role="source")
    span.delete()
    assert not Relation.objects.filter(pk=relation.pk).exists()
    assert not SpanActor.objects.filter(span_id=span.pk).exists()
    assert Span.objects.filter(pk=relation.to_span_id).exists()


# --- __str__ ---------------------------------------------------------------------------------


def test_str_of_each_model(project, annotator, label):
    project.name = "Belarus watch"
    project.save()
    article = ArticleFactory(project=project, title="ISW, 21 June", body="ISW assesses that.")
    span = SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)
    actor = ActorFactory(name="Putin")
    relation = RelationFactory(
        from_span=span,
        to_span=SpanFactory(article=article, label=label, annotator=annotator, start=4, end=12),
        label=LabelFactory(project=project, name="Responds to", kind=Label.Kind.RELATION),
    )
    event = SpanEvent(
        span_id=7, action="deleted", at=datetime(2026, 6, 21, 9, 5, tzinfo=UTC), before={}
    )

    assert str(project) == "Belarus watch"
    assert str(Membership.objects.get(user=annotator)) == "alice in Belarus watch (annotator)"
    assert str(label) == "Assessment"
    assert str(article) == "ISW, 21 June"
    assert str(Article(pk=42, title="")) == "Article 42"
    assert str(actor) == "Putin"
    assert str(span) == "Assessment [0:3] ISW"
    assert str(SpanActor(actor=actor, role="source")) == "Putin as source"
    assert str(relation) == f"{span.pk} —Responds to→ {relation.to_span_id}"
    assert str(event) == "span 7 deleted at 2026-06-21 09:05"


def test_span_str_keeps_the_first_40_characters(label):
    span = Span(label=label, start=0, end=60, text="x" * 60)
    assert str(span) == "Assessment [0:60] " + "x" * 40
