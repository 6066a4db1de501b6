"""Plain files, an article each: ``.txt`` and ``.md`` as they are, ``.html`` as readable text.

The title is the Markdown file's first heading or the HTML's ``<title>`` (else its first
``<h1>``), and the first non-blank line otherwise. HTML becomes text with a line break after
each block element; scripts, styles and other invisible elements are dropped; runs of spaces
inside a line are collapsed.
"""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from .base import LineError, Record, read_text

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_HIDDEN = frozenset(["script", "style", "template", "noscript", "head", "svg"])
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._hidden = 0
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag in ("title", "h1"):
            self._in = tag

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
            return
        if self._in == "h1":
            self.h1 += data
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML document."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = " ".join(parser.title.split()) or " ".join(parser.h1.split())
    return title, text


def _read(file: BinaryIO) -> str | LineError:
    try:
        return read_text(file)
    except UnicodeDecodeError:
        return LineError(1, "Not UTF-8 text.")


def parse_txt(file: BinaryIO) -> Iterator[Record | LineError]:
    text = _read(file)
    yield text if isinstance(text, LineError) else Record(1, {"body": text})


def parse_md(file: BinaryIO) -> Iterator[Record | LineError]:
    text = _read(file)
    if isinstance(text, LineError):
        yield text
        return
    heading = _HEADING.search(text)
    yield Record(1, {"body": text, **({"title": heading[1]} if heading else {})})


def parse_html(file: BinaryIO) -> Iterator[Record | LineError]:
    text = _read(file)
    if isinstance(text, LineError):
        yield text
        return
    title, body = html_to_text(text)
    yield Record(1, {"body": body, **({"title": title} if title else {})})
