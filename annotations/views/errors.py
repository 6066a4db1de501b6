"""A service's refusal as an answer: the inline error for htmx, an error page otherwise."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, retarget

from ..errors import Conflict


def _message(exc: Exception) -> str:
    """One readable sentence from a service's refusal."""
    if isinstance(exc, Conflict):
        return exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            parts = []
            for field, messages in exc.message_dict.items():
                prefix = "" if field in ("__all__", "non_field_errors") else f"{field}: "
                parts.extend(prefix + message for message in messages)
            return " ".join(parts)
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


def _status_of(exc: Exception) -> int:
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 422


def _error_response(request, message: str, status: int = 422, back: str = "") -> HttpResponse:
    """An inline error: htmx puts it in the page's alert region, a plain request gets a page
    that leads ``back`` (by default to the page it came from, if that is one of ours)."""
    if request.htmx:
        response = HttpResponse(
            render_to_string("annotations/partials/error.html", {"message": message}, request),
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
        request, "annotations/error_page.html", {"message": message, "back": back}, status=status
    )
