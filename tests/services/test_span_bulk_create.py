"""The batched span bulk create (services/spans_bulk.py) against its twin, one ``span_create``
per item (``span_bulk_create_each``).

Both run on the same items, good ones and each kind of refusal, and must give the same spans
(every field), the same actor links, the same ``created`` events, or the same errors (every
failing item, by index, in the same words; or the same exception). The batch must not fall
back to the per-item way where it claims to answer itself, and its queries must not grow
with the number of items.
"""

import re
from unittest import mock

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import services
from annotations.models import Article, Label, Span, SpanActor, SpanEvent
from annotations.services import spans_bulk
from annotations.suggestions import Suggestion

from ..factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "ISW assesses 🇺🇦 that Kremlin says Kremlin is unlikely.\r\nKremlin again: Kremlin."
MISSING = 2**40
SPAN_FIELDS = (
    "article_id", "project_id", "start", "end", "text", "label_id", "annotator_id",
    "probability", "confidence", "note", "status", "gold", "source_span_id", "version",
)  # fmt: skip
STAMPS = ("id", "created_at", "updated_at")


@pytest.fixture
def world(project, annotator, reviewer, outsider):
    other = ProjectFactory()
    article = ArticleFactory(project=project, body=BODY)
    return {
        "project": project,
        "article": article,
        "second": ArticleFactory(project=project, body="Kremlin, twice: Kremlin."),
        "foreign": ArticleFactory(project=other, body=BODY),
        "label": LabelFactory(project=project, name="Actor", hotkey="a"),
        "other_label": LabelFactory(project=project, name="Source", hotkey="s"),
        "relation": LabelFactory(project=project, name="Cites", kind=Label.Kind.RELATION),
        "foreign_label": LabelFactory(project=other, name="Elsewhere"),
        "actors": [ActorFactory().pk, ActorFactory().pk],
        "annotator": annotator,
        "reviewer": reviewer,
        "outsider": outsider,
    }


def _outcome(way, items, user):
    """What ``way`` answers, with ids made positions (the two ways' ids differ); nothing it
    wrote is kept."""
    before = set(Span.objects.values_list("pk", flat=True))
    with transaction.atomic():
        try:
            returned = way(items=items, annotator=user)
        except spans_bulk.BulkValidationError as exc:
            answer = ("invalid", exc.item_errors, exc.message_dict)
        except (ValidationError, ObjectDoesNotExist, PermissionDenied) as exc:
            answer = (type(exc).__name__, str(exc))
        else:
            answer = ("created", *_stored(returned, before))
        transaction.set_rollback(True)
    return answer


def _stored(returned, before):
    spans = list(Span.objects.exclude(pk__in=before).order_by("pk"))
    assert [span.pk for span in returned] == [span.pk for span in spans]
    position = {span.pk: index for index, span in enumerate(spans)}
    rows = [{field: getattr(span, field) for field in SPAN_FIELDS} for span in spans]
    assert [{field: getattr(span, field) for field in SPAN_FIELDS} for span in returned] == rows
    assert all(span.created_at == span.updated_at for span in spans)
    links = [
        (position[span_id], actor_id, role)
        for span_id, actor_id, role in SpanActor.objects.filter(span__in=spans)
        .order_by("pk")
        .values_list("span_id", "actor_id", "role")
    ]
    events = []
    for event in SpanEvent.objects.filter(span_id__in=position).order_by("pk"):
        after = dict(event.after)
        assert after["id"] == event.span_id
        assert after["created_at"] == after["updated_at"]
        for key in STAMPS:
            after.pop(key)
        events.append(
            (position[event.span_id], event.action, event.user_id, event.article_id,
             event.project_id, event.before, after, event.relations)
        )  # fmt: skip
    assert len(events) == len(spans)
    return rows, links, events


