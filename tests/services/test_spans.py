"""span_create and span_bulk_create: offsets are code points, ``text == body[start:end]``.

Each offset test runs twice: with the article's body loaded (Python slices it) and with the
body deferred, so that the database slices it with SUBSTR/LENGTH. PostgreSQL and SQLite must
both agree with Python, character for character, on emoji, flags, combining marks, CJK and
right-to-left text.
"""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import services
from annotations.models import Article, Label, Span, SpanActor, SpanEvent

from ..conftest import UNICODE_PREFIX
from ..factories import (
    ActorFactory,
    ArticleFactory,
    LabelFactory,
    ProjectFactory,
    UserFactory,
    superuser,
)

pytestmark = pytest.mark.django_db


def fetch(article: Article, *, deferred: bool) -> Article:
    """The article as a caller may hold it: whole, or with its (possibly huge) body deferred."""
    if deferred:
        article = Article.objects.defer("body").get(pk=article.pk)
        assert "body" in article.get_deferred_fields()
        return article
    return Article.objects.get(pk=article.pk)


@pytest.fixture(params=[False, True], ids=["body-loaded", "body-deferred"])
def deferred(request):
    return request.param


def assert_round_trips(span: Span, body: str, start: int, end: int) -> None:
    assert (span.start, span.end, span.text) == (start, end, body[start:end])
    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end, stored.text) == (start, end, body[start:end])


# --- offsets in code points ------------------------------------------------------------------

PREFIXES = {
    "flag": "🇺🇦 ",
    "astral": "𝕏 ",
    "combining": "cafe\u0301 ",
    "cjk": "北京 ",
    "hebrew": "שלום ",
    "arabic": "مرحبا ",
    "all": UNICODE_PREFIX,
}


@pytest.mark.parametrize("prefix", PREFIXES.values(), ids=PREFIXES.keys())
def test_span_after_unicode_text(project, label, annotator, deferred, prefix):
    body = prefix + "ISW assesses that Belarus remains unlikely."
    article = fetch(ArticleFactory(project=project, body=body), deferred=deferred)
    start = body.index("Belarus")
    end = start + len("Belarus")

    span = services.span_create(
        article=article, start=start, end=end, text="Belarus", label=label, annotator=annotator
    )

    assert_round_trips(span, body, start, end)
    assert span.text == "Belarus"


def test_offsets_are_not_utf16_units(unicode_article, label, annotator):
    """The page converts from UTF-16; the service must not accept UTF-16 offsets."""
    body = unicode_article.body
    start = body.index("Belarus")
    utf16_start = len(body[:start].encode("utf-16-le")) // 2
    assert utf16_start != start
    with pytest.raises(ValidationError):
        services.span_create(
            article=unicode_article,
            start=utf16_start,
            end=utf16_start + 7,
            text="Belarus",
            label=label,
            annotator=annotator,
        )


@pytest.mark.parametrize(
    ("target", "length"),
    [
        ("🇺🇦", 2),  # a flag is two regional-indicator code points
        ("𝕏", 1),
        ("cafe\u0301", 5),  # e + combining acute: two code points
        ("北京", 2),
        ("שלום", 4),
        ("مرحبا", 5),
        ("𝕏 café", 6),
        ("שלום مرحبا ISW", 14),
    ],
)
def test_span_inside_unicode_text(unicode_article, label, annotator, deferred, target, length):
    body = unicode_article.body
    article = fetch(unicode_article, deferred=deferred)
    start = body.index(target)
    end = start + len(target)
    assert end - start == length

    span = services.span_create(
        article=article, start=start, end=end, text=target, label=label, annotator=annotator
    )

    assert_round_trips(span, body, start, end)
    assert span.text == target


def test_half_a_flag_is_one_code_point(unicode_article, label, annotator, deferred):
    article = fetch(unicode_article, deferred=deferred)
    span = services.span_create(article=article, start=0, end=1, label=label, annotator=annotator)
    assert span.text == "\U0001f1fa"


def test_span_to_the_very_end(unicode_article, label, annotator, deferred):
    body = unicode_article.body
    article = fetch(unicode_article, deferred=deferred)
    span = services.span_create(
        article=article, start=len(body) - 4, end=len(body), label=label, annotator=annotator
    )
    assert span.text == "End."


