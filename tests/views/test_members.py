"""The members page: managers add people by username, change roles, remove; one manager stays."""

import pytest
from django.urls import reverse

from annotations.models import Membership, Role

from ..factories import UserFactory

HX = {"HTTP_HX_REQUEST": "true"}


def members_url(project):
    return reverse("annotations:project-members", args=[project.slug])


def role_url(project, username):
    return reverse("annotations:member-role", args=[project.slug, username])


def remove_url(project, username):
    return reverse("annotations:member-remove", args=[project.slug, username])


def roles(project):
    return dict(Membership.objects.filter(project=project).values_list("user__username", "role"))


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_the_project_page_links_to_members_for_managers_only(client, project, manager, annotator):
    client.force_login(manager)
    page = client.get(reverse("annotations:project-detail", args=[project.slug]))
    assert f'href="{members_url(project)}"' in page.content.decode()
    client.force_login(annotator)
    page = client.get(reverse("annotations:project-detail", args=[project.slug]))
    assert f'href="{members_url(project)}"' not in page.content.decode()


def test_members_page_lists_members_and_roles(as_manager, project, annotator, reviewer):
    html = as_manager.get(members_url(project)).content.decode()
    assert 'data-member="alice"' in html and 'data-member="rita"' in html
    assert 'aria-label="Role of rita"' in html
    assert "Add a member" in html


def test_a_member_who_is_no_manager_sees_the_list_without_controls(client, project, annotator):
    client.force_login(annotator)
    html = client.get(members_url(project)).content.decode()
    assert 'data-member="alice"' in html
    assert "Add a member" not in html and "Change role" not in html


def test_an_outsider_gets_404(client, project, outsider):
    client.force_login(outsider)
    assert client.get(members_url(project)).status_code == 404


def test_add_by_username_over_htmx_answers_the_fragment(as_manager, project, manager):
    UserFactory(username="bob")
    response = as_manager.post(members_url(project), {"username": "bob", "role": "reviewer"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="members"')
    assert "bob added as reviewer." in html
    assert 'id="id_username"' in html and "autofocus" in html  # the next name, by keyboard
    assert roles(project) == {"max": Role.MANAGER, "bob": Role.REVIEWER}


def test_add_without_htmx_redirects_to_the_page(as_manager, project):
    UserFactory(username="bob")
    response = as_manager.post(members_url(project), {"username": "bob", "role": "annotator"})
    assert response.status_code == 302
    page = as_manager.get(response.url).content.decode()
    assert "bob added as annotator." in page


def test_an_unknown_username_is_named(as_manager, project):
    response = as_manager.post(
        members_url(project), {"username": "nobody", "role": "annotator"}, **HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "No one has the username “nobody”." in html
    assert 'value="nobody"' in html  # kept to correct
    assert 'aria-invalid="true"' in html


def test_someone_already_a_member_is_not_added_twice(as_manager, project, annotator):
    response = as_manager.post(members_url(project), {"username": "alice", "role": "manager"}, **HX)
    assert response.status_code == 422
    assert "alice is already a member, as annotator" in response.content.decode()
    assert roles(project)["alice"] == Role.ANNOTATOR


def test_an_unknown_role_is_refused(as_manager, project):
    UserFactory(username="bob")
    response = as_manager.post(members_url(project), {"username": "bob", "role": "boss"}, **HX)
    assert response.status_code == 422
    assert "bob" not in roles(project)


def test_change_role(as_manager, project, annotator):
    response = as_manager.post(role_url(project, "alice"), {"role": "reviewer"}, **HX)
    assert response.status_code == 200
    assert "alice is now reviewer." in response.content.decode()
    assert roles(project)["alice"] == Role.REVIEWER


def test_the_last_manager_keeps_the_role_and_stays(as_manager, project, manager):
    demoted = as_manager.post(role_url(project, "max"), {"role": "annotator"}, **HX)
    assert demoted.status_code == 409
    assert "A project needs at least one manager." in demoted.content.decode()
    removed = as_manager.post(remove_url(project, "max"), **HX)
    assert removed.status_code == 409
    assert roles(project) == {"max": Role.MANAGER}


def test_remove(as_manager, project, annotator):
    response = as_manager.post(remove_url(project, "alice"), **HX)
    assert response.status_code == 200
    assert "alice removed from the project." in response.content.decode()
    assert "alice" not in roles(project)


def test_a_manager_who_leaves_goes_to_the_project_list(as_manager, project, make_member):
    make_member(Role.MANAGER, username="mia")
    response = as_manager.post(remove_url(project, "max"), **HX)
    assert response["HX-Redirect"] == reverse("annotations:project-list")
    assert roles(project) == {"mia": Role.MANAGER}


@pytest.mark.parametrize("who", ["annotator", "reviewer"])
def test_only_managers_change_members(client, project, annotator, reviewer, who):
    client.force_login(annotator if who == "annotator" else reviewer)
    UserFactory(username="bob")
    added = client.post(members_url(project), {"username": "bob", "role": "manager"}, **HX)
    changed = client.post(role_url(project, "alice"), {"role": "manager"}, **HX)
    removed = client.post(remove_url(project, "rita"), **HX)
    assert (added.status_code, changed.status_code, removed.status_code) == (403, 403, 403)
    assert roles(project) == {"alice": Role.ANNOTATOR, "rita": Role.REVIEWER}


def test_a_member_of_another_project_is_404(as_manager, project, make_member):
    from ..factories import ProjectFactory

    other = make_member(Role.ANNOTATOR, username="olga", in_project=ProjectFactory())
    assert other.username == "olga"
    assert as_manager.post(role_url(project, "olga"), {"role": "reviewer"}, **HX).status_code == 404
    assert as_manager.post(remove_url(project, "olga"), **HX).status_code == 404


def test_a_username_with_url_characters_round_trips_without_htmx(as_manager, project):
    UserFactory(username="bob+ops@example.org")
    response = as_manager.post(
        members_url(project), {"username": "bob+ops@example.org", "role": "annotator"}
    )
    page = as_manager.get(response.url).content.decode()
    assert "bob+ops@example.org added as annotator." in page
    assert as_manager.post(remove_url(project, "bob+ops@example.org")).status_code == 302
    assert "bob+ops@example.org" not in roles(project)
