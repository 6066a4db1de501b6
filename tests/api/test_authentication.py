"""``Authorization: Token`` read in one written-out query answers as DRF's own class does."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.api.authentication import TokenAuthentication

from ..api_helpers import API

pytestmark = pytest.mark.django_db


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_signs_its_user_in(annotator, project):
    token = Token.objects.create(user=annotator)
    response = _client(token.key).get(API + "projects/")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [project.pk]


def test_the_user_and_token_are_complete(annotator):
    token = Token.objects.create(user=annotator)
    user, found = TokenAuthentication().authenticate_credentials(token.key)
    assert (user.pk, user.username, user.is_active, user.is_superuser) == (
        annotator.pk,
        "alice",
        True,
        False,
    )
    assert found.key == token.key and found.user is user
    # The timestamps it leaves out load when read, as the ORM has them.
    assert user.date_joined == annotator.date_joined
    assert found.created == token.created


@pytest.mark.parametrize("key", ["0" * 40, "x"])
def test_an_unknown_token_is_refused(annotator, key):
    response = _client(key).get(API + "projects/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Invalid token."}


def test_an_inactive_user_is_refused(annotator):
    token = Token.objects.create(user=annotator)
    annotator.is_active = False
    annotator.save()
    response = _client(token.key).get(API + "projects/")
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_no_credentials_answer_401_with_the_scheme_to_use(db):
    response = APIClient().get(API + "projects/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_signed_in_session_still_reads_and_writes_with_its_csrf_token(annotator, project):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(annotator)
    assert client.get(API + "projects/").status_code == 200
    refused = client.post(API + "projects/", {"name": "No CSRF"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
