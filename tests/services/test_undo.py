"""span_event_find and span_event_revert: undo and redo over the span history, never over a
newer change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Actor, Relation, Span, SpanActor, SpanEvent
from annotations.services.span_occurrences import MAX_OCCURRENCES

from ..factories import ArticleFactory, LabelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(project):
    return LabelFactory(project=project, name="Claim", hotkey="c")


@pytest.fixture
def span(article, label, annotator):
    return services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)


def last_event(span_id) -> SpanEvent:
    return SpanEvent.objects.filter(span_id=span_id).order_by("-id").first()


def revert(event, user):
    return services.span_event_revert(event=event, user=user)


def test_undo_of_a_create_deletes_the_span_and_redo_brings_it_back(span, annotator):
    created = services.span_event_find(article=span.article, span_id=span.pk, version=1)
    assert created.action == SpanEvent.Action.CREATED
    undone = revert(created, annotator)
    assert undone.span is None and undone.what == "created Assessment “ISW”"
    assert not Span.objects.exists()
    assert undone.event.action == SpanEvent.Action.DELETED

    redone = revert(undone.event, annotator)
    assert redone.span.pk == span.pk and redone.what == "deleted Assessment “ISW”"
    assert Span.objects.get().text == "ISW"
    # And once more: the redo's own event is undone like any create.
    assert revert(redone.event, annotator).span is None
    assert not Span.objects.exists()


def test_undo_of_an_edit_sets_back_the_fields_it_changed_and_redo_sets_them_again(
    span, annotator, claim
):
    actor = Actor.objects.create(name="Alexander Lukashenko", kind="person")
    services.span_update(
        span=span, user=annotator, version=1, actors=[{"actor": actor.pk, "role": "subject"}]
    )
    services.span_update(
        span=span, user=annotator, version=2, label=claim, probability="unlikely", note="n"
    )
    edit = services.span_event_find(article=span.article, span_id=span.pk, version=3)
    undone = revert(edit, annotator)
    assert undone.what == (
        "changed the label (Assessment → Claim), the probability (not graded → unlikely) "
        "and the note of Claim “ISW”"
    )
    span.refresh_from_db()
    assert (span.label.name, span.probability, span.note, span.version) == (
        "Assessment",
        None,
        "",
        4,
    )
    # The earlier change (the actor) is kept, and is the next to undo.
    assert SpanActor.objects.filter(span=span).count() == 1
    actor_undone = revert(
        services.span_event_find(article=span.article, span_id=span.pk, version=2), annotator
    )
    assert not SpanActor.objects.filter(span=span).exists()

    # Redo goes back the other way, latest undo first; out of order, it is refused.
    with pytest.raises(Conflict, match=r"you \(elsewhere\) changed the actors since"):
        revert(undone.event, annotator)
    revert(actor_undone.event, annotator)
    redone = revert(undone.event, annotator)
    assert redone.span.label == claim
    assert (redone.span.probability, redone.span.note) == ("unlikely", "n")
    assert SpanActor.objects.filter(span=span).count() == 1


def test_undo_of_a_delete_restores_the_span_with_its_relations(
    span, article, label, annotator, relation_label
):
    other = services.span_create(article=article, start=4, end=11, label=label, annotator=annotator)
    services.relation_create(
        from_span=span, to_span=other, label=relation_label, annotator=annotator
    )
    services.span_delete(span=span, user=annotator)
    deleted = last_event(span.pk)
    undone = revert(deleted, annotator)
    assert undone.span.pk == span.pk and undone.what == "deleted Assessment “ISW”"
    assert Relation.objects.filter(from_span=span, to_span=other).exists()
    assert undone.event.action == SpanEvent.Action.RESTORED


def test_an_undo_never_overwrites_someone_elses_newer_change(span, annotator, reviewer, claim):
    services.span_update(span=span, user=annotator, version=1, note="mine")
    mine = last_event(span.pk)
    services.span_update(span=span, user=reviewer, version=2, status="accepted")
    with pytest.raises(Conflict, match=r"rita changed the status \(pending → accepted\) since"):
        revert(mine, annotator)
    span.refresh_from_db()
    assert (span.note, span.status, span.version) == ("mine", "accepted", 3)


def test_an_undo_of_a_create_is_refused_once_the_span_changed_or_went(span, annotator, claim):
    created = last_event(span.pk)
    services.span_update(span=span, user=annotator, version=1, label=claim)
    with pytest.raises(
        Conflict, match=r"you \(elsewhere\) changed the label \(Assessment → Claim\)"
    ):
        revert(created, annotator)
    assert Span.objects.exists()
    services.span_delete(span=span, user=annotator)
    with pytest.raises(Conflict, match="deleted the span since"):
        revert(created, annotator)


def test_an_undo_of_a_delete_is_refused_when_the_span_is_back(span, annotator):
    services.span_delete(span=span, user=annotator)
    deleted = last_event(span.pk)
    services.span_restore(event=deleted, user=annotator)
    with pytest.raises(Conflict, match="the span is back already"):
        revert(deleted, annotator)


def test_only_ones_own_changes_are_reverted(span, manager):
    with pytest.raises(PermissionDenied, match="only your own changes"):
        revert(last_event(span.pk), manager)
    assert Span.objects.exists()


def test_find_names_a_change_of_this_article_only(span, project):
    other = ArticleFactory(project=project, body="Other text.")
    with pytest.raises(Conflict, match="not in this article's history"):
        services.span_event_find(article=other, span_id=span.pk, version=1)
    with pytest.raises(Conflict):
        services.span_event_find(article=span.article, span_id=span.pk, version=9)
    event = last_event(span.pk)
    assert services.span_event_find(article=span.article, event_id=event.pk) == event


# --- a group: what one accept-all or label-all made, reverted as one -------------------------


@pytest.fixture
def group(article, label, annotator):
    """Three spans made by one call: "Minsk" labelled at every occurrence."""
    article.body = "Minsk said no. Minsk said yes. Then Minsk said nothing."
    article.save(update_fields=["body"])
    made = services.span_label_all(
        article=article, label=label, annotator=annotator, start=0, end=5
    ).created
    assert [s.text for s in made] == ["Minsk"] * 3
    return made


def group_events(article, spans):
    return services.span_events_find(
        article=article, event_ids=services.span_events_latest(spans=spans)
    )


def state():
    """Every span and event, as the database holds them."""
    spans = sorted(Span.objects.values_list("id", "start", "label_id", "version", "status"))
    return spans, sorted(SpanEvent.objects.values_list("id", "span_id", "action"))


def test_undo_a_group_removes_every_span_it_made_and_redo_brings_the_same_back(
    group, article, annotator
):
    events = group_events(article, group)
    assert [e.action for e in events] == [SpanEvent.Action.CREATED] * 3
    assert services.describe_events(events) == "created 3 spans (Assessment)"
    undone = services.span_events_revert(events=events, user=annotator)
    assert [r.span for r in undone] == [None] * 3
    assert not Span.objects.exists()
    assert {r.event.action for r in undone} == {SpanEvent.Action.DELETED}

    redone = services.span_events_revert(events=[r.event for r in undone], user=annotator)
    assert services.describe_events([r.event for r in redone]) == "restored 3 spans (Assessment)"
    # The same spans, ids and all, each with its history: created, deleted, restored.
    assert sorted(Span.objects.values_list("id", "text", "version")) == [
        (s.pk, "Minsk", 2) for s in group
    ]
    for span in group:
        assert list(
            SpanEvent.objects.filter(span_id=span.pk)
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["created", "deleted", "restored"]
    # And undone again, through the redo's own events.
    services.span_events_revert(events=[r.event for r in redone], user=annotator)
    assert not Span.objects.exists()


def test_a_group_with_one_span_changed_by_someone_else_is_refused_and_nothing_changes(
    group, article, annotator, reviewer
):
    events = group_events(article, group)  # as the page keeps them, when they were made
    services.span_update(span=group[1], user=reviewer, version=1, status="accepted")
    before = state()
    with pytest.raises(
        Conflict,
        match=r"^Assessment “Minsk”: rita changed the status \(pending → accepted\) since\. "
        r"None of the 3 spans was changed\.$",
    ):
        services.span_events_revert(events=events, user=annotator)
    assert state() == before


def test_a_group_holding_someone_elses_change_is_refused_and_nothing_changes(
    group, article, annotator, reviewer
):
    services.span_update(span=group[0], user=reviewer, version=1, status="accepted")
    theirs = last_event(group[0].pk)
    services.span_update(span=group[2], user=annotator, version=1, note="mine")
    mine = last_event(group[2].pk)  # newer: reverted first, then put back with the refusal
    before = state()
    with pytest.raises(PermissionDenied, match="only your own changes"):
        services.span_events_revert(events=[theirs, mine], user=annotator)
    assert state() == before
    assert Span.objects.get(pk=group[2].pk).note == "mine"


def test_a_redo_of_a_group_is_refused_once_one_span_is_back(group, article, annotator):
    undone = services.span_events_revert(events=group_events(article, group), user=annotator)
    deleted = [r.event for r in undone]
    services.span_restore(event=deleted[0], user=annotator)
    before = state()
    with pytest.raises(Conflict, match="the span is back already"):
        services.span_events_revert(events=deleted, user=annotator)
    assert state() == before


def test_a_group_is_found_in_this_article_only_and_within_the_cap(group, article, project):
    ids = services.span_events_latest(spans=group)
    other = ArticleFactory(project=project, body="Other text.")
    with pytest.raises(Conflict, match="3 of those 3 changes are not in this article's history"):
        services.span_events_find(article=other, event_ids=ids)
    with pytest.raises(Conflict, match="1 of those 4 changes is not"):
        services.span_events_find(article=article, event_ids=[*ids, max(ids) + 100])
    with pytest.raises(ValidationError, match="No change was named"):
        services.span_events_find(article=article, event_ids=[])
    too_many = range(1, services.MAX_GROUP + 2)
    assert services.MAX_GROUP == MAX_OCCURRENCES  # an accept-all's undo is never refused
    with pytest.raises(ValidationError, match=r"5,001 changes at once; at most 5,000"):
        services.span_events_find(article=article, event_ids=too_many)
    with pytest.raises(ValidationError, match="at most 5,000"):
        services.span_events_revert(events=[None] * (services.MAX_GROUP + 1), user=None)
    assert Span.objects.count() == 3


def test_a_group_of_several_labels_and_changes_is_said_in_few_words(
    group, article, annotator, claim
):
    services.span_update(span=group[0], user=annotator, version=1, label=claim)
    events = group_events(article, group)
    assert (
        services.describe_events(events)
        == "created 2 spans and changed 1 span (2 Assessment, 1 Claim)"
    )
    assert services.describe_events(events[:1]) == services.describe_event(events[0])
