"""article_create, article_update, article_delete: ingest rules of the SPEC's "Offsets"."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.errors import Conflict
from annotations.models import Article, SpanEvent
from annotations.services import DuplicateArticle

from ..factories import ArticleFactory, ProjectFactory, SpanFactory, superuser

pytestmark = pytest.mark.django_db


def create(project, body="ISW assesses that the war continues.", **fields) -> Article:
    fields.setdefault("user", superuser())
    return services.article_create(project=project, body=body, **fields)


# --- article_create --------------------------------------------------------------------------


def test_crlf_and_lone_cr_become_lf(project):
    article = create(project, "First line\r\nsecond\rthird\n\rfourth")
    article.refresh_from_db()
    assert article.body == "First line\nsecond\nthird\n\nfourth"


def test_sha256_is_of_the_normalised_utf8_body(project):
    article = create(project, "Лукашенко 🇧🇾\r\nISW")
    article.refresh_from_db()
    assert article.sha256 == hashlib.sha256("Лукашенко 🇧🇾\nISW".encode()).hexdigest()


def test_same_text_with_other_line_endings_is_a_duplicate(project):
    first = create(project, "One\ntwo")
    with pytest.raises(DuplicateArticle) as caught:
        create(project, "One\r\ntwo")
    assert caught.value.existing == first


def test_duplicate_body_is_reported_with_the_existing_article(project):
    first = create(project, "Same text.", title="First")
    with pytest.raises(DuplicateArticle) as caught:
        create(project, "Same text.", title="Second")
    assert isinstance(caught.value, ValidationError)
    assert caught.value.existing == first
    assert caught.value.message_dict["body"] == [
        f"The project already has this text: article {first.pk} “First”."
    ]
    assert Article.objects.filter(project=project).count() == 1


def test_same_body_in_another_project_is_fine(project):
    create(project, "Same text.")
    assert create(ProjectFactory(), "Same text.").pk


@pytest.mark.parametrize(
    ("field", "fields"),
    [
        ("body", {"body": "Belarus\x00 remains"}),
        ("body", {"body": "Belarus \ud83c remains"}),
        ("title", {"title": "Daily\x00update"}),
        ("title", {"title": "Daily \udc00"}),
        ("source", {"source": "IS\x00W"}),
        ("author", {"author": "\ud800"}),
        ("metadata", {"metadata": {"note": "a\x00b"}}),
        ("metadata", {"metadata": {"ke\x00y": 1}}),
        ("metadata", {"metadata": {"nested": [{"deep": ["ok", "\udfff"]}]}}),
    ],
)
def test_nul_and_lone_surrogates_refused_naming_the_field(project, field, fields):
    fields = {"body": "A fine body.", **fields}
    with pytest.raises(ValidationError) as caught:
        services.article_create(project=project, user=superuser(), **fields)
    assert list(caught.value.message_dict) == [field]
    message = caught.value.message_dict[field][0]
    assert "NUL character" in message or "lone surrogate" in message
    assert not Article.objects.exists()


def test_nul_error_says_where(project):
    with pytest.raises(ValidationError) as caught:
        create(project, "🇺🇦 ab\x00")
    assert caught.value.message_dict == {"body": ["Contains a NUL character at position 5."]}


@pytest.mark.parametrize("body", ["", "   ", "\r\n\r\n", "\t \n"])
def test_blank_body_refused(project, body):
    with pytest.raises(ValidationError) as caught:
        create(project, body)
    assert "body" in caught.value.message_dict


def test_body_must_be_text(project):
    with pytest.raises(ValidationError) as caught:
        create(project, b"bytes")
    assert caught.value.message_dict == {"body": ["Must be text."]}


@pytest.mark.parametrize("title", [None, "", "   ", "\r\n"])
def test_blank_title_is_taken_from_the_first_line(project, title):
    article = create(project, "\n  \n  ISW: Belarus holds  \nThe rest.", title=title)
    article.refresh_from_db()
    assert article.title == "ISW: Belarus holds"


def test_missing_title_is_taken_from_the_first_line(project):
    article = create(project, "北京 שלום\nmore")
    assert article.title == "北京 שלום"


def test_derived_title_keeps_200_characters(project):
    article = create(project, "x" * 300 + "\nmore")
    assert article.title == "x" * 199 + "…"  # one word longer than a title: cut, marked


def test_derived_title_is_cut_at_a_word_boundary(project):
    line = " ".join(["Lukashenko", "rejects", "Putin's", "integration", "demands"] * 10)
    article = create(project, line + "\nThe rest.")
    assert len(line) > 200 and len(article.title) <= 200
    assert article.title.endswith("…")
    kept = article.title.removesuffix("…")
    assert line.startswith(kept) and line[len(kept)] == " "  # whole words only
    assert len(kept) > 150  # as many as fit


def test_title_line_breaks_become_spaces(project):
    article = create(project, title="Russian Offensive\r\nCampaign Assessment")
    assert article.title == "Russian Offensive Campaign Assessment"


def test_fields_are_stored_and_published_on_parsed(project):
    article = create(
        project,
        title="ISW",
        source="ISW",
        url="https://www.understandingwar.org/backgrounder/belarus",
        published_on="2026-06-21",
        author="Kateryna Stepanenko",
        language="en",
        external_id="isw-2026-06-21",
        metadata={"tags": ["Belarus", "Лукашенко"], "pages": 3},
    )
    article.refresh_from_db()
    assert article.published_on == datetime.date(2026, 6, 21)
    assert article.metadata == {"tags": ["Belarus", "Лукашенко"], "pages": 3}
    assert article.external_id == "isw-2026-06-21"


@pytest.mark.parametrize(
    ("field", "fields"),
    [
        ("url", {"url": "not a url"}),
        ("url", {"url": "javascript:alert(1)"}),
        ("url", {"url": "https://example.org/" + "a" * 2000}),
        ("title", {"title": "t" * 501}),
        ("source", {"source": "s" * 201}),
        ("published_on", {"published_on": "2026-02-30"}),
        ("published_on", {"published_on": "yesterday"}),
        ("published_on", {"published_on": 20260621}),
        ("published_on", {"published_on": ["2026-06-21"]}),
        ("metadata", {"metadata": ["not", "an", "object"]}),
        ("metadata", {"metadata": {"tags": {"a set"}}}),
        ("metadata", {"metadata": {"score": float("nan")}}),
    ],
)
def test_bad_fields_are_validation_errors_not_database_errors(project, field, fields):
    with pytest.raises(ValidationError) as caught:
        create(project, **fields)
    assert field in caught.value.message_dict
    assert not Article.objects.exists()


def test_an_unknown_field_is_not_a_parameter(project):
    with pytest.raises(TypeError, match="unknown"):
        create(project, unknown="field")
    assert not Article.objects.exists()


def test_created_by_is_recorded(project, manager):
    assert create(project, created_by=manager).created_by == manager


@pytest.mark.parametrize("role_fixture", ["annotator", "reviewer", "outsider"])
def test_with_a_user_only_a_manager_adds_an_article(project, role_fixture, request):
    with pytest.raises(PermissionDenied):
        create(project, user=request.getfixturevalue(role_fixture))
    assert not Article.objects.exists()


def test_a_manager_adds_an_article(project, manager):
    assert create(project, user=manager).pk


# --- article_update --------------------------------------------------------------------------


def test_body_can_change_while_no_span_refers_to_it(project, manager):
    article = create(project, "Old text.")
    updated = services.article_update(article=article, user=manager, body="New\r\ntext.")
    updated.refresh_from_db()
    assert updated.body == "New\ntext."
    assert updated.sha256 == hashlib.sha256(b"New\ntext.").hexdigest()


def test_body_is_frozen_once_a_span_refers_to_it(article, manager):
    SpanFactory(article=article)
    with pytest.raises(Conflict):
        services.article_update(article=article, user=manager, body="Another text.")
    article.refresh_from_db()
    assert article.body.startswith("ISW assesses")


def test_same_body_with_other_line_endings_is_no_change_even_with_spans(project, manager):
    article = create(project, "One\ntwo")
    SpanFactory(article=article)
    updated = services.article_update(article=article, user=manager, body="One\r\ntwo", title="T")
    assert (updated.body, updated.title) == ("One\ntwo", "T")


def test_other_fields_change_while_spans_exist(article, manager):
    SpanFactory(article=article)
    before = article.updated_at
    updated = services.article_update(article=article, user=manager, source="RAND", url="")
    updated.refresh_from_db()
    assert updated.source == "RAND"
    assert updated.updated_at > before


def test_update_to_another_articles_body_is_a_duplicate(project):
    first = create(project, "First.")
    second = create(project, "Second.")
    with pytest.raises(DuplicateArticle) as caught:
        services.article_update(article=second, user=superuser(), body="First.")
    assert caught.value.existing == first


def test_update_with_blank_title_takes_the_first_line(project):
    article = create(project, "Headline\nbody", title="Old title")
    assert services.article_update(article=article, user=superuser(), title="").title == "Headline"


def test_update_validates_like_create(project):
    article = create(project)
    with pytest.raises(ValidationError) as caught:
        services.article_update(article=article, user=superuser(), title="a\x00", url="nope")
    assert set(caught.value.message_dict) == {"title", "url"}


@pytest.mark.parametrize("role_fixture", ["annotator", "reviewer", "outsider"])
def test_only_a_manager_updates_an_article(article, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        services.article_update(article=article, user=user, title="Mine")


# --- article_delete --------------------------------------------------------------------------


def test_delete_refused_while_spans_exist(article, manager):
    SpanFactory(article=article)
    with pytest.raises(Conflict) as caught:
        services.article_delete(article=article, user=manager)
    assert "1 spans" in caught.value.message
    assert Article.objects.filter(pk=article.pk).exists()


def test_delete_without_spans_removes_the_article_and_its_history(article, manager):
    span = SpanFactory(article=article)
    services.span_delete(span=span, user=span.annotator)
    assert SpanEvent.objects.filter(article=article).count() == 2
    services.article_delete(article=article, user=manager)
    assert not Article.objects.filter(pk=article.pk).exists()
    assert not SpanEvent.objects.filter(article_id=article.pk).exists()


def test_only_a_manager_deletes_an_article(article, annotator):
    with pytest.raises(PermissionDenied):
        services.article_delete(article=article, user=annotator)
    assert Article.objects.filter(pk=article.pk).exists()


def test_factory_writes_through_the_service(project):
    article = ArticleFactory(project=project, body="a\r\nb")
    assert article.body == "a\nb"


def test_adding_or_changing_an_article_names_who_does_it(project, manager):
    """No ``user`` is a TypeError, not a write that skips the role check."""
    with pytest.raises(TypeError):
        services.article_create(project=project, body="Nobody's.")
    article = services.article_create(project=project, body="Mine.", user=manager)
    with pytest.raises(TypeError):
        services.article_update(article=article, title="Nobody's")
    assert not project.articles.filter(body="Nobody's.").exists()
