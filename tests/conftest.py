import os

# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

from annotations.models import Label, Membership, Role

from .corpus import corpus  # noqa: F401  (the fixture, for tests/exports/ and tests/imports/)
from .factories import ArticleFactory, LabelFactory, ProjectFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the API's throttle counts are kept there and
    would otherwise add up over the whole run."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _jobs_dir(tmp_path_factory, settings):
    """Jobs keep their uploads and exports in a directory of the test's own, never in var/."""
    settings.JOBS_DIR = tmp_path_factory.mktemp("jobs")


@pytest.fixture
def project(db):
    return ProjectFactory()


@pytest.fixture
def make_member(project):
    """Create a user with ``role`` in ``project`` (the default project unless given)."""

    def make(role=Role.ANNOTATOR, *, in_project=None, **user_fields):
        user = UserFactory(**user_fields)
        Membership.objects.create(project=in_project or project, user=user, role=role)
        return user

    return make


@pytest.fixture
def annotator(make_member):
    return make_member(Role.ANNOTATOR, username="alice")


@pytest.fixture
def reviewer(make_member):
    return make_member(Role.REVIEWER, username="rita")


@pytest.fixture
def manager(make_member):
    return make_member(Role.MANAGER, username="max")


@pytest.fixture
def outsider(db):
    return UserFactory(username="eve")


@pytest.fixture
def label(project):
    return LabelFactory(project=project, name="Assessment", hotkey="a")


@pytest.fixture
def article(project):
    return ArticleFactory(
        project=project,
        body="ISW assesses that Belarus' involvement in the war remains unlikely.",
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", is_staff=True)


@pytest.fixture
def relation_label(project):
    return LabelFactory(project=project, name="Responds to", kind=Label.Kind.RELATION)


# Emoji and a flag (astral: two UTF-16 units each, the flag two code points), a combining
# accent, CJK and two right-to-left scripts: everything that shifts offsets between counts.
UNICODE_PREFIX = "🇺🇦 𝕏 café cafe\u0301 北京 שלום مرحبا "


@pytest.fixture
def unicode_article(project):
    return ArticleFactory(
        project=project,
        body=UNICODE_PREFIX + "ISW assesses that Belarus' involvement remains unlikely.\nEnd.",
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite: the test database is a file, not Django's in-memory database. That one has a
    shared cache, whose table locks fail a second connection at once ("database table is
    locked") where a file's lock makes it wait (the settings' busy timeout): the browser
    tests' live server answers the page's requests in threads of their own, and a span's
    proposals read while the next span is saved came back 503."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
