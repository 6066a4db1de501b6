"""The one mapping from a service's refusal to a message and a status."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from annotations.errors import Conflict
from annotations.views.errors import answers_refusals, catch_refusal


@pytest.mark.parametrize(
    ("exc", "message", "status"),
    [
        (ValidationError("Bad offsets."), "Bad offsets.", 422),
        (ValidationError({"end": ["Past the body."]}), "end: Past the body.", 422),
        (ValidationError({"__all__": ["Twice."]}), "Twice.", 422),
        (PermissionDenied("Not yours."), "Not yours.", 403),
        (PermissionDenied(), "You are not allowed to do that.", 403),
        (Conflict("Changed meanwhile."), "Changed meanwhile.", 409),
    ],
)
def test_a_refusal_is_kept_with_its_message_and_status(exc, message, status):
    with catch_refusal() as refused:
        raise exc
    assert bool(refused) and (refused.message, refused.status) == (message, status)


def test_nothing_refused_is_false_and_other_errors_pass_through():
    with catch_refusal() as refused:
        pass
    assert not refused
    with pytest.raises(KeyError), catch_refusal():
        raise KeyError("not a refusal")
    with pytest.raises(Conflict), catch_refusal(ValidationError):
        raise Conflict("only ValidationError is caught here")


@pytest.mark.parametrize("htmx", [True, False])
def test_a_decorated_view_answers_the_inline_error_or_the_error_page(htmx, db):
    @answers_refusals
    def view(request):
        raise Conflict("Someone changed the span.")

    request = RequestFactory().post("/", headers={"HX-Request": "true"} if htmx else {})
    request.htmx = htmx  # django-htmx's middleware sets a truthy details object
    request.user = None
    response = view(request)
    assert response.status_code == 409
    assert "Someone changed the span." in response.content.decode()
    if htmx:
        assert response["HX-Retarget"] == "#errors"


@pytest.mark.django_db
def test_a_form_target_visited_is_a_page_saying_so(client, annotator, project):
    """``require_POST``'s 405 has no body (a browser shows its own bare error): the page says
    what the address is for, with the same status and ``Allow``; the API's stays JSON."""
    client.force_login(annotator)
    response = client.get("/actors/1/merge/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert '<h1 id="err-title">Not a page</h1>' in response.content.decode()
    assert "takes a form’s submission" in response.content.decode()
    page = client.post("/search/")  # a page (require_safe): GET and HEAD only
    assert page.status_code == 405 and "open it as a page" in page.content.decode()
    htmx = client.get("/actors/1/merge/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 405 and htmx.content == b""
    api = client.delete("/api/v1/projects/")
    assert api.status_code == 405 and api["Content-Type"] == "application/json"
