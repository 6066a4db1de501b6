"""The REST API v1: thin views that scope querysets to the user and call the services.

Every write is one call into ``annotations.services``; its ``ValidationError``,
``PermissionDenied`` and ``Conflict`` become 400, 403 and 409 in ``exceptions.py``. Objects of
projects the user is not a member of are outside every queryset here, so they answer 404.
"""

from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core import exceptions as django_exceptions
from django.db.models import Count, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import selectors, services
from annotations.exports import FORMATS, export_stream
from annotations.imports import FORMATS as IMPORT_FORMATS
from annotations.imports import import_file
from annotations.models import (
    MAX_ID,
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanActor,
    SpanEvent,
    SpanStatus,
)

from . import filters, serializers
from .authentication import TokenAuthentication
from .pagination import PagePagination, SpanCursorPagination

User = get_user_model()

_ERROR = OpenApiResponse(serializers.ErrorSerializer, description='{"detail": "..."}')


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
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A NUL cannot reach PostgreSQL text; refuse it in query parameters up front.
        for key, values in request.query_params.lists():
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
    """Exchange a username and password for the token of ``Authorization: Token <key>``."""

    schema = AutoSchema()  # its answers are listed below: no 401, 403 or 409 to add

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: serializers.TokenSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Wrong credentials."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# --- projects and members -------------------------------------------------------------------


FALSE_VALUES = {"0", "false", "no", "off"}


