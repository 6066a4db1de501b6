"""Security properties: headers, sign-in lock-out (form and token), sessions, API throttling,
password rules, the health check and the request log."""

import json
import logging
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle

from .api_helpers import API, client_for
from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def get_token(client, username, password, address="10.0.0.1"):
    return client.post(
        API + "auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", API + "auth/token/", "/healthz"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- sign-in lock-out -------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_from_new_addresses(client):
    UserFactory(username="alice")
    for attempt in range(4):
        response = sign_in(client, "alice", "wrong", address=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200  # the form again, with its error
    assert sign_in(client, "alice", "wrong", address="10.0.0.5").status_code == 429  # the 5th

    locked = sign_in(client, "alice", PASSWORD, address="10.9.9.9")

    assert locked.status_code == 429
    assert "Signing in is locked" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_locked_and_others_are_not(client):
    UserFactory(username="bob")
    for number in range(5):
        sign_in(client, f"guess{number}", "wrong", address="10.6.6.6")

    assert sign_in(client, "bob", PASSWORD, address="10.6.6.6").status_code == 429
    assert sign_in(client, "bob", PASSWORD, address="10.7.7.7").status_code == 302


def test_fewer_failures_than_the_limit_then_a_success_starts_the_count_again(client):
    UserFactory(username="carol")
    for _ in range(4):
        sign_in(client, "carol", "wrong")
    assert sign_in(client, "carol", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "carol", "wrong")

    assert sign_in(client, "carol", PASSWORD).status_code == 302


def test_the_lock_ends_after_its_time(client):
    UserFactory(username="dave")
    for _ in range(5):
        sign_in(client, "dave", "wrong")
    assert sign_in(client, "dave", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "dave", PASSWORD).status_code == 302


def test_the_token_endpoint_counts_failures_and_answers_a_lock_in_json(client):
    UserFactory(username="erin")
    for _ in range(4):
        assert get_token(client, "erin", "wrong").status_code == 400
    assert get_token(client, "erin", "wrong").status_code == 429  # the 5th

    locked = get_token(client, "erin", PASSWORD)

    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert locked["Retry-After"] == str(15 * 60)
    assert "token" not in locked.json()


def test_failures_on_the_form_and_the_token_endpoint_add_up(client):
    UserFactory(username="fay")
    for _ in range(3):
        sign_in(client, "fay", "wrong")
    for _ in range(2):
        get_token(client, "fay", "wrong")

    assert get_token(client, "fay", PASSWORD).status_code == 429
    assert sign_in(client, "fay", PASSWORD).status_code == 429


# --- sessions ---------------------------------------------------------------------------------


def test_a_session_ends_twelve_hours_after_sign_in(client):
    UserFactory(username="gil")
    assert sign_in(client, "gil", PASSWORD).status_code == 302

    assert client.session.get_expiry_age() == 12 * 3600
    cookie = client.cookies["sessionid"]
    assert int(cookie["max-age"]) == 12 * 3600
    assert cookie["httponly"]


def test_an_expired_session_signs_out(client):
    from django.contrib.sessions.models import Session

    UserFactory(username="hal")
    sign_in(client, "hal", PASSWORD)
    assert client.get("/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- API throttling ---------------------------------------------------------------------------


def test_a_signed_in_caller_past_the_rate_is_told_to_wait(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/min", raising=False)
    api = client_for(UserFactory())

    statuses = [api.get(API + "projects/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = api.get(API + "projects/")
    assert "Retry-After" in refused
    assert "throttled" in refused.json()["detail"].lower()


def test_each_caller_has_its_own_count(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)
    first, second = client_for(UserFactory()), client_for(UserFactory())
    for _ in range(2):
        first.get(API + "projects/")

    assert first.get(API + "projects/").status_code == 429
    assert second.get(API + "projects/").status_code == 200


def test_the_default_rates_leave_room_for_an_annotators_pace():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "60/min", "user": "3000/min"}


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1", "12345678901", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_like_the_username_is_refused():
    user = UserFactory(username="ivanova.analyst")
    with pytest.raises(ValidationError):
        validate_password("ivanova.analyst", user)


def test_a_sound_password_passes():
    validate_password("copper-kettle-47-lantern")


# --- health -----------------------------------------------------------------------------------


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "annotations.views.health.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405


# --- the request log --------------------------------------------------------------------------


def test_each_request_is_logged_as_one_json_line(client, caplog):
    from annotations.logs import JsonLogFormatter

    user = UserFactory(username="jo")
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="assay.requests"):
        client.get("/?q=secret-words")

    (record,) = [r for r in caplog.records if r.name == "assay.requests"]
    line = json.loads(JsonLogFormatter().format(record))
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["user"] == user.pk
    assert line["ms"] > 0
    assert line["bytes"] > 0
    assert "secret-words" not in json.dumps(line)


# --- the database going away ------------------------------------------------------------------


def test_a_page_whose_database_goes_away_answers_503_not_500(client):
    client.force_login(UserFactory())
    with mock.patch(
        "annotations.views.projects.projects_for_user",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "nothing was saved" in response.content.decode()
    assert "<title>Unavailable for a moment" in response.content.decode()


def test_an_api_request_whose_database_goes_away_answers_503_in_json():
    api = client_for(UserFactory())
    with mock.patch(
        "annotations.api.views.projects.ProjectViewSet.get_queryset",
        side_effect=OperationalError("terminating connection due to administrator command"),
    ):
        response = api.get(API + "projects/")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is unavailable for a moment; nothing was saved. Try again shortly."
    }
