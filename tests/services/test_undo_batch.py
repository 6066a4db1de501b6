"""The batched revert of a group (``undo.revert_creates``) held to its twin, the revert change
by change (``undo.revert_each``): for the same group, the same spans, links, relations and
history events, the same refusals in the same words, nothing changed on a refusal; and a
number of queries that does not grow with the group."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.errors import Conflict
from annotations.models import Actor, Membership, Relation, Span, SpanActor, SpanEvent
from annotations.services import undo

from ..factories import ArticleFactory

pytestmark = pytest.mark.django_db

BODY = "Minsk said no. Kyiv said yes. Then Minsk said nothing. ISW agreed. Moscow did not."


def untimed(row: dict | None) -> dict | None:
    """A row or a snapshot without the time of the change (it differs from run to run)."""
    return row and {k: v for k, v in row.items() if k not in {"updated_at", "at", "id"}}


def snapshot() -> tuple:
    """Every span (all fields), link, relation and event, as the database holds them (but the
    time of the change, and the events' own ids)."""
    return (
        [{**untimed(row), "id": row["id"]} for row in Span.objects.order_by("id").values()],
        list(SpanActor.objects.order_by("id").values("span_id", "actor_id", "role")),
        list(Relation.objects.order_by("id").values()),
        [
            {**untimed(e), "before": untimed(e["before"]), "after": untimed(e["after"])}
            for e in SpanEvent.objects.order_by("id").values()
        ],
    )


def outcome(revert, events, user) -> tuple:
    """What ``revert`` does to the group, rolled back after: its refusal (kind and words) or
    what it answers, and the database after it."""
    with transaction.atomic():
        before = snapshot()
        try:
            reverted = revert(sorted(events, key=lambda e: e.pk, reverse=True), user)
        except (Conflict, PermissionDenied, ValidationError) as exc:
            after = snapshot()
            transaction.set_rollback(True)
            assert after == before, "a refused group changed something"
            return (type(exc), str(exc)), after
        answered = [
            (r.span and r.span.pk, r.event.action, r.event.span_id, r.what) for r in reverted
        ]
        after = snapshot()
        transaction.set_rollback(True)
    return answered, after


def assert_twins(events, user):
    batch = undo.revert_creates if undo.all_creates(events) else undo.revert_deletes
    batched = outcome(batch, events, user)  # writes nothing before its checks

    def each_all_or_nothing(events, user):  # as span_events_revert runs it
        with transaction.atomic():
            return undo.revert_each(events, user)

    each = outcome(each_all_or_nothing, events, user)
    assert batched == each
    return batched


@pytest.fixture
def made(article, label, relation_label, reviewer, project):
    """Spans made one by one by a reviewer (links, a gold copy, relations within the group and
    to a span outside it), and the events that made them: the group."""
    article.body = BODY
    article.save(update_fields=["body"])
    actor = Actor.objects.create(name="Alexander Lukashenko", kind="person")
    outside = services.span_create(
        article=article,
        start=BODY.index("Moscow"),
        end=BODY.index("Moscow") + 6,
        label=label,
        annotator=reviewer,
    )

    def make(word, nth=0, **fields):
        start = -1
        for _ in range(nth + 1):
            start = BODY.index(word, start + 1)
        return services.span_create(
            article=article,
            start=start,
            end=start + len(word),
            label=label,
            annotator=reviewer,
            **fields,
        )

    first = make("Minsk", actors=[{"actor": actor.pk, "role": "subject"}], note="a note")
    second = make("Kyiv", probability="likely", confidence="high")
    third = make("Minsk", 1)
    isw = make("ISW")
    gold = services.span_promote(span=second, user=reviewer)
    services.relation_create(
        from_span=first, to_span=second, label=relation_label, annotator=reviewer
    )
    services.relation_create(
        from_span=third, to_span=outside, label=relation_label, annotator=reviewer
    )
    services.relation_create(from_span=isw, to_span=first, label=relation_label, annotator=reviewer)
    spans = [first, second, third, isw, gold]
    events = services.span_events_find(
        article=article, event_ids=services.span_events_latest(spans=spans)
    )
    assert undo.all_creates(events) and len(events) == 5
    return spans, events


def test_an_undo_of_creates_deletes_the_same_and_records_the_same(made, reviewer):
    spans, events = made
    answered, (left, links, relations, history) = assert_twins(events, reviewer)
    assert [span_id for *_, span_id, _ in answered] == sorted((s.pk for s in spans), reverse=True)
    assert [row["id"] for row in left] == [Span.objects.order_by("id").first().pk]  # the outside
    assert links == [] and relations == []
    deleted = [e for e in history if e["action"] == SpanEvent.Action.DELETED]
    assert len(deleted) == 5
    # Each relation went with the first of its spans deleted, as one by one.
    assert sorted(len(e["relations"]) for e in deleted) == [0, 0, 1, 1, 1]


@pytest.fixture
def undone(made, reviewer):
    """The group undone: its ``deleted`` events, the redo's group."""
    _, events = made
    undone = services.span_events_revert(events=events, user=reviewer)
    deleted = services.span_events_find(
        article=events[0].article, event_ids=[r.event.pk for r in undone]
    )
    assert undo.all_deletes(deleted)
    return deleted


def test_a_redo_restores_the_same_and_records_the_same(made, undone, reviewer):
    spans, _ = made
    answered, (left, links, relations, history) = assert_twins(undone, reviewer)
    assert [span_id for span_id, *_ in answered] == [e.span_id for e in undone]
    assert len(left) == 6 and len(links) == 1 and len(relations) == 3
    restored = [e for e in history if e["action"] == SpanEvent.Action.RESTORED]
    assert sorted(len(e["relations"]) for e in restored) == [0, 0, 1, 1, 1]
    assert next(row for row in left if row["gold"])["source_span_id"] == spans[1].pk


def test_a_redo_refused_for_any_span_is_refused_alike(made, undone, reviewer, annotator, label):
    spans, _ = made
    # One span's place taken meanwhile: the unique constraint, named by the twin.
    services.span_create(
        article=spans[2].article,
        start=spans[2].start,
        end=spans[2].end,
        label=label,
        annotator=reviewer,
    )
    refusal, _ = assert_twins(undone, reviewer)
    assert refusal[0] is Conflict and "None of the 5 spans was changed." in refusal[1]
    assert "You already marked “Minsk” as Assessment" in refusal[1]


def test_a_redo_without_its_actor_or_label_is_refused_alike(made, undone, reviewer, label):
    Actor.objects.all().delete()
    refusal, _ = assert_twins(undone, reviewer)
    assert refusal[0] is Conflict and "An actor of the span no longer exists" in refusal[1]
    Span.objects.all().delete()
    label.delete()
    refusal, _ = assert_twins(undone, reviewer)
    assert refusal[0] is Conflict and "The span's label no longer exists." in refusal[1]


def test_a_redo_of_a_span_back_already_is_refused_alike(undone, reviewer, manager):
    services.span_restore(event=undone[2], user=manager)
    refusal, _ = assert_twins(undone, reviewer)
    assert refusal[0] is Conflict
    assert f"the span is back already: {manager.get_username()} restored it." in refusal[1]


def test_a_redo_leaves_out_a_relation_whose_other_span_is_gone_alike(made, undone, reviewer):
    outside = Span.objects.get()
    services.span_delete(span=outside, user=reviewer)
    _, (left, _, relations, _) = assert_twins(undone, reviewer)
    assert len(left) == 5 and len(relations) == 2


def test_a_redo_of_someone_elses_delete_is_refused_alike(undone, manager):
    refusal, _ = assert_twins(undone, manager)
    assert refusal == (PermissionDenied, "You can undo and redo only your own changes.")


def test_the_redo_then_the_undo_again_are_the_same(made, reviewer):
    _, events = made
    undone = services.span_events_revert(events=events, user=reviewer)
    redone = services.span_events_revert(events=[r.event for r in undone], user=reviewer)
    again = services.span_events_find(
        article=events[0].article, event_ids=[r.event.pk for r in redone]
    )
    assert undo.all_creates(again)  # restores: their undo is the batch again
    assert_twins(again, reviewer)


def test_someone_elses_change_in_the_group_is_refused_alike(made, reviewer, annotator, article):
    _, events = made
    theirs = services.span_create(
        article=article, start=0, end=5, label=events[0].span.label, annotator=annotator
    )
    their_events = services.span_events_find(
        article=article, event_ids=services.span_events_latest(spans=[theirs])
    )
    refusal, _ = assert_twins([*events, *their_events], reviewer)
    assert refusal == (PermissionDenied, "You can undo and redo only your own changes.")


def test_a_span_changed_since_is_refused_alike_naming_who(made, reviewer, manager):
    spans, events = made
    services.span_update(span=spans[2], user=manager, version=1, status="accepted")
    refusal, _ = assert_twins(events, reviewer)
    assert refusal[0] is Conflict
    assert "changed the status (pending → accepted) since." in refusal[1]
    assert manager.get_username() in refusal[1] and "None of the 5 spans was changed." in refusal[1]


def test_a_span_deleted_since_is_refused_alike(made, reviewer, manager):
    spans, events = made
    services.span_delete(span=spans[3], user=manager)
    refusal, _ = assert_twins(events, reviewer)
    assert refusal[0] is Conflict
    assert f"{manager.get_username()} deleted the span since." in refusal[1]


def test_a_role_that_no_longer_allows_it_is_refused_alike(made, reviewer, project):
    _, events = made
    Membership.objects.filter(project=project, user=reviewer).update(role="annotator")
    refusal, _ = assert_twins(events, reviewer)
    assert refusal[0] is PermissionDenied and "gold span" in refusal[1]
    Membership.objects.filter(project=project, user=reviewer).delete()
    refusal, _ = assert_twins(events, reviewer)
    assert refusal == (
        PermissionDenied,
        "Your role in this project does not allow you to delete spans.",
    )


def label_all_group(project, label, annotator, count):
    body = " ".join(["Minsk said so."] * count)
    article = ArticleFactory(project=project, body=body)
    made = services.span_label_all(
        article=article, label=label, annotator=annotator, start=0, end=5
    ).created
    return services.span_events_find(
        article=article, event_ids=services.span_events_latest(spans=made)
    )


def queries(events, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.span_events_revert(events=events, user=user)
    return len(captured)


def test_the_queries_of_a_group_undo_and_redo_do_not_grow_with_the_group(project, label, annotator):
    small = label_all_group(project, label, annotator, 3)
    large = label_all_group(project, label, annotator, 40)
    undone_small = queries(small, annotator)
    undone_large = queries(large, annotator)
    assert undone_small == undone_large
    assert undone_large < 15
    small, large = (
        services.span_events_find(
            article=group[0].article,
            event_ids=SpanEvent.objects.filter(
                article=group[0].article, action=SpanEvent.Action.DELETED
            ).values_list("id", flat=True),
        )
        for group in (small, large)
    )
    redone_small = queries(small, annotator)
    redone_large = queries(large, annotator)
    assert redone_small == redone_large
    assert redone_large < 20