def test_deferred_body_is_sliced_by_the_database(unicode_article, label, annotator):
    article = fetch(unicode_article, deferred=True)
    start = unicode_article.body.index("北京")
    with CaptureQueriesContext(connection) as queries:
        span = services.span_create(
            article=article, start=start, end=start + 2, label=label, annotator=annotator
        )
    assert span.text == "北京"
    assert "body" in article.get_deferred_fields()  # never loaded into Python
    assert any("SUBSTR" in query["sql"].upper() for query in queries.captured_queries)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (-1, 3, "start"),
        (3, 3, "end"),
        (5, 3, "end"),
        (0, 10_000, "end"),
        (2**40, 2**40 + 1, "end"),
        (0, 2**40, "end"),
        (2**31 - 2, 2**31 - 1, "end"),  # the largest offsets the database slices
        (2**31 - 1, 2**31, "end"),
        ("0", 3, "start"),
        (0, "3", "end"),
        (0, 3.0, "end"),
        (None, 3, "start"),
        (True, 3, "start"),
        (0, True, "end"),
    ],
)
def test_bad_offsets_refused(unicode_article, label, annotator, deferred, start, end, field):
    article = fetch(unicode_article, deferred=deferred)
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=start, end=end, label=label, annotator=annotator
        )
    assert field in caught.value.message_dict
    assert not Span.objects.exists()
    assert not SpanEvent.objects.exists()


def test_end_beyond_the_body_names_its_length_in_code_points(
    unicode_article, label, annotator, deferred
):
    article = fetch(unicode_article, deferred=deferred)
    length = len(unicode_article.body)
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=length + 1, label=label, annotator=annotator
        )
    assert caught.value.message_dict == {
        "end": [f"Must be at most {length}, the length of the article."]
    }


def test_text_mismatch_says_what_the_body_holds(unicode_article, label, annotator, deferred):
    article = fetch(unicode_article, deferred=deferred)
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=6, text="Belaru", label=label, annotator=annotator
        )
    assert caught.value.message_dict == {
        "text": ["Does not match the article: body[0:6] is '🇺🇦 𝕏 c'."]
    }


@pytest.mark.parametrize("text", ["ISW\x00", 5, "IS\ud800"])
def test_text_must_be_clean_text(article, label, annotator, text):
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=3, text=text, label=label, annotator=annotator
        )
    assert "text" in caught.value.message_dict


# --- label, membership, duplicates -----------------------------------------------------------


def test_label_of_another_project_refused(article, annotator):
    other = LabelFactory(project=ProjectFactory(), name="Assessment")
    with pytest.raises(ValidationError) as caught:
        services.span_create(article=article, start=0, end=3, label=other, annotator=annotator)
    assert caught.value.message_dict == {"label": ["The label belongs to another project."]}


def test_relation_label_refused(article, annotator, relation_label):
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=3, label=relation_label, annotator=annotator
        )
    assert caught.value.message_dict == {"label": ["The label “Responds to” is not a span label."]}


def test_non_member_refused(article, label, outsider, make_member):
    with pytest.raises(PermissionDenied):
        services.span_create(article=article, start=0, end=3, label=label, annotator=outsider)
    member_elsewhere = make_member(username="oleg", in_project=ProjectFactory())
    with pytest.raises(PermissionDenied):
        services.span_create(
            article=article, start=0, end=3, label=label, annotator=member_elsewhere
        )
    assert not Span.objects.exists()


def test_superuser_annotates_any_project(article, label):
    root = UserFactory(username="root", is_superuser=True)
    assert services.span_create(article=article, start=0, end=3, label=label, annotator=root).pk


def test_duplicate_span_is_a_validation_error(article, label, annotator, make_member):
    first = services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)
    with pytest.raises(ValidationError) as caught:
        services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)
    assert caught.value.message_dict == {
        "non_field_errors": ["You already marked “ISW” as Assessment (characters 1–3)."]
    }
    assert services.duplicate_span_id(caught.value) == first.pk
    # The transaction is still usable, and the same place is free for others.
    services.span_create(
        article=article,
        start=0,
        end=3,
        label=LabelFactory(project=article.project),
        annotator=annotator,
    )
    services.span_create(
        article=article, start=0, end=3, label=label, annotator=make_member(username="bob")
    )
    assert Span.objects.count() == 3
    assert SpanEvent.objects.count() == 3


# --- fields: actors, status, probability, note -----------------------------------------------


def test_actors_with_roles_are_stored(article, label, annotator):
    isw, belarus, putin = ActorFactory(name="ISW"), ActorFactory(name="Belarus"), ActorFactory()
    span = services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        actors=[
            (isw, "source"),
            {"actor": belarus.pk, "role": "subject"},
            (putin, None),  # a Python pair without a role: a mention
            (isw, "source"),  # repeated: stored once
        ],
    )
    stored = list(SpanActor.objects.filter(span=span).order_by("id").values_list("actor", "role"))
    assert stored == [(isw.pk, "source"), (belarus.pk, "subject"), (putin.pk, "mentioned")]
    after = SpanEvent.objects.get(span_id=span.pk).after
    assert after["actors"] == [
        {"actor": isw.pk, "role": "source"},
        {"actor": belarus.pk, "role": "subject"},
        {"actor": putin.pk, "role": "mentioned"},
    ]


