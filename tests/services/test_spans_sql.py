"""The PostgreSQL one-statement span create (services/spans_sql.py) against its ORM twin.

Both are run on the same inputs, good ones and each kind of refusal, and must give the same
span, the same ``created`` snapshot, or the same error (type and message) in the same order.
"""

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import Label, Span, SpanEvent
from annotations.services import spans, spans_sql

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the statement is PostgreSQL's"),
]

BODY = "ISW assesses 🇺🇦 that Belarus' involvement remains unlikely."
MISSING = 2**40


def _orm(*, article, label, annotator, start, end, text, values):
    return spans.span_create_orm(
        article=article, label=label, annotator=annotator, start=start, end=end, text=text,
        **values,
    )  # fmt: skip


def _statement(*, article, label, annotator, start, end, text, values):
    return spans_sql.span_create_one_statement(
        article_id=article, label_id=label, annotator=annotator, start=start, end=end,
        text=text, values=services.span_values_validate(values),
    )  # fmt: skip


def _outcome(way, **inputs):
    """What ``way`` answers, compared field by field; nothing it wrote is kept."""
    with transaction.atomic():
        try:
            span = way(**inputs)
        except (ValidationError, ObjectDoesNotExist, PermissionDenied) as exc:
            answer = (
                type(exc).__name__,
                exc.message_dict if isinstance(exc, ValidationError) else str(exc),
            )
        else:
            stored = Span.objects.get(pk=span.pk)
            after = dict(SpanEvent.objects.get(span_id=span.pk, action="created").after)
            assert after["id"] == span.pk
            for key in ("id", "created_at", "updated_at"):
                after.pop(key)
            returned = {
                key: getattr(span, key)
                for key in ("article_id", "project_id", "start", "end", "text", "label_id")
            }
            fields = {
                key: getattr(stored, key)
                for key in (
                    "article_id", "project_id", "start", "end", "text", "label_id",
                    "annotator_id", "probability", "confidence", "note", "status", "version",
                )
            }  # fmt: skip
            answer = ("created", returned, fields, after)
        transaction.set_rollback(True)
    return answer


@pytest.fixture
def world(db):
    project, other = ProjectFactory(), ProjectFactory()
    article = ArticleFactory(project=project, body=BODY)
    member = UserFactory(username="alice")
    project.memberships.create(user=member, role="annotator")
    return {
        "article": article.pk,
        "label": LabelFactory(project=project, name="Assessment").pk,
        "relation": LabelFactory(project=project, name="Responds", kind=Label.Kind.RELATION).pk,
        "elsewhere": LabelFactory(project=other, name="Other").pk,
        "member": member,
        "outsider": UserFactory(username="eve"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        "length": len(BODY),
    }


CASES = {
    "plain": {},
    "with text": {"start": 13, "end": 15, "text": "🇺🇦"},
    "graded": {"values": {"probability": "likely", "confidence": "high", "note": "a\nb"}},
    "to the end": {"start": "LEN-8", "end": "LEN"},
    "by a superuser": {"user": "superuser"},
    "an outsider": {"user": "outsider"},
    "an outsider with a missing label": {"user": "outsider", "label": MISSING},
    "a missing article": {"article": MISSING},
    "a missing label": {"label": MISSING},
    "a label of another project": {"label": "elsewhere"},
    "a relation label": {"label": "relation"},
    "a relation label past the end": {"label": "relation", "end": "LEN+1"},
    "past the end": {"end": "LEN+1"},
    "text that differs": {"text": "ISW believes", "end": 12},
}


def _inputs(world, case):
    def offset(value):
        if isinstance(value, str) and value.startswith("LEN"):
            return world["length"] + int(value[3:] or 0)
        return value

    label = case.get("label", "label")
    return {
        "article": case.get("article", world["article"]),
        "label": world[label] if isinstance(label, str) else label,
        "annotator": world[case.get("user", "member")],
        "start": offset(case.get("start", 0)),
        "end": offset(case.get("end", 3)),
        "text": case.get("text"),
        "values": case.get("values", {}),
    }


@pytest.mark.parametrize("name", list(CASES))
def test_the_statement_answers_what_the_orm_answers(world, name):
    inputs = _inputs(world, CASES[name])
    orm, statement = _outcome(_orm, **inputs), _outcome(_statement, **inputs)
    assert statement == orm
    assert (orm[0] == "created") == (name in ("plain", "with text", "graded", "to the end",
                                              "by a superuser"))  # fmt: skip


def test_a_duplicate_is_refused_the_same_way(world):
    inputs = _inputs(world, {})
    _orm(**inputs)
    orm, statement = _outcome(_orm, **inputs), _outcome(_statement, **inputs)
    assert statement == orm
    assert "You already marked" in str(orm)


def test_span_create_takes_the_statement_in_one_round_trip(world):
    inputs = _inputs(world, {})
    inputs.pop("values")
    with CaptureQueriesContext(connection) as queries:
        span = services.span_create(**inputs)
    real = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(real) == 1, real
    assert span.text == "ISW"
