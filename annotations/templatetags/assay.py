"""Template filters of Assay's pages."""

from django import template

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
