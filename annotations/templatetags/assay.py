"""Template filters of Assay's pages."""

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from .. import colors

register = template.Library()


@register.filter
def percent(value) -> str:
    """A fraction as a percentage with one decimal (``0.8125`` → ``81.3 %``); ``—`` for None."""
    if value is None:
        return "—"
    return f"{value * 100:.1f} %"


@register.filter
def excerpt(text: str, limit: int = 60) -> str:
    """The text on one line, cut to ``limit`` characters with ``…`` (the span list, live
    messages, the relation form's targets)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@register.filter
def highlight_fill(color: str) -> str:
    """The fill of a label's highlights, with AA contrast for the text over it."""
    return colors.highlight_fill(color)


@register.filter
def label_cue(position: int) -> str:
    """The CSS variables of the underline of the label at ``position`` in its scheme."""
    style, width = colors.cue(position)
    return f"--ds:{style};--dw:{width}"


@register.filter
def ago(moment) -> str:
    """How long ago ``moment`` was, as Django's ``timesince`` says it ("3 minutes ago"),
    or "just now" under a minute (``timesince`` would say "0 minutes")."""
    if moment is None:
        return ""
    if timezone.now() - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
