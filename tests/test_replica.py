"""Heavy reads on a read replica (``annotations.replica``): exports, analytics and agreement
read on the ``replica`` alias, everything else on ``default``.

The replica here is a second alias on the database under test (a second connection, as a real
replica would be), added for the test: every statement is recorded with the alias it ran on,
whatever thread ran it (the export's read-ahead reads in a thread of its own).
"""

import re
from collections import defaultdict

import pytest
from django.db import connections, router, transaction
from django.db.backends.signals import connection_created

from annotations import services
from annotations.exports import export_stream
from annotations.models import Span
from annotations.replica import REPLICA, read_alias, replica_reads
from annotations.selectors import analytics
from annotations.selectors.agreement import project_agreement
from annotations.selectors.exports import export_articles

from .factories import ArticleFactory
from .test_settings import settings_value


class Statements:
    """Every SQL statement run while it is entered, by the alias of its connection."""

    def __init__(self):
        self.by_alias = defaultdict(list)
        self._installed = []

    def _wrapper(self, alias):
        def record(execute, sql, params, many, context):
            self.by_alias[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    def _created(self, sender, connection, **kwargs):
        if not any(wrap is connection for wrap, _ in self._installed):
            self._install(connection)

    def _install(self, connection):
        wrapper = self._wrapper(connection.alias)
        connection.execute_wrappers.append(wrapper)
        self._installed.append((connection, wrapper))

    def __enter__(self):
        connection_created.connect(self._created)
        for alias in connections:
            self._install(connections[alias])
        return self

    def __exit__(self, *exc):
        connection_created.disconnect(self._created)
        for connection, wrapper in self._installed:
            if wrapper in connection.execute_wrappers:
                connection.execute_wrappers.remove(wrapper)

    def reads(self, alias, table):
        return [sql for sql in self.by_alias[alias] if "SELECT" in sql and f'"{table}"' in sql]

    def writes(self, alias):
        return [sql for sql in self.by_alias[alias] if re.search(r"\b(INSERT|UPDATE)\b", sql)]


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """A ``replica`` alias on the database under test (a mirror, as the settings make it when
    ``DATABASE_REPLICA_URL`` is set), there before the tests' database access is set up."""
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    yield
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(settings):
    """The router, as the settings install it with the replica."""
    settings.DATABASE_ROUTERS = ["annotations.replica.ReplicaRouter"]
    return REPLICA


# A replica sees committed rows only: no test transaction around these.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def test_an_export_reads_on_the_replica_and_gives_the_same_file(corpus, replica, settings):
    plain = b"".join(
        chunk.encode() if isinstance(chunk, str) else chunk
        for chunk in export_stream(corpus.project, "jsonl")[2]
    )  # before the router: all on default

    with Statements() as ran:
        routed = b"".join(
            chunk.encode() if isinstance(chunk, str) else chunk
            for chunk in export_stream(corpus.project, "jsonl")[2]
        )

    assert routed == plain and plain.count(b"\n") == 3
    assert ran.reads(REPLICA, "annotations_article")
    if connections["default"].vendor == "postgresql":
        assert ran.reads(REPLICA, "annotations_span")  # by the read-ahead's own thread
    assert not ran.reads("default", "annotations_article")
    assert not ran.reads("default", "annotations_span")


def test_analytics_and_agreement_read_on_the_replica(corpus, replica):
    filters = analytics.AnalyticsFilters()
    with Statements() as ran:
        analytics.project_timeline(project=corpus.project, filters=filters, interval="month")
        analytics.source_distribution(project=corpus.project, filters=filters)
        analytics.actors_ranked(project=corpus.project, filters=filters)
        project_agreement(project=corpus.project)

    def spans_or_links(alias):  # PostgreSQL's analytics: hand SQL, the links' copies of spans
        tables = ("annotations_span", "annotations_linkcount")  # and the counts kept of them
        return [s for s in ran.by_alias[alias] if "SELECT" in s and any(t in s for t in tables)]

    assert len(spans_or_links(REPLICA)) >= 4
    assert not spans_or_links("default")


def test_writes_and_other_reads_stay_on_the_primary(corpus, replica):
    article = corpus.project.articles.first()
    label = corpus.project.labels.filter(kind="span").first()
    with Statements() as ran:
        span = services.span_create(
            article=article, start=0, end=3, label=label, annotator=corpus.users["alice"]
        )
        assert Span.objects.filter(pk=span.pk).exists()

    assert ran.writes("default") and not ran.writes(REPLICA)
    assert ran.reads("default", "annotations_span") and not ran.by_alias[REPLICA]
    assert read_alias() == "default"
    with replica_reads():
        assert read_alias() == REPLICA
        assert router.db_for_write(Span) == "default"  # a write inside the block too


def test_inside_a_transaction_the_export_reads_the_primary_and_sees_its_writes(corpus, replica):
    with Statements() as ran, transaction.atomic():
        fresh = ArticleFactory(project=corpus.project, title="Written just now")
        with replica_reads():
            assert read_alias() == "default"
        titles = [article.title for article in export_articles(project=corpus.project)]

    assert "Written just now" in titles and fresh.pk
    assert not ran.by_alias[REPLICA]


def test_without_the_router_nothing_is_routed(corpus):
    assert router.routers == []
    with replica_reads():
        assert read_alias() == "default"


def test_the_settings_add_the_alias_and_the_router_only_when_the_url_is_set():
    url = "postgres://reader@10.0.0.9:5432/assay"
    with_url = settings_value(
        "(s.DATABASES['replica']['HOST'], s.DATABASES['replica']['TEST']['MIRROR'],"
        " s.DATABASE_ROUTERS)",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://writer@10.0.0.8:5432/assay",
        DATABASE_REPLICA_URL=url,
    )
    without = settings_value("(sorted(s.DATABASES), s.DATABASE_ROUTERS)", DJANGO_DEBUG="1")

    assert with_url.stdout.strip() == (
        "('10.0.0.9', 'default', ['annotations.replica.ReplicaRouter'])"
    ), with_url.stderr
    assert without.stdout.strip() == "(['default'], [])", without.stderr
