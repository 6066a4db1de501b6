"""history/ and history/{id}/restore/."""

import pytest

from annotations import services
from annotations.models import Role, Span, SpanEvent

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def span(annotator, article, label):
    return SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)


def test_history_newest_first(annotator, span):
    services.span_update(span=span, user=annotator, version=1, note="checked")
    response = client_for(annotator).get(API + "history/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["action"] for e in results] == ["updated", "created"]
    updated, created = results
    assert set(updated) == {"id", "span", "action", "user", "at", "before", "after", "relations"}
    assert (updated["span"], updated["user"]) == (span.pk, "alice")
    assert updated["before"]["note"] == "" and updated["after"]["note"] == "checked"
    assert created["before"] is None


def test_snapshots_are_written_as_span_objects_are(annotator, span):
    """Same keys in the same order, timestamps in the same form (``Z``, not ``+00:00``)."""
    services.span_update(span=span, user=annotator, version=1, note="checked")
    client = client_for(annotator)
    after = client.get(API + "history/").json()["results"][0]["after"]
    now = client.get(API + f"spans/{span.pk}/").json()
    assert list(after) == list(now)
    assert after == now
    assert after["created_at"].endswith("Z")


def test_filters(annotator, project, article, label, span):
    other_article = ArticleFactory(project=project, body="Another text here.")
    other = SpanFactory(article=other_article, label=label, annotator=annotator, start=0, end=7)
    client = client_for(annotator)

    def spans(query):
        response = client.get(API + "history/" + query)
        assert response.status_code == 200
        return {e["span"] for e in response.json()["results"]}

    assert spans("") == {span.pk, other.pk}
    assert spans(f"?span={span.pk}") == {span.pk}
    assert spans(f"?article={other_article.pk}") == {other.pk}
    assert client.get(API + "history/?span=abc").status_code == 400


def test_history_is_scoped(annotator, other_project_objects):  # noqa: F811
    hidden = SpanEvent.objects.get(span_id=other_project_objects["span"].pk)
    client = client_for(annotator)
    assert client.get(API + "history/").json()["results"] == []
    assert client.get(API + f"history/{hidden.pk}/").status_code == 404
    assert client.post(API + f"history/{hidden.pk}/restore/").status_code == 404


def test_annotator_restores_a_deleted_span(annotator, span):
    pk = span.pk
    services.span_delete(span=span, user=annotator)
    event = SpanEvent.objects.get(span_id=pk, action="deleted")
    response = client_for(annotator).post(API + f"history/{event.pk}/restore/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["id"], data["text"], data["annotator"]) == (pk, "ISW", "alice")
    assert Span.objects.filter(pk=pk).exists()
    assert SpanEvent.objects.filter(span_id=pk, action="restored").exists()


def test_restore_an_overwritten_span(reviewer, annotator, span):
    services.span_update(span=span, user=annotator, version=1, note="oops")
    event = SpanEvent.objects.get(span_id=span.pk, action="updated")
    response = client_for(reviewer).post(API + f"history/{event.pk}/restore/")
    assert response.status_code == 200
    assert response.json()["note"] == ""
    span.refresh_from_db()
    assert span.note == ""


def test_other_annotator_cannot_restore(make_member, annotator, span):
    services.span_update(span=span, user=annotator, version=1, note="oops")
    event = SpanEvent.objects.get(span_id=span.pk, action="updated")
    bob = make_member(Role.ANNOTATOR, username="bob")
    response = client_for(bob).post(API + f"history/{event.pk}/restore/")
    assert response.status_code == 403
    span.refresh_from_db()
    assert span.note == "oops"


def test_restoring_a_creation_is_a_conflict(manager, span):
    event = SpanEvent.objects.get(span_id=span.pk, action="created")
    response = client_for(manager).post(API + f"history/{event.pk}/restore/")
    assert response.status_code == 409
    assert "detail" in response.json()


def test_history_is_read_only(annotator, span):
    event = SpanEvent.objects.get(span_id=span.pk)
    client = client_for(annotator)
    assert client.post(API + "history/", {}, format="json").status_code == 405
    assert client.delete(API + f"history/{event.pk}/").status_code == 405


def test_a_restore_brings_back_the_relations_and_the_history_shows_them(
    annotator, article, label, relation_label
):
    a = SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)
    b = SpanFactory(article=article, label=label, annotator=annotator, start=4, end=8)
    relation = services.relation_create(
        from_span=a, to_span=b, label=relation_label, annotator=annotator
    )
    client = client_for(annotator)
    assert client.delete(API + f"spans/{b.pk}/").status_code == 204
    assert client.get(API + f"relations/{relation.pk}/").status_code == 404
    deleted = client.get(API + f"history/?span={b.pk}").json()["results"][0]
    assert deleted["action"] == "deleted"
    assert [(r["id"], r["from_span"], r["to_span"]) for r in deleted["relations"]] == [
        (relation.pk, a.pk, b.pk)
    ]
    response = client.post(API + f"history/{deleted['id']}/restore/")
    assert response.status_code == 200, response.content
    back = client.get(API + f"relations/{relation.pk}/")
    assert back.status_code == 200
    assert (back.json()["from_span"], back.json()["to_span"]) == (a.pk, b.pk)
    restored = client.get(API + f"history/?span={b.pk}").json()["results"][0]
    assert restored["action"] == "restored"
    assert restored["relations"] == deleted["relations"]
