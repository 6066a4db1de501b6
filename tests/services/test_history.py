"""span_update, span_delete, span_restore: versions, permissions and the recorded history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Label, Relation, Role, Span, SpanActor, SpanEvent

from ..factories import ActorFactory, LabelFactory, RelationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def span(article, label, annotator):
    return services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator, note="first"
    )


@pytest.fixture
def unicode_span(unicode_article, label, annotator):
    start = unicode_article.body.index("北京")
    return services.span_create(
        article=unicode_article, start=start, end=start + 2, label=label, annotator=annotator
    )


def events(span_id, action=None):
    qs = SpanEvent.objects.filter(span_id=span_id).order_by("id")
    return list(qs.filter(action=action) if action else qs)


def actor_links(span_id):
    return list(
        SpanActor.objects.filter(span_id=span_id).order_by("id").values_list("actor", "role")
    )


# --- span_update: version ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "1", 1.0, True])
def test_version_is_required_and_whole(span, annotator, version):
    with pytest.raises(ValidationError) as caught:
        services.span_update(span=span, user=annotator, version=version, note="x")
    assert "version" in caught.value.message_dict
    assert Span.objects.get(pk=span.pk).note == "first"


def test_stale_version_is_a_conflict(span, annotator):
    services.span_update(span=span, user=annotator, version=1, note="second")
    with pytest.raises(Conflict) as caught:
        services.span_update(span=span, user=annotator, version=1, note="lost update")
    assert "it is at version 2, your change was based on version 1" in caught.value.message
    assert caught.value.current.pk == span.pk
    assert caught.value.current.note == "second"
    assert Span.objects.get(pk=span.pk).note == "second"


def test_change_bumps_the_version_and_records_before_and_after(span, annotator):
    before = services.span_snapshot(Span.objects.get(pk=span.pk))
    updated = services.span_update(
        span=span.pk, user=annotator, version=1, note="changed", probability="likely"
    )
    assert updated.version == 2
    stored = Span.objects.get(pk=span.pk)
    assert (stored.version, stored.note, stored.probability) == (2, "changed", "likely")
    assert stored.updated_at > stored.created_at

    [event] = events(span.pk, "updated")
    assert event.user == annotator
    assert event.before == before
    assert event.after == services.span_snapshot(stored)
    assert (event.before["note"], event.after["note"]) == ("first", "changed")
    assert (event.before["version"], event.after["version"]) == (1, 2)


def test_no_op_keeps_the_version_and_records_nothing(span, annotator):
    updated = services.span_update(
        span=span, user=annotator, version=1, note="first", start=0, end=3, probability=None
    )
    assert updated.version == 1
    assert Span.objects.get(pk=span.pk).version == 1
    assert events(span.pk, "updated") == []


def test_same_actors_in_another_order_is_no_change(article, label, annotator):
    isw, belarus = ActorFactory(name="ISW"), ActorFactory(name="Belarus")
    span = services.span_create(
        article=article,
        start=0,
        end=3,
        label=label,
        annotator=annotator,
        actors=[(isw, "source"), (belarus, "subject")],
    )
    services.span_update(
        span=span, user=annotator, version=1, actors=[(belarus, "subject"), (isw, "source")]
    )
    assert Span.objects.get(pk=span.pk).version == 1
    assert events(span.pk, "updated") == []


def test_actors_replaced(span, annotator):
    isw, belarus = ActorFactory(name="ISW"), ActorFactory(name="Belarus")
    services.span_update(span=span, user=annotator, version=1, actors=[(isw, "source")])
    services.span_update(
        span=span, user=annotator, version=2, actors=[{"actor": belarus.pk, "role": "subject"}]
    )
    assert actor_links(span.pk) == [(belarus.pk, "subject")]
    last = events(span.pk, "updated")[-1]
    assert last.before["actors"] == [{"actor": isw.pk, "role": "source"}]
    assert last.after["actors"] == [{"actor": belarus.pk, "role": "subject"}]
    services.span_update(span=span, user=annotator, version=3, actors=None)
    assert actor_links(span.pk) == []


def test_offsets_change_in_unicode_text(unicode_span, annotator):
    """The locked span's article body is deferred: the database slices it."""
    body = unicode_span.article.body
    start = body.index("שלום")
    updated = services.span_update(
        span=unicode_span, user=annotator, version=1, start=start, end=start + 10
    )
    assert updated.text == body[start : start + 10] == "שלום مرحبا"
    stored = Span.objects.get(pk=unicode_span.pk)
    assert (stored.start, stored.end, stored.text) == (start, start + 10, "שלום مرحبا")
    assert events(stored.pk, "updated")[0].after["text"] == "שלום مرحبا"


