"""The actor registry shared by all projects: names, aliases, Wikidata ids, merges."""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..errors import Conflict
from ..models import (
    Actor,
    Span,
    SpanActor,
    SpanEvent,
)
from ..permissions import require_staff
from ..suggestions.text import can_match
from .history import record_event, span_snapshot
from .validation import UNSET, check_text, clean_fields, given

_WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")

# --- actors ----------------------------------------------------------------------------------


def actor_search_text(name: str, aliases: Iterable[str]) -> str:
    """Name and aliases case-folded by Python, one a line: ``?q=путин`` finds ``Путин``."""
    return "\n".join(item.casefold() for item in [name, *aliases])


def _clean_aliases(aliases: Any, name: str, *, matchable: bool = True) -> list[str]:
    """The aliases trimmed and de-duplicated. ``matchable``: each must be something a text
    could show (two letters or digits at least), else the list is refused; a merge keeps
    what the registry already held."""
    if aliases is None:
        return []
    if not isinstance(aliases, list | tuple) or not all(isinstance(a, str) for a in aliases):
        raise ValidationError({"aliases": "Must be a list of strings."})
    seen, cleaned = {name.casefold()}, []
    for alias in aliases:
        check_text(alias, "aliases")
        alias = " ".join(alias.split())
        if len(alias) > 300:
            raise ValidationError({"aliases": "An alias is at most 300 characters."})
        if matchable and not can_match(alias):
            shown = f"“{alias}”" if alias else "An empty alias"
            raise ValidationError(
                {
                    "aliases": f"{shown} cannot be found in a text: an alias needs at least "
                    "two letters or digits."
                }
            )
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            cleaned.append(alias)
    return cleaned


def _actor_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "An actor needs a name."})
    return name


def _check_wikidata_unique(wikidata_id: str, exclude_pk=None) -> None:
    if not wikidata_id:
        return
    if not _WIKIDATA_ID.fullmatch(wikidata_id):
        raise ValidationError({"wikidata_id": f"“{wikidata_id}” is not Q followed by digits."})
    clash = Actor.objects.filter(wikidata_id=wikidata_id).exclude(pk=exclude_pk).first()
    if clash:
        raise ValidationError({"wikidata_id": f"{wikidata_id} is already “{clash.name}”."})


def actor_validate(
    *,
    actor: Actor | None = None,
    name: str = UNSET,
    kind: str = UNSET,
    aliases: list[str] | None = UNSET,
    description: str = UNSET,
    wikidata_id: str = UNSET,
) -> dict[str, Any]:
    """Check an actor's fields as ``actor_create`` (no ``actor``) or ``actor_update`` would;
    return them cleaned, with the ``search_text`` they imply. Nothing is changed."""
    aliases = None if aliases is UNSET else aliases
    data = clean_fields(
        Actor, given(name=name, kind=kind, description=description, wikidata_id=wikidata_id)
    )
    if actor is None or "name" in data:
        data["name"] = _actor_name(data.get("name", ""))
    name = data.get("name") or actor.name
    if actor is None or aliases is not None:
        data["aliases"] = _clean_aliases(aliases, name)
    if data.get("wikidata_id"):
        _check_wikidata_unique(data["wikidata_id"], actor.pk if actor else None)
    data["search_text"] = actor_search_text(name, data.get("aliases", actor and actor.aliases))
    return data


@transaction.atomic
def actor_create(
    *,
    name: str,
    kind: str = Actor.Kind.OTHER,
    aliases: list[str] | None = None,
    description: str = "",
    wikidata_id: str = "",
) -> Actor:
    """Add an actor to the shared registry; aliases are trimmed and de-duplicated. Any
    user may (the registry is shared); deleting and merging are staff's."""
    data = actor_validate(
        name=name, kind=kind, aliases=aliases, description=description, wikidata_id=wikidata_id
    )
    return Actor.objects.create(**data)


@transaction.atomic
def actor_update(
    *,
    actor: Actor,
    name: str = UNSET,
    kind: str = UNSET,
    aliases: list[str] | None = UNSET,
    description: str = UNSET,
    wikidata_id: str = UNSET,
) -> Actor:
    """Change an actor's fields (those given); the caller's object changes only once every
    field is valid."""
    data = actor_validate(
        actor=actor,
        name=name,
        kind=kind,
        aliases=aliases,
        description=description,
        wikidata_id=wikidata_id,
    )
    for key, value in data.items():
        setattr(actor, key, value)
    actor.updated_at = timezone.now()
    actor.save()
    return actor


@transaction.atomic
def actor_delete(*, actor: Actor, user) -> None:
    require_staff(user, "Only staff may delete an actor.")
    count = actor.span_actors.values("span").distinct().count()
    if count:
        raise Conflict(f"“{actor.name}” is attached to {count} spans; merge it instead.")
    actor.delete()


@transaction.atomic
def actor_merge(*, keep: Actor, remove: Actor, user) -> Actor:
    """Fold ``remove`` into ``keep``: its spans move over, its name and aliases become aliases.

    A span that already has ``keep`` in the same role keeps one link. Each span whose actors
    change gets a new version and an ``updated`` event, so the merge is in its history.
    """
    # As a delete: the duplicate goes, and spans change in every project that names it.
    require_staff(user, "Only staff merge actors.")
    if keep.pk == remove.pk:
        raise ValidationError({"remove": "An actor cannot be merged into itself."})
    keep = Actor.objects.select_for_update().get(pk=keep.pk)
    remove = Actor.objects.select_for_update().get(pk=remove.pk)
    span_ids = set(remove.span_actors.values_list("span_id", flat=True))
    spans = list(
        Span.objects.select_for_update(of=("self",))
        .select_related("annotator")
        .filter(pk__in=span_ids)
        .order_by("pk")
    )
    befores = {span.pk: span_snapshot(span) for span in spans}
    for link in SpanActor.objects.filter(actor=remove).order_by("pk"):
        if SpanActor.objects.filter(span_id=link.span_id, actor=keep, role=link.role).exists():
            link.delete()
        else:
            link.actor = keep
            link.save(update_fields=["actor"])
    now = timezone.now()
    for span in spans:
        span.version += 1
        span.updated_at = now
        span.save(update_fields=["version", "updated_at"])
        record_event(span, SpanEvent.Action.UPDATED, user, befores[span.pk], span_snapshot(span))
    wikidata_id = keep.wikidata_id or remove.wikidata_id
    keep.aliases = _clean_aliases(
        [*keep.aliases, remove.name, *remove.aliases], keep.name, matchable=False
    )
    keep.search_text = actor_search_text(keep.name, keep.aliases)
    remove.delete()
    keep.wikidata_id = wikidata_id
    keep.updated_at = now
    keep.save()
    return keep