class DatasetFormatNegotiation(DefaultContentNegotiation):
    """On the dataset endpoints ``?format=`` names a dataset format, not a renderer:
    errors are answered in JSON, and the data itself streams in its own content type."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = next(r for r in renderers if isinstance(r, JSONRenderer))
        return renderer, renderer.media_type


def _then(first, chunks: Iterator) -> Iterator:
    """``first`` (unless ``None``), then the rest of ``chunks``; closing this closes them.

    The server closes a response whose client went away; ``itertools.chain`` has no
    ``close``, so the export behind it (its reader thread, that thread's connection and open
    transaction) was left to the garbage collector, which the view's last instance, kept by
    the schema, held off until the next request."""
    try:
        if first is not None:
            yield first
        yield from chunks
    finally:
        chunks.close()


class ProjectViewSet(ServiceViewSet):
    """Projects you are a member of; any signed-in user may create one and becomes manager."""

    queryset = Project.objects.none()

    serializer_class = serializers.ProjectSerializer

    def scoped_queryset(self, user):
        role = Subquery(
            Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        )
        if user.is_superuser:
            role = Coalesce(role, Value(Role.MANAGER))
        return selectors.scope_to_user(
            Project.objects.all(), user=user, project_field="pk"
        ).annotate(my_role=role)

    def perform_create(self, data):
        project = services.project_create(creator=self.request.user, **data)
        return self.refetch(project)

    def perform_update(self, project, data):
        project = services.project_update(project=project, user=self.request.user, **data)
        return self.refetch(project)

    def perform_destroy(self, project):
        services.project_delete(project=project, user=self.request.user)

    def _member(self, username):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationError({"username": [f"No user named “{username}”."]})
        return user

    @extend_schema(
        summary="The project's members and their roles",
        responses=serializers.MemberSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=serializers.MemberSerializer,
        pagination_class=PagePagination,
        filter_backends=[],
    )
    def members(self, request, pk=None):
        project = self.get_object()
        memberships = project.memberships.select_related("user").order_by("user__username")
        page = self.paginate_queryset(memberships)
        data = serializers.MemberSerializer(page, many=True).data
        return self.get_paginated_response(data)

    # Its own handler, not a branch of ``members``: HEAD is answered as GET, never as a write.
    @extend_schema(
        summary="Add a member, or change the role of one",
        request=serializers.MemberSerializer,
        responses={201: serializers.MemberSerializer},
    )
    @members.mapping.post
    def add_member(self, request, pk=None):
        project = self.get_object()
        serializer = serializers.MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set(
            project=project,
            user=request.user,
            member=self._member(serializer.validated_data["user"]["username"]),
            role=serializer.validated_data["role"],
        )
        return Response(
            serializers.MemberSerializer(membership).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        methods=["PATCH"],
        summary="Change a member's role",
        request=serializers.MemberRoleSerializer,
        responses=serializers.MemberSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="Remove a member", responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"members/(?P<username>[\w.@+-]{1,150})",
        serializer_class=serializers.MemberRoleSerializer,
        filter_backends=[],
    )
    def member(self, request, pk=None, username=None):
        project = self.get_object()
        membership = get_object_or_404(
            Membership.objects.select_related("user"), project=project, user__username=username
        )
        if request.method == "DELETE":
            services.membership_remove(project=project, user=request.user, member=membership.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = serializers.MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set(
            project=project,
            user=request.user,
            member=membership.user,
            role=serializer.validated_data["role"],
        )
        return Response(serializers.MemberSerializer(membership).data)

    @extend_schema(
        summary="Export the project's spans as a dataset, streamed",
        description=(
            "`format` is one of: " + ", ".join(f"`{name}`" for name in FORMATS) + ". "
            "Filters: `status`, `label` (id) and `annotator` (username). CoNLL reports the "
            "overlapping spans it dropped in a trailing `# assay:` comment line."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), default="jsonl"),
            OpenApiParameter("status", str, enum=list(SpanStatus.values)),
            OpenApiParameter("label", int, description="A label id of this project."),
            OpenApiParameter("annotator", str, description="A username."),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Unknown format or a bad filter."),
            404: OpenApiResponse(description="Not a project of yours."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=DatasetFormatNegotiation,
    )
    def export(self, request, pk=None):
        project = self.get_object()
        params = request.query_params
        label = params.get("label") or None
        if label is not None and not (
            label.isdecimal()
            and len(label) <= 19  # int() refuses thousands of digits
            and int(label) <= MAX_ID
            and Label.objects.filter(project=project, pk=int(label)).exists()
        ):
            raise ValidationError({"label": [f"The project has no label {label[:40]!r}."]})
        content_type, filename, chunks, _stats = export_stream(
            project,
            params.get("format", "jsonl"),
            status=params.get("status") or None,
            label=label,
            annotator=params.get("annotator") or None,
        )
        # Read the first chunk now, so that a failure answers with an error, not a cut stream.
        first = next(chunks, None)
        response = StreamingHttpResponse(_then(first, chunks), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        summary="Import articles (and their spans) from a file, all or nothing",
        description=(
            "A multipart upload in the field `file`. `format` is one of: "
            + ", ".join(f"`{name}`" for name in IMPORT_FORMATS)
            + "; without it the file's extension decides (`.conll` is `conll`, `.jsonld` "
            "`webanno`). Managers only. Any bad line: 400, every bad line listed, nothing "
            "created. Articles the project already holds are skipped and counted. `conll` "
            "rebuilds each document's text from its tokens (joined by spaces, a sentence a "
            "line), with the spans of its B-/I- tags. `webanno` carries no text: its "
            "annotations add spans and relations to articles the project holds, named by "
            "their `url` or `urn:assay:article:<id>`; a line is an annotation's position, and "
            "a span the importing user already has there is an error."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(IMPORT_FORMATS)),
            OpenApiParameter("create_labels", bool, default=True),
            OpenApiParameter("create_actors", bool, default=True),
        ],
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses={
            200: serializers.ImportResultSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "Either the import's result with every bad line in `errors` (nothing was "
                    "created), or field errors such as an unknown `format` or a missing `file`."
                ),
            ),
            403: OpenApiResponse(description="Only a manager imports."),
            404: OpenApiResponse(description="Not a project of yours."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser],
        content_negotiation_class=DatasetFormatNegotiation,
    )
    def import_(self, request, pk=None):
        project = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Upload the file in the multipart field “file”."]})
        params = request.query_params
        result = import_file(
            project,
            request.user,
            upload,
            params.get("format") or None,
            create_labels=params.get("create_labels", "true").lower() not in FALSE_VALUES,
            create_actors=params.get("create_actors", "true").lower() not in FALSE_VALUES,
        )
        answer = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_200_OK
        return Response(result.as_dict(), status=answer)

    @extend_schema(
        summary="Inter-annotator agreement per pair of annotators and per label",
        description=(
            "Every member may read it. The annotators are the users who annotated an article of "
            "the project; by default (`basis=spans`) a user *annotated* an article when they "
            "have at least one span on it, of any label; with `basis=done`, when they marked it "
            "done (so that finding nothing to tag counts too). Each pair of annotators "
            "(`annotator_a` alphabetically before `annotator_b`) is compared over the articles "
            "both annotated, and only those (`articles`); every span counts, whatever its "
            "review status.\n\n"
            "**Exact match**: a span of each with the same article, `start`, `end` (code "
            "points) and label; `matches` counts them (one to one), `only_a` and `only_b` the "
            "spans left unmatched, and `f1` = 2·matches / (spans_a + spans_b), the F1 of "
            "either annotator scored against the other (symmetric).\n\n"
            "**Relaxed match**: a span is found when the other annotator has one with the same "
            "label sharing at least one code point; `overlapping_a` and `overlapping_b` count "
            "the spans found, `relaxed_f1` is the harmonic mean of overlapping_a / spans_a and "
            "overlapping_b / spans_b (not one to one).\n\n"
            "Each pair has its figures summed over labels and per label (the labels either of "
            "them used on those articles). `labels` pools each label over every pair, the "
            "top-level `matches`, `spans` and `f1` pool everything (micro-average). An F1 is "
            "null when there is no span to compare. `label` restricts the spans compared (not "
            "the articles); `article` restricts the articles. No annotator, or one: 200 with "
            "empty `pairs`."
        ),
        parameters=[serializers.AgreementQuerySerializer],
        responses={
            200: serializers.AgreementSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A bad filter: an unknown basis, or a label or article id that "
                "is not the project's (DRF's field messages).",
            ),
            404: OpenApiResponse(
                serializers.ErrorSerializer, description="Not a project of yours."
            ),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def agreement(self, request, pk=None):
        """Inter-annotator agreement per pair of annotators and per label: exact and relaxed
        F1 over the articles both annotated (the schema at /api/v1/docs/ tells the method)."""
        project = self.get_object()
        # A blank parameter means no filter, as on the list endpoints.
        params = {key: value for key, value in request.query_params.items() if value != ""}
        query = serializers.AgreementQuerySerializer(data=params, context={"project": project})
        query.is_valid(raise_exception=True)
        result = selectors.project_agreement(project=project, **query.validated_data)
        return Response(serializers.AgreementSerializer(result).data)


# --- labels ---------------------------------------------------------------------------------


class LabelViewSet(ServiceViewSet):
    """A project's labels; only managers change them. A label in use cannot be deleted."""

    queryset = Label.objects.none()

    serializer_class = serializers.LabelSerializer
    update_serializer_class = serializers.LabelUpdateSerializer
    filterset_class = filters.LabelFilter

    def scoped_queryset(self, user):
        return selectors.scope_to_user(Label.objects.select_related("project"), user=user).order_by(
            "project_id", "order", "name", "id"
        )

    def perform_create(self, data):
        return services.label_create(user=self.request.user, **data)

    def perform_update(self, label, data):
        return services.label_update(label=label, user=self.request.user, **data)

    def perform_destroy(self, label):
        services.label_delete(label=label, user=self.request.user)


