"""permissions.py: the role rules, as pure functions of a role (and whose the object is)."""

import pytest
from django.core.exceptions import PermissionDenied

from annotations import permissions
from annotations.models import Role

from .factories import UserFactory

ROLES = [None, Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER]


def allowed(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_check_role_says_what_the_role_does_not_allow(role):
    assert allowed(permissions.check_role, role, permissions.MEMBER_ROLES, "annotate") == (
        role is not None
    )
    with pytest.raises(PermissionDenied, match="does not allow you to annotate"):
        permissions.check_role(None, permissions.MEMBER_ROLES, "annotate")


@pytest.mark.parametrize("role", ROLES[1:])
def test_span_rules_by_role_and_ownership(role):
    review, manage = role != Role.ANNOTATOR, role == Role.MANAGER
    assert allowed(permissions.check_span_status, role) == review
    for own in (True, False):
        assert allowed(permissions.check_span_change, role, own=own, fields={"note"}) == own
        assert allowed(permissions.check_span_change, role, own=own, fields={"status"}) == review
        assert allowed(permissions.check_span_delete, role, own=own) == (own or manage)
        assert allowed(permissions.check_span_restore, role, own=own) == (own or review)
        assert allowed(permissions.check_relation_change, role, own=own) == own
        assert allowed(permissions.check_relation_delete, role, own=own) == (own or manage)


def test_an_outsider_restores_nothing():
    with pytest.raises(PermissionDenied, match="not a member"):
        permissions.check_span_restore(None, own=True)


@pytest.mark.django_db
def test_staff_only():
    with pytest.raises(PermissionDenied, match="Only staff"):
        permissions.require_staff(UserFactory(), "Only staff merge actors.")
    permissions.require_staff(UserFactory(username="sam", is_staff=True), "Only staff")
