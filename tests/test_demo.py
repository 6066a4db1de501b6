from io import StringIO

import pytest
from django.core.management import call_command

from annotations import services
from annotations.models import (
    Actor,
    Article,
    Label,
    Membership,
    Project,
    Relation,
    Role,
    Span,
    SpanEvent,
)

from .factories import UserFactory

COUNTED = (Project, Membership, Label, Actor, Article, Span, Relation, SpanEvent)


@pytest.fixture
def password_file(tmp_path, monkeypatch):
    path = tmp_path / "demo-password.txt"
    monkeypatch.setattr("annotations.management.commands.demo.PASSWORD_FILE", path)
    return path


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_demo_creates_the_project_scheme_actors_and_article(db, password_file):
    output = run_demo()

    project = Project.objects.get(slug="isw-belarus")
    membership = Membership.objects.get(project=project, user__username="demo")
    assert membership.role == Role.MANAGER
    assert membership.user.is_staff and not membership.user.is_superuser
    password = password_file.read_text().strip()
    assert membership.user.check_password(password)
    assert password in output

    names = set(project.labels.values_list("name", flat=True))
    assert {"Assessment", "Claim", "Denial", "Threat rhetoric", "Evidence"} <= names
    assert {"responds to", "based on", "contradicts"} <= names
    hotkeys = [h for h in project.labels.values_list("hotkey", flat=True) if h]
    assert len(hotkeys) == len(set(hotkeys))

    lukashenko = Actor.objects.get(name="Alexander Lukashenko")
    assert {"Lukashenko", "Lukashenka"} <= set(lukashenko.aliases)
    assert Actor.objects.get(name="Vladimir Putin").wikidata_id == "Q7747"
    assert Actor.objects.filter(search_text__contains="путин").count() == 1

    article = project.articles.get()
    assert article.source == "ISW"
    assert article.title.startswith("Lukashenko rejects Putin")
    for span in article.spans.all():
        assert article.body[span.start : span.end] == span.text
    assessment = article.spans.get(label__name="Assessment")
    assert assessment.probability == "unlikely"
    assert set(assessment.span_actors.values_list("actor__name", "role")) == {
        ("Institute for the Study of War", "source"),
        ("Belarus", "subject"),
    }


def test_demo_twice_changes_nothing(db, password_file):
    run_demo()
    before = counts()
    password = password_file.read_text()

    output = run_demo()

    assert counts() == before
    assert password_file.read_text() == password
    assert password.strip() in output


def test_demo_account_can_use_the_admin(client, db, password_file):
    run_demo()
    signed_in = client.post(
        "/accounts/login/",
        {"username": "demo", "password": password_file.read_text().strip()},
    )
    assert signed_in.status_code == 302

    response = client.get("/admin/annotations/project/")

    assert response.status_code == 200
    assert "ISW on Belarus" in response.content.decode()


def test_demo_password_option_resets_it(db, password_file):
    run_demo()
    run_demo("--password", "a-new-demo-password")

    assert Membership.objects.get(user__username="demo").user.check_password("a-new-demo-password")


def test_demo_joins_an_existing_project_through_the_service(db, password_file):
    owner = UserFactory(username="owner")
    project = services.project_create(name="ISW on Belarus", slug="isw-belarus", creator=owner)

    run_demo()

    assert Membership.objects.get(project=project, user__username="demo").role == Role.MANAGER
    assert Membership.objects.get(project=project, user=owner).role == Role.MANAGER
