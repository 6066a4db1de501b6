"""spans/: create (one or a list), read, filter, change with a version, delete."""

import datetime

import pytest

from annotations.models import Membership, Role, Span, SpanEvent

from ..api_helpers import API, client_for, other_project_objects, send_json  # noqa: F401
from ..factories import ActorFactory, ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "ISW assesses that Belarus' involvement in the war remains unlikely."


def span_payload(article, label, start=0, end=3, **extra):
    return {"article": article.pk, "label": label.pk, "start": start, "end": end, **extra}


# --- create ---------------------------------------------------------------------------------


def test_create_one_span(annotator, article, label, project):
    actor = ActorFactory(name="ISW")
    response = client_for(annotator).post(
        API + "spans/",
        span_payload(
            article,
            label,
            18,
            25,
            text="Belarus",
            actors=[{"actor": actor.pk, "role": "subject"}],
            probability="unlikely",
            note="n",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data == {
        "id": data["id"],
        "article": article.pk,
        "project": project.pk,
        "start": 18,
        "end": 25,
        "text": "Belarus",
        "label": label.pk,
        "actors": [{"actor": actor.pk, "role": "subject"}],
        "probability": "unlikely",
        "confidence": None,
        "note": "n",
        "status": "pending",
        "gold": False,
        "source_span": None,
        "annotator": "alice",
        "version": 1,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
    }
    assert SpanEvent.objects.get(span_id=data["id"]).action == "created"


def test_read_only_fields_are_ignored_on_create(annotator, article, label, project):
    response = client_for(annotator).post(
        API + "spans/",
        span_payload(article, label, annotator="someone", version=7, project=999),
        format="json",
    )
    assert response.status_code == 201
    span = Span.objects.get()
    assert (span.annotator, span.version, span.project_id) == (annotator, 1, project.pk)


def test_create_a_list_all_or_nothing(annotator, article, label):
    client = client_for(annotator)
    good = [span_payload(article, label, 0, 3), span_payload(article, label, 4, 12)]
    response = client.post(API + "spans/", good, format="json")
    assert response.status_code == 201
    assert [s["text"] for s in response.json()] == ["ISW", "assesses"]

    mixed = [span_payload(article, label, 13, 17), span_payload(article, label, 5, 999)]
    response = client.post(API + "spans/", mixed, format="json")
    assert response.status_code == 400
    assert "999" not in str(response.json()) or "end" in str(response.json())
    assert Span.objects.count() == 2  # the good first item was not kept


def test_a_list_with_a_service_error_keeps_nothing(annotator, article, label):
    items = [span_payload(article, label, 0, 3), span_payload(article, label, 0, 3, text="XYZ")]
    response = client_for(annotator).post(API + "spans/", items, format="json")
    assert response.status_code == 400
    assert response.json()["items"][0]["index"] == 1
    assert not Span.objects.exists()


def test_a_list_names_each_duplicate_and_writes_links_and_events(annotator, article, label):
    actor = ActorFactory(name="ISW")
    SpanFactory(article=article, label=label, annotator=annotator, start=4, end=12)
    links = [{"actor": actor.pk, "role": "source"}]
    items = [
        span_payload(article, label, 0, 3, actors=links),
        span_payload(article, label, 4, 12),  # stored already
        span_payload(article, label, 0, 3),  # item 0 again
    ]
    client = client_for(annotator)
    response = client.post(API + "spans/", items, format="json")
    assert response.status_code == 400
    assert [error["index"] for error in response.json()["items"]] == [1, 2]
    assert "You already marked “ISW” as" in str(response.json()["items"][1])
    response = client.post(API + "spans/", [items[0], span_payload(article, label, 13, 17)],
                           format="json")  # fmt: skip
    assert response.status_code == 201
    assert [span["actors"] for span in response.json()] == [links, []]
    created = [span["id"] for span in response.json()]
    events = SpanEvent.objects.filter(span_id__in=created, action="created").order_by("span_id")
    assert [event.after["actors"] for event in events] == [links, []]


def test_an_empty_list_is_refused(annotator):
    assert client_for(annotator).post(API + "spans/", [], format="json").status_code == 400


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start": 5, "end": 5}, "end", "greater than start"),
        ({"start": 10, "end": 3}, "end", "greater than start"),
        ({"start": -1}, "start", ""),
        ({"end": len(BODY) + 1}, "end", f"at most {len(BODY)}"),
        ({"text": "Belarus"}, "text", "'ISW'"),
        ({"start": "zero"}, "start", ""),
        ({"start": 2**70}, "start", ""),
        ({"end": 2**31}, "end", ""),
        ({"probability": "maybe"}, "probability", ""),
        ({"confidence": "total"}, "confidence", ""),
        ({"actors": [{"actor": 999999, "role": "source"}]}, "actors", "No actor"),
        ({"actors": [{"actor": 1, "role": "boss"}]}, "actors", ""),
        ({"actors": "ISW"}, "actors", ""),
        ({"note": "a\u0000b"}, "note", ""),
        ({"text": "\ud800"}, "text", ""),
        ({"label": "Assessment"}, "label", ""),
        ({"article": None}, "article", ""),
    ],
)
def test_create_validates(annotator, article, label, change, field, message):
    payload = {**span_payload(article, label), **change}
    response = send_json(client_for(annotator), "post", API + "spans/", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert message in str(response.json()[field])
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    ("item", "named"),
    [
        ({"actor": "ID"}, "role"),  # it was taken as "mentioned"
        ({"actor": "ID", "rol": "source"}, "rol"),  # a misspelt key lost the role meant
        ({"actor": "ID", "role": "source", "extra": 1}, "extra"),
    ],
)
def test_create_refuses_an_actor_item_without_its_role(annotator, article, label, item, named):
    actor = ActorFactory()
    item = {key: actor.pk if value == "ID" else value for key, value in item.items()}
    payload = span_payload(article, label, actors=[item])
    response = send_json(client_for(annotator), "post", API + "spans/", payload)
    assert response.status_code == 400, response.content
    assert named in str(response.json()["actors"])
    assert not Span.objects.exists()


