"""No input, however malformed, gets a 500 -- and a refused request changes nothing.

Wrong types, numbers beyond any integer column, megabyte strings, NUL characters and lone
surrogates (both refused by PostgreSQL text columns), broken JSON, unknown filters, invalid
dates and ids of other projects' objects, in bodies, query strings and paths.
"""

import base64
import json

import pytest

from annotations.models import (
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Span,
    SpanActor,
    SpanEvent,
)

from ..api_helpers import API, client_for
from ..factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db

HUGE = 2**70
MEGA = "x" * 1_000_000
NUL = "a\u0000b"
SURROGATE = "a\ud800b"


@pytest.fixture
def world(manager, annotator, project, article, label):
    actor = ActorFactory(name="ISW")
    span = SpanFactory(
        article=article, label=label, annotator=manager, start=0, end=3, actors=[(actor, "source")]
    )
    rel_label = LabelFactory(project=project, name="Supports", kind="relation")
    hidden_project = ProjectFactory(name="Hidden")
    hidden_article = ArticleFactory(project=hidden_project, body="Hidden body.")
    hidden_label = LabelFactory(project=hidden_project, name="HiddenLabel")
    return {
        "project": project.pk,
        "article": article.pk,
        "label": label.pk,
        "span": span.pk,
        "actor": actor.pk,
        "event": SpanEvent.objects.get().pk,
        "rel_label": rel_label.pk,
        "hidden_project": hidden_project.pk,
        "hidden_article": hidden_article.pk,
        "hidden_label": hidden_label.pk,
    }


def state():
    """Everything a request could change, in a comparable form."""
    return {
        model.__name__: sorted(map(repr, model.objects.values()))
        for model in (Project, Membership, Label, Article, Actor, Span, SpanActor, Relation)
    } | {"events": SpanEvent.objects.count()}


def cursor(position):
    return base64.b64encode(f"p={position}".encode()).decode()


SPAN = {"article": "{article}", "label": "{label}", "start": 4, "end": 12}

