"""A service's refusal as an answer: the one place that maps it to a message and a status.

``ValidationError`` answers 422, ``PermissionDenied`` 403, ``Conflict`` 409. A view whose
refusal is the plain inline error (htmx) or error page (no JavaScript) is decorated with
``answers_refusals``; a view that shows the refusal in its own fragment (the span panel, the
label scheme, a review row) runs the service call in ``catch_refusal()`` and draws it.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, retarget

from ..errors import Conflict, describe

REFUSALS = (ValidationError, PermissionDenied, Conflict)


def refusal_message(exc: Exception) -> str:
    """One readable sentence from a service's refusal."""
    if isinstance(exc, Conflict):
        return exc.message
    if isinstance(exc, ValidationError):
        return describe(exc, separator=" ")
    return str(exc) or "You are not allowed to do that."


def refusal_status(exc: Exception) -> int:
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 422


def form_message(form) -> str:
    """A bound form's errors as one line: ``field: message; other: message``."""
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())


class catch_refusal:
    """``with catch_refusal() as refused:`` around a service call; a refusal is kept, not
    raised: ``refused`` is then true, with its ``message``, ``status`` and the ``error``."""

    def __init__(self, *kinds: type[Exception]):
        self.kinds = kinds or REFUSALS
        self.caught, self.message, self.status, self.error = False, "", 200, None

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None or not isinstance(exc, self.kinds):
            return False
        self.caught, self.message, self.status = True, refusal_message(exc), refusal_status(exc)
        self.error = exc
        return True

    def __bool__(self) -> bool:
        return self.caught


def error_response(
    request, message: str, status: int = 422, back: str = "", span_link: dict | None = None
) -> HttpResponse:
    """An inline error: htmx puts it in the page's alert region, a plain request gets a page
    that leads ``back`` (by default to the page it came from, if that is one of ours).
    ``span_link`` (``{"id", "href"}``) links the message to the span it names."""
    if request.htmx:
        context = {"message": message, "span_link": span_link}
        response = HttpResponse(
            render_to_string("annotations/partials/error.html", context, request),
            status=status,
        )
        return reswap(retarget(response, "#errors"), "innerHTML")
    if not back:
        referer = request.headers.get("referer", "")
        ours = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        back = referer if ours else "/"
    return render(
        request,
        "annotations/error_page.html",
        {"message": message, "back": back, "span_link": span_link},
        status=status,
    )


def answers_refusals(view):
    """A service refusal raised in the view answers ``error_response`` with its status."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with catch_refusal() as refused:
            return view(request, *args, **kwargs)
        return error_response(request, refused.message, refused.status)

    return wrapped
