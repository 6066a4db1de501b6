"""Highlighted snippets made safe for HTML.

The databases mark a hit with two private-use characters (``ts_headline``'s StartSel and
StopSel, FTS5's ``snippet``); the whole snippet is escaped first and only then are the marks
made ``<mark>`` tags, so nothing in a text can become markup.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MARK_START = "\ue000"
MARK_STOP = "\ue001"


def marked_html(snippet: str | None) -> SafeString:
    """The snippet as HTML: escaped, its marked hits in ``<mark>``."""
    if not snippet:
        return mark_safe("")
    html = str(escape(snippet))
    opened = 0
    parts = []
    for char in html:
        if char == MARK_START:
            if not opened:
                parts.append("<mark>")
            opened += 1
        elif char == MARK_STOP:
            if opened == 1:
                parts.append("</mark>")
            opened = max(opened - 1, 0)
        else:
            parts.append(char)
    if opened:
        parts.append("</mark>")
    return mark_safe("".join(parts))


def first_marked(snippet: str | None) -> str:
    """The words of the snippet's first hit, as the text has them ("" when none is marked):
    where a hit opens the article (the annotate page's ``?find=``)."""
    if not snippet or MARK_START not in snippet:
        return ""
    marked = snippet.split(MARK_START, 1)[1].split(MARK_STOP, 1)[0]
    return marked.replace(MARK_START, "").strip()
