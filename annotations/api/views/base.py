"""What every API view shares: the schema's error answers, the scoping to the user's projects,
the CRUD-through-services viewset, the 404 for unknown paths, and the token endpoint.

Every write is one call into ``annotations.services``; its ``ValidationError``,
``PermissionDenied`` and ``Conflict`` become 400, 403 and 409 in ``exceptions.py``. Objects of
projects the user is not a member of are outside every queryset here, so they answer 404.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .. import serializers
from ..authentication import TokenAuthentication
from ..pagination import PagePagination

User = get_user_model()


class AssaySchema(AutoSchema):
    """Adds the error answers every operation can give, so each view need not list them."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {}
        writes = self.method in ("POST", "PATCH", "PUT", "DELETE")
        if self.method in ("POST", "PATCH", "PUT") or self._is_list_view():
            errors["400"] = OpenApiResponse(
                OpenApiTypes.OBJECT, description="Invalid input: DRF's field messages."
            )
        errors["401"] = OpenApiResponse(
            serializers.ErrorSerializer,
            description="No credentials, or a bad token (`WWW-Authenticate: Token`).",
        )
        errors["403"] = OpenApiResponse(
            serializers.ErrorSerializer,
            description="The role does not allow it, or a session's CSRF token is missing.",
        )
        if "{" in self.path or self._is_list_view():
            errors["404"] = OpenApiResponse(
                serializers.ErrorSerializer,
                description="No such object in your projects (or an invalid page or cursor).",
            )
        if writes:
            errors["409"] = OpenApiResponse(
                serializers.ErrorSerializer,
                description="Conflicts with the current state (stale version, in use, ...).",
            )
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return responses


class NulGuardMixin:
    # A search string is read, NULs left out, rather than refused (annotations.search).
    nul_tolerant = frozenset({"search"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A NUL cannot reach PostgreSQL text; refuse it in query parameters up front.
        for key, values in request.query_params.lists():
            if key in self.nul_tolerant:
                continue
            if "\x00" in key or any("\x00" in value for value in values):
                raise ValidationError({key.replace("\x00", ""): ["Contains a NUL character."]})


class ScopedMixin(NulGuardMixin):
    """Querysets scoped to the user's projects; integer ids in paths; the error answers."""

    schema = AssaySchema()
    # The settings' classes, with the token read in one written-out query (authentication.py).
    # The token first: a request without credentials, or with a bad token, answers 401 with
    # ``WWW-Authenticate: Token`` (DRF asks the first class for that header; a session has
    # none, which made it 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    pagination_class = PagePagination
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return self.queryset
        return self.scoped_queryset(self.request.user)


class ServiceViewSet(ScopedMixin, viewsets.GenericViewSet):
    """CRUD whose writes are service calls; input and output serializers may differ."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    update_serializer_class = None

    def get_serializer_class(self):
        if self.action == "partial_update" and self.update_serializer_class:
            return self.update_serializer_class
        return self.serializer_class

    def output(self, instance, serializer_class=None):
        serializer_class = serializer_class or self.serializer_class
        return serializer_class(instance, context=self.get_serializer_context()).data

    def refetch(self, instance):
        """The object again through the list queryset, with its annotations."""
        return self.get_queryset().get(pk=instance.pk)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.output(self.get_object()))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(dict(serializer.validated_data))
        return Response(self.output(instance), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(instance, dict(serializer.validated_data))
        return Response(self.output(instance))

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotFoundView(ScopedMixin, APIView):
    """Any path under ``/api/v1/`` that names no endpoint (``spans/abc/``, a typo): 404 as
    JSON like every other error of the API, after authentication (401 without it)."""

    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound


# --- auth -----------------------------------------------------------------------------------


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the token of ``Authorization: Token <key>``.

    Failed attempts count towards the sign-in lock-out (django-axes, per account and per
    address), as the sign-in form's do; requests are throttled as an anonymous caller's."""

    schema = AutoSchema()  # its answers are listed below: no 401, 403 or 409 to add
    throttle_classes = (AnonRateThrottle,)

    def get_serializer_context(self):
        # The serializer authenticates with this request: Django's own, so that django-axes
        # marks a locked-out attempt where its middleware looks for it.
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: serializers.TokenSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Wrong credentials."),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Too many failed sign-ins for the account or the address "
                "(locked for a while; Retry-After says how long), or too many requests.",
            ),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