# --- articles -------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(responses=serializers.ArticleListSerializer(many=True)))
class ArticleViewSet(ServiceViewSet):
    """Articles of your projects; the list leaves the body out. Managers change them."""

    queryset = Article.objects.none()

    serializer_class = serializers.ArticleSerializer
    update_serializer_class = serializers.ArticleUpdateSerializer
    filterset_class = filters.ArticleFilter

    def scoped_queryset(self, user):
        queryset = selectors.scope_to_user(Article.objects.all(), user=user)
        if self.action == "list":
            queryset = queryset.defer("body")
        # A correlated count rather than a join and GROUP BY: the article's row (a 200,000-
        # character body on retrieve) is not carried through a join with each of its spans.
        span_count = (
            Span.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return queryset.annotate(span_count=Coalesce(Subquery(span_count), 0)).order_by(
            "project_id", "-published_on", "id"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ArticleListSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        if request.query_params:  # the list's filters apply to the detail too: the general way
            return super().retrieve(request, *args, **kwargs)
        # A 200,000-character article is mostly its body: the one query is written out.
        digits = self.kwargs["pk"]  # by the route; int() refuses thousands of them
        pk = int(digits) if len(digits) <= 19 else None
        article = (
            selectors.article_detail(pk=pk, user=request.user)
            if pk is not None and pk <= MAX_ID
            else None
        )
        if article is None:
            raise Http404
        self.check_object_permissions(request, article)
        return Response(self.output(article))

    def perform_create(self, data):
        user = self.request.user
        article = services.article_create(created_by=user, user=user, **data)
        return self.refetch(article)

    def perform_update(self, article, data):
        article = services.article_update(article=article, user=self.request.user, **data)
        return self.refetch(article)

    def perform_destroy(self, article):
        services.article_delete(article=article, user=self.request.user)


# --- actors ---------------------------------------------------------------------------------


class ActorViewSet(ServiceViewSet):
    """The actor registry shared by all projects; only staff delete (409 while in use)."""

    queryset = Actor.objects.none()

    serializer_class = serializers.ActorSerializer
    update_serializer_class = serializers.ActorUpdateSerializer
    filterset_class = filters.ActorFilter

    def scoped_queryset(self, user):
        return selectors.actors_with_counts(user=user).order_by("name", "id")

    def perform_create(self, data):
        return self.refetch(services.actor_create(**data))

    def perform_update(self, actor, data):
        return self.refetch(services.actor_update(actor=actor, **data))

    def perform_destroy(self, actor):
        services.actor_delete(actor=actor, user=self.request.user)


# --- spans ----------------------------------------------------------------------------------


def spans_for_api(user):
    """Spans of the user's projects with what the span serializer renders, in two queries."""
    return selectors.scope_to_user(
        Span.objects.select_related("annotator").prefetch_related(
            Prefetch("span_actors", queryset=SpanActor.objects.order_by("id"))
        ),
        user=user,
    )


_SPAN_OR_LIST = PolymorphicProxySerializer(
    component_name="SpanOrList",
    serializers=[serializers.SpanSerializer, serializers.SpanSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    create=extend_schema(
        description="One span, or a list of spans created all or nothing.",
        request=_SPAN_OR_LIST,
        responses={
            201: _SPAN_OR_LIST,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="One span: DRF's field messages. A list: "
                '`{"items": [{"index", "errors"}]}`, each refused item by its index '
                "(from 0) with its field messages; nothing is created.",
            ),
        },
    ),
    partial_update=extend_schema(
        description="Carries the version the change is based on: missing → 400, stale → 409.",
    ),
)
class SpanViewSet(ServiceViewSet):
    """Spans of your projects, paged by cursor in id order."""

    queryset = Span.objects.none()

    serializer_class = serializers.SpanSerializer
    update_serializer_class = serializers.SpanUpdateSerializer
    filterset_class = filters.SpanFilter
    pagination_class = SpanCursorPagination

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.scope_to_user(Span.objects.all(), user=user)
        return spans_for_api(user)

    def list(self, request, *args, **kwargs):
        # Rows, not model instances: a page of 1,000 spans is built in one pass by span_rows,
        # which answers exactly what SpanSerializer does (tests/test_api_spans_fast.py).
        article = serializers.plain_article_page(request.query_params)
        if article is not None:
            rows = serializers.ArticleSpanRows(article=article, user=request.user)
        else:
            queryset = self.filter_queryset(self.get_queryset())
            rows = queryset.values_list(*serializers.span_row_columns())
        return self.get_paginated_response(serializers.span_rows(self.paginate_queryset(rows)))

    def create(self, request, *args, **kwargs):
        """One route into ``services.span_create``, which picks its way (one statement on
        PostgreSQL, else the ORM). A plain one-span input (``plain_span_input``: the
        serializer's rules, without its per-field machinery) goes with the article and label
        as ids, which the service reads with its other facts. Anything else, and any plain
        input the service refuses (it wrote nothing), goes through the serializer, so a
        refusal is answered as ever: an id outside your projects is "does not exist"."""
        values = serializers.plain_span_input(request.data)
        if values is not None:
            try:
                span = services.span_create(annotator=request.user, **values)
            except (
                django_exceptions.ValidationError,
                django_exceptions.PermissionDenied,
                django_exceptions.ObjectDoesNotExist,
            ):
                pass  # the serializer's way below answers the refusal
            else:
                span.api_actors = []  # none were given: nothing to read back
                return Response(
                    serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED
                )
        many = isinstance(request.data, list)
        serializer = serializers.SpanSerializer(
            data=request.data,
            many=many,
            context=self.get_serializer_context(),
            **({"allow_empty": False, "max_length": serializers.MAX_BULK} if many else {}),
        )
        serializer.is_valid(raise_exception=True)
        user = request.user
        if many:
            spans = services.span_bulk_create(
                items=[dict(item) for item in serializer.validated_data], annotator=user
            )
            spans = self.get_queryset().filter(pk__in=[span.pk for span in spans]).order_by("id")
            data = serializers.SpanSerializer(spans, many=True).data
            return Response(data, status=status.HTTP_201_CREATED)
        span = services.span_create(annotator=user, **serializer.validated_data)
        if not serializer.validated_data.get("actors"):
            span.api_actors = []  # nothing to read back: no query on the hot path
        return Response(serializers.SpanSerializer(span).data, status=status.HTTP_201_CREATED)

    def perform_update(self, span, data):
        span = services.span_update(span=span, user=self.request.user, **data)
        return self.refetch(span)

    def perform_destroy(self, span):
        services.span_delete(span=span, user=self.request.user)


# --- relations ------------------------------------------------------------------------------


class RelationViewSet(ServiceViewSet):
    """Typed links between two spans of one article; only their annotator changes them."""

    queryset = Relation.objects.none()

    serializer_class = serializers.RelationSerializer
    update_serializer_class = serializers.RelationUpdateSerializer
    filterset_class = filters.RelationFilter

    def scoped_queryset(self, user):
        queryset = Relation.objects.select_related("annotator").order_by("id")
        if self.action in ("partial_update", "destroy"):
            queryset = queryset.select_related("article", "from_span", "to_span").defer(
                "article__body"
            )
        return selectors.scope_to_user(queryset, user=user, project_field="article__project")

    def perform_create(self, data):
        return services.relation_create(annotator=self.request.user, **data)

    def perform_update(self, relation, data):
        return services.relation_update(relation=relation, user=self.request.user, **data)

    def perform_destroy(self, relation):
        services.relation_delete(relation=relation, user=self.request.user)


# --- history --------------------------------------------------------------------------------


class SpanEventViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Every create, change, delete and restore of a span, newest first."""

    queryset = SpanEvent.objects.none()

    serializer_class = serializers.SpanEventSerializer
    filterset_class = filters.SpanEventFilter

    def scoped_queryset(self, user):
        return selectors.scope_to_user(
            SpanEvent.objects.select_related("user"), user=user
        ).order_by("-at", "-id")

    @extend_schema(
        request=None,
        responses={200: serializers.SpanSerializer},
        summary="Put the span back as it was before this event",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request, pk=None):
        event = self.get_object()
        span = services.span_restore(event=event, user=request.user)
        span = spans_for_api(request.user).get(pk=span.pk)
        return Response(serializers.SpanSerializer(span).data)