def test_offsets_change_checks_text_and_range(unicode_span, annotator):
    body = unicode_span.article.body
    with pytest.raises(ValidationError) as caught:
        services.span_update(span=unicode_span, user=annotator, version=1, end=len(body) + 1)
    assert "end" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.span_update(span=unicode_span, user=annotator, version=1, start=0, text="🇺🇦")
    assert caught.value.message_dict["text"] == [
        f"Does not match the article: body[0:{unicode_span.end}] is {body[: unicode_span.end]!r}."
    ]
    assert Span.objects.get(pk=unicode_span.pk).text == "北京"


def test_update_into_a_duplicate_is_a_validation_error(span, article, label, annotator):
    other = services.span_create(article=article, start=4, end=12, label=label, annotator=annotator)
    with pytest.raises(ValidationError) as caught:
        services.span_update(span=other, user=annotator, version=1, start=0, end=3)
    assert "non_field_errors" in caught.value.message_dict
    assert Span.objects.get(pk=other.pk).start == 4
    assert events(other.pk, "updated") == []


def test_label_change_checked(span, annotator, project, relation_label):
    claim = LabelFactory(project=project, name="Claim")
    assert services.span_update(span=span, user=annotator, version=1, label=claim).label == claim
    with pytest.raises(ValidationError) as caught:
        services.span_update(span=span, user=annotator, version=2, label=relation_label)
    assert "label" in caught.value.message_dict


@pytest.mark.parametrize(
    "changes",
    [{"annotator": "bob"}, {"version": 5, "project": 2}, {"article": 1}, {"created_at": None}],
)
def test_read_only_fields_cannot_change(span, annotator, changes):
    changes = {"version": 1, **changes}
    # span_update names what may change; anything else is not even a parameter.
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        services.span_update(span=span, user=annotator, **changes)
    span.refresh_from_db()
    assert span.version == 1


def test_update_of_a_deleted_span_is_a_conflict(span, annotator):
    span_id = span.pk
    services.span_delete(span=span, user=annotator)
    with pytest.raises(Conflict):
        services.span_update(span=span_id, user=annotator, version=1, note="x")


# --- span_update: who may change what ----------------------------------------------------------


def test_another_annotator_cannot_change_a_span(span, make_member):
    bob = make_member(username="bob")
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=bob, version=1, note="mine now")
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=bob, version=1, status="accepted")
    assert Span.objects.get(pk=span.pk).note == "first"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_reviewer_or_manager_sets_the_status_only(span, make_member, role):
    user = make_member(role, username="boss")
    updated = services.span_update(span=span, user=user, version=1, status="accepted")
    assert (updated.status, updated.version) == ("accepted", 2)
    assert events(span.pk, "updated")[0].user == user
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=user, version=2, status="rejected", note="no")
    with pytest.raises(ValidationError):
        services.span_update(span=span, user=user, version=2, status="approved")


def test_annotator_cannot_set_the_status_of_their_own_span(span, annotator):
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=annotator, version=1, status="accepted")


def test_permission_is_checked_before_the_version(span, annotator, outsider, make_member):
    """A stale 409 would carry the current span to someone who may not change it."""
    services.span_update(span=span, user=annotator, version=1, note="second")
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=outsider, version=1, note="x")
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, user=make_member(username="bob"), version=1, note="x")


# --- span_delete -------------------------------------------------------------------------------


