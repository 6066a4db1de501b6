"""The analytics' PostgreSQL fast path (``selectors/analytics_pg.py``) answers the rows of the
ORM reads it replaces, under every filter, and after the spans change: the links' copies of
their span's facts are kept by triggers (migration 0009)."""

import contextlib
import datetime
import itertools
import random
import threading

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from annotations import services
from annotations.models import Actor, ActorRole, Article, Probability, Span, SpanActor
from annotations.selectors import analytics, analytics_pg
from annotations.selectors.analytics import AnalyticsFilters

from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's fast path"),
]

D = datetime.date


@pytest.fixture
def corpus(project, label, annotator):
    other_label = LabelFactory(project=project, name="Claim")
    actors = [
        Actor.objects.create(name=f"Actor {i}", kind="other", search_text=f"actor {i}")
        for i in range(4)
    ]
    steps = [*Probability.values, None]
    dates = [D(2026, 1, 5), D(2026, 1, 27), D(2026, 3, 2), None, D(2025, 12, 31)]
    spans = []
    for n in range(24):
        article = ArticleFactory(
            project=project, body=f"Span {n} of the war, assessed.", published_on=dates[n % 5]
        )
        links = [(actors[n % 3], ActorRole.SOURCE), (actors[(n + 1) % 4], ActorRole.SUBJECT)]
        if n % 7 == 0:  # one actor in two roles of a span
            links.append((actors[n % 3], ActorRole.SUBJECT))
        if n % 5 == 1:
            links = []  # a span with no actor
        spans.append(
            SpanFactory(
                article=article, annotator=annotator, probability=steps[n % len(steps)],
                label=label if n % 4 else other_label, actors=links,
            )
        )  # fmt: skip
    # Changes after the links were made: the triggers carry them to the links.
    services.span_update(
        span=spans[2], user=annotator, probability="almost_certain", version=spans[2].version
    )
    Span.objects.filter(pk=spans[3].pk).update(label=other_label, gold=True)
    Span.objects.filter(pk=spans[5].pk).update(probability=None)
    services.span_delete(span=spans[6], user=annotator)
    SpanActor.objects.filter(span=spans[8], role=ActorRole.SUBJECT).delete()
    return {"actors": actors, "labels": [label, other_label]}


def filter_sets(corpus):
    actors, labels = corpus["actors"], corpus["labels"]
    yield AnalyticsFilters()
    for actor, role in itertools.product([None, *actors[:3]], [None, "source", "subject"]):
        yield AnalyticsFilters(actor=actor.pk if actor else None, role=role)
    yield AnalyticsFilters(label=labels[1].pk)
    yield AnalyticsFilters(gold=True)
    yield AnalyticsFilters(gold=False, actor=actors[0].pk)
    yield AnalyticsFilters(published_after=D(2026, 1, 6))
    yield AnalyticsFilters(published_before=D(2026, 1, 31), role="source", label=labels[0].pk)
    yield AnalyticsFilters(actor=actors[3].pk, published_after=D(2026, 1, 1))


def test_the_fast_path_answers_the_orm_rows(project, corpus):
    for filters in filter_sets(corpus):
        for interval in ("month", "week", "day"):
            kwargs = {"project": project, "filters": filters, "interval": interval}
            assert sorted(analytics_pg.timeline_rows(**kwargs), key=str) == sorted(
                analytics.timeline_rows_orm(**kwargs), key=str
            ), (filters, interval)
        for roles in ((ActorRole.SOURCE,), (ActorRole.SUBJECT,), ("source", "subject")):
            kwargs = {"project": project, "filters": filters, "roles": roles}
            assert sorted(analytics_pg.link_rows(**kwargs), key=str) == sorted(
                analytics.link_rows_orm(**kwargs), key=str
            ), (filters, roles)


def test_the_fast_path_lists_the_orms_actors(project, corpus, annotator):
    """The picker's actor ids: the loose scan of the links' index and the ORM's join agree,
    in this project and another, leaving out an unused actor and one whose only span is
    deleted (the corpus also removes a link and deletes a span)."""
    elsewhere = ProjectFactory()
    theirs = Actor.objects.create(name="Theirs", kind="other", search_text="theirs")
    SpanFactory(
        article=ArticleFactory(project=elsewhere), label=LabelFactory(project=elsewhere),
        actors=[(theirs, ActorRole.TARGET), (corpus["actors"][0], ActorRole.MENTIONED)],
    )  # fmt: skip
    gone = Actor.objects.create(name="Gone", kind="other", search_text="gone")
    span = SpanFactory(
        article=ArticleFactory(project=project), annotator=annotator,
        label=corpus["labels"][0], actors=[(gone, ActorRole.MENTIONED)],
    )  # fmt: skip
    services.span_delete(span=span, user=annotator)
    Actor.objects.create(name="Unused", kind="other", search_text="unused")

    def listed(way, where):
        ids = way(project=where, filters=AnalyticsFilters())
        return set(Actor.objects.filter(pk__in=ids).values_list("name", flat=True))

    for where, expected in [
        (project, {a.name for a in corpus["actors"]}),
        (elsewhere, {"Theirs", "Actor 0"}),
        (ProjectFactory(), set()),
    ]:
        assert listed(analytics_pg.actor_ids, where) == expected
        assert listed(analytics.actor_ids_orm, where) == expected
    with pytest.raises(ValueError):
        analytics_pg.actor_ids(project=project, filters=AnalyticsFilters(annotator=annotator.pk))


