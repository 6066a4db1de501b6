"""The OpenAPI schema: valid, complete, and true -- schemathesis checks the API against it."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from annotations import services
from annotations.models import Membership, Role
from config.wsgi import application

from ..api_helpers import API, client_for
from ..factories import (
    ActorFactory,
    ArticleFactory,
    LabelFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

SPEC_PATHS = {
    "auth/token/": {"post"},
    "projects/": {"get", "post"},
    "projects/{id}/": {"get", "patch", "delete"},
    "projects/{id}/members/": {"get", "post"},
    "projects/{id}/members/{username}/": {"patch", "delete"},
    "labels/": {"get", "post"},
    "labels/{id}/": {"get", "patch", "delete"},
    "articles/": {"get", "post"},
    "articles/{id}/": {"get", "patch", "delete"},
    "actors/": {"get", "post"},
    "actors/{id}/": {"get", "patch", "delete"},
    "spans/": {"get", "post"},
    "spans/{id}/": {"get", "patch", "delete"},
    "relations/": {"get", "post"},
    "relations/{id}/": {"get", "patch", "delete"},
    "history/": {"get"},
    "history/{id}/restore/": {"post"},
    "projects/{id}/import/": {"post"},
    "projects/{id}/export/": {"get"},
    "projects/{id}/agreement/": {"get"},
}


@pytest.fixture
def openapi(db):
    return client_for().get(API + "schema/?format=json").json()


def test_every_endpoint_of_the_spec_is_documented(openapi):
    paths = {path.removeprefix(API): set(ops) for path, ops in openapi["paths"].items()}
    for path, methods in SPEC_PATHS.items():
        assert path in paths, path
        assert methods <= paths[path], path


def test_filters_and_errors_are_documented(openapi):
    spans = openapi["paths"][API + "spans/"]["get"]
    names = {p["name"] for p in spans["parameters"]}
    assert {
        "project",
        "article",
        "label",
        "actor",
        "role",
        "annotator",
        "status",
        "probability",
        "confidence",
        "q",
        "created_after",
        "created_before",
        "source",
        "subject",
        "probability_min",
        "published_after",
        "published_before",
        "cursor",
        "page_size",
    } <= names
    articles = {p["name"] for p in openapi["paths"][API + "articles/"]["get"]["parameters"]}
    assert {"project", "q", "source", "published_after", "published_before", "page"} <= articles
    patch = openapi["paths"][API + "spans/{id}/"]["patch"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(patch)
    assert "body" not in openapi["components"]["schemas"]["ArticleList"]["properties"]


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


# --- schemathesis ---------------------------------------------------------------------------


@pytest.fixture
def member_token(db):
    """A manager with data to find, so generated requests hit real objects as well as 404s."""
    user = UserFactory(username="fuzz")
    project = ProjectFactory(name="Fuzz")
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    article = ArticleFactory(project=project, body="ISW assesses that Belarus will not join.")
    label = LabelFactory(project=project, name="Assessment")
    rel = LabelFactory(project=project, name="Supports", kind="relation")
    actor = ActorFactory(name="ISW")
    first = SpanFactory(
        article=article, label=label, annotator=user, start=0, end=3, actors=[(actor, "source")]
    )
    second = SpanFactory(article=article, label=label, annotator=user, start=4, end=12)
    services.relation_create(from_span=first, to_span=second, label=rel, annotator=user)
    # A second annotator, so that agreement/ answers a pair with its per-label figures.
    SpanFactory(article=article, label=label, annotator=UserFactory(), start=0, end=3)
    return Token.objects.create(user=user).key


@pytest.fixture
def wsgi_safe_connections():
    """Raw WSGI calls would otherwise close the test transaction's connection (STACK.md 6)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection: the schema view needs neither a database nor a user.
schema = schemathesis.openapi.from_wsgi(API + "schema/?format=json", application)
# Methods an endpoint lacks answer 405 whatever the input: not worth a third of the run time.
schema.config.phases.coverage.unexpected_methods = set()


# CI runs a fixed set of examples (derandomize), so a green run stays green; set
# ASSAY_FUZZ_EXAMPLES=200 (say) for a wider, random search on a developer's machine.
FUZZ_EXAMPLES = os.environ.get("ASSAY_FUZZ_EXAMPLES")


@schema.parametrize()
@settings(
    max_examples=int(FUZZ_EXAMPLES or 8),
    derandomize=not FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # explicit: schemathesis' boundary "coverage" cases
)
def test_api_honours_its_schema(case, member_token, wsgi_safe_connections):
    case.call_and_validate(
        headers={"Authorization": f"Token {member_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
