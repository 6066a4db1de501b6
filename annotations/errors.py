"""Errors the services raise beyond Django's ValidationError (400) and PermissionDenied (403)."""


class Conflict(Exception):
    """The request clashes with the current state (stale version, frozen body, object in use).

    The API answers 409 with ``{"detail": message}``; pages show the message inline.
    """

    def __init__(self, message: str, *, current=None):
        super().__init__(message)
        self.message = message
        self.current = current
