"""Middleware: the request log, and the pages' sign-in redirect for htmx."""

import json
import logging
import time

from django.conf import settings
from django.shortcuts import resolve_url
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


class JsonLogFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the record's
    ``fields`` (the request log's)."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
