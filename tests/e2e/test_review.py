"""The review queue in Chromium: keyboard only, each choice saved over htmx."""

import pytest

from annotations import services
from annotations.models import Role, Span
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_review_by_keyboard(page, live_server, workspace):
    bob = UserFactory(username="bob")
    services.membership_set(
        project=workspace.project, user=workspace.user, member=bob, role=Role.ANNOTATOR
    )
    label = workspace.labels["Claim"]
    first, second, third = (
        services.span_create(
            article=workspace.article, start=start, end=end, label=label, annotator=bob
        )
        for start, end in ((0, 5), (35, 82), (89, 95))
    )
    page.goto(f"{live_server.url}/projects/{workspace.project.slug}/review/")
    page.keyboard.press("j")  # to the first span
    page.keyboard.press("a")
    page.locator(f"#review-{first.pk}.status-accepted").wait_for()
    # The focus moved on to the next span: reject it, then step back up and undo the first.
    page.wait_for_function(f"() => document.activeElement.id === 'review-{second.pk}'")
    page.keyboard.press("r")
    page.locator(f"#review-{second.pk}.status-rejected").wait_for()
    page.wait_for_function(f"() => document.activeElement.id === 'review-{third.pk}'")
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("p")
    page.locator(f"#review-{first.pk}.status-pending").wait_for()

    statuses = dict(Span.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "pending", second.pk: "rejected", third.pk: "pending"}
    assert Span.objects.get(pk=first.pk).version == 3
