"""Fixtures of the import tests: the unicode corpus and empty projects to import it into."""

import pytest

from annotations.models import Membership, Role

from ..factories import ProjectFactory


@pytest.fixture
def target(manager):
    """An empty project whose manager is ``max``."""
    project = ProjectFactory(name="Target", slug="target")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    return project


@pytest.fixture
def corpus_target(corpus, manager):
    """An empty project with the corpus's annotators as members."""
    project = ProjectFactory(name="Copy", slug="copy")
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    for user in corpus.users.values():
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    return project
