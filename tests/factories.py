"""factory-boy factories: related objects stay in one project."""

import factory
from django.contrib.auth import get_user_model

from annotations import services
from annotations.models import Actor, Article, Label, Membership, Project, Relation, Role, Span


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"analyst{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-only")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ANNOTATOR


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Label {n}")
    color = "#93c5fd"
    hotkey = ""


class ArticleFactory(factory.django.DjangoModelFactory):
    """Goes through ``article_create`` so bodies are normalised and hashed as in production."""

    class Meta:
        model = Article

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    body = factory.Sequence(lambda n: f"ISW assesses that event {n} remains unlikely.")

    @classmethod
    def _create(cls, model_class, *args, project, body, user=None, **kwargs):
        # The service wants a manager; a test that is not about who adds the article gets
        # one that is in no project, so that no member list or count changes.
        user = user or superuser()
        return services.article_create(project=project, body=body, user=user, **kwargs)


def superuser():
    """A superuser in no project: the acting user where a test is not about roles."""
    return get_user_model().objects.get_or_create(
        username="factory-admin", defaults={"is_superuser": True}
    )[0]


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = Actor.Kind.PERSON

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.actor_create(**kwargs)


class SpanFactory(factory.django.DjangoModelFactory):
    """A span over the first word of its article, by a member of the article's project."""

    class Meta:
        model = Span

    article = factory.SubFactory(ArticleFactory)
    label = factory.SubFactory(LabelFactory, project=factory.SelfAttribute("..article.project"))
    annotator = factory.SubFactory(UserFactory)
    start = 0
    end = factory.LazyAttribute(lambda s: len(s.article.body.split(" ")[0]))

    @classmethod
    def _create(cls, model_class, *args, article, annotator, **kwargs):
        Membership.objects.get_or_create(
            project=article.project, user=annotator, defaults={"role": Role.ANNOTATOR}
        )
        return services.span_create(article=article, annotator=annotator, **kwargs)


class RelationFactory(factory.django.DjangoModelFactory):
    """Two spans of one article, linked by their annotator with a relation-kind label."""

    class Meta:
        model = Relation

    from_span = factory.SubFactory(SpanFactory)
    to_span = factory.SubFactory(
        SpanFactory,
        article=factory.SelfAttribute("..from_span.article"),
        annotator=factory.SelfAttribute("..from_span.annotator"),
    )
    label = factory.SubFactory(
        LabelFactory,
        project=factory.SelfAttribute("..from_span.project"),
        kind=Label.Kind.RELATION,
    )
    annotator = factory.SelfAttribute("from_span.annotator")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.relation_create(**kwargs)