def test_one_read_serves_both_charts(project, corpus):
    actor = corpus["actors"][1].pk
    for filters in (AnalyticsFilters(), AnalyticsFilters(actor=actor, role="subject")):
        both = analytics.sources_and_ranked(project=project, filters=filters)
        assert both == (
            analytics.source_distribution(project=project, filters=filters),
            analytics.actors_ranked(project=project, filters=filters),
        )
        assert both[0] and both[1]


def test_the_links_carry_their_spans_facts(project, corpus):
    assert SpanActor.objects.count() > 30
    assert analytics_pg.links_out_of_step() == 0
    assert analytics_pg.counts_out_of_step() == 0


KEPT = {
    "annotations_spancount": "published_on, label_id, gold, probability",
    "annotations_linkcount": "role, actor_id, label_id, gold, probability",
}


def _unfolded(project) -> int:
    """The project's kept keys held in more than one row, or at zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            " + ".join(
                f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE project_id = %s "
                f"GROUP BY {key} HAVING count(*) > 1 OR sum(n) = 0) t)"
                for table, key in KEPT.items()
            ).join(["SELECT ", ""]),
            [project.pk] * len(KEPT),
        )
        return cursor.fetchone()[0]


def test_the_kept_counts_follow_every_change(project, corpus, annotator):
    """The counts kept per key (migration 0013) after a random run of the changes spans and
    links go through: made, relabelled, regraded, made gold, their links added and dropped
    one by one and in bulk, spans deleted, their article redated, links moved to another
    span; folded together or not."""
    rng = random.Random(14)
    actors, labels = corpus["actors"], corpus["labels"]
    steps = [*Probability.values, None]
    whole = AnalyticsFilters()
    for round_ in range(40):
        spans = list(Span.objects.filter(project=project))
        span = rng.choice(spans)
        change = rng.randrange(9)
        if change == 0:
            article = ArticleFactory(project=project, body=f"More of the war, round {round_}.")
            links = [(rng.choice(actors), rng.choice(list(ActorRole.values))) for _ in range(2)]
            SpanFactory(
                article=article, annotator=annotator, label=rng.choice(labels),
                probability=rng.choice(steps), actors=list(dict.fromkeys(links)),
            )  # fmt: skip
        elif change == 1:
            Span.objects.filter(pk=span.pk).update(probability=rng.choice(steps))
        elif change == 2:
            Span.objects.filter(project=project).update(label=rng.choice(labels))  # in bulk
        elif change == 3:
            Span.objects.filter(pk__in=[s.pk for s in spans[::3]]).update(gold=rng.random() < 0.5)
        elif change == 4:
            SpanActor.objects.get_or_create(
                span=span, actor=rng.choice(actors), role=rng.choice(list(ActorRole.values))
            )
        elif change == 5:
            SpanActor.objects.filter(span__in=spans[: rng.randrange(1, 4)]).delete()
        elif change == 6 and not span.gold:
            services.span_delete(span=span, user=annotator)
        elif change == 7:  # an article's date changes: its spans' counts move
            Article.objects.filter(pk=span.article_id).update(
                published_on=rng.choice([None, D(2026, 2, 1), D(2024, 7, 9)])
            )
        else:  # a span's links moved to another span (its facts come with it)
            other = rng.choice(spans)
            with contextlib.suppress(IntegrityError), transaction.atomic():
                SpanActor.objects.filter(span=span).update(span=other)
        if round_ % 10 == 9:
            with connection.cursor() as cursor:
                for table in KEPT:
                    cursor.execute("SELECT assay_counts_compact(%s, %s)", [table, project.pk])
            assert _unfolded(project) == 0  # one row a key, none at zero
        assert analytics_pg.counts_out_of_step() == 0, (round_, change)
        some = (
            whole, AnalyticsFilters(label=labels[0].pk), AnalyticsFilters(gold=True),
            AnalyticsFilters(published_after=D(2026, 1, 6), published_before=D(2026, 2, 1)),
        )  # fmt: skip
        for filters in some:
            kwargs = {"project": project, "filters": filters, "interval": "week"}
            assert sorted(analytics_pg.timeline_rows(**kwargs), key=str) == sorted(
                analytics.timeline_rows_orm(**kwargs), key=str
            ), (round_, change, filters)
        for roles in (("source", "subject"), ("mentioned",)):
            for filters in some:
                kwargs = {"project": project, "filters": filters, "roles": roles}
                assert sorted(analytics_pg.link_rows(**kwargs), key=str) == sorted(
                    analytics.link_rows_orm(**kwargs), key=str
                ), (round_, change, filters, roles)


def race(ours, sql: str, params: list, *, theirs_first: bool) -> bool:
    """Two transactions at once: ``ours`` (a function writing through Django) and ``sql`` run
    as plain SQL in a connection of its own (no lock taken first, as a bulk ``.update()`` or
    an import). The one that begins holds its transaction open while the other begins, then
    both commit. Returns whether the second waited for the first (the row locks of migration
    0014) rather than going on with a snapshot that misses the first's change."""
    ours_done, theirs_done, commit = threading.Event(), threading.Event(), threading.Event()

    def mine():
        try:
            with transaction.atomic():
                ours()
                ours_done.set()
                if not theirs_first:
                    commit.wait(timeout=10)
        finally:
            connection.close()

    def theirs():
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
            password=settings["PASSWORD"], dbname=settings["NAME"],
        ) as other:  # fmt: skip
            other.execute(sql, params)
            theirs_done.set()
            if theirs_first:
                commit.wait(timeout=10)

    first, second = (theirs, mine) if theirs_first else (mine, theirs)
    first_done, second_done = (theirs_done, ours_done) if theirs_first else (ours_done, theirs_done)
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_done.wait(timeout=10)
    threads[1].start()
    waited = not second_done.wait(timeout=1)
    commit.set()
    for thread in threads:
        thread.join(timeout=10)
    assert ours_done.is_set() and theirs_done.is_set()
    return waited


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("redate_first", [True, False])
@pytest.mark.parametrize("change", ["made", "deleted", "relabelled"])
def test_the_kept_counts_hold_when_an_article_is_redated_while_a_span_is_saved(
    redate_first, change, project, label, annotator
):
    """Another transaction redates the article while a span of it is made, deleted or
    relabelled: the span's count follows the new date, whichever begins first (migration
    0014: the span trigger share-locks the article, so the second of the two waits)."""
    article = ArticleFactory(project=project, published_on=D(2026, 1, 5))
    span = SpanFactory(article=article, label=label, annotator=annotator)
    other_label = LabelFactory(project=project, name="Claim")

    def save():
        if change == "made":
            SpanFactory(article=article, label=label, annotator=annotator, start=4, end=9)
        elif change == "deleted":
            Span.objects.filter(pk=span.pk).delete()
        else:
            Span.objects.filter(pk=span.pk).update(label=other_label)

    redate = "UPDATE annotations_article SET published_on = %s WHERE id = %s"
    waited = race(save, redate, [D(2026, 3, 9), article.pk], theirs_first=redate_first)
    assert analytics_pg.counts_out_of_step() == 0
    assert waited


