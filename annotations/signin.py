"""What a locked-out sign-in is answered: django-axes counts the failures (per account and per
address, settings.AXES_*); this says so, as JSON to the API's token endpoint and as a page in the
site's layout to the sign-in form."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def _minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    minutes = _minutes()
    message = (
        f"Too many failed sign-ins. Signing in is locked for {minutes} minutes; "
        "try again then, or ask a manager to check the account."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": minutes},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    response["Retry-After"] = str(minutes * 60)
    return response
