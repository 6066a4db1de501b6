"""articles/{id}/suggestions/ and its dismissals: the SPEC's "Suggestions", to the letter."""

import pytest

from annotations import services
from annotations.api.serializers import SuggestionSerializer
from annotations.models import SuggestionDismissal
from annotations.suggestions import forget_cached

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory, SpanFactory
from ..suggestions.conftest import fresh_matcher  # noqa: F401  (autouse: a matcher per test)

pytestmark = pytest.mark.django_db

BODY = (
    "Lukashenko rejects Putin's efforts — ISW\n"
    "ISW assesses that Belarus' involvement in Putin's war remains unlikely. "
    "Kremlin spokesman Dmitry Peskov stated that Putin did not go to Belarus to persuade "
    'Alexander Lukashenko, adding that "such speculations are baseless and stupid." '
    "Putin will probably not attack, and Лукашенко is very likely to stay out."
)
FIELDS = {
    "start", "end", "text", "kind", "actor", "role", "probability", "confidence", "label",
    "score",
}  # fmt: skip


@pytest.fixture
def registry(db):
    return {
        "putin": services.actor_create(name="Vladimir Putin", aliases=["Putin", "Путин"]),
        "lukashenko": services.actor_create(
            name="Alexander Lukashenko", aliases=["Lukashenko", "Лукашенко"]
        ),
        "peskov": services.actor_create(name="Dmitry Peskov", aliases=["Peskov"]),
        "isw": services.actor_create(name="Institute for the Study of War", aliases=["ISW"]),
        "belarus": services.actor_create(name="Belarus", kind="state"),
        "kremlin": services.actor_create(name="Kremlin", kind="organization"),
    }


@pytest.fixture
def labels(project):
    return {
        name: LabelFactory(project=project, name=name, hotkey=str(i))
        for i, name in enumerate(["Assessment", "Claim", "Denial", "Estimative phrase"], 1)
    }


@pytest.fixture
def news(project):
    return ArticleFactory(project=project, body=BODY)


def get(user, article):
    return client_for(user).get(API + f"articles/{article.pk}/suggestions/")


def test_a_member_gets_the_suggestions_in_the_specs_shape(annotator, news, registry, labels):
    response = get(annotator, news)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"results"}
    results = data["results"]
    assert all(set(item) == FIELDS for item in results)
    assert [r["start"] for r in results] == sorted(r["start"] for r in results)
    assert all(BODY[r["start"] : r["end"]] == r["text"] for r in results)
    assert all(0 <= r["score"] <= 1 for r in results)

    def of(kind):
        return [(r["text"], r["actor"], r["probability"] or r["confidence"]) for r in results
                if r["kind"] == kind]  # fmt: skip

    ids = {key: actor.pk for key, actor in registry.items()}
    assert of("actor") == [
        ("Lukashenko", ids["lukashenko"], None),
        ("Putin", ids["putin"], None),
        ("ISW", ids["isw"], None),
        ("ISW", ids["isw"], None),
        ("Belarus", ids["belarus"], None),
        ("Putin", ids["putin"], None),
        ("Kremlin", ids["kremlin"], None),
        ("Dmitry Peskov", ids["peskov"], None),
        ("Putin", ids["putin"], None),
        ("Belarus", ids["belarus"], None),
        ("Alexander Lukashenko", ids["lukashenko"], None),
        ("Putin", ids["putin"], None),
        ("Лукашенко", ids["lukashenko"], None),
    ]
    assert of("estimative") == [
        ("unlikely", None, "unlikely"),
        ("probably not", None, "unlikely"),
        ("very likely", None, "very_likely"),
    ]
    sources = [(r["text"], r["actor"], r["role"], r["label"]) for r in results
               if r["kind"] == "source"]  # fmt: skip
    assert (
        "Belarus' involvement in Putin's war remains unlikely",
        ids["isw"],
        "source",
        labels["Assessment"].pk,
    ) in sources
    assert (
        "Putin did not go to Belarus to persuade Alexander Lukashenko",
        ids["peskov"],
        "source",
        labels["Claim"].pk,
    ) in sources
    assert ("such speculations are baseless and stupid", ids["peskov"], "source") in [
        s[:3] for s in sources
    ]
    estimative = next(r for r in results if r["kind"] == "estimative")
    assert estimative["label"] == labels["Estimative phrase"].pk
    first_mention = next(r for r in results if r["kind"] == "actor")
    assert (first_mention["label"], first_mention["role"]) == (None, "mentioned")
    assert {r["role"] for r in results if r["kind"] == "estimative"} == {None}


def test_the_written_out_answer_is_the_serializers(annotator, news, registry, labels):
    results = get(annotator, news).json()["results"]
    assert results == SuggestionSerializer(results, many=True).data


def test_another_projects_article_is_404(annotator, outsider, news, other_project_objects):  # noqa: F811
    hidden = other_project_objects["article"]
    assert get(annotator, hidden).status_code == 404
    assert get(outsider, news).status_code == 404
    assert client_for(annotator).get(API + "articles/999999/suggestions/").status_code == 404
    huge = API + f"articles/{2**70}/suggestions/"
    assert client_for(annotator).get(huge).status_code == 404
    assert client_for().get(API + f"articles/{news.pk}/suggestions/").status_code == 401


