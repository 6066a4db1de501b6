"""The gold layer over the API: gold spans, promote, curate, the ?gold= filter and export."""

import json
import threading

import pytest
from django.db import close_old_connections, connection

from annotations import services
from annotations.models import ActorRole, Role, Span, SpanEvent

from ..api_helpers import API, client_for
from ..factories import ActorFactory, SpanFactory

pytestmark = pytest.mark.django_db


def span_of(article, label, annotator, start=0, end=3, **values):
    return SpanFactory(
        article=article, label=label, annotator=annotator, start=start, end=end, **values
    )


@pytest.fixture
def bob(make_member):
    return make_member(Role.ANNOTATOR, username="bob")


@pytest.fixture
def carol(make_member):
    return make_member(Role.ANNOTATOR, username="carol")


def test_a_reviewer_makes_a_gold_span_and_an_annotator_may_not(article, label, annotator, reviewer):
    payload = {"article": article.pk, "label": label.pk, "start": 0, "end": 3, "gold": True}
    response = client_for(annotator).post(API + "spans/", payload, format="json")
    assert response.status_code == 403
    assert "gold" in response.json()["detail"]
    assert not Span.objects.exists()
    response = client_for(reviewer).post(API + "spans/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gold"] is True
    assert body["source_span"] is None
    assert body["annotator"] == "rita"
    # One gold span per place and label, whoever made it.
    response = client_for(reviewer).post(API + "spans/", payload, format="json")
    assert response.status_code == 400
    assert str(body["id"]) in json.dumps(response.json())
    # The reviewer's own (non-gold) span at the same place is another layer.
    del payload["gold"]
    assert client_for(reviewer).post(API + "spans/", payload, format="json").status_code == 201


def test_promote_copies_the_span_and_names_its_source(article, label, annotator, reviewer):
    actor = ActorFactory()
    span = span_of(
        article,
        label,
        annotator,
        actors=[(actor, ActorRole.SOURCE)],
        probability="likely",
        confidence="high",
        note="why",
    )
    response = client_for(reviewer).post(f"{API}spans/{span.pk}/promote/")
    assert response.status_code == 201, response.content
    gold = response.json()
    assert gold["gold"] is True and gold["source_span"] == span.pk
    assert gold["annotator"] == "rita"
    for key in ("start", "end", "label", "probability", "confidence", "note", "text"):
        assert gold[key] == getattr(span, key if key != "label" else "label_id")
    assert gold["actors"] == [{"actor": actor.pk, "role": "source"}]
    span.refresh_from_db()
    assert span.gold is False and span.version == 1
    assert SpanEvent.objects.filter(span_id=gold["id"], action="created").exists()

    again = client_for(reviewer).post(f"{API}spans/{span.pk}/promote/")
    assert again.status_code == 409
    assert str(gold["id"]) in again.json()["detail"]
    of_gold = client_for(reviewer).post(f"{API}spans/{gold['id']}/promote/")
    assert of_gold.status_code == 400
    assert "span" in of_gold.json()
    assert client_for(annotator).post(f"{API}spans/{span.pk}/promote/").status_code == 403
    assert Span.objects.filter(gold=True).count() == 1


