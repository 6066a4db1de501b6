"""The suggestions' tables hold their one-row invariants themselves."""

import pytest
from django.db import IntegrityError, transaction

from annotations.models import SuggestionBackend, SuggestionDismissal

pytestmark = pytest.mark.django_db


def test_a_dismissal_is_once_per_user_offsets_and_kind(article, annotator):
    fields = {"user": annotator, "article": article, "start": 0, "end": 3, "text": "ISW"}
    SuggestionDismissal.objects.create(kind="actor", **fields)
    SuggestionDismissal.objects.create(kind="source", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionDismissal.objects.create(kind="actor", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionDismissal.objects.create(**{**fields, "start": 3, "kind": "x"})
    assert "dismissed actor [0:3]" in str(SuggestionDismissal.objects.first())


@pytest.mark.parametrize(
    ("url", "timeout_ms"), [("", 2000), ("http://x/", 50), ("http://x/", 10**5)]
)
def test_a_backend_needs_a_url_and_a_bounded_timeout(project, url, timeout_ms):
    with pytest.raises(IntegrityError):
        SuggestionBackend.objects.create(project=project, url=url, timeout_ms=timeout_ms)