def test_a_bulk_relabel_of_linked_spans_folds_no_counts_mid_statement(project, label, annotator):
    """Relabelling many linked spans in one statement rewrites each span's links in a row
    trigger (migration 0009), one nested statement per span: none of them folds the project's
    link counts (migration 0014), however the dice fall; the counts stay right."""
    other_label = LabelFactory(project=project, name="Claim")
    actor = Actor.objects.create(name="Lukashenko")
    article = ArticleFactory(project=project, body="word " * 400)
    for i in range(300):
        SpanFactory(
            article=article, label=label, annotator=annotator, start=5 * i, end=5 * i + 4,
            actors=[(actor, ActorRole.SOURCE)],
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT assay_counts_compact('annotations_linkcount', %s)", [project.pk])
        cursor.execute("SELECT setseed(0.25)")  # folds would come at once (1 in 50 each)
        Span.objects.filter(project=project).update(label=other_label)
        cursor.execute(
            "SELECT count(*) FROM annotations_linkcount WHERE project_id = %s", [project.pk]
        )
        rows = cursor.fetchone()[0]
    assert rows > 300  # one delta row per nested statement at least: never folded
    assert analytics_pg.counts_out_of_step() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change_first", [True, False])
@pytest.mark.parametrize("change", ["relabelled", "regraded", "made gold"])
def test_a_link_added_while_its_span_changes_copies_the_facts_that_commit(
    change_first, change, project, label, annotator
):
    """A link added to a span while another transaction changes the span's facts copies the
    facts that commit, whichever begins first (migration 0014: the link's trigger reads its
    span FOR SHARE), and the kept counts follow."""
    article = ArticleFactory(project=project, published_on=D(2026, 1, 5))
    span = SpanFactory(article=article, label=label, annotator=annotator)
    actor = Actor.objects.create(name="Lukashenko")
    other_label = LabelFactory(project=project, name="Claim")
    column, value = {
        "relabelled": ("label_id", other_label.pk),
        "regraded": ("probability", Probability.LIKELY),
        "made gold": ("gold", True),
    }[change]

    def link():
        SpanActor.objects.create(span=span, actor=actor, role=ActorRole.SOURCE)

    update = f"UPDATE annotations_span SET {column} = %s WHERE id = %s"
    waited = race(link, update, [value, span.pk], theirs_first=change_first)
    assert analytics_pg.links_out_of_step() == 0
    assert analytics_pg.counts_out_of_step() == 0
    assert waited
