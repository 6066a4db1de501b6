"""The names a file uses, looked up once each: labels, actors and annotators.

A label is matched by name (or by the ``tag_name`` the brat and CoNLL exporters write), an
actor by Wikidata id and then by name; either is created when the import may. An annotator
is a username: a user who exists but is not a member of the project becomes its annotator
(the ``jsonl`` round trip into an empty project keeps its annotators), and the import's
answer lists them; a username nobody has is an error.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from annotations import services
from annotations.exports.base import tag_name
from annotations.models import Actor, ActorRole, Label, Project, Role
from annotations.permissions import user_role

ROLES = frozenset(ActorRole.values)


class Names:
    """Labels, actors and annotators named in the file, looked up once each and cached."""

    def __init__(self, project: Project, user, *, create_labels: bool, create_actors: bool):
        self.project = project
        self.user = user
        self.create_labels = create_labels
        self.create_actors = create_actors
        self.users: dict[str, Any] = {}
        self.members_added: list[str] = []
        self.labels: dict[str, Label] = {}
        self.tags: dict[str, Label] = {}
        for label in project.labels.all():
            self._remember(label)
        self.actors: dict[tuple[str, str], Actor] = {}

    def label(self, name: Any, kind: str) -> Label:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("A label is given by its name.")
        label = self.labels.get(name.casefold())
        if label is None and "_" in name:
            # brat types and CoNLL tags cannot hold whitespace: the exporters write a label's
            # name as ``tag_name`` gives it, so "Threat_rhetoric" is "Threat rhetoric".
            label = self.tags.get(name.casefold())
        if label is None:
            if not self.create_labels:
                raise ValidationError(f"The project has no label “{name}”.")
            label = services.label_create(
                project=self.project, user=self.user, name=name, kind=kind
            )
            self._remember(label)
        services.check_label_kind(label, kind)
        return label

    def _remember(self, label: Label) -> None:
        self.labels[label.name.casefold()] = label
        self.tags.setdefault(tag_name(label.name).casefold(), label)

    def actor(self, item: Any) -> tuple[int, str]:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValidationError("An actor is {name, kind, wikidata_id, role}.")
        role = item.get("role") or ActorRole.MENTIONED  # a jsonl actor without one: a mention
        services.check_actor_role(role, field="role")
        name, wikidata_id = item["name"], item.get("wikidata_id") or ""
        if not isinstance(wikidata_id, str):
            raise ValidationError("A Wikidata id is text, such as Q7747.")
        # Before any lookup: a NUL or a lone surrogate cannot reach the database.
        services.check_text(name, "name")
        services.check_text(wikidata_id, "wikidata_id")
        key = (wikidata_id, name if not wikidata_id else "")
        actor = self.actors.get(key)
        if actor is None:
            found = Actor.objects.filter(wikidata_id=wikidata_id).first() if wikidata_id else None
            found = (
                found or Actor.objects.filter(name=" ".join(name.split())).order_by("pk").first()
            )
            if found is None:
                if not self.create_actors:
                    raise ValidationError(f"No actor named “{name}”.")
                found = services.actor_create(
                    name=name, kind=item.get("kind") or Actor.Kind.OTHER, wikidata_id=wikidata_id
                )
            actor = self.actors[key] = found
        return actor.pk, role

    def annotator(self, username: Any):
        if username in (None, ""):
            return self.user
        if not isinstance(username, str):
            raise ValidationError("An annotator is given by a username.")
        if username not in self.users:
            self.users[username] = self._member(username)
        if self.users[username] is None:
            raise ValidationError(f"No user “{username}”.")
        return self.users[username]

    def _member(self, username: str):
        """The user named ``username``, made an annotator of the project if they are not a
        member yet (the jsonl round trip into an empty project keeps its annotators); ``None``
        when no such user exists."""
        services.check_text(username, "annotator")
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and user_role(project=self.project, user=user) is None:
            services.membership_set(
                project=self.project, user=self.user, member=user, role=Role.ANNOTATOR
            )
            self.members_added.append(username)
        return user
