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
    assessment = article.spans.get(label__name="Assessment", annotator__username="demo")
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


def test_demo_adds_a_second_annotator_and_a_reviewer_with_printed_passwords(db, password_file):
    output = run_demo()

    project = Project.objects.get(slug="isw-belarus")
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {
        "demo": Role.MANAGER,
        "demo-annotator": Role.ANNOTATOR,
        "demo-reviewer": Role.REVIEWER,
    }
    for username in ("demo-annotator", "demo-reviewer"):
        kept = password_file.with_name(f"demo-password-{username}.txt").read_text().strip()
        user = Membership.objects.get(project=project, user__username=username).user
        assert user.check_password(kept) and not user.is_staff
        assert f"username {username!r}  password {kept!r}" in output


def test_demo_spans_of_two_annotators_on_the_same_article_agree_and_differ(db, password_file):
    run_demo()

    article = Project.objects.get(slug="isw-belarus").articles.get()
    first = set(article.spans.filter(annotator__username="demo").values_list("start", "end"))
    keys = {
        user: set(
            article.spans.filter(annotator__username=user).values_list(
                "start", "end", "label__name"
            )
        )
        for user in ("demo", "demo-annotator")
    }
    assert first and keys["demo-annotator"]
    assert keys["demo"] & keys["demo-annotator"]  # some agree: agreement is not zero
    assert keys["demo-annotator"] - keys["demo"]  # some differ: review and compare show it
    for span in article.spans.all():
        assert article.body[span.start : span.end] == span.text


def test_demo_prints_urls_on_the_port_served(db, password_file, monkeypatch):
    monkeypatch.setenv("PORT", "8765")

    output = run_demo()

    assert "http://127.0.0.1:8765/projects/isw-belarus/" in output
    assert "http://127.0.0.1:8765/accounts/login/" in output
    assert ":8000" not in output