def _same(items, user, *, falls_back=False, new_ids_named=False):
    """Both ways give the same answer; the batch answers itself unless ``falls_back`` (None:
    either).
    ``new_ids_named``: the errors name a span made in the call, whose id differs between
    the two (PostgreSQL's sequences do not roll back)."""
    each = _outcome(spans_bulk.span_bulk_create_each, items, user)
    spy = mock.patch.object(
        spans_bulk, "span_bulk_create_each", wraps=spans_bulk.span_bulk_create_each
    )
    with spy as fallback:
        batch = _outcome(spans_bulk.span_bulk_create, items, user)
    if new_ids_named:
        each, batch = (re.sub(r"span \d+", "span N", repr(answer)) for answer in (each, batch))
    assert batch == each
    if falls_back is not None:
        assert fallback.called is falls_back
    return batch


def _at(article, phrase, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(phrase, start + 1)
    return start, start + len(phrase)


def test_valid_items_the_same(world):
    article, label = world["article"], world["label"]
    deferred = Article.objects.defer("body").get(pk=article.pk)
    (s0, e0), (s1, e1), (s2, e2) = (_at(article, "Kremlin", n) for n in range(3))
    items = [
        {"article": article, "start": s0, "end": e0, "label": label},
        {"article": article.pk, "start": s1, "end": e1, "label": label.pk, "text": "Kremlin"},
        {"article": deferred, "start": s2, "end": e2, "label": world["other_label"]},
        {"article": world["second"].pk, "start": 0, "end": 7, "label": label.pk},
        {"article": article, "start": 13, "end": 15, "label": label, "text": "🇺🇦"},
    ]
    outcome = _same(items, world["annotator"])
    assert outcome[0] == "created"
    assert [row["text"] for row in outcome[1]] == ["Kremlin"] * 4 + ["🇺🇦"]


def test_actors_and_grades_the_same(world):
    article, label, (first, second) = world["article"], world["label"], world["actors"]
    (s0, e0), (s1, e1) = _at(article, "Kremlin", 0), _at(article, "Kremlin", 1)
    items = [
        {
            "article": article, "start": s0, "end": e0, "label": label,
            "actors": [{"actor": first, "role": "source"}, {"actor": second, "role": "subject"},
                       {"actor": first, "role": "source"}],
            "probability": "likely", "confidence": "high", "note": "Two\r\nlines",
        },
        {
            "article": article.pk, "start": s1, "end": e1, "label": label.pk,
            "actors": [(second, None), (first, "target")], "probability": "",
            "confidence": None, "note": None,
        },
    ]  # fmt: skip
    outcome = _same(items, world["annotator"])
    assert outcome[0] == "created"
    assert outcome[2] == [(0, first, "source"), (0, second, "subject"), (1, second, "mentioned"),
                          (1, first, "target")]  # fmt: skip
    assert outcome[1][0]["note"] == "Two\nlines"


def test_status_and_gold_by_a_reviewer_the_same(world):
    article, label = world["article"], world["label"]
    (s0, e0), (s1, e1) = _at(article, "Kremlin", 0), _at(article, "Kremlin", 1)
    items = [
        {"article": article, "start": s0, "end": e0, "label": label, "gold": True},
        {"article": article, "start": s0, "end": e0, "label": label},  # their own, beside it
        {"article": article.pk, "start": s1, "end": e1, "label": label.pk, "status": "accepted",
         "actors": [{"actor": world["actors"][0], "role": "source"}]},
    ]  # fmt: skip
    outcome = _same(items, world["reviewer"])
    assert [row["gold"] for row in outcome[1]] == [True, False, False]
    assert outcome[1][2]["status"] == "accepted"


def test_every_kind_of_refusal_the_same(world):
    article, label, annotator = world["article"], world["label"], world["annotator"]
    (s0, e0), (s1, e1), (s2, e2) = (_at(article, "Kremlin", n) for n in range(3))
    stored = SpanFactory(article=article, label=label, annotator=annotator, start=s2, end=e2)
    gold = SpanFactory(
        article=article, label=label, annotator=world["reviewer"], start=s1, end=e1, gold=True
    )
    assert stored.pk and gold.pk
    good = {"article": article, "label": label}
    items = [
        {**good, "start": s0, "end": e0},  # 0 good
        {**good, "start": 4, "end": 2},  # 1 end before start
        {**good, "start": s0, "end": e0},  # 2 a duplicate of item 0
        {**good, "start": 0, "end": 10_000},  # 3 beyond the body
        {**good, "start": 0, "end": 3, "text": "IS"},  # 4 not the text
        {**good, "start": "0", "end": 3},  # 5 not a number
        {**good, "start": s2, "end": e2},  # 6 a duplicate of a stored span
        {"article": article, "start": 0, "end": 3, "label": world["foreign_label"]},  # 7
        {"article": article, "start": 0, "end": 3, "label": world["relation"]},  # 8
        {**good, "start": 0, "end": 3, "probability": "surely"},  # 9 not a probability
        {**good, "start": 0, "end": 3, "actors": [{"actor": MISSING, "role": "source"}]},  # 10
        {**good, "start": 0, "end": 3, "actors": [{"actor": world["actors"][0]}]},  # 11
        {**good, "start": 0, "end": 3, "actors": "nobody"},  # 12
        {**good, "start": 0, "end": 3, "colour": "red"},  # 13 an unknown field
        {"article": article, "start": 0, "label": label},  # 14 incomplete
        {**good, "start": 0, "end": 3, "note": 5},  # 15
        {**good, "start": 0, "end": 3, "text": "IS\x00"},  # 16
        {**good, "start": 0, "end": 3},  # 17 good (item 4 failed at this place)
        {**good, "start": 0, "end": 3, "actors": [(world["actors"][1], "boss")]},  # 18
    ]
    outcome = _same(items, annotator)
    assert outcome[0] == "invalid"
    failing = [error["index"] for error in outcome[1]]
    assert failing == [*range(1, 17), 18]
    assert outcome[1][1]["errors"] == {
        "non_field_errors": [f"You already marked “Kremlin” as Actor (characters {s0 + 1}–{e0})."]
    }


def test_gold_refusals_the_same(world):
    article, label, reviewer = world["article"], world["label"], world["reviewer"]
    s1, e1 = _at(article, "Kremlin", 1)
    taken = SpanFactory(
        article=article, label=label, annotator=reviewer, start=s1, end=e1, gold=True
    )
    items = [
        {"article": article, "start": s1, "end": e1, "label": label, "gold": True},
        {"article": article, "start": 0, "end": 3, "label": label, "gold": True, "note": 1},
    ]
    outcome = _same(items, reviewer)
    assert outcome[1][0]["errors"] == {
        "non_field_errors": [services.span_rules.gold_taken_message(taken.pk, s1, e1)]
    }
    # An annotator may not make gold: PermissionDenied, as from span_create.
    assert _same(items[:1], world["annotator"])[0] == "PermissionDenied"


def test_two_gold_spans_at_one_place_answered_per_item(world):
    """The second's error names the first one's id: only the per-item way has it."""
    article, label = world["article"], world["label"]
    item = {"article": article, "start": 0, "end": 3, "label": label, "gold": True}
    _same([item, item], world["reviewer"], falls_back=True, new_ids_named=True)
    with pytest.raises(spans_bulk.BulkValidationError) as caught:
        services.span_bulk_create(items=[item, item], annotator=world["reviewer"])
    assert [error["index"] for error in caught.value.item_errors] == [1]


def test_exceptions_the_same(world):
    article, label = world["article"], world["label"]
    good = {"article": article, "start": 0, "end": 3, "label": label}
    bad = {**good, "end": 1_000}
    assert _same([bad, good], world["outsider"])[0] == "PermissionDenied"
    assert _same([good, {**good, "article": world["foreign"]}], world["annotator"]) == (
        "PermissionDenied",
        "Your role in this project does not allow you to annotate.",
    )
    assert _same([bad, {**good, "article": MISSING}], world["annotator"])[0] == "DoesNotExist"
    assert _same([bad, {**good, "label": MISSING}], world["annotator"])[0] == "DoesNotExist"
    assert _same([{**good, "status": "accepted"}], world["annotator"])[0] == "PermissionDenied"


def test_items_over_many_articles_answered_per_item(world, monkeypatch):
    """The batch holds the bodies it reads: past ``MAX_BODIES`` articles named by id, the
    per-item way (each body sliced in the database) answers, the same."""
    monkeypatch.setattr(spans_bulk, "MAX_BODIES", 2)
    articles = [ArticleFactory(project=world["project"], body=f"{BODY} {n}") for n in range(3)]
    items = [{"article": a.pk, "start": 0, "end": 3, "label": world["label"].pk} for a in articles]
    _same(items, world["annotator"], falls_back=True)
    _same(items[:2], world["annotator"], falls_back=False)


def test_unusual_items_answered_per_item(world):
    label = world["label"]
    _same([{"article": None, "start": 0, "end": 3, "label": label}], world["annotator"],
          falls_back=True)  # fmt: skip
    _same([["article", "start"]], world["annotator"], falls_back=True)


def test_a_span_stored_meanwhile_is_a_duplicate_not_a_500(world, monkeypatch):
    """The batch found the place free; another request stored a span there before the
    insert: the unique constraint's IntegrityError becomes the item's duplicate error."""
    article, label = world["article"], world["label"]
    items = [
        {"article": article, "start": 0, "end": 3, "label": label},
        {"article": article, "start": 4, "end": 12, "label": label, "gold": True},
    ]
    read = spans_bulk.BatchFacts.__init__

    def then_stored(self, user, items):
        read(self, user, items)
        SpanFactory(article=article, label=label, annotator=user, start=4, end=12, gold=True)

    monkeypatch.setattr(spans_bulk.BatchFacts, "__init__", then_stored)
    with pytest.raises(spans_bulk.BulkValidationError) as caught:
        services.span_bulk_create(items=items, annotator=world["reviewer"])
    assert [error["index"] for error in caught.value.item_errors] == [1]
    assert "A gold span is already at [4, 12)" in caught.value.message_dict["items"][0]
    assert not Span.objects.filter(annotator=world["reviewer"], gold=False).exists()


# --- any items: the batch and the per-item way agree -----------------------------------------

_offsets = st.integers(min_value=-1, max_value=len(BODY) + 1)


def _often(*values, rarely=()):
    """Each of ``values`` four times as likely as each of ``rarely``: mostly valid items,
    so that the batches reach the writes, the duplicates and the actors."""
    return st.sampled_from([*values * 4, *rarely])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_items_the_same(world, data):
    article, label, (first, second) = world["article"], world["label"], world["actors"]
    kremlin = [_at(article, "Kremlin", n) for n in range(4)]
    for annotator, gold, (start, end) in ((world["annotator"], False, kremlin[3]),
                                          (world["reviewer"], True, kremlin[2])):  # fmt: skip
        Span.objects.get_or_create(
            article=article, project=article.project, label=label, annotator=annotator,
            start=start, end=end, text="Kremlin", gold=gold,
        )  # fmt: skip
    place = st.one_of(_often(*kremlin, (13, 15), (0, 3)), st.tuples(_offsets, _offsets))
    labels = _often(
        label, label.pk, world["other_label"].pk,
        rarely=[world["relation"], world["foreign_label"].pk, MISSING],
    )  # fmt: skip
    link = st.fixed_dictionaries(
        {"actor": _often(first, second, rarely=[MISSING]),
         "role": _often("source", "subject", "mentioned", rarely=["boss"])}
    )  # fmt: skip
    item = st.builds(
        lambda where, label, text, actors, grade, gold, status, target: {
            "article": target, "start": where[0], "end": where[1], "label": label,
            **({"text": BODY[where[0] : where[1]] if text else "Kremlin"} if text is not None
               else {}),
            **({"actors": actors} if actors else {}), **grade,
            **({"gold": True} if gold else {}), **({"status": status} if status else {}),
        },
        place, labels, _often(None, True, rarely=[False]), st.lists(link, max_size=2),
        _often({}, {"probability": "likely"}, {"confidence": "low", "note": "n"},
               rarely=[{"probability": "maybe"}, {"colour": "red"}]),
        _often(False, rarely=[True]), _often(None, "pending", rarely=["accepted"]),
        _often(article, article.pk, rarely=[world["second"].pk, world["foreign"].pk]),
    )  # fmt: skip
    items = data.draw(st.lists(item, min_size=1, max_size=8))
    user = data.draw(_often(world["annotator"], world["reviewer"], rarely=[world["outsider"]]))
    gold = [
        (getattr(i["article"], "pk", i["article"]), i["start"], i["end"],
         getattr(i["label"], "pk", i["label"]))
        for i in items if i.get("gold")
    ]  # fmt: skip
    # Only two gold spans at one place make the batch answer per item.
    _same(items, user, falls_back=None if len(set(gold)) < len(gold) else False)


# --- queries: a few per call, however many items -----------------------------------------------


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        call()
        transaction.set_rollback(True)
    return len(queries)


def _items(world, n, *, by_id):
    label = world["label"]
    article = ArticleFactory(project=world["project"], body="Kremlin. " * n + f"{n} {by_id}")
    return [
        {"article": article.pk if by_id else article, "start": 9 * i, "end": 9 * i + 7,
         "label": label.pk if by_id else label, "probability": "likely",
         "actors": [{"actor": world["actors"][i % 2], "role": "source"}]}
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("by_id", [True, False])
def test_queries_do_not_grow_with_the_items(world, by_id):
    user = world["annotator"]
    few, many = _items(world, 3, by_id=by_id), _items(world, 60, by_id=by_id)
    counted = [_queries(lambda i=i: services.span_bulk_create(items=i, annotator=user))
               for i in (few, many)]  # fmt: skip
    # Five reads (the articles, the roles, the labels, the actors, the spans at the places;
    # neither articles nor labels when in hand, but on PostgreSQL the articles are read
    # again, locked), three INSERTs, two savepoints (four statements); and the three
    # statements of _queries' own savepoint.
    in_hand = 10 if connection.vendor != "postgresql" else 11
    assert counted[0] == counted[1] == (12 if by_id else in_hand) + 3
    per_item = _queries(lambda: spans_bulk.span_bulk_create_each(items=many, annotator=user))
    assert per_item > 60  # what it was: several a span


def test_accept_all_and_label_all_queries_do_not_grow(world):
    user, label = world["annotator"], world["label"]

    def accept(n):
        article = ArticleFactory(project=world["project"], body="Kremlin. " * n + "accept")
        suggestions = [
            Suggestion(9 * i, 9 * i + 7, "Kremlin", "actor", actor=world["actors"][0],
                       role="source", label=label.pk)
            for i in range(n)
        ]  # fmt: skip
        return lambda: services.suggestions_accept(
            article=article, annotator=user, suggestions=suggestions
        )

    def label_all(n):
        article = ArticleFactory(project=world["project"], body="Kremlin. " * n + "all")
        return lambda: services.span_label_all(
            article=article, label=label, annotator=user, start=0, end=7,
            actors=[{"actor": world["actors"][1], "role": "subject"}],
        )  # fmt: skip

    for make in (accept, label_all):
        assert _queries(make(3)) == _queries(make(60))


def test_bulk_create_writes_the_search_rows(world):
    """SQLite's FTS5 rows and PostgreSQL's vectors come from triggers: a bulk insert fires
    them as one insert does, so the spans are found at once."""
    article, label, user = world["article"], world["label"], world["annotator"]
    spans = services.span_bulk_create(
        items=[{"article": article, "start": s, "end": e, "label": label, "note": "cotton"}
               for s, e in (_at(article, "Kremlin", n) for n in range(3))],
        annotator=user,
    )  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM annotations_span WHERE id = ANY(%s) "
                "AND search_vector @@ plainto_tsquery(search_config, 'cotton')",
                [[span.pk for span in spans]],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM assay_span_fts WHERE assay_span_fts MATCH 'cotton'"
            )
        assert cursor.fetchone()[0] == 3
