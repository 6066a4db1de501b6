"""Every page as it reaches the browser holds no template syntax: a comment Django does not
support (a multi-line ``{# … #}``) or a tag it did not read would show as text, and could close
``<head>`` early, as base.html's once did on every page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Role

from ..factories import ActorFactory, ArticleFactory, LabelFactory, UserFactory

LEAKS = re.compile(r"\{#|#\}|\{%|%\}")


@pytest.fixture
def site(db, project, make_member):
    """A manager (staff), an annotator and a reviewer of a project with a label, an article,
    a span and an actor."""
    manager = make_member(Role.MANAGER, username="max", is_staff=True)
    annotator = make_member(Role.ANNOTATOR, username="alice")
    label = LabelFactory(project=project, name="Assessment", hotkey="1")
    article = ArticleFactory(project=project, body="ISW assesses that Belarus stays out.")
    span = services.span_create(article=article, start=0, end=3, label=label, annotator=manager)
    actor = ActorFactory(name="Belarus")
    gold = services.span_promote(span=span, user=manager)
    return {
        "gold": gold,
        "project": project,
        "manager": manager,
        "annotator": annotator,
        "article": article,
        "span": span,
        "actor": actor,
    }


def client_for(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def assert_clean(response, expected_status=200):
    html = response.content.decode()
    assert response.status_code == expected_status, (response.status_code, html[:300])
    leaks = [html[max(m.start() - 60, 0) : m.end() + 60] for m in LEAKS.finditer(html)]
    assert not leaks, leaks


def pages(site):
    slug, article = site["project"].slug, site["article"]
    annotate = reverse("annotations:annotate", args=[slug, article.pk])
    return [
        reverse("annotations:project-list"),
        reverse("annotations:project-detail", args=[slug]),
        annotate,
        f"{annotate}?span={site['span'].pk}",  # with the span's panel open
        reverse("annotations:project-review", args=[slug]),
        reverse("annotations:project-import", args=[slug]),
        reverse("annotations:project-export", args=[slug]),
        reverse("annotations:label-scheme", args=[slug]),
        reverse("annotations:project-agreement", args=[slug]),
        reverse("annotations:project-members", args=[slug]),
        reverse("annotations:actor-list"),
        reverse("annotations:actor-edit", args=[site["actor"].pk]),
        *reviewers_pages(site),
    ]


def reviewers_pages(site):
    slug, article = site["project"].slug, site["article"]
    compare = reverse("annotations:article-compare", args=[slug, article.pk])
    return [
        compare,
        f"{compare}?span={site['gold'].pk}",  # a gold span picked: its actions
        reverse("annotations:compare-edit", args=[slug, article.pk, site["gold"].pk]),
        reverse("annotations:project-assign", args=[slug]),
    ]


def test_the_sign_in_page(db):
    assert_clean(client_for().get(reverse("login")))


def test_every_page_of_a_manager(site):
    client = client_for(site["manager"])
    for url in pages(site):
        assert_clean(client.get(url))


def test_every_page_an_annotator_may_see(site):
    client = client_for(site["annotator"])
    refused = {  # pages for reviewers or managers: refused, on a page of their own
        reverse("annotations:project-review", args=[site["project"].slug]),
        reverse("annotations:project-import", args=[site["project"].slug]),
        *reviewers_pages(site),
    }
    for url in pages(site):
        response = client.get(url)
        assert_clean(response, 403 if url in refused else 200)


def test_the_error_pages(site):
    outsider = client_for(UserFactory(username="eve"))
    assert_clean(outsider.get(reverse("annotations:project-detail", args=["nope"])), 404)
    assert_clean(
        outsider.get(reverse("annotations:project-members", args=[site["project"].slug])), 404
    )
    # A refusal without htmx: the error page that leads back.
    manager = client_for(site["manager"])
    move = reverse("annotations:label-move", args=[site["project"].slug, 999_999])
    assert_clean(manager.post(move, {"direction": "up"}), 404)
    # A duplicate span without htmx: the error page, with its link to the span.
    create = reverse("annotations:span-create", args=[site["project"].slug, site["article"].pk])
    label = site["span"].label_id
    response = manager.post(create, {"start": 0, "end": 3, "label": label})
    assert_clean(response, 422)
    assert "Show that span" in response.content.decode()


def test_a_jobs_pages_and_the_sign_in_lock_out(site, settings, tmp_path):
    from annotations.services.jobs import job_export_start, job_run

    settings.JOBS_DIR = tmp_path
    client = client_for(site["manager"])
    job = job_export_start(project=site["project"], user=site["manager"])
    detail = reverse("annotations:job-detail", args=[site["project"].slug, job.pk])
    assert_clean(client.get(detail))  # queued
    job_run(job.pk)
    assert_clean(client.get(detail))  # done, with its download
    for _ in range(5):
        locked = client_for().post(reverse("login"), {"username": "max", "password": "wrong"})
    assert_clean(locked, 429)


def test_the_database_unavailable_page(site, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("gone")

    monkeypatch.setattr("annotations.views.projects.projects_for_user", down)
    assert_clean(client_for(site["manager"]).get(reverse("annotations:project-list")), 503)
