"""How the API answers errors: 400 with field messages, 401/403/404/409 with ``{"detail"}``.

The services raise Django's ``ValidationError`` and ``PermissionDenied`` and our ``Conflict``;
DRF knows only its own exceptions, so this handler translates them. It also keeps the two
database errors that validation should have prevented from ever becoming a 500.
"""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from annotations.errors import Conflict, error_messages
from annotations.services.span_rules import DuplicateSpan, duplicate_span_id

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(data):
    """Error messages may quote the input; a lone surrogate there could not be encoded."""
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_clean(key): _clean(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_clean(item) for item in data]
    return data


def _conflict(message: str) -> Response:
    set_rollback()
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)


def exception_handler(exc, context):
    if getattr(exc, "item_errors", None) is not None:  # services.BulkValidationError
        # Answered as is: DRF's ValidationError would turn the item indexes into strings.
        set_rollback()
        return Response({"items": _clean(exc.item_errors)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DuplicateSpan):  # the message, and the id of the span already there
        set_rollback()
        data = {**error_messages(exc), "existing_span": duplicate_span_id(exc)}
        return Response(_clean(data), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(error_messages(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, Conflict):
        return _conflict(exc.message)
    elif isinstance(exc, ProtectedError | RestrictedError):
        return _conflict("Other objects still refer to this one.")
    elif isinstance(exc, IntegrityError):
        return _conflict("The change clashes with existing data.")
    elif isinstance(exc, DataError):
        set_rollback()
        return Response(
            {"detail": "A value is out of range or not storable."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _clean(response.data)
    return response