def test_text_mismatch_says_what_the_body_holds(annotator, article, label):
    response = client_for(annotator).post(
        API + "spans/", span_payload(article, label, 0, 12, text="ISW believes"), format="json"
    )
    assert response.status_code == 400
    assert "'ISW assesses'" in response.json()["text"][0]


def test_emoji_and_combining_marks_count_code_points(manager, annotator, project, label):
    body = "🇺🇦 e\u0301 𝕏 Belarus"
    article = ArticleFactory(project=project, body=body)
    start = body.index("Belarus")
    response = client_for(annotator).post(
        API + "spans/",
        span_payload(article, label, start, start + 7, text="Belarus"),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == "Belarus"


def test_label_of_another_project_is_refused(annotator, article, project):
    elsewhere = LabelFactory(name="Elsewhere")  # its own new project
    Membership.objects.create(project=elsewhere.project, user=annotator, role=Role.ANNOTATOR)
    response = client_for(annotator).post(
        API + "spans/", span_payload(article, elsewhere), format="json"
    )
    assert response.status_code == 400
    assert "another project" in response.json()["label"][0]


def test_hidden_article_and_label_never_leak(annotator, article, label, other_project_objects):  # noqa: F811
    hidden_article = other_project_objects["article"]
    hidden_label = other_project_objects["label"]
    client = client_for(annotator)
    response = client.post(API + "spans/", span_payload(hidden_article, label), format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["article"][0]
    assert "Secret" not in response.content.decode()
    response = client.post(API + "spans/", span_payload(article, hidden_label), format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["label"][0]
    assert Span.objects.count() == 1  # only the hidden project's own span


def test_same_span_twice_is_refused(annotator, article, label):
    client = client_for(annotator)
    assert (
        client.post(API + "spans/", span_payload(article, label), format="json").status_code == 201
    )
    response = client.post(API + "spans/", span_payload(article, label), format="json")
    assert response.status_code == 400
    existing = Span.objects.get()
    assert response.json() == {
        "non_field_errors": [
            f"You already marked “{existing.text}” as {label.name} "
            f"(characters {existing.start + 1}–{existing.end})."
        ],
        "existing_span": existing.pk,
    }


def test_only_reviewers_and_managers_set_status(annotator, reviewer, manager, article, label):
    response = client_for(annotator).post(
        API + "spans/", span_payload(article, label, status="accepted"), format="json"
    )
    assert response.status_code == 403
    assert not Span.objects.exists()
    response = client_for(annotator).post(
        API + "spans/", span_payload(article, label, status="pending"), format="json"
    )
    assert response.status_code == 201
    for user, end in ((reviewer, 12), (manager, 17)):
        response = client_for(user).post(
            API + "spans/", span_payload(article, label, 4, end, status="accepted"), format="json"
        )
        assert response.status_code == 201
        assert response.json()["status"] == "accepted"


def test_outsider_cannot_create(outsider, article, label):
    response = client_for(outsider).post(
        API + "spans/", span_payload(article, label), format="json"
    )
    assert response.status_code == 400  # the article does not exist for them
    assert not Span.objects.exists()


# --- read, change, delete -------------------------------------------------------------------


@pytest.fixture
def span(annotator, article, label):
    return SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)


def test_retrieve(annotator, span):
    data = client_for(annotator).get(API + f"spans/{span.pk}/").json()
    assert (data["id"], data["text"], data["annotator"]) == (span.pk, "ISW", "alice")


def test_hidden_span_answers_404(annotator, other_project_objects):  # noqa: F811
    hidden = other_project_objects["span"]
    client = client_for(annotator)
    assert client.get(API + f"spans/{hidden.pk}/").status_code == 404
    assert (
        client.patch(
            API + f"spans/{hidden.pk}/", {"version": 1, "note": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(API + f"spans/{hidden.pk}/").status_code == 404
    assert Span.objects.filter(pk=hidden.pk, note="").exists()


def test_patch_with_version(annotator, span, label):
    client = client_for(annotator)
    url = API + f"spans/{span.pk}/"
    response = client.patch(url, {"version": 1, "note": "checked", "end": 12}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["version"], data["note"], data["text"]) == (2, "checked", "ISW assesses")
    stale = client.patch(url, {"version": 1, "note": "again"}, format="json")
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    missing = client.patch(url, {"note": "again"}, format="json")
    assert missing.status_code == 400
    assert "version" in missing.json()
    span.refresh_from_db()
    assert (span.version, span.note) == (2, "checked")


def test_patch_actors_and_label(annotator, span, project):
    actor = ActorFactory(name="Belarus")
    other_label = LabelFactory(project=project, name="Claim")
    response = client_for(annotator).patch(
        API + f"spans/{span.pk}/",
        {"version": 1, "label": other_label.pk, "actors": [{"actor": actor.pk, "role": "source"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["actors"] == [{"actor": actor.pk, "role": "source"}]
    assert response.json()["label"] == other_label.pk


def test_patch_validates(annotator, span):
    url = API + f"spans/{span.pk}/"
    for payload in (
        {"version": 1, "end": 999},
        {"version": "one", "note": "x"},
        {"version": 2**70, "note": "x"},
        {"version": 1, "text": "nope"},
    ):
        response = send_json(client_for(annotator), "patch", url, payload)
        assert response.status_code == 400, payload
    span.refresh_from_db()
    assert span.version == 1


def test_article_cannot_move(annotator, span, project):
    other = ArticleFactory(project=project, body="Another text.")
    response = client_for(annotator).patch(
        API + f"spans/{span.pk}/", {"version": 1, "article": other.pk}, format="json"
    )
    assert response.status_code == 200  # article is read-only on change, ignored
    span.refresh_from_db()
    assert span.article_id != other.pk


def test_annotator_cannot_touch_anothers_span(make_member, span):
    bob = make_member(Role.ANNOTATOR, username="bob")
    client = client_for(bob)
    url = API + f"spans/{span.pk}/"
    assert client.patch(url, {"version": 1, "note": "mine"}, format="json").status_code == 403
    assert client.patch(url, {"version": 1, "status": "accepted"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    span.refresh_from_db()
    assert (span.note, span.status) == ("", "pending")


def test_reviewer_sets_status_but_not_content(reviewer, span):
    client = client_for(reviewer)
    url = API + f"spans/{span.pk}/"
    response = client.patch(url, {"version": 1, "status": "accepted"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert client.patch(url, {"version": 2, "note": "x"}, format="json").status_code == 403
    assert client.patch(url, {"version": 2, "status": "nonsense"}, format="json").status_code == 400


def test_annotator_cannot_accept_own_span(annotator, span):
    response = client_for(annotator).patch(
        API + f"spans/{span.pk}/", {"version": 1, "status": "accepted"}, format="json"
    )
    assert response.status_code == 403


def test_delete_own_span_and_its_relations(annotator, span, article, project):
    other = SpanFactory(article=article, label=span.label, annotator=annotator, start=4, end=12)
    rel_label = LabelFactory(project=project, name="Supports", kind="relation")
    from annotations import services

    services.relation_create(from_span=span, to_span=other, label=rel_label, annotator=annotator)
    response = client_for(annotator).delete(API + f"spans/{span.pk}/")
    assert response.status_code == 204
    assert not Span.objects.filter(pk=span.pk).exists()
    assert not other.relations_to.exists()
    assert SpanEvent.objects.filter(span_id=span.pk, action="deleted").exists()


def test_manager_deletes_any_span(manager, span):
    assert client_for(manager).delete(API + f"spans/{span.pk}/").status_code == 204


# --- list and filters -----------------------------------------------------------------------


def test_list_pages_by_cursor(annotator, article, label):
    for start in range(0, 12):
        SpanFactory(article=article, label=label, annotator=annotator, start=start, end=start + 1)
    client = client_for(annotator)
    seen, url, pages = [], API + "spans/?page_size=5", 0
    while url and pages < 10:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        seen += [s["id"] for s in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert seen == sorted(seen) == sorted(Span.objects.values_list("id", flat=True))
    assert len(client.get(API + "spans/?page_size=5000").json()["results"]) == 12


@pytest.fixture
def corpus(annotator, reviewer, project):
    """Spans for the data scientist's question and its near misses."""
    isw, belarus, russia = (ActorFactory(name=n) for n in ("ISW", "Belarus", "Russia"))
    assessment = LabelFactory(project=project, name="Assessment")
    claim = LabelFactory(project=project, name="Claim")
    june = ArticleFactory(project=project, body=BODY, published_on=datetime.date(2026, 6, 5))
    may = ArticleFactory(
        project=project, body=BODY + " May.", published_on=datetime.date(2026, 5, 5)
    )

    def make(article, label, start, actors, probability, annotator=annotator, **kw):
        return SpanFactory(
            article=article,
            label=label,
            annotator=annotator,
            start=start,
            end=start + 3,
            actors=actors,
            probability=probability,
            **kw,
        )

    spans = {
        "hit": make(june, assessment, 0, [(isw, "source"), (belarus, "subject")], "likely"),
        "very": make(june, assessment, 4, [(isw, "source"), (belarus, "subject")], "very_likely"),
        "low": make(june, assessment, 8, [(isw, "source"), (belarus, "subject")], "unlikely"),
        "wrong_role": make(june, assessment, 12, [(belarus, "source"), (isw, "subject")], "likely"),
        "other_subject": make(
            june, assessment, 16, [(isw, "source"), (russia, "subject")], "likely"
        ),
        "claim": make(june, claim, 20, [(isw, "source"), (belarus, "subject")], "likely"),
        "may": make(may, assessment, 0, [(isw, "source"), (belarus, "subject")], "likely"),
        "by_rita": make(
            june, claim, 24, [(russia, "mentioned")], None, annotator=reviewer, confidence="high"
        ),
    }
    Span.objects.filter(pk=spans["by_rita"].pk).update(
        status="accepted", created_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    )
    return {
        "spans": spans,
        "isw": isw,
        "belarus": belarus,
        "russia": russia,
        "assessment": assessment,
        "claim": claim,
        "june": june,
        "may": may,
    }


def test_the_data_scientists_question_is_one_request(annotator, corpus):
    c = corpus
    query = (
        f"?label={c['assessment'].pk}&source={c['isw'].pk}&subject={c['belarus'].pk}"
        "&published_after=2026-06-01&probability_min=likely"
    )
    response = client_for(annotator).get(API + "spans/" + query)
    assert response.status_code == 200
    ids = {s["id"] for s in response.json()["results"]}
    assert ids == {c["spans"]["hit"].pk, c["spans"]["very"].pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("label={claim}", {"claim", "by_rita"}),
        ("article={may}", {"may"}),
        ("actor={russia}", {"other_subject", "by_rita"}),
        ("actor={russia}&role=subject", {"other_subject"}),
        ("actor={belarus}&role=source", {"wrong_role"}),
        ("role=mentioned", {"by_rita"}),
        ("source={belarus}", {"wrong_role"}),
        ("subject={russia}", {"other_subject"}),
        ("annotator=rita", {"by_rita"}),
        ("status=accepted", {"by_rita"}),
        ("probability=unlikely", {"low"}),
        ("probability_min=very_likely", {"very"}),
        ("confidence=high", {"by_rita"}),
        ("q=isw", {"hit", "may"}),
        ("created_before=2026-01-02", {"by_rita"}),
        (
            "created_after=2026-01-03",
            {"hit", "very", "low", "wrong_role", "other_subject", "claim", "may"},
        ),
        ("published_before=2026-05-31", {"may"}),
        (
            "project={project}",
            {"hit", "very", "low", "wrong_role", "other_subject", "claim", "may", "by_rita"},
        ),
    ],
)
def test_filters(annotator, project, corpus, query, expected):
    ids = {
        "claim": corpus["claim"].pk,
        "may": corpus["may"].pk,
        "russia": corpus["russia"].pk,
        "belarus": corpus["belarus"].pk,
        "project": project.pk,
    }
    response = client_for(annotator).get(API + "spans/?" + query.format(**ids))
    assert response.status_code == 200, response.content
    by_id = {span.pk: name for name, span in corpus["spans"].items()}
    assert {by_id[s["id"]] for s in response.json()["results"]} == expected


def test_hidden_spans_never_listed(annotator, other_project_objects):  # noqa: F811
    hidden = other_project_objects
    response = client_for(annotator).get(API + f"spans/?project={hidden['project'].pk}")
    assert response.json()["results"] == []
    assert client_for(annotator).get(API + "spans/").json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        "label=abc",
        "label=1.5",
        f"label={2**70}",
        "probability_min=probably",
        "status=done",
        "created_after=yesterday",
        "published_after=2026-02-30",
        "role=boss",
        "cursor=garbage",
    ],
)
def test_invalid_filter_values_answer_4xx(annotator, query):
    response = client_for(annotator).get(API + "spans/?" + query)
    assert response.status_code in (400, 404)
