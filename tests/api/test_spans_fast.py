"""The span API's fast paths answer exactly what the serializers would.

The span list builds its output from rows (``serializers.span_page``) and a plain one-span
create skips the serializer's fields (``serializers.plain_span_input``); SpanSerializer stays
the definition of both, so each is compared with it here.
"""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.serializers import DateTimeField

from annotations.api import serializers
from annotations.api.views.spans import spans_for_api
from annotations.models import Article, Label, Span

from ..api_helpers import API, client_for
from ..factories import ActorFactory, ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODY = "ISW assesses 🇺🇦 that Belarus' involvement in the war remains unlikely."


def _serializer_output(user, **filters):
    spans = spans_for_api(user).filter(**filters).order_by("id")
    # Through JSON, as the response is.
    return json.loads(json.dumps(serializers.SpanSerializer(spans, many=True).data))


def _listed(client, url):
    results, pages = [], 0
    while url and pages < 20:
        body = client.get(url).json()
        results += body["results"]
        url, pages = body["next"], pages + 1
    return results


@pytest.fixture
def spans(annotator, project, label):
    article = ArticleFactory(project=project, body=BODY)
    isw, belarus = ActorFactory(name="ISW"), ActorFactory(name="Belarus")
    made = [
        SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3),
        SpanFactory(
            article=article,
            label=label,
            annotator=annotator,
            start=4,
            end=12,
            actors=[(belarus, "subject"), (isw, "source"), (isw, "mentioned")],
            probability="likely",
            confidence="high",
            note="a note\nover two lines",
        ),
        SpanFactory(article=article, label=label, annotator=annotator, start=13, end=15),
        SpanFactory(
            article=article,
            label=LabelFactory(project=project, name="Claim"),
            annotator=annotator,
            start=13,
            end=15,
            actors=[(isw, "target")],
        ),
    ]
    # A timestamp on a whole second: isoformat leaves the fraction out, so must the list.
    Span.objects.filter(pk=made[2].pk).update(
        updated_at=datetime.datetime(2026, 6, 1, 12, 30, 5, tzinfo=datetime.UTC)
    )
    return article, made


def test_list_equals_the_serializer_with_and_without_actors(annotator, spans):
    article, made = spans
    client = client_for(annotator)
    listed = _listed(client, API + f"spans/?article={article.pk}")
    assert listed == _serializer_output(annotator, article=article)
    assert [s["id"] for s in listed] == [s.pk for s in made]
    assert listed[1]["actors"] == [
        {"actor": a.actor_id, "role": a.role} for a in made[1].span_actors.order_by("id")
    ]
    assert listed[0]["actors"] == []
    assert listed[2]["updated_at"] == "2026-06-01T12:30:05Z"


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_pages_by_cursor_equal_the_serializer(annotator, spans, page_size):
    article, _ = spans
    client = client_for(annotator)
    listed = _listed(client, API + f"spans/?article={article.pk}&page_size={page_size}")
    assert listed == _serializer_output(annotator, article=article)
    # and back again, by the previous links
    body = client.get(API + f"spans/?article={article.pk}&page_size={page_size}").json()
    while body["next"]:
        body = client.get(body["next"]).json()
    back = body["results"]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        back = body["results"] + back
    assert back == listed


def _pages(client, url):
    """Every page from ``url`` on by the next links, then back by the previous links: the
    results and whether each page had a next and a previous link."""
    seen, pages = [], 0
    while url and pages < 20:
        body = client.get(url).json()
        seen.append((body["results"], bool(body["next"]), bool(body["previous"])))
        url, pages = body["next"] or None, pages + 1
    url = body["previous"]
    while url and pages < 40:
        body = client.get(url).json()
        seen.append((body["results"], bool(body["next"]), bool(body["previous"])))
        url, pages = body["previous"], pages + 1
    return seen


@pytest.fixture
def article_rows_used(monkeypatch):
    """How many times the span list read ``ArticleSpanPage``, the written-out query."""
    calls = []
    read = serializers.ArticleSpanPage.__getitem__

    def spy(self, item):
        calls.append(item)
        return read(self, item)

    monkeypatch.setattr(serializers.ArticleSpanPage, "__getitem__", spy)
    return calls