def test_delete_records_the_span_as_it_was(span, annotator):
    actor = ActorFactory()
    services.span_update(span=span, user=annotator, version=1, actors=[(actor, "source")])
    snapshot = services.span_snapshot(Span.objects.get(pk=span.pk))

    services.span_delete(span=span, user=annotator)

    assert not Span.objects.filter(pk=span.pk).exists()
    assert not SpanActor.objects.filter(span_id=span.pk).exists()
    [event] = events(span.pk, "deleted")
    assert (event.user, event.before, event.after) == (annotator, snapshot, None)
    assert event.before["actors"] == [{"actor": actor.pk, "role": "source"}]
    assert [e.action for e in events(span.pk)] == ["created", "updated", "deleted"]


def test_delete_takes_the_spans_relations_along(db):
    relation = RelationFactory()
    services.span_delete(span=relation.to_span, user=relation.annotator)
    assert not Relation.objects.filter(pk=relation.pk).exists()
    assert Span.objects.filter(pk=relation.from_span_id).exists()


def test_a_manager_deletes_any_span(span, manager):
    services.span_delete(span=span, user=manager)
    assert events(span.pk, "deleted")[0].user == manager


@pytest.mark.parametrize("who", ["reviewer", "outsider", "bob"])
def test_others_cannot_delete_a_span(span, make_member, who, request):
    user = make_member(username="bob") if who == "bob" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, user=user)
    assert Span.objects.filter(pk=span.pk).exists()
    assert events(span.pk, "deleted") == []


# --- span_restore ------------------------------------------------------------------------------


def test_restore_an_update(span, annotator):
    services.span_update(span=span, user=annotator, version=1, note="second", probability="likely")
    [event] = events(span.pk, "updated")

    restored = services.span_restore(event=event, user=annotator)

    stored = Span.objects.get(pk=span.pk)
    assert (stored.note, stored.probability) == ("first", None)
    assert stored.version == restored.version == 3
    [restore] = events(span.pk, "restored")
    assert restore.before["note"] == "second"
    assert restore.after == services.span_snapshot(stored)


def test_restore_a_delete_brings_back_the_same_span(unicode_span, annotator):
    isw = ActorFactory(name="ISW")
    services.span_update(
        span=unicode_span, user=annotator, version=1, actors=[(isw, "source")], note="n"
    )
    snapshot = services.span_snapshot(Span.objects.get(pk=unicode_span.pk))
    services.span_delete(span=unicode_span, user=annotator)
    [deleted] = events(unicode_span.pk, "deleted")

    restored = services.span_restore(event=deleted, user=annotator)

    assert restored.pk == unicode_span.pk
    stored = Span.objects.get(pk=unicode_span.pk)
    assert (stored.start, stored.end, stored.text, stored.note) == (
        unicode_span.start,
        unicode_span.end,
        "北京",
        "n",
    )
    assert stored.created_at == unicode_span.created_at
    assert actor_links(stored.pk) == [(isw.pk, "source")]
    assert stored.version == 3  # above every version the history has seen
    [restore] = events(stored.pk, "restored")
    assert restore.before is None
    expected = {**snapshot, "version": 3, "updated_at": stored.updated_at.isoformat()}
    assert restore.after == expected


def test_restore_of_a_created_event_is_a_conflict(span, annotator):
    [created] = events(span.pk, "created")
    with pytest.raises(Conflict):
        services.span_restore(event=created, user=annotator)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_reviewer_or_manager_restores_anyones_span(span, annotator, make_member, role):
    services.span_delete(span=span, user=annotator)
    restorer = make_member(role, username="boss")
    services.span_restore(event=events(span.pk, "deleted")[0], user=restorer)
    assert events(span.pk, "restored")[0].user == restorer


def test_others_cannot_restore(span, annotator, outsider, make_member):
    services.span_delete(span=span, user=annotator)
    [deleted] = events(span.pk, "deleted")
    for user in (outsider, make_member(username="bob")):
        with pytest.raises(PermissionDenied):
            services.span_restore(event=deleted, user=user)
    assert not Span.objects.filter(pk=span.pk).exists()


