"""bench/floor.py, the yardstick of bench/api_bench.py: routed only when ASSAY_BENCH_FLOOR=1."""

import importlib
import json

import pytest
from django.test import Client
from django.urls import clear_url_caches, resolve

import annotations.api.urls
import config.urls
from annotations.models import Span

from .factories import ArticleFactory, LabelFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor_routed(monkeypatch, settings):
    monkeypatch.setenv("ASSAY_BENCH_FLOOR", "1")
    importlib.reload(annotations.api.urls)
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    monkeypatch.delenv("ASSAY_BENCH_FLOOR")
    importlib.reload(annotations.api.urls)
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_floor_is_not_routed_by_default():
    assert resolve("/api/v1/bench/floor/").url_name == "api-not-found"


def test_the_floor_inserts_one_span(floor_routed):
    article = ArticleFactory(body="ISW assesses")
    label, user = LabelFactory(project=article.project), UserFactory()
    payload = {
        "article": article.pk,
        "project": article.project_id,
        "label": label.pk,
        "annotator": user.pk,
        "start": 0,
        "end": 3,
        "text": "ISW",
    }
    assert resolve("/api/v1/bench/floor/").url_name == "api-bench-floor"
    response = Client().post("/api/v1/bench/floor/", json.dumps(payload), "application/json")
    assert response.status_code == 201, response.content
    assert Span.objects.get(pk=response.json()["id"]).text == "ISW"
