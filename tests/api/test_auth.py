"""Authentication: tokens, sessions, and what an anonymous caller may reach."""

import pytest
from rest_framework.authtoken.models import Token

from annotations.models import Role

from ..api_helpers import API, client_for, send_json

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "projects/"),
    ("post", "projects/"),
    ("get", "projects/1/"),
    ("get", "projects/1/members/"),
    ("patch", "projects/1/members/alice/"),
    ("get", "labels/"),
    ("get", "labels/1/"),
    ("get", "articles/"),
    ("post", "articles/"),
    ("get", "articles/1/"),
    ("get", "actors/"),
    ("post", "actors/"),
    ("delete", "actors/1/"),
    ("get", "spans/"),
    ("post", "spans/"),
    ("patch", "spans/1/"),
    ("get", "relations/"),
    ("get", "history/"),
    ("post", "history/1/restore/"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_refuses_anonymous_callers(method, path):
    response = getattr(client_for(), method)(API + path, {}, format="json")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_a_wrong_token_is_refused(annotator):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(API + "projects/").status_code in (401, 403)


def test_token_for_username_and_password(annotator, project):
    client = client_for()
    response = client.post(
        API + "auth/token/",
        {"username": "alice", "password": "pw-for-tests-only"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=annotator).key

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(API + "projects/")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [project.pk]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "alice"},
        {"username": "al\u0000ice", "password": "pw-for-tests-only"},
        {"username": "\ud800", "password": "x"},
        {"username": ["alice"], "password": {"x": 1}},
    ],
)
def test_token_refuses_bad_credentials(annotator, body):
    response = send_json(client_for(), "post", API + "auth/token/", body)
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_session_authentication_works(client, annotator):
    client.force_login(annotator)
    assert client.get(API + "projects/").status_code == 200


def test_browsable_api_renders_for_a_signed_in_user(client, make_member, article, label):
    user = make_member(Role.MANAGER, username="browser")
    client.force_login(user)
    for path in ("", "projects/", "spans/", f"articles/{article.pk}/", "labels/"):
        response = client.get(API + path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert b"<html" in response.content


def test_schema_and_docs_are_public(client):
    schema = client.get(API + "schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/spans/" in schema.json()["paths"]
    docs = client.get(API + "docs/")
    assert docs.status_code == 200
    # Served offline: the Swagger UI assets come from our own static files, not a CDN.
    assert b"drf_spectacular_sidecar" in docs.content
    assert b"cdn.jsdelivr" not in docs.content
