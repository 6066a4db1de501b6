"""Template filters of Assay's pages."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """A fraction as a percentage with one decimal (``0.8125`` → ``81.3 %``); ``—`` for None."""
    if value is None:
        return "—"
    return f"{value * 100:.1f} %"
