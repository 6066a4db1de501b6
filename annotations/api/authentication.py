"""``Authorization: Token <key>``, as DRF's TokenAuthentication, in one written-out query.

Every API request by a script starts here; DRF's ``Token.objects.select_related("user")
.get(key=...)`` costs more to build in the ORM than the database takes to answer it. The
answers are DRF's own: the same user and token objects, the same errors.
"""

import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import DateTimeField
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


@functools.cache
def _token_sql() -> tuple[str, list[str], list[str]]:
    """The query, and the attribute names of the token's and the user's columns it reads.

    Timestamps are left deferred (loaded if ever read): a raw cursor does not convert them
    on every backend, and no request needs them."""
    quote = connection.ops.quote_name
    user_model = get_user_model()

    def plain(model):
        return [f for f in model._meta.concrete_fields if not isinstance(f, DateTimeField)]

    token_fields, user_fields = plain(Token), plain(user_model)
    token_user = quote(Token._meta.get_field("user").column)
    columns = [f"t.{quote(f.column)}" for f in token_fields]
    columns += [f"u.{quote(f.column)}" for f in user_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Token._meta.db_table)} t "
        f"INNER JOIN {quote(user_model._meta.db_table)} u "
        f"ON t.{token_user} = u.{quote(user_model._meta.pk.column)} "
        f"WHERE t.{quote(Token._meta.pk.column)} = %s"
    )
    return sql, [f.attname for f in token_fields], [f.attname for f in user_fields]


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if self.get_model() is not Token:  # a custom token model: DRF's own way
            return super().authenticate_credentials(key)
        sql, token_names, user_names = _token_sql()
        row = None
        # A key no token can have (a NUL cannot even reach PostgreSQL) is not looked up.
        if len(key) <= Token._meta.get_field("key").max_length and "\x00" not in key:
            with connection.cursor() as cursor:
                cursor.execute(sql, [key])
                row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        split = len(token_names)
        token = Token.from_db(connection.alias, token_names, row[:split])
        user = get_user_model().from_db(connection.alias, user_names, row[split:])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, token)