@pytest.mark.parametrize(
    "item",
    [{"actor": "PK"}, {"actor": "PK", "rol": "source"}, {"actor": "PK", "role": "source", "x": 1}],
)
def test_an_actor_item_without_its_role_or_with_another_key_is_refused(
    article, label, annotator, item
):
    actor = ActorFactory()
    item = {key: actor.pk if value == "PK" else value for key, value in item.items()}
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=3, label=label, annotator=annotator, actors=[item]
        )
    assert "actors" in caught.value.message_dict
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    "actors",
    [
        [("ACTOR", "author")],
        [("ACTOR", ["source"])],
        [{"actor": "ACTOR", "role": "Source"}],
        [{"role": "source"}],
        [5.5],
        ["ACTOR"],
        [{"actor": "abc", "role": "source"}],
        [(10**9, "source")],
        "source",
    ],
)
def test_bad_actors_refused(article, label, annotator, actors):
    actor = ActorFactory()

    def resolve(value):
        if value == "ACTOR":
            return actor
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(resolve(v) for v in value)
        return value

    actors = actors if isinstance(actors, str) else [resolve(item) for item in actors]
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=3, label=label, annotator=annotator, actors=actors
        )
    assert "actors" in caught.value.message_dict
    assert not Span.objects.exists()


def test_actor_id_from_a_form_is_accepted(article, label, annotator):
    actor = ActorFactory()
    span = services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        actors=[{"actor": str(actor.pk), "role": "source"}],
    )
    assert SpanEvent.objects.get(span_id=span.pk).after["actors"] == [
        {"actor": actor.pk, "role": "source"}
    ]


def test_annotator_cannot_set_status(article, label, annotator):
    with pytest.raises(PermissionDenied):
        services.span_create(
            article=article, start=0, end=3, label=label, annotator=annotator, status="accepted"
        )
    span = services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator, status="pending"
    )
    assert span.status == "pending"


@pytest.mark.parametrize("role_fixture", ["reviewer", "manager"])
def test_reviewer_or_manager_sets_status(article, label, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    span = services.span_create(
        article=article, start=0, end=3, label=label, annotator=user, status="accepted"
    )
    assert Span.objects.get(pk=span.pk).status == "accepted"
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=4, end=7, label=label, annotator=user, status="approved"
        )
    assert "status" in caught.value.message_dict


def test_probability_confidence_and_note(article, label, annotator):
    span = services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        probability="unlikely",
        confidence="",
        note="Line one\r\nline two",
    )
    span = Span.objects.get(pk=span.pk)
    assert (span.probability, span.confidence) == ("unlikely", None)
    assert span.note == "Line one\nline two"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("probability", {"probability": "probable"}),
        ("confidence", {"confidence": "certain"}),
        ("note", {"note": "a\x00b"}),
        ("note", {"note": 5}),
        ("note", {"note": ["a"]}),
    ],
)
def test_bad_fields_refused(article, label, annotator, field, kwargs):
    with pytest.raises(ValidationError) as caught:
        services.span_create(
            article=article, start=0, end=3, label=label, annotator=annotator, **kwargs
        )
    assert field in caught.value.message_dict


def test_created_event_holds_the_snapshot(article, label, annotator):
    span = services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator, note="n"
    )
    event = SpanEvent.objects.get()
    assert (event.span_id, event.action, event.user, event.before) == (
        span.pk,
        "created",
        annotator,
        None,
    )
    assert event.after == services.span_snapshot(Span.objects.get(pk=span.pk))
    assert event.after["text"] == "ISW"
    assert event.after["annotator"] == "alice"
    assert event.after["version"] == 1
    assert (event.article_id, event.project_id) == (article.pk, article.project_id)


# --- span_bulk_create ------------------------------------------------------------------------


def test_bulk_create_all(unicode_article, label, annotator):
    body = unicode_article.body
    items = [
        {"article": unicode_article, "start": 0, "end": 2, "label": label, "text": "🇺🇦"},
        {
            "article": unicode_article,
            "start": body.index("北京"),
            "end": body.index("北京") + 2,
            "label": label,
        },
    ]
    spans = services.span_bulk_create(items=items, annotator=annotator)
    assert [span.text for span in spans] == ["🇺🇦", "北京"]
    assert SpanEvent.objects.filter(action="created").count() == 2