def test_what_the_user_already_made_is_left_out(annotator, reviewer, news, registry, labels):
    start = BODY.index("Kremlin")
    SpanFactory(article=news, annotator=annotator, label=labels["Claim"], start=start,
                end=start + len("Kremlin"))  # fmt: skip
    mine = [r["text"] for r in get(annotator, news).json()["results"]]
    theirs = [r["text"] for r in get(reviewer, news).json()["results"]]
    assert "Kremlin" not in mine
    assert "Kremlin" in theirs


def test_a_dismissal_is_remembered_per_user(annotator, reviewer, news, registry):
    client = client_for(annotator)
    url = API + f"articles/{news.pk}/suggestions/dismiss/"
    start = BODY.index("probably not")
    target = {"start": start, "end": start + len("probably not"), "kind": "estimative"}
    response = client.post(url, target, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "probably not"
    assert client.post(url, target, format="json").status_code == 200  # again: no error

    def texts(user):
        return [r["text"] for r in get(user, news).json()["results"]]

    assert "probably not" not in texts(annotator)
    assert "probably not" in texts(reviewer)
    # The same offsets, another kind, are not dismissed by it.
    putin = BODY.index("Putin")
    client.post(url, {"start": putin, "end": putin + 5, "kind": "source"}, format="json")
    assert "Putin" in texts(annotator)
    assert client.delete(url, target, format="json").status_code == 204
    assert "probably not" in texts(annotator)
    assert client.delete(url, target, format="json").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start": 0, "end": 10**6, "kind": "actor"}, "end"),
        ({"start": 5, "end": 5, "kind": "actor"}, "end"),
        ({"start": 0, "end": 3, "kind": ""}, "kind"),
        ({"start": 0, "end": 3, "kind": "x" * 33}, "kind"),
        ({"start": 0, "end": 3, "kind": "actor", "text": "nope"}, "text"),
        ({"start": "a", "end": 3, "kind": "actor"}, "start"),
        ({"end": 3, "kind": "actor"}, "start"),
    ],
)
def test_a_bad_dismissal_is_400(annotator, news, payload, field):
    url = API + f"articles/{news.pk}/suggestions/dismiss/"
    response = client_for(annotator).post(url, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SuggestionDismissal.objects.exists()


def test_an_outsider_cannot_dismiss(outsider, news):
    url = API + f"articles/{news.pk}/suggestions/dismiss/"
    payload = {"start": 0, "end": 3, "kind": "actor"}
    assert client_for(outsider).post(url, payload, format="json").status_code == 404


def test_a_registry_change_is_seen_at_the_next_request(annotator, news, registry, outsider):
    assert "Institute" not in [r["text"] for r in get(annotator, news).json()["results"]]
    response = client_for(outsider).patch(
        API + f"actors/{registry['kremlin'].pk}/",
        {"aliases": ["Kremlin spokesman"]},
        format="json",
    )
    assert response.status_code == 200
    texts = [r["text"] for r in get(annotator, news).json()["results"]]
    assert "Kremlin spokesman" in texts
    response = client_for(outsider).post(API + "actors/", {"name": "Stupid"}, format="json")
    assert "stupid" in [r["text"] for r in get(annotator, news).json()["results"]]


def test_queries_are_few_and_do_not_grow(annotator, news, registry, labels,
                                         django_assert_max_num_queries):  # fmt: skip
    get(annotator, news)  # the matcher built
    with django_assert_max_num_queries(8):
        assert get(annotator, news).status_code == 200


def test_the_endpoints_are_documented(db):
    paths = client_for().get(API + "schema/?format=json").json()["paths"]
    assert set(paths[API + "articles/{id}/suggestions/"]) == {"get"}
    assert set(paths[API + "articles/{id}/suggestions/dismiss/"]) == {"post", "delete"}


def test_kept_suggestions_follow_the_labels_and_the_body(annotator, manager, project, registry):
    article = ArticleFactory(project=project, body="Putin will probably stay.")
    assert [r["label"] for r in get(annotator, article).json()["results"]] == [None, None]
    label = services.label_create(project=project, user=manager, name="Estimative phrase")
    assert [r["label"] for r in get(annotator, article).json()["results"]] == [None, label.pk]
    services.article_update(article=article, user=manager, body="Lukashenko will likely stay.")
    texts = [r["text"] for r in get(annotator, article).json()["results"]]
    assert texts == ["Lukashenko", "likely"]


def test_kept_suggestions_never_cross_users(annotator, reviewer, news, registry, labels):
    start = BODY.index("probably not")
    SpanFactory(article=news, annotator=annotator, label=labels["Claim"], start=start,
                end=start + len("probably not"))  # fmt: skip
    assert "probably not" not in [r["text"] for r in get(annotator, news).json()["results"]]
    assert "probably not" in [r["text"] for r in get(reviewer, news).json()["results"]]


def test_kept_suggestions_are_the_computed_ones(annotator, news, registry, labels, settings):
    kept = get(annotator, news).json()
    assert get(annotator, news).json() == kept  # from the kept ones
    settings.SUGGESTIONS_CACHE_SIZE = 0
    forget_cached()
    assert get(annotator, news).json() == kept