@pytest.mark.parametrize("page_size", [1, 2, 1000])
@pytest.mark.parametrize("who", ["annotator", "superuser", "outsider"])
def test_article_pages_equal_the_filter_sets(
    who, page_size, annotator, outsider, spans, django_user_model, article_rows_used
):
    """``?article=`` alone is read by ``ArticleSpanPage``; with any filter more (here the
    article's own project, which changes nothing) by the filter set. Same pages, same links."""
    article, _ = spans
    other_label = LabelFactory()  # and another project's span
    other = SpanFactory(
        label=other_label, article=ArticleFactory(project=other_label.project), start=0, end=1
    )
    users = {"annotator": annotator, "outsider": outsider}
    users["superuser"] = django_user_model.objects.create_superuser("root", password=None)
    client = client_for(users[who])
    url = API + f"spans/?article={article.pk}&page_size={page_size}"
    plain = _pages(client, url)
    assert article_rows_used
    article_rows_used.clear()
    general = _pages(client, url + f"&project={article.project_id}")
    assert not article_rows_used
    assert plain == general
    listed = [span for results, _, _ in plain for span in results][: len(spans[1])]
    if who == "outsider":
        assert listed == []
    else:
        assert listed == _serializer_output(annotator, article=article)
        assert other.pk not in [span["id"] for span in listed]
    other_url = API + f"spans/?article={other.article_id}"
    assert client.get(other_url).json()["results"] == (
        _serializer_output(users[who], pk=other.pk) if who == "superuser" else []
    )


@pytest.mark.parametrize(
    "query",
    ["article=x", "article=0", "article=-1", "article=%20" + "1", "article=1.0",
     "article=٣", "article=99999999999999999999", "article=1&article=2", "article=1&q=a",
     "article=1&format=json"],
)  # fmt: skip
def test_anything_but_a_plain_article_id_goes_the_filter_sets_way(
    annotator, spans, query, article_rows_used
):
    article, _ = spans
    query = query.replace("article=1", f"article={article.pk}")
    response = client_for(annotator).get(API + f"spans/?{query}")
    assert not article_rows_used
    assert response.status_code in (200, 400)


def test_list_with_filters_equals_the_serializer(annotator, spans):
    _, made = spans
    isw = made[1].span_actors.get(role="source").actor
    client = client_for(annotator)
    listed = _listed(client, API + f"spans/?source={isw.pk}&probability_min=likely")
    assert listed == _serializer_output(annotator, pk=made[1].pk)
    assert _listed(client, API + f"spans/?actor={isw.pk}") == _serializer_output(
        annotator, pk__in=[made[1].pk, made[3].pk]
    )


def test_list_in_another_time_zone_equals_the_serializer(annotator, spans):
    article, _ = spans
    with timezone.override(datetime.timezone(datetime.timedelta(hours=2))):
        listed = _listed(client_for(annotator), API + f"spans/?article={article.pk}")
        expected = _serializer_output(annotator, article=article)
    assert listed == expected
    assert listed[0]["created_at"].endswith("+02:00")


def test_utc_text_equals_drf_for_every_fraction(annotator, project, label):
    article = ArticleFactory(project=project, body=BODY)
    span = SpanFactory(article=article, label=label, annotator=annotator)
    field = DateTimeField()
    for micro in (0, 1, 10, 120, 500_000, 999_999):
        for year in (999, 2026):
            stamp = datetime.datetime(year, 1, 2, 3, 4, 5, micro, tzinfo=datetime.UTC)
            Span.objects.filter(pk=span.pk).update(created_at=stamp)
            (text,) = Span.objects.filter(pk=span.pk).values_list(
                serializers.UtcText("created_at"), flat=True
            )
            assert serializers.utc_text(text) == field.to_representation(stamp), text


