"""The ML backend protocol: a project's own suggestion server, tested with a small server.

Its suggestions join the built-in ones; a timeout, a 500, garbage or an oversized answer
costs only its own suggestions, with a note; it receives one article of its project and that
project's labels, nothing else; only managers set it."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from annotations import services
from annotations.models import SuggestionBackend

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory

pytestmark = pytest.mark.django_db

BODY = "Putin will probably stay. The talks failed."


class Server:
    """Answers each POST as ``self.mode`` says; keeps what it received."""

    def __init__(self):
        self.mode, self.received = "ok", []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.received.append(json.loads(self.rfile.read(length)))
                mode = owner.mode
                if mode == "slow":
                    time.sleep(1.0)
                if mode == "500":
                    return self._answer(500, b"boom")
                if mode == "garbage":
                    return self._answer(200, b"<html>not json")
                if mode == "huge":
                    return self._answer(200, b'{"results": [' + b" " * 3_000_000 + b"]}")
                body = owner.received[-1]["article"]["body"]
                start = body.index("The talks failed")
                label = owner.received[-1]["labels"][0]["id"]
                results = [
                    {
                        "start": start,
                        "end": start + 16,
                        "kind": "claim",
                        "label": label,
                        "score": 0.7,
                    },
                    {"start": 0, "end": 10**6, "kind": "claim"},  # out of the body
                    {"start": 0, "end": 5, "kind": "actor", "actor": 10**9},  # no such actor
                    {"start": 0, "end": 5, "kind": "actor", "label": 10**9, "score": 7},
                    "nonsense",
                ]
                if mode == "malformed-only":
                    results = results[1:]
                self._answer(200, json.dumps({"results": results}).encode())

            def _answer(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/suggest"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.close()


@pytest.fixture
def news(project, manager, server):
    article = ArticleFactory(project=project, body=BODY)
    services.actor_create(name="Vladimir Putin", aliases=["Putin"])
    label = LabelFactory(project=project, name="Claim", hotkey="c")
    services.suggestion_backend_set(project=project, user=manager, url=server.url, timeout_ms=400)
    article.claim = label
    return article


def suggestions(user, article):
    response = client_for(user).get(API + f"articles/{article.pk}/suggestions/")
    assert response.status_code == 200
    return response.json()


def test_its_suggestions_join_the_built_in_ones(
    annotator,
    news,
    server,
    other_project_objects,  # noqa: F811
):
    data = suggestions(annotator, news)
    kinds = [(r["kind"], r["text"]) for r in data["results"]]
    assert kinds == [
        ("actor", "Putin"),
        ("actor", "Putin"),  # the server's, its label not the project's: none, its score cut
        ("estimative", "probably"),
        ("claim", "The talks failed"),
    ]
    served = next(r for r in data["results"] if r["kind"] == "claim")
    assert (served["label"], served["score"]) == (news.claim.pk, 0.7)
    assert sorted(r["score"] for r in data["results"] if r["kind"] == "actor") == [0.95, 1.0]
    assert data["notes"] == [
        "The project's suggestion server sent 3 malformed suggestions; they were left out."
    ]
    [sent] = server.received
    assert sent["article"] == {"id": news.pk, "title": news.title, "body": BODY,
                               "language": news.language, "source": news.source}  # fmt: skip
    assert sent["labels"] == [{"id": news.claim.pk, "name": "Claim"}]
    assert "Secret" not in json.dumps(sent)  # nothing of another project


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("slow", "it did not answer within 400 ms"),
        ("500", "it answered HTTP 500"),
        ("garbage", "its answer is not JSON"),
        ("huge", "its answer is larger than 2097152 bytes"),
    ],
)
def test_a_failing_server_costs_only_its_own_suggestions(annotator, news, server, mode, why):
    server.mode = mode
    started = time.monotonic()
    data = suggestions(annotator, news)
    assert time.monotonic() - started < 5
    assert [r["kind"] for r in data["results"]] == ["actor", "estimative"]
    assert data["notes"] == [f"The project's suggestion server gave no suggestions: {why}."]


def test_an_unreachable_server(annotator, news, manager, project):
    services.suggestion_backend_set(project=project, user=manager, url="http://127.0.0.1:9/x")
    data = suggestions(annotator, news)
    assert [r["kind"] for r in data["results"]] == ["actor", "estimative"]
    assert data["notes"][0].startswith("The project's suggestion server gave no suggestions")


def test_a_disabled_server_is_not_asked(annotator, news, server, manager, project):
    services.suggestion_backend_set(project=project, user=manager, url=server.url, enabled=False)
    assert "notes" not in suggestions(annotator, news)
    assert server.received == []


def test_only_managers_set_it(annotator, reviewer, manager, outsider, project, server):
    url = API + f"projects/{project.pk}/suggestion-backend/"
    payload = {"url": server.url, "timeout_ms": 1500}
    assert client_for(annotator).post(url, payload, format="json").status_code == 403
    assert client_for(reviewer).get(url).status_code == 403
    assert client_for(outsider).post(url, payload, format="json").status_code == 404
    assert client_for(manager).get(url).status_code == 404  # none yet
    response = client_for(manager).post(url, payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["url"] == server.url and response.json()["timeout_ms"] == 1500
    assert client_for(manager).get(url).json()["enabled"] is True
    bad_ones = [
        {"url": "ftp://x/"},
        {"url": "file:///etc/passwd"},
        {"url": "nope"},
        {"url": "http://127.0.0.1:99999/x"},
        {"url": server.url, "timeout_ms": 50},
        {"url": server.url, "timeout_ms": 10**5},
    ]
    for bad in bad_ones:
        assert client_for(manager).post(url, bad, format="json").status_code == 400
    assert client_for(annotator).delete(url).status_code == 403
    assert client_for(manager).delete(url).status_code == 204
    assert not SuggestionBackend.objects.exists()