def test_gold_in_a_patch_by_an_annotator_is_refused_and_changes_nothing(
    article, label, annotator, reviewer
):
    span = span_of(article, label, annotator)
    response = client_for(annotator).patch(
        f"{API}spans/{span.pk}/", {"version": 1, "gold": True, "note": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "gold" in response.json()["detail"]
    span.refresh_from_db()
    assert (span.gold, span.note, span.version) == (False, "", 1)
    response = client_for(reviewer).patch(
        f"{API}spans/{span.pk}/", {"version": 1, "gold": True}, format="json"
    )
    assert response.status_code == 400
    assert "gold" in response.json()


def test_gold_spans_are_changed_removed_and_restored_by_reviewers(
    article, label, annotator, reviewer
):
    gold = services.span_promote(span=span_of(article, label, annotator), user=reviewer)
    url = f"{API}spans/{gold.pk}/"
    assert (
        client_for(annotator).patch(url, {"version": 1, "note": "n"}, format="json").status_code
        == 403
    )
    response = client_for(reviewer).patch(
        url, {"version": 1, "probability": "likely"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert client_for(annotator).delete(url).status_code == 403
    assert client_for(reviewer).delete(url).status_code == 204
    event = SpanEvent.objects.get(span_id=gold.pk, action="deleted")
    response = client_for(reviewer).post(f"{API}history/{event.pk}/restore/")
    assert response.status_code == 200, response.content
    assert response.json()["gold"] is True
    assert response.json()["source_span"] == gold.source_span_id


def test_gold_filter(article, label, annotator, reviewer):
    span = span_of(article, label, annotator)
    gold = services.span_promote(span=span, user=reviewer)
    client = client_for(reviewer)
    for value, expected in (("true", [gold.pk]), ("false", [span.pk])):
        for extra in ("", f"&project={article.project_id}"):
            body = client.get(f"{API}spans/?article={article.pk}&gold={value}{extra}").json()
            assert [row["id"] for row in body["results"]] == expected
    assert client.get(f"{API}spans/?gold=maybe").status_code == 400


@pytest.mark.parametrize(
    "fmt", ["jsonl", "csv", "doccano", "spacy", "conll", "brat", "webanno", "labelstudio"]
)
def test_export_gold_holds_each_place_once(fmt, article, label, annotator, bob, reviewer):
    first = span_of(article, label, annotator, probability="likely")
    span_of(article, label, bob)
    services.span_promote(span=first, user=reviewer)
    client = client_for(reviewer)
    gold = b"".join(
        client.get(
            f"{API}projects/{article.project_id}/export/?format={fmt}&gold=true"
        ).streaming_content
    )
    everything = b"".join(
        client.get(f"{API}projects/{article.project_id}/export/?format={fmt}").streaming_content
    )
    assert gold != everything
    if fmt == "jsonl":
        (line,) = gold.decode().splitlines()
        spans = json.loads(line)["spans"]
        assert [(s["start"], s["end"], s["annotator"]) for s in spans] == [(0, 3, "rita")]
    if fmt == "csv":
        assert len(gold.decode().strip().splitlines()) == 2  # the header and the gold span
    bad = client.get(f"{API}projects/{article.project_id}/export/?format={fmt}&gold=maybe")
    assert bad.status_code == 400 and "gold" in bad.json()


def test_curate_majority_and_unanimous(article, label, annotator, bob, carol, reviewer):
    actor = ActorFactory()
    span_of(article, label, annotator, 0, 3, probability="likely", actors=[(actor, "source")])
    span_of(article, label, bob, 0, 3, probability="unlikely", actors=[(actor, "source")])
    span_of(article, label, carol, 0, 3, probability="likely", actors=[(actor, "source")])
    span_of(article, label, annotator, 4, 12, confidence="high")
    span_of(article, label, bob, 4, 12, confidence="high")
    span_of(article, label, carol, 13, 17)
    url = f"{API}articles/{article.pk}/curate/"
    client = client_for(reviewer)
    response = client.post(url, {"strategy": "unanimous"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 1,
        "existing": 0,
        "conflicts": [{"start": 0, "end": 3, "label": label.pk, "field": "probability"}],
    }
    gold = Span.objects.get(gold=True)
    assert gold.probability is None
    assert list(gold.span_actors.values_list("actor_id", "role")) == [(actor.pk, "source")]
    response = client.post(url, {"strategy": "majority"}, format="json")
    assert response.json() == {"created": 1, "existing": 1, "conflicts": []}
    assert Span.objects.get(gold=True, start=4).confidence == "high"
    assert not Span.objects.filter(gold=True, start=13).exists()
    assert client.post(url, {"strategy": "most"}, format="json").status_code == 400
    assert (
        client_for(annotator).post(url, {"strategy": "majority"}, format="json").status_code == 403
    )


def test_curate_with_one_annotator_is_refused(article, label, annotator, reviewer):
    span_of(article, label, annotator)
    response = client_for(reviewer).post(
        f"{API}articles/{article.pk}/curate/", {"strategy": "majority"}, format="json"
    )
    assert response.status_code == 400
    assert "article" in response.json()
    assert not Span.objects.filter(gold=True).exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs the two IMMEDIATE transactions one after the other: no race to settle",
)
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_promoting_at_once_make_one_gold_span(
    article, label, annotator, reviewer, make_member
):
    other = make_member(Role.MANAGER, username="mona")
    span = span_of(article, label, annotator)
    barrier = threading.Barrier(2)
    answers = []

    def promote(user):
        try:
            barrier.wait()
            answers.append(client_for(user).post(f"{API}spans/{span.pk}/promote/").status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=promote, args=(user,)) for user in (reviewer, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert Span.objects.filter(gold=True).count() == 1
