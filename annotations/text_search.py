"""A case-insensitive substring match in every script, on both databases.

``icontains`` is ``UPPER(x) LIKE UPPER(y)`` on PostgreSQL, which folds case in every script,
but ``LIKE`` on SQLite, which folds ASCII only: ``беларусь`` would not find ``Беларусь``.
On SQLite the match goes through Python's ``str.casefold`` instead, registered on each
connection as a SQL function (``AnnotationsConfig.ready``).
"""

from django.db import connection
from django.db.models import Func, Q, TextField, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

CASEFOLD = "assay_casefold"


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def register_casefold(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: SQLite learns ``assay_casefold(text)``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)


class Casefold(Func):
    function = CASEFOLD
    output_field = TextField()


def contains_ignoring_case(field: str, value: str) -> Q:
    """``field`` holds ``value``, case aside, in any script."""
    if connection.vendor != "sqlite":
        return Q(**{f"{field}__icontains": value})
    return Q(GreaterThan(StrIndex(Casefold(field), Value(value.casefold())), 0))
