"""Errors the services raise beyond Django's ValidationError (400) and PermissionDenied (403),
and the one way a ``ValidationError`` is put into words (pages, imports, the bulk create, the API).
"""

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The request clashes with the current state (stale version, frozen body, object in use).

    The API answers 409 with ``{"detail": message}``; pages show the message inline.
    """

    def __init__(self, message: str, *, current=None):
        super().__init__(message)
        self.message = message
        self.current = current


NON_FIELD = frozenset({"__all__", "non_field_errors"})


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    """A ``ValidationError``'s messages by field; those of no field under ``non_field_errors``
    (DRF's name, which the API answers)."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {
        ("non_field_errors" if field in NON_FIELD else field): messages
        for field, messages in exc.message_dict.items()
    }


def describe(exc: ValidationError, *, prefix: str = "", separator: str = "; ") -> str:
    """A ``ValidationError`` as one line for a person: ``field: message; other: message``, a
    message of no field without a name; ``prefix`` goes before each field's name (an import
    line's ``spans[0].``), and stands alone before a message of no field."""
    parts = []
    for field, messages in error_messages(exc).items():
        label = prefix.rstrip(".") if field in NON_FIELD else f"{prefix}{field}"
        text = " ".join(messages)
        parts.append(f"{label}: {text}" if label else text)
    return separator.join(parts)
