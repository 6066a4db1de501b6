"""The members page in Chromium, from the keyboard alone: add, change a role, remove."""

import pytest
from playwright.sync_api import expect

from annotations.models import Membership, Role
from tests.factories import UserFactory

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def roles(project):
    return dict(Membership.objects.filter(project=project).values_list("user__username", "role"))


def test_members_by_keyboard(page, live_server, workspace):
    UserFactory(username="bob")
    UserFactory(username="carol")
    project = workspace.project
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.get_by_role("link", name="Members").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()

    # Add bob as a reviewer: the username field, the role, Enter.
    page.get_by_label("Username").focus()
    page.keyboard.type("bob")
    page.keyboard.press("Tab")  # to the role
    page.keyboard.press("ArrowDown")  # Annotator → Reviewer
    page.keyboard.press("Tab")  # to "Add member"
    page.keyboard.press("Enter")
    expect(page.locator("#members [role=status]")).to_have_text("bob added as reviewer.")
    # The focus is back in the username field, ready for the next name.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("nobody")
    page.keyboard.press("Enter")
    expect(page.locator("#member-add-error")).to_have_text("No one has the username “nobody”.")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("carol")
    page.keyboard.press("Enter")
    expect(page.locator("#members [role=status]")).to_have_text("carol added as annotator.")
    assert roles(project) == {"alice": Role.MANAGER, "bob": Role.REVIEWER, "carol": Role.ANNOTATOR}

    # Change carol's role: her select, ArrowDown, Tab to its button, Enter.
    page.get_by_label("Role of carol").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#members [role=status]")).to_have_text("carol is now reviewer.")
    expect(page.get_by_label("Role of carol")).to_be_focused()
    screenshot(page, "members.png", full_page=True)

    # The last manager is kept: alice cannot make herself an annotator.
    page.get_by_label("Role of alice").focus()
    page.keyboard.press("Home")  # Annotator
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#members [role=alert]")).to_have_text(
        "A project needs at least one manager."
    )
    screenshot(page, "members-last-manager.png", full_page=True)
    assert roles(project)["alice"] == Role.MANAGER

    # Remove bob by his button.
    page.get_by_role("button", name="Remove bob from the project").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#members [role=status]")).to_have_text("bob removed from the project.")
    expect(page.get_by_label("Username")).to_be_focused()
    assert "bob" not in roles(project)
