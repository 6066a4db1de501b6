"""Shared by the tests/test_api_*.py modules: clients signed in as a given user."""

import json

import pytest
from rest_framework.test import APIClient

from annotations.models import Membership, Role

from .factories import LabelFactory, SpanFactory, UserFactory

API = "/api/v1/"


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def send_json(client, method, path, payload):
    """Send ``payload`` as ASCII-escaped JSON, so lone surrogates travel as ``\\ud800``."""
    return getattr(client, method)(path, json.dumps(payload), content_type="application/json")


@pytest.fixture
def other_project_objects(db):
    """A project with a label, article, span and relation label that our users cannot see."""
    from .factories import ArticleFactory, ProjectFactory

    project = ProjectFactory(name="Hidden")
    owner = UserFactory(username="hidden-owner")
    Membership.objects.create(project=project, user=owner, role=Role.MANAGER)
    article = ArticleFactory(project=project, body="Secret body of another project.")
    label = LabelFactory(project=project, name="Secret")
    relation_label = LabelFactory(project=project, name="SecretRel", kind="relation")
    span = SpanFactory(article=article, label=label, annotator=owner, start=0, end=6)
    return {
        "project": project,
        "owner": owner,
        "article": article,
        "label": label,
        "relation_label": relation_label,
        "span": span,
    }