def test_bulk_create_is_all_or_nothing_with_item_indexes(article, label, annotator):
    items = [
        {"article": article, "start": 0, "end": 3, "label": label},
        {"article": article, "start": 4, "end": 2, "label": label},
        {"article": article, "start": 0, "end": 3, "label": label},  # duplicate of item 0
        {"article": article, "start": 4, "end": 12, "label": label},
        {"article": article, "start": 0, "end": 3, "label": label, "text": "IS"},
    ]
    with pytest.raises(ValidationError) as caught:
        services.span_bulk_create(items=items, annotator=annotator)
    errors = caught.value.item_errors
    assert [error["index"] for error in errors] == [1, 2, 4]
    assert errors[0]["errors"] == {"end": ["Must be greater than start."]}
    assert "non_field_errors" in errors[1]["errors"]
    assert "text" in errors[2]["errors"]
    assert caught.value.message_dict == {
        "items": [
            "Item 1: end: Must be greater than start.",
            "Item 2: You already marked “ISW” as Assessment (characters 1–3).",
            "Item 4: text: Does not match the article: body[0:3] is 'ISW'.",
        ]
    }
    assert not Span.objects.exists()
    assert not SpanEvent.objects.exists()


def test_bulk_create_for_a_non_member_refused(article, label, outsider):
    with pytest.raises(PermissionDenied):
        services.span_bulk_create(
            items=[{"article": article, "start": 0, "end": 3, "label": label}],
            annotator=outsider,
        )


# --- property: any text, any offsets ---------------------------------------------------------

_bodies = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
        min_size=1,
        max_size=60,
    ),
    data=st.data(),
    deferred=st.booleans(),
)
def test_any_text_round_trips(project, annotator, text, data, deferred):
    label = Label.objects.get_or_create(project=project, name="Any")[0]
    # A unique, non-blank prefix keeps every example's body new to the project; its fixed
    # width keeps the offsets' ranges the same when hypothesis replays an example.
    body = f"{next(_bodies):08d}|{text}"
    article = fetch(
        services.article_create(project=project, body=body, user=superuser()), deferred=deferred
    )
    start = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="start")
    end = data.draw(st.integers(min_value=start + 1, max_value=len(body)), label="end")

    span = services.span_create(
        article=article, start=start, end=end, label=label, annotator=annotator
    )

    assert_round_trips(span, body, start, end)
    assert Article.objects.get(pk=article.pk).body == body


@pytest.mark.parametrize("values", [{}, {"probability": "likely", "note": "a\r\nb"}])
def test_the_created_event_holds_the_span_as_created(unicode_article, label, annotator, values):
    """On PostgreSQL span_create is one statement that writes the event's snapshot partly in
    SQL; on SQLite the ORM writes it: either way it is ``span_snapshot`` of the new span."""
    start = unicode_article.body.index("北京")
    span = services.span_create(
        article=fetch(unicode_article, deferred=True),
        start=start,
        end=start + 2,
        label=label,
        annotator=annotator,
        **values,
    )
    stored = Span.objects.get(pk=span.pk)
    event = SpanEvent.objects.get(span_id=span.pk)
    assert (event.action, event.before, event.user) == ("created", None, annotator)
    assert event.after == services.span_snapshot(stored) == services.span_snapshot(span)
    assert (stored.note, stored.probability) == (
        values.get("note", "").replace("\r\n", "\n"),
        values.get("probability"),
    )
    assert stored.created_at == stored.updated_at <= event.at


def test_one_statement_create_refuses_as_the_general_way(unicode_article, annotator):
    """The rules checked from the statement's facts answer the general way's errors."""
    other = LabelFactory(project=ProjectFactory(), name="Elsewhere")
    relation = LabelFactory(project=unicode_article.project, name="responds", kind="relation")
    outsider = UserFactory()
    span_label = LabelFactory(project=unicode_article.project, name="Claim")
    cases = [
        ({"label": other, "annotator": annotator}, ValidationError, "another project"),
        ({"label": relation, "annotator": annotator}, ValidationError, "not a span label"),
        ({"label": span_label, "annotator": outsider}, PermissionDenied, "role"),
        (
            {"label": span_label, "annotator": annotator, "text": "nope"},
            ValidationError,
            r"body\[0:2\] is",
        ),
    ]
    # With a bad probability too, the first rule broken still answers (the role, the label).
    bogus = {"probability": "bogus"}
    cases += [
        ({"label": span_label, "annotator": outsider, **bogus}, PermissionDenied, "role"),
        ({"label": other, "annotator": annotator, **bogus}, ValidationError, "another project"),
    ]
    for kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            services.span_create(article=unicode_article, start=0, end=2, **kwargs)
    assert not Span.objects.exists() and not SpanEvent.objects.exists()