# (method, path, JSON body or raw bytes)
BODIES = [
    # spans
    ("post", "spans/", {**SPAN, "start": HUGE}),
    ("post", "spans/", {**SPAN, "end": HUGE}),
    ("post", "spans/", {**SPAN, "start": -HUGE}),
    ("post", "spans/", {**SPAN, "start": 1.5}),
    ("post", "spans/", {**SPAN, "start": True}),
    ("post", "spans/", {**SPAN, "start": [4]}),
    ("post", "spans/", {**SPAN, "start": {"n": 4}}),
    ("post", "spans/", {**SPAN, "article": HUGE}),
    ("post", "spans/", {**SPAN, "article": -1}),
    ("post", "spans/", {**SPAN, "article": "abc"}),
    ("post", "spans/", {**SPAN, "article": "{hidden_article}"}),
    ("post", "spans/", {**SPAN, "label": "{hidden_label}"}),
    ("post", "spans/", {**SPAN, "label": HUGE}),
    ("post", "spans/", {**SPAN, "label": "{rel_label}"}),
    ("post", "spans/", {**SPAN, "text": NUL}),
    ("post", "spans/", {**SPAN, "text": SURROGATE}),
    ("post", "spans/", {**SPAN, "text": MEGA}),
    ("post", "spans/", {**SPAN, "note": NUL}),
    ("post", "spans/", {**SPAN, "note": SURROGATE}),
    ("post", "spans/", {**SPAN, "note": MEGA}),
    ("post", "spans/", {**SPAN, "probability": NUL}),
    ("post", "spans/", {**SPAN, "probability": SURROGATE}),
    ("post", "spans/", {**SPAN, "status": ["accepted"]}),
    ("post", "spans/", {**SPAN, "actors": [{"actor": HUGE, "role": "source"}]}),
    ("post", "spans/", {**SPAN, "actors": [{"actor": "{actor}", "role": SURROGATE}]}),
    ("post", "spans/", {**SPAN, "actors": [{"actor": "{actor}", "role": NUL}]}),
    ("post", "spans/", {**SPAN, "actors": [1, 2]}),
    ("post", "spans/", {**SPAN, "actors": {"actor": 1}}),
    ("post", "spans/", [SPAN, {**SPAN, "start": HUGE}]),
    ("post", "spans/", [SPAN, 7]),
    ("post", "spans/", [SPAN, {**SPAN, "article": "{hidden_article}"}]),
    ("post", "spans/", [[SPAN]]),
    ("post", "spans/", []),
    ("post", "spans/", None),
    ("post", "spans/", 42),
    ("post", "spans/", "span"),
    ("post", "spans/", b"{"),
    ("post", "spans/", b'{"article": 1,}'),
    ("post", "spans/", b"[" * 100_000),
    ("post", "spans/", b'{"start": NaN}'),
    ("post", "spans/", b'{"start": 1e400}'),
    ("post", "spans/", b"\xff\xfe garbage"),
    ("patch", "spans/{span}/", {"version": HUGE, "note": "x"}),
    ("patch", "spans/{span}/", {"version": -1, "note": "x"}),
    ("patch", "spans/{span}/", {"version": "one", "note": "x"}),
    ("patch", "spans/{span}/", {"version": None, "note": "x"}),
    ("patch", "spans/{span}/", {"note": "x"}),
    ("patch", "spans/{span}/", {"version": 1, "start": HUGE}),
    ("patch", "spans/{span}/", {"version": 1, "end": HUGE}),
    ("patch", "spans/{span}/", {"version": 1, "note": NUL}),
    ("patch", "spans/{span}/", {"version": 1, "note": SURROGATE}),
    ("patch", "spans/{span}/", {"version": 1, "label": "{hidden_label}"}),
    ("patch", "spans/{span}/", {"version": 1, "actors": [{"actor": HUGE}]}),
    ("patch", "spans/{span}/", {"version": 99, "note": "stale"}),
    ("patch", "spans/{span}/", b"nope"),
    # projects and members
    ("post", "projects/", {"name": NUL}),
    ("post", "projects/", {"name": SURROGATE}),
    ("post", "projects/", {"name": MEGA}),
    ("post", "projects/", {"name": "ok", "slug": SURROGATE}),
    ("post", "projects/", {"name": "ok", "description": NUL}),
    ("post", "projects/", {"name": 5}),
    ("post", "projects/", {"name": ["a"]}),
    ("post", "projects/", b"\x00"),
    ("patch", "projects/{project}/", {"name": NUL}),
    ("patch", "projects/{project}/", {"slug": "a" * 101}),
    ("post", "projects/{project}/members/", {"username": NUL, "role": "annotator"}),
    ("post", "projects/{project}/members/", {"username": SURROGATE, "role": "annotator"}),
    ("post", "projects/{project}/members/", {"username": MEGA, "role": "annotator"}),
    ("post", "projects/{project}/members/", {"username": "alice", "role": NUL}),
    ("post", "projects/{project}/members/", {"username": {"a": 1}, "role": "reviewer"}),
    ("patch", "projects/{project}/members/alice/", {"role": SURROGATE}),
    ("patch", "projects/{project}/members/alice/", {"role": None}),
    ("post", "projects/{hidden_project}/members/", {"username": "alice", "role": "manager"}),
    # labels
    ("post", "labels/", {"project": "{project}", "name": NUL}),
    ("post", "labels/", {"project": "{project}", "name": SURROGATE}),
    ("post", "labels/", {"project": "{project}", "name": "N", "color": NUL}),
    ("post", "labels/", {"project": "{project}", "name": "N", "color": "#zzzzzz"}),
    ("post", "labels/", {"project": "{project}", "name": "N", "hotkey": "\u0000"}),
    ("post", "labels/", {"project": "{project}", "name": "N", "hotkey": "\ud800"}),
    ("post", "labels/", {"project": "{project}", "name": "N", "order": HUGE}),
    ("post", "labels/", {"project": "{project}", "name": "N", "order": 2**31}),
    ("post", "labels/", {"project": HUGE, "name": "N"}),
    ("post", "labels/", {"project": "{hidden_project}", "name": "N"}),
    ("patch", "labels/{label}/", {"color": "#12345"}),
    ("patch", "labels/{label}/", {"category": MEGA}),
    ("patch", "labels/{label}/", {"project": "{hidden_project}", "name": NUL}),
    # articles
    ("post", "articles/", {"project": "{project}", "body": NUL}),
    ("post", "articles/", {"project": "{project}", "body": SURROGATE}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "title": MEGA}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "author": SURROGATE}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "metadata": {"k": NUL}}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "metadata": {NUL: 1}}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "metadata": {"k": SURROGATE}}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "metadata": "[]"}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "published_on": "2026-02-30"}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "published_on": "99999-01-01"}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "published_on": HUGE}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "url": "javascript:alert(1)"}),
    ("post", "articles/", {"project": "{project}", "body": "ok", "language": MEGA}),
    ("post", "articles/", {"project": "{hidden_project}", "body": "ok"}),
    ("post", "articles/", b'{"project": 1, "body": "ok", "metadata": {"x": 1e400}}'),
    ("patch", "articles/{article}/", {"body": NUL}),
    ("patch", "articles/{article}/", {"body": "changed"}),  # has spans: 409
    ("patch", "articles/{article}/", {"external_id": MEGA}),
    # actors
    ("post", "actors/", {"name": NUL}),
    ("post", "actors/", {"name": SURROGATE}),
    ("post", "actors/", {"name": MEGA}),
    ("post", "actors/", {"name": "A", "aliases": [NUL]}),
    ("post", "actors/", {"name": "A", "aliases": [SURROGATE]}),
    ("post", "actors/", {"name": "A", "aliases": [MEGA]}),
    ("post", "actors/", {"name": "A", "aliases": ["x"] * 10_000}),
    ("post", "actors/", {"name": "A", "aliases": [[1]]}),
    ("post", "actors/", {"name": "A", "wikidata_id": "Q" + "9" * 30}),
    ("post", "actors/", {"name": "A", "wikidata_id": NUL}),
    ("post", "actors/", {"name": "A", "kind": SURROGATE}),
    ("patch", "actors/{actor}/", {"name": ""}),
    ("patch", "actors/{actor}/", {"aliases": None}),
    ("delete", "actors/{actor}/", None),  # in use (and not staff)
    # relations
    ("post", "relations/", {"from_span": HUGE, "to_span": "{span}", "label": "{rel_label}"}),
    ("post", "relations/", {"from_span": "{span}", "to_span": "{span}", "label": "{rel_label}"}),
    ("post", "relations/", {"from_span": "{span}", "to_span": NUL, "label": "{rel_label}"}),
    ("post", "relations/", {"from_span": "{span}", "to_span": -3, "label": SURROGATE}),
    # auth and history
    ("post", "auth/token/", {"username": NUL, "password": NUL}),
    ("post", "auth/token/", {"username": SURROGATE, "password": SURROGATE}),
    ("post", "auth/token/", {"username": MEGA, "password": MEGA}),
    ("post", "auth/token/", b"{"),
    ("post", "history/{event}/restore/", {"anything": NUL}),  # the creation: 409
]