def test_plain_create_answers_what_the_serializer_shows(annotator, project, label):
    article = ArticleFactory(project=project, body=BODY)
    client = client_for(annotator)
    response = client.post(
        API + "spans/",
        {"article": article.pk, "label": label.pk, "start": 13, "end": 15, "note": "n"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["text"] == "🇺🇦"
    assert [created] == _serializer_output(annotator, pk=created["id"])
    assert client.get(API + f"spans/{created['id']}/").json() == created


def test_plain_create_of_a_label_from_another_project_says_so(annotator, project):
    article = ArticleFactory(project=project, body=BODY)
    from ..factories import ProjectFactory

    elsewhere = ProjectFactory()
    from annotations.models import Membership, Role

    Membership.objects.create(project=elsewhere, user=annotator, role=Role.ANNOTATOR)
    foreign = LabelFactory(project=elsewhere, name="Foreign")
    response = client_for(annotator).post(
        API + "spans/",
        {"article": article.pk, "label": foreign.pk, "start": 0, "end": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "another project" in json.dumps(response.json())
    assert not Span.objects.exists()


# --- plain_span_input agrees with SpanSerializer ------------------------------------------

_ID_VALUES = st.sampled_from(["1", "", True, False, 0, -1, 1.0, 2**63, None, [1], {"a": 1}])
_INT_VALUES = st.one_of(
    st.integers(min_value=-3, max_value=300),
    st.sampled_from([2**31 - 1, 2**31, "5", "5.0", 5.0, 5.5, True, None, "", "x", [5]]),
)
_TEXTS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "a\x00b", "\ud800", "x" * 10_001, 5, None, True, ["a"]]),
)
_CHOICES = st.sampled_from(
    [None, "", "likely", "unlikely", "almost_certain", "low", "high", "pending", "accepted",
     "rejected", "LIKELY", 5, True, ["likely"]]
)  # fmt: skip


@st.composite
def span_inputs(draw, article_id, label_id):
    data = {
        "article": draw(st.one_of(st.just(article_id), _ID_VALUES)),
        "label": draw(st.one_of(st.just(label_id), _ID_VALUES)),
        "start": draw(_INT_VALUES),
        "end": draw(_INT_VALUES),
    }
    for name, values in (
        ("text", _TEXTS),
        ("note", _TEXTS),
        ("probability", _CHOICES),
        ("confidence", _CHOICES),
        ("status", _CHOICES),
        ("actors", st.sampled_from([[], None])),
        ("version", st.just(3)),
    ):
        if draw(st.booleans()):
            data[name] = draw(values)
    for name in draw(st.sets(st.sampled_from(["article", "label", "start", "end"]), max_size=1)):
        del data[name]
    return data


@pytest.fixture
def resolvable(annotator, project, label):
    article = Article.objects.only("id", "project_id").get(
        pk=ArticleFactory(project=project, body=BODY).pk
    )
    label = Label.objects.get(pk=label.pk)
    return article, label


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_plain_span_input_agrees_with_the_serializer(annotator, resolvable, data):
    article, label = resolvable
    payload = data.draw(span_inputs(article.pk, label.pk))
    plain = serializers.plain_span_input(payload)
    if plain is None:
        return  # the serializer decides, as before
    request = type("Request", (), {"user": annotator})()
    context = {"request": request, "_resolved": {(Article, article.pk): article}}
    context["_resolved"][(Label, label.pk)] = label
    serializer = serializers.SpanSerializer(data=payload, context=context)
    assert serializer.is_valid(), (payload, serializer.errors)
    expected = dict(serializer.validated_data)
    expected["article"], expected["label"] = expected["article"].pk, expected["label"].pk
    assert plain == expected
    assert all(type(plain[key]) is type(expected[key]) for key in plain)


def test_plain_span_input_declines_what_it_does_not_know():
    assert serializers.plain_span_input([{"article": 1}]) is None
    assert serializers.plain_span_input({"article": 1, "label": 1, "start": 0}) is None
    base = {"article": 1, "label": 1, "start": 0, "end": 2}
    assert serializers.plain_span_input(base) == base
    for extra in (
        {"actors": [{"actor": 1}]},
        {"actors": []},
        {"text": ""},
        {"note": "a\x00"},
        {"status": None},
        {"probability": ""},
        {"start": True},
        {"article": "1"},
    ):
        assert serializers.plain_span_input({**base, **extra}) is None, extra
