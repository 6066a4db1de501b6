"""Create the demo: a project with the ISW sample article, a label scheme, actors, and three
accounts (the manager, a second annotator and a reviewer) with spans by two annotators on the
same article, so that agreement, review and comparing annotators can be tried at once.

Running it again changes nothing: every object is looked up before it is made.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations import services
from annotations.models import Actor, Article, Label, Membership, Project, Relation, Role, Span

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "demo_data"
PASSWORD_FILE = settings.VAR_DIR / "demo-password.txt"

# name, kind, color, hotkey, category, description
LABELS = [
    (
        "Assessment",
        "span",
        "#93c5fd",
        "1",
        "Judgement",
        "An analytic judgement, e.g. “ISW assesses …”.",
    ),
    ("Forecast", "span", "#c4b5fd", "2", "Judgement", "A statement about what will happen."),
    (
        "Claim",
        "span",
        "#fcd34d",
        "3",
        "Statements",
        "An assertion by an actor, reported by the source.",
    ),
    ("Denial", "span", "#fca5a5", "4", "Statements", "An actor rejects a claim or an accusation."),
    (
        "Threat rhetoric",
        "span",
        "#fdba74",
        "5",
        "Rhetoric",
        "Threats, warnings, escalation language.",
    ),
    ("Evidence", "span", "#86efac", "6", "Sourcing", "Facts offered in support of a judgement."),
    ("Source attribution", "span", "#cbd5e1", "7", "Sourcing", "Who said or reported it."),
    (
        "Estimative phrase",
        "span",
        "#f9a8d4",
        "8",
        "Judgement",
        "“probably”, “likely”, “we assess”…",
    ),
    ("responds to", "relation", "#64748b", "", "Relations", "A denial or reply to a claim."),
    ("based on", "relation", "#0f766e", "", "Relations", "A judgement resting on evidence."),
    (
        "contradicts",
        "relation",
        "#b91c1c",
        "",
        "Relations",
        "Two statements that cannot both hold.",
    ),
    ("supports", "relation", "#15803d", "", "Relations", "Evidence for a statement."),
]

# name, kind, aliases, wikidata id (only where verified), description
ACTORS = [
    (
        "Vladimir Putin",
        "person",
        ["Putin", "Vladimir Vladimirovich Putin", "Путин", "Владимир Путин"],
        "Q7747",
        "President of Russia.",
    ),
    (
        "Alexander Lukashenko",
        "person",
        [
            "Lukashenko",
            "Lukashenka",
            "Alyaksandr Lukashenka",
            "Aleksandr Lukashenko",
            "Лукашенко",
            "Лукашэнка",
        ],
        "",
        "President of Belarus.",
    ),
    (
        "Dmitry Peskov",
        "person",
        ["Peskov", "Дмитрий Песков", "Песков"],
        "",
        "Kremlin press secretary.",
    ),
    (
        "Institute for the Study of War",
        "organization",
        ["ISW"],
        "",
        "US think tank publishing daily assessments of the war in Ukraine.",
    ),
    (
        "Kremlin",
        "organization",
        ["the Kremlin", "Кремль"],
        "",
        "The Russian presidential administration.",
    ),
    (
        "NATO",
        "organization",
        ["North Atlantic Treaty Organization", "the Alliance", "OTAN"],
        "Q7184",
        "",
    ),
    ("Belarus", "state", ["Republic of Belarus", "Беларусь", "Belarusian"], "Q184", ""),
    ("Russia", "state", ["Russian Federation", "Россия"], "Q159", ""),
    ("Ukraine", "state", ["Україна", "Украина"], "Q212", ""),
]

# quoted text, label, [(actor, role)], probability, confidence
SPANS = [
    (
        "Belarus' involvement in Putin's war against Ukraine remains unlikely",
        "Assessment",
        [("Institute for the Study of War", "source"), ("Belarus", "subject")],
        "unlikely",
        "moderate",
    ),
    (
        "the fact that Putin appears to have accepted Lukashenko's theses without persuading "
        "Lukashenko to adjust them",
        "Evidence",
        [("Vladimir Putin", "subject")],
        None,
        None,
    ),
    (
        "Russia is not interested in absorbing anyone",
        "Claim",
        [("Vladimir Putin", "source"), ("Belarus", "subject")],
        None,
        None,
    ),
    (
        "such speculations are baseless and stupid",
        "Denial",
        [("Dmitry Peskov", "source")],
        None,
        None,
    ),
]
RELATIONS = [(0, 1, "based on")]

# The other accounts: username, role. Passwords are generated once and kept beside the demo's.
TEAM = [("demo-annotator", Role.ANNOTATOR), ("demo-reviewer", Role.REVIEWER)]

# The second annotator's spans on the same article: quoted text, label, probability. Two agree
# with the demo account's, one labels the same words otherwise, one draws other boundaries and
# one is theirs alone, so agreement, review and compare each show something.
SECOND_SPANS = [
    (
        "Belarus' involvement in Putin's war against Ukraine remains unlikely",
        "Assessment",
        "unlikely",
    ),
    ("Russia is not interested in absorbing anyone", "Claim", None),
    ("such speculations are baseless and stupid", "Threat rhetoric", None),
    ("Putin appears to have accepted Lukashenko's theses", "Evidence", None),
    ("Lukashenko would likely adjust his rhetoric", "Forecast", "likely"),
]


class Command(BaseCommand):
    help = "Create the demo account, project, labels, actors and sample article (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument(
            "--password", help="Set this password (by default one is generated once and kept)."
        )

    @transaction.atomic
    def handle(self, *args, username, password, **options):
        user, password_note = self._account(username, password)
        self._staff_group(user)
        project = self._project(user)
        labels = self._labels(project, user)
        actors = self._actors()
        article = self._article(project, user)
        self._spans(article, labels, actors, user)
        team = []
        for username, role in TEAM:
            member, note = self._member(project, user, username, role)
            team.append((member, role, note))
        self._second_spans(article, labels, team[0][0])

        site = f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write(f"  project:  {project.name}  {site}/projects/{project.slug}/")
        self.stdout.write(f"  article:  {site}/projects/{project.slug}/articles/{article.pk}/")
        self.stdout.write(f"  sign in:  {site}/accounts/login/")
        self.stdout.write(f"    manager   username {user.get_username()!r}  {password_note}")
        for member, role, note in team:
            self.stdout.write(f"    {role:<9} username {member.get_username()!r}  {note}")

    def _account(self, username, password, *, password_file=None, is_staff=True):
        """The account, and how to sign in as it: a new one gets a password (generated unless
        given), kept in ``password_file`` so that the next run prints it again."""
        password_file = password_file or PASSWORD_FILE
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=is_staff)
            password_file.write_text(password + "\n")
            return user, f"password {password!r}"
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            password_file.write_text(password + "\n")
            return user, f"password {password!r}"
        if password_file.exists():
            kept = password_file.read_text().strip()
            if user.check_password(kept):
                return user, f"password {kept!r}"
        how = (
            "manage.py demo --password ..." if is_staff else f"manage.py changepassword {username}"
        )
        return user, f"password unchanged (set one with: {how})"

    def _member(self, project, manager, username, role):
        """Another account of the team, a member of the project with ``role``: added by the
        demo manager through the service, as on the members page."""
        password_file = PASSWORD_FILE.with_name(f"demo-password-{username}.txt")
        member, note = self._account(username, None, password_file=password_file, is_staff=False)
        if not Membership.objects.filter(project=project, user=member).exists():
            services.membership_set(project=project, user=manager, member=member, role=role)
        return member, note

    def _second_spans(self, article, labels, annotator):
        for quote, label_name, probability in SECOND_SPANS:
            start = article.body.index(quote)
            end = start + len(quote)
            exists = Span.objects.filter(
                article=article, start=start, end=end, label=labels[label_name], annotator=annotator
            ).exists()
            if not exists:
                services.span_create(
                    article=article,
                    start=start,
                    end=end,
                    text=quote,
                    label=labels[label_name],
                    annotator=annotator,
                    probability=probability,
                )

    def _staff_group(self, user):
        """Staff without permissions see an empty admin: give the demo account Assay's models."""
        group, _ = Group.objects.get_or_create(name="Assay staff")
        permissions = Permission.objects.filter(content_type__app_label="annotations")
        if group.permissions.count() != permissions.count():
            group.permissions.set(permissions)
        user.groups.add(group)

    def _project(self, user):
        project = Project.objects.filter(slug="isw-belarus").first()
        if project is None:
            project = services.project_create(
                name="ISW on Belarus",
                slug="isw-belarus",
                description="ISW's assessments of Belarus' role in Russia's war against Ukraine.",
                creator=user,
            )
        elif not Membership.objects.filter(project=project, user=user).exists():
            # The project exists without the demo account: one of its managers adds it,
            # through the service as anyone would (a command is run by whom the host trusts).
            manager = Membership.objects.filter(project=project, role=Role.MANAGER).first()
            if manager is None:
                raise CommandError(f"The project “{project.slug}” has no manager to add {user}.")
            services.membership_set(
                project=project, user=manager.user, member=user, role=Role.MANAGER
            )
        return project

    def _labels(self, project, user):
        labels = {}
        for order, (name, kind, color, hotkey, category, description) in enumerate(LABELS):
            label = Label.objects.filter(project=project, name__iexact=name).first()
            if label is None:
                label = services.label_create(
                    project=project,
                    user=user,
                    name=name,
                    kind=kind,
                    color=color,
                    hotkey=hotkey,
                    category=category,
                    description=description,
                    order=order,
                )
            labels[name] = label
        return labels

    def _actors(self):
        actors = {}
        for name, kind, aliases, wikidata_id, description in ACTORS:
            actor = Actor.objects.filter(name=name).first()
            if actor is None:
                actor = services.actor_create(
                    name=name,
                    kind=kind,
                    aliases=aliases,
                    wikidata_id=wikidata_id,
                    description=description,
                )
            actors[name] = actor
        return actors

    def _article(self, project, user):
        title, _, body = (DATA_DIR / "isw-belarus.txt").read_text(encoding="utf-8").partition("\n")
        existing = Article.objects.filter(
            project=project, sha256=services.body_sha256(services.normalize_newlines(body))
        ).first()
        if existing:
            return existing
        return services.article_create(
            project=project,
            user=user,
            body=body,
            title=title.strip(),
            source="ISW",
            language="en",
            published_on="2022-12-19",  # so that the analytics page has a timeline
            external_id="isw-belarus-2022-12-19",
            metadata={"sample": "shared/samples/isw-belarus.txt"},
            created_by=user,
        )

    def _spans(self, article, labels, actors, user):
        spans = []
        for quote, label_name, links, probability, confidence in SPANS:
            start = article.body.index(quote)
            end = start + len(quote)
            label = labels[label_name]
            span = Span.objects.filter(
                article=article, start=start, end=end, label=label, annotator=user
            ).first()
            if span is None:
                span = services.span_create(
                    article=article,
                    start=start,
                    end=end,
                    text=quote,
                    label=label,
                    annotator=user,
                    actors=[(actors[name], role) for name, role in links],
                    probability=probability,
                    confidence=confidence,
                )
            spans.append(span)
        for from_index, to_index, label_name in RELATIONS:
            exists = Relation.objects.filter(
                from_span=spans[from_index], to_span=spans[to_index], label=labels[label_name]
            ).exists()
            if not exists:
                services.relation_create(
                    from_span=spans[from_index],
                    to_span=spans[to_index],
                    label=labels[label_name],
                    annotator=user,
                )
