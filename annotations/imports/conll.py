"""CoNLL with BIO tags: Assay's own export, and CoNLL-2003-style files. An article a document.

Lines. A token line holds the token in its first column and its tag in its last, columns
split by tabs when the line has one (Assay writes ``token<TAB>tag``), by spaces otherwise
(CoNLL-2003's ``token POS chunk NER``); every token line has as many columns as the file's
first. A blank line ends a sentence; a line whose first column is ``-DOCSTART-`` ends a
document; a line starting with ``#`` is a comment (Assay's export ends with ``# assay: …``)
unless it is a token line (the file's width, a tag last): the token ``#`` and tokens such as
``#️⃣`` are text. A file without ``-DOCSTART-`` is one document.

Text. CoNLL keeps the tokens, not the spacing between them, so an article's body is rebuilt:
a sentence's tokens joined by single spaces, its sentences joined by ``\\n``. Span offsets are
those of the rebuilt body (a span's text is its tokens joined by spaces), not of any
original; a document whose rebuilt body the project already holds is skipped and counted,
like any other import.

Tags. ``O``, or ``B-X`` / ``I-X``. ``B-X`` starts a span labelled ``X``; ``I-X`` continues
the span before it when that one is an ``X`` and ends on the token before, and starts a span
otherwise, as IOB1 readers do. A span ends at the end of its sentence. ``X`` is matched to a
label by name, or by the name with its whitespace written as ``_`` (as the exporter writes
tags: ``Threat_rhetoric`` is ``Threat rhetoric``), or creates the label ``X`` when the import
may create labels. Spans are the importing user's.

Errors. A token line with the wrong number of columns, an empty column, a control character
(a lone carriage return among them) or a last column that is not a tag is an
error on its own line; so is a line that is not UTF-8. The file's width is that of its first
good token line. A document with a
bad line is not imported, nor, all or nothing, anything else. Other errors (an unknown label
when labels are not created, say) are on the line where the document starts.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .base import LineError, Record, text_lines

DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"([BI])-(\S+)")


@dataclass
class _Document:
    """A document as read so far: its sentences of ``(token, tag)``, or its bad lines."""

    line: int
    sentences: list[list[tuple[str, str]]] = field(default_factory=lambda: [[]])
    errors: list[LineError] = field(default_factory=list)

    def add(self, token: str, tag: str) -> None:
        self.sentences[-1].append((token, tag))

    def end_sentence(self) -> None:
        if self.sentences[-1]:
            self.sentences.append([])

    def record(self) -> Record | None:
        """The article with its spans, or ``None`` for a document without a token."""
        sentences = [sentence for sentence in self.sentences if sentence]
        if not sentences:
            return None
        lines, spans, offset = [], [], 0
        for sentence in sentences:
            lines.append(" ".join(token for token, _ in sentence))
            spans.extend(sentence_spans(sentence, offset))
            offset += len(lines[-1]) + 1
        body = "\n".join(lines)
        for span in spans:  # checked by the writer against the body it stores
            span["text"] = body[span["start"] : span["end"]]
        return Record(self.line, {"body": body, "spans": spans})


def sentence_spans(sentence: list[tuple[str, str]], offset: int) -> list[dict[str, Any]]:
    """The spans of one sentence's tags, by the module's rule, with ``offset`` the position
    of its first token in the rebuilt body."""
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    position = offset
    for token, tag in sentence:
        end = position + len(token)
        if match := _TAG.fullmatch(tag):
            prefix, label = match.groups()
            if prefix == "I" and current is not None and current["label"] == label:
                current["end"] = end
            else:
                current = {"start": position, "end": end, "label": label}
                spans.append(current)
        else:
            current = None
        position = end + 1
    return spans


def _columns(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def _is_comment(line: str, width: tuple[int, int] | None) -> bool:
    """A line starting with ``#`` that is not a token line (of the file's width, when known,
    ending in a tag): the token ``#`` and tokens such as ``#️⃣`` are text."""
    if not line.startswith("#"):
        return False
    columns = _columns(line)
    return len(columns) < 2 or bool(_line_error(columns, width or (len(columns), 0)))


def parse(file: BinaryIO) -> Iterator[Record | LineError]:
    document = _Document(line=1)
    width: tuple[int, int] | None = None  # the first token line's (columns, line number)
    for number, raw in text_lines(file):
        if raw is None:
            document.errors.append(LineError(number, "Not UTF-8 text."))
            continue
        line = raw.rstrip()
        if not line.strip():
            document.end_sentence()
            continue
        if _is_comment(line, width):
            continue
        columns = _columns(line)
        if columns[0] == DOCSTART:
            yield from _finish(document)
            document = _Document(line=number)
            continue
        # The file's width is that of its first good token line.
        if error := _line_error(columns, width or (len(columns), number)):
            document.errors.append(LineError(number, error))
        else:
            width = width or (len(columns), number)
            document.add(columns[0], columns[-1])
    yield from _finish(document)


def _line_error(columns: list[str], width: tuple[int, int]) -> str | None:
    count, first = width
    if len(columns) < 2:
        return "A token line is a token and a tag, at least."
    if len(columns) != count:
        return f"{len(columns)} columns where the first token line (line {first}) has {count}."
    if not all(columns):
        return "An empty column."
    if any(unicodedata.category(character) == "Cc" for column in columns for character in column):
        # A carriage return or another control character: the rebuilt body would not hold
        # the token as read (a lone CR also hides line breaks from the reader).
        return "A column holds a control character (line breaks are \\n or \\r\\n)."
    tag = columns[-1]
    if tag != "O" and not _TAG.fullmatch(tag):
        return f"“{tag}” is not a tag: O, B-label or I-label."
    return None


def _finish(document: _Document) -> Iterator[Record | LineError]:
    if document.errors:
        yield from document.errors
    elif (record := document.record()) is not None:
        yield record
