"""The analytics page's actor picker (``selectors.actor_choices``): the actors of the
project's spans that the user may count, by name, on SQLite and PostgreSQL."""

import pytest

from annotations import services
from annotations.models import ActorRole, Role
from annotations.selectors import actor_choices
from annotations.selectors.analytics import AnalyticsFilters

from ..factories import ActorFactory, ArticleFactory, LabelFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(project, label, annotator, make_member):
    """Alice's spans link four actors, one in each role; Bob's, Wagner and Belarus. Kremlin
    is linked in another project only, Gone only to a deleted span, Nobody to none."""
    names = ["Belarus", "ISW", "Lukashenko", "Minsk", "Wagner", "Kremlin", "Gone", "Nobody"]
    actors = {
        name: ActorFactory(name=name, aliases=["Lukashenka"] if name == "Lukashenko" else [])
        for name in names
    }
    bob = make_member(Role.ANNOTATOR, username="bob")
    article = ArticleFactory(project=project, body="Minsk said Lukashenko will stay, per ISW.")
    SpanFactory(
        article=article, annotator=annotator, label=label,
        actors=[(actors["ISW"], ActorRole.SOURCE), (actors["Belarus"], ActorRole.SUBJECT),
                (actors["Lukashenko"], ActorRole.TARGET), (actors["Minsk"], ActorRole.MENTIONED)],
    )  # fmt: skip
    SpanFactory(
        article=article, annotator=bob, label=label, start=6, end=10,
        actors=[(actors["Wagner"], ActorRole.SOURCE), (actors["Belarus"], ActorRole.SUBJECT)],
    )  # fmt: skip
    gone = SpanFactory(
        article=article, annotator=annotator, label=label, start=11, end=21,
        actors=[(actors["Gone"], ActorRole.SUBJECT)],
    )  # fmt: skip
    services.span_delete(span=gone, user=annotator)
    elsewhere = ProjectFactory()
    SpanFactory(
        article=ArticleFactory(project=elsewhere),
        label=LabelFactory(project=elsewhere),
        actors=[(actors["Kremlin"], ActorRole.SUBJECT)],
    )  # fmt: skip
    return actors, bob


def names(choices):
    return [actor.name for actor in choices.listed]


def test_the_projects_actors_in_any_role_by_name(project, cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        choices = actor_choices(project=project, filters=AnalyticsFilters())
    assert names(choices) == ["Belarus", "ISW", "Lukashenko", "Minsk", "Wagner"]
    assert not choices.more and choices.picked is None


def test_the_other_filters_do_not_narrow_it(project, cast):
    """Any actor may be picked next, whatever is picked now."""
    actors, _ = cast
    filters = AnalyticsFilters(actor=actors["ISW"].pk, role="source", gold=False)
    assert names(actor_choices(project=project, filters=filters)) == [
        "Belarus", "ISW", "Lukashenko", "Minsk", "Wagner"
    ]  # fmt: skip


def test_a_blind_projects_annotator_sees_the_actors_of_their_own_spans(
    project, cast, annotator, reviewer
):
    _, bob = cast
    project.blind = True
    project.save(update_fields=["blind"])

    def listed_for(user):
        filters = AnalyticsFilters().for_user(project=project, user=user)
        return names(actor_choices(project=project, filters=filters))

    assert listed_for(annotator) == ["Belarus", "ISW", "Lukashenko", "Minsk"]
    assert listed_for(bob) == ["Belarus", "Wagner"]
    assert listed_for(reviewer) == ["Belarus", "ISW", "Lukashenko", "Minsk", "Wagner"]


def test_found_by_name_or_alias_and_cut_at_the_limit(project, cast):
    filters = AnalyticsFilters()
    assert names(actor_choices(project=project, filters=filters, q="LUKASHENKA")) == ["Lukashenko"]
    assert names(actor_choices(project=project, filters=filters, q="in")) == ["Minsk"]
    nothing = actor_choices(project=project, filters=filters, q="kreml")  # another project's
    assert nothing.listed == [] and not nothing.more
    cut = actor_choices(project=project, filters=filters, limit=2)
    assert names(cut) == ["Belarus", "ISW"] and cut.more
    assert not actor_choices(project=project, filters=filters, limit=5).more


def test_the_picked_actor_comes_when_it_is_not_listed(project, cast, django_assert_num_queries):
    actors, _ = cast
    for name, kwargs in [
        ("Nobody", {}),  # no span in the project
        ("Kremlin", {}),  # another project's
        ("Wagner", {"limit": 2}),  # past the limit
        ("ISW", {"q": "bel"}),  # not matching the words
    ]:
        filters = AnalyticsFilters(actor=actors[name].pk)
        with django_assert_num_queries(2):
            choices = actor_choices(project=project, filters=filters, **kwargs)
        assert choices.picked == actors[name], name
        assert actors[name] not in choices.listed
    listed = actor_choices(project=project, filters=AnalyticsFilters(actor=actors["ISW"].pk))
    assert listed.picked is None and actors["ISW"] in listed.listed
