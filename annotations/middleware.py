"""Middleware: the request log, and the pages' sign-in redirect for htmx."""

import logging
import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect


class HtmxSignInRedirectMiddleware:
    """An htmx request whose session has ended goes to the sign-in page as a whole page
    (``HX-Redirect``): htmx would otherwise follow the 302 and swap the sign-in form into
    the span panel or the review row. Placed after django-htmx's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response


request_log = logging.getLogger("assay.requests")


class RequestLogMiddleware:
    """One structured line per request on the ``assay.requests`` logger: method, path, status,
    milliseconds until the response was ready (a streamed body's own time is not in it), the
    user's id when the request loaded one, and the response's size when it is known.
    Query strings are left out: they can carry search words and tokens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            user = getattr(request, "_cached_user", None)  # never load one only to log it
            request_log.info(
                "request",
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "user": user.pk if user is not None and user.is_authenticated else None,
                        "bytes": None if response.streaming else len(response.content),
                    }
                },
            )
        return response


class MethodNotAllowedPageMiddleware:
    """A page's address visited with a method it does not take (a form's target opened in
    the browser: ``require_POST``'s 405 has no body, which a browser shows as its own bare
    error): the same 405 and ``Allow``, drawn as a page that says what the address is for.
    The API's answers, htmx requests and any 405 with a body of its own are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.streaming
            or response.content
            or request.path_info.startswith("/api/")
            or request.headers.get("HX-Request")
        ):
            return response
        allowed = response.get("Allow", "")
        form_target = "POST" in allowed and "GET" not in allowed
        page = render(request, "405.html", {"form_target": form_target}, status=405)
        if allowed:
            page["Allow"] = allowed
        return page


class DatabaseUnavailableMiddleware:
    """The database went away under a request (a restart, a failover, a dropped connection):
    503 with ``Retry-After``, as JSON for the API and as a page otherwise, not a 500. The
    transaction was rolled back, so nothing of the request was written; the next request
    reconnects (``CONN_HEALTH_CHECKS``)."""

    RETRY_AFTER = "5"
    MESSAGE = "The database is unavailable for a moment; nothing was saved. Try again shortly."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logging.getLogger("assay.database").warning("database unavailable: %s", exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": self.MESSAGE}, status=503)
        else:
            # Drawn without the request: its user and session would ask the database again.
            page = render_to_string("503.html", {"message": self.MESSAGE, "user": AnonymousUser()})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = self.RETRY_AFTER
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY: nothing inline), but for two pages
    that are not ours: Django's admin, whose templates set a few inline styles, and the API's
    Swagger UI, which sets styles from its script. There, and only there, inline styles are
    allowed; scripts stay as strict everywhere."""

    INLINE_STYLES_UNDER = ("/admin/", "/api/v1/docs/")

    def get_policy_parts(self, request, response, report_only=False):
        if request.path.startswith(self.INLINE_STYLES_UNDER):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return super().get_policy_parts(request, response, report_only)
