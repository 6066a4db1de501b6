"""articles/{id}/label-all/: the same span at every occurrence of a phrase, all or nothing."""

import pytest

from annotations import services
from annotations.models import Span, SpanEvent

from ..api_helpers import API, client_for
from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "Putin spoke. Putinism aside, putin's aide and Putin met. PUTIN left."


@pytest.fixture
def news(project):
    return ArticleFactory(project=project, body=BODY)


def post(user, article, payload):
    url = API + f"articles/{article.pk}/label-all/"
    return client_for(user).post(url, payload, format="json")


def test_every_occurrence_as_written_and_on_word_boundaries(annotator, news, label):
    putin = services.actor_create(name="Vladimir Putin", aliases=["Putin"])
    payload = {"start": 0, "end": 5, "label": label.pk, "probability": "likely",
               "actors": [{"actor": putin.pk, "role": "subject"}]}  # fmt: skip
    response = post(annotator, news, payload)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["created"], data["skipped_existing"]) == (2, 0)
    assert [(s["start"], s["text"]) for s in data["spans"]] == [(0, "Putin"), (46, "Putin")]
    assert all(s["actors"] == [{"actor": putin.pk, "role": "subject"}] for s in data["spans"])
    assert all(s["probability"] == "likely" for s in data["spans"])
    assert SpanEvent.objects.filter(action="created").count() == 2  # each in the history


def test_any_case_and_inside_words_when_asked(annotator, news, label):
    response = post(annotator, news, {"text": "putin", "label": label.pk, "match_case": False})
    assert [s["text"] for s in response.json()["spans"]] == ["Putin", "putin", "Putin", "PUTIN"]
    Span.objects.all().delete()
    response = post(annotator, news, {"text": "Putin", "label": label.pk, "whole_words": False})
    assert [s["start"] for s in response.json()["spans"]] == [0, 13, 46]


def test_existing_spans_are_skipped_and_counted(annotator, news, label):
    SpanFactory(article=news, annotator=annotator, label=label, start=0, end=5)
    response = post(annotator, news, {"text": "Putin", "label": label.pk})
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["skipped_existing"]) == (1, 1)
    again = post(annotator, news, {"text": "Putin", "label": label.pk})
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["skipped_existing"]) == (0, 2)


def test_all_or_nothing(annotator, news, label, relation_label, project):
    response = post(annotator, news, {"text": "Putin", "label": relation_label.pk})
    assert response.status_code == 400
    response = post(annotator, news, {"text": "Putin", "label": label.pk,
                                      "actors": [{"actor": 10**9, "role": "source"}]})  # fmt: skip
    assert response.status_code == 400
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "Lukashenko"},  # does not occur
        {"start": 0, "end": 4, "text": "Putin"},  # text is not body[start:end]
        {"start": 0},
        {},
        {"text": "   "},
        {"start": 0, "end": 10**6},
    ],
)
def test_bad_input_is_400(annotator, news, label, payload):
    response = post(annotator, news, {"label": label.pk, **payload})
    assert response.status_code == 400, response.content
    assert not Span.objects.exists()


def test_another_projects_label_or_article(annotator, outsider, news, label):
    other = LabelFactory(name="Elsewhere")
    assert post(annotator, news, {"text": "Putin", "label": other.pk}).status_code == 400
    assert post(outsider, news, {"text": "Putin", "label": label.pk}).status_code == 404
    assert not Span.objects.exists()


def test_the_service_alone(annotator, label):
    article = ArticleFactory(project=label.project, body="a NATO b NATO’s c nato")
    result = services.span_label_all(article=article, label=label, annotator=annotator,
                                     text="NATO")  # fmt: skip
    assert [(s.start, s.end) for s in result.created] == [(2, 6), (9, 13)]
    assert services.phrase_occurrences("aaaa", "aa", whole_words=False) == [(0, 2), (2, 4)]