def test_restore_refused_when_the_label_is_gone(span, annotator, label, manager):
    services.span_delete(span=span, user=annotator)
    services.label_delete(label=label, user=manager)
    with pytest.raises(Conflict):
        services.span_restore(event=events(span.pk, "deleted")[0], user=annotator)


def test_restore_refused_when_the_label_now_labels_relations(span, annotator, label):
    services.span_delete(span=span, user=annotator)
    event = SpanEvent.objects.get(action="deleted")
    Label.objects.filter(pk=label.pk).update(kind=Label.Kind.RELATION)  # free once unused
    with pytest.raises(Conflict, match="now labels relations"):
        services.span_restore(event=event, user=annotator)
    assert not Span.objects.exists()


def test_restore_refused_when_an_actor_is_gone(article, label, annotator, staff):
    actor = ActorFactory()
    span = services.span_create(
        article=article, start=0, end=3, label=label, annotator=annotator, actors=[(actor, "")]
    )
    services.span_delete(span=span, user=annotator)
    services.actor_delete(actor=actor, user=staff)
    with pytest.raises(Conflict):
        services.span_restore(event=events(span.pk, "deleted")[0], user=annotator)
    assert not Span.objects.filter(pk=span.pk).exists()


def test_restore_refused_when_it_would_duplicate_a_span(span, article, label, annotator):
    services.span_delete(span=span, user=annotator)
    services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)
    with pytest.raises(Conflict):
        services.span_restore(event=events(span.pk, "deleted")[0], user=annotator)
    assert not Span.objects.filter(pk=span.pk).exists()


# --- relations deleted with a span come back with it ----------------------------------------


@pytest.fixture
def related(article, label, annotator, relation_label):
    a = services.span_create(article=article, start=0, end=3, label=label, annotator=annotator)
    b = services.span_create(article=article, start=4, end=8, label=label, annotator=annotator)
    relation = services.relation_create(
        from_span=a, to_span=b, label=relation_label, annotator=annotator
    )
    return a, b, relation


def test_restoring_a_span_brings_back_its_relations(related, annotator):
    a, b, relation = related
    services.span_delete(span=b, user=annotator)
    deleted = events(b.pk, "deleted")[0]
    assert [item["id"] for item in deleted.relations] == [relation.pk]
    assert deleted.relations[0] | {"created_at": None} == {
        "id": relation.pk,
        "from_span": a.pk,
        "to_span": b.pk,
        "label": relation.label_id,
        "annotator": annotator.username,
        "created_at": None,
    }
    services.span_restore(event=deleted, user=annotator)
    back = Relation.objects.get(pk=relation.pk)
    assert (back.from_span_id, back.to_span_id, back.label_id) == (a.pk, b.pk, relation.label_id)
    assert back.created_at == relation.created_at
    assert events(b.pk, "restored")[0].relations == deleted.relations


def test_a_relation_whose_other_span_is_gone_stays_gone(related, annotator):
    a, b, _relation = related
    services.span_delete(span=b, user=annotator)
    services.span_delete(span=a, user=annotator)
    services.span_restore(event=events(b.pk, "deleted")[0], user=annotator)
    assert not Relation.objects.exists()
    assert events(b.pk, "restored")[0].relations == []
    # The other span's delete took nothing more: the relation had gone with the first.
    services.span_restore(event=events(a.pk, "deleted")[0], user=annotator)
    assert not Relation.objects.exists()


def test_a_relation_whose_label_is_gone_stays_gone(related, annotator, manager):
    _a, b, relation = related
    services.span_delete(span=b, user=annotator)
    services.label_delete(label=relation.label, user=manager)
    services.span_restore(event=events(b.pk, "deleted")[0], user=annotator)
    assert not Relation.objects.exists()


def test_restoring_an_older_version_of_a_live_span_restores_no_relation(related, annotator):
    a, _b, relation = related
    services.span_update(span=a, user=annotator, version=1, note="changed")
    services.span_restore(event=events(a.pk, "updated")[0], user=annotator)
    assert list(Relation.objects.values_list("pk", flat=True)) == [relation.pk]
    assert events(a.pk, "restored")[0].relations is None