PATHS = [
    "spans/abc/",
    "spans/-1/",
    f"spans/{HUGE}/",
    "spans/1.5/",
    "spans/%00/",
    f"articles/{HUGE}/",
    f"labels/{HUGE}/",
    f"actors/{HUGE}/",
    f"relations/{HUGE}/",
    f"history/{HUGE}/",
    f"history/{HUGE}/restore/",
    f"projects/{HUGE}/",
    f"projects/{HUGE}/members/",
    "projects/{project}/members/%00/",
    "projects/{project}/members/%ED%A0%80/",
    "projects/{project}/members/nobody/",
    "articles/{hidden_article}/",
    "labels/{hidden_label}/",
]

QUERIES = [
    f"projects/?page={HUGE}",
    "projects/?page=abc",
    "projects/?page=-1",
    f"projects/?page_size={HUGE}",
    "projects/?page_size=-5",
    f"labels/?project={HUGE}",
    "labels/?project=abc",
    "labels/?project=%00",
    "labels/?kind=%00",
    f"articles/?project={HUGE}",
    "articles/?q=%00",
    "articles/?q=%ED%A0%80",
    "articles/?q=" + "x" * 5000,
    "articles/?source=%00",
    "articles/?published_after=99999-01-01",
    "articles/?published_after=2026-02-30",
    "articles/?published_before=0000-00-00",
    "actors/?q=%00",
    "actors/?kind=%00",
    "actors/?q=" + "x" * 5000,
    f"spans/?article={HUGE}",
    f"spans/?label={-HUGE}",
    f"spans/?actor={HUGE}&role=source",
    f"spans/?source={HUGE}&subject=abc",
    "spans/?annotator=%00",
    "spans/?q=%00",
    "spans/?probability_min=%00",
    "spans/?created_after=2026-13-01",
    "spans/?created_before=9999-12-31",
    "spans/?created_after=0001-01-01",
    "spans/?published_after=garbage",
    f"spans/?page_size={HUGE}",
    "spans/?cursor=%00",
    "spans/?cursor=not-base64!",
    "spans/?cursor=" + cursor("abc"),
    "spans/?cursor=" + cursor(HUGE),
    "spans/?cursor=" + cursor(-1),
    "spans/?cursor=" + base64.b64encode(b"o=abc").decode(),
    "spans/?cursor=" + base64.b64encode(f"o={HUGE}&p=1".encode()).decode(),
    "spans/?unknown=1&%00=2",
    f"relations/?article={HUGE}",
    "relations/?label=1e3",
    f"history/?span={HUGE}",
    "history/?article=%00",
    "spans/?format=xml",
]


def fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"),
    BODIES,
    ids=[f"{m} {p} {str(b)[:40]}" for m, p, b in BODIES],
)
def test_malformed_bodies_answer_4xx_and_change_nothing(world, manager, method, path, body):
    before = state()
    url = API + path.format(**world)
    # json.dumps writes ASCII, so lone surrogates travel as \ud800 escapes.
    raw = body if isinstance(body, bytes) else json.dumps(fill(body, world)).encode()
    response = client_for(manager).generic(method.upper(), url, raw, "application/json")
    assert 400 <= response.status_code < 500, response.content[:300]
    if response.status_code != 405:
        assert response.json()  # a JSON error body, never an HTML page
    assert state() == before


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["get", "patch", "delete", "post"])
def test_malformed_paths_answer_4xx(world, manager, path, method):
    before = state()
    url = API + path.format(**world)
    response = getattr(client_for(manager), method)(url, {"version": 1}, format="json")
    assert 400 <= response.status_code < 500
    assert state() == before


@pytest.mark.parametrize("query", QUERIES)
def test_malformed_queries_answer_4xx_or_ignore(world, annotator, query):
    response = client_for(annotator).get(API + query)
    assert response.status_code < 500
    if response.status_code == 200:
        assert set(response.json()) >= {"next", "previous", "results"}


def test_a_refused_bulk_create_keeps_no_item(world, annotator):
    before = state()
    items = [
        {"article": world["article"], "label": world["label"], "start": 4, "end": 12},
        {"article": world["article"], "label": world["label"], "start": 13, "end": 17},
        {"article": world["article"], "label": world["label"], "start": 13, "end": 10**6},
    ]
    response = client_for(annotator).post(API + "spans/", items, format="json")
    assert response.status_code == 400
    assert response.json()["items"][0]["index"] == 2
    assert state() == before


@pytest.mark.parametrize(
    "path", ["spans/", "articles/", "labels/", "actors/", "relations/", "history/", "projects/"]
)
def test_an_unknown_filter_is_refused_not_ignored(world, annotator, path):
    response = client_for(annotator).get(API + path + "?colour=blue&lable=5&page_size=2")
    assert response.status_code == 400
    assert set(response.json()) == {"colour", "lable"}
    assert response.json()["colour"][0].startswith("Unknown filter.")
    for paging in ("page_size=2", "format=json", "cursor=" if path == "spans/" else "page=1"):
        assert client_for(annotator).get(API + path + "?" + paging).status_code == 200


@pytest.mark.parametrize(
    "path", ["spans/abc/", "spans/-1/", "projects/1/members/bad%20name/", "nothing/", "a/b/c"]
)
def test_paths_that_name_no_endpoint_answer_json_404_or_401(annotator, path):
    response = client_for(annotator).get(API + path, follow=True)  # "a/b/c" → "a/b/c/"
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    anonymous = client_for().delete(API + path.rstrip("/") + "/")
    assert anonymous.status_code == 401 and "detail" in anonymous.json()


def test_a_path_without_its_slash_is_still_sent_to_it(annotator):
    response = client_for(annotator).get(API + "spans")
    assert response.status_code == 301 and response.url == API + "spans/"


@pytest.mark.parametrize("method", ["options", "head", "post", "delete"])
def test_the_docs_page_answers_every_method_without_a_500(client, method):
    response = getattr(client, method)(API + "docs/")
    assert response.status_code in (200, 405)


@pytest.mark.parametrize("key", ["ab\x00c", "0" * 40 + "\x00", "x" * 10_000])
def test_a_token_no_token_can_have_answers_401(annotator, key):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(API + "spans/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize(
    "path", ["projects", "labels", "articles", "actors", "spans", "relations", "history"]
)
def test_an_id_of_thousands_of_digits_answers_404(annotator, path):
    response = client_for(annotator).get(API + f"{path}/{'1' * 5000}/")
    assert response.status_code == 404 and "detail" in response.json()
