"""CoNLL IOB2: a token and its tag a line (``token<TAB>tag``), a blank line after a sentence.

Documents. Each article starts with the CoNLL-2003 line ``-DOCSTART-<TAB>O`` and a blank
line, which the usual readers (Hugging Face ``conll2003``, flair, spaCy's converter) skip.

Tokenizer (deliberately simple, over code points, no model): a token is a flag (two regional
indicators), or a run of word characters (``\\w``: letters, digits, ``_``, in every script)
and combining marks, or any other single non-space character with the combining marks,
variation selectors, skin tones and zero-width-joined characters that follow it (so 👨‍👩‍👧
stays one token). A run of CJK characters without spaces is one token. ``tokenize`` gives
the tokens with their offsets.

Sentences end at a line break, and after a token ``.``, ``!``, ``?`` or ``…`` that
whitespace follows (``。``, ``！`` and ``？`` end one even without it); never inside a kept
span, which stays in one sentence.

Spans. A span whose ends fall inside tokens is widened to the whole tokens it touches
(``widened_to_tokens``); a span that covers no token (whitespace only) is dropped
(``dropped_no_token``). IOB2 cannot hold overlapping spans, so they are resolved by one rule:
the longest span (in code points, after widening) is kept, a tie goes to the earlier start,
then to the lower span id; every span that overlaps a kept one is dropped and counted
(``dropped_overlapping``). Spans of every annotator compete: filter by annotator (or status)
for one consistent layer. Tags are ``B-`` and ``I-`` plus the label's name with whitespace
turned into ``_``.

Trailer. The stream ends with one comment line, ``# assay: ...``, which counts what was kept,
widened and dropped and states the rule. Readers that do not know it should skip lines
starting with ``# `` (flair: ``comment_symbol="# "``); no token line can start that way,
since a token line always has a tab right after its token.
"""

import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import cache

from annotations.selectors.exports import ExportArticle, ExportSpan

from .base import ExportStats, tag_name

RULE = "longest span kept, then earliest start, then lowest id"
_TERMINATORS = frozenset(".!?…")
_CJK_TERMINATORS = frozenset("。！？")


@cache
def _mark_class() -> str:
    """The characters of Unicode category M (combining marks), as a regex class body.

    Past U+1FFFF only the variation selectors supplement holds marks, so the scan skips the
    rest of the planes.
    """
    ranges, start, previous = [], None, None
    for code in [*range(0x20000), *range(0xE0100, 0xE01F0), sys.maxunicode]:
        if unicodedata.category(chr(code)).startswith("M"):
            if start is None:
                start = code
            previous = code
        elif start is not None:
            ranges.append((start, previous))
            start = None
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


@cache
def token_pattern() -> re.Pattern:
    marks = _mark_class()
    joiners = f"{marks}\ufe0e\ufe0f\U0001f3fb-\U0001f3ff"
    return re.compile(
        r"[\U0001f1e6-\U0001f1ff]{2}"
        rf"|[\w{marks}]+"
        rf"|[^\w\s](?:[{joiners}]|\u200d[^\w\s])*"
    )


def tokenize(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` code-point offsets of the tokens of ``text``."""
    return [match.span() for match in token_pattern().finditer(text)]


def _resolve(
    spans: list[ExportSpan], starts: list[int], ends: list[int], stats: ExportStats
) -> list[tuple[int, int, str]]:
    """The kept spans as ``(first token, last token, label)``, by the module's rule."""
    candidates = []
    for span in spans:
        first = bisect_right(ends, span.start)
        last = bisect_left(starts, span.end) - 1
        if first > last:
            stats.dropped_no_token += 1
            continue
        if starts[first] != span.start or ends[last] != span.end:
            stats.widened_to_tokens += 1
        length = ends[last] - starts[first]
        candidates.append((-length, starts[first], span.id, first, last, span.label))
    candidates.sort()
    taken = bytearray(len(starts))
    kept = []
    for *_, first, last, label in candidates:
        if any(taken[first : last + 1]):
            stats.dropped_overlapping += 1
            continue
        taken[first : last + 1] = b"\x01" * (last + 1 - first)
        kept.append((first, last, label))
    return kept


def document(article: ExportArticle, stats: ExportStats) -> str:
    """One article in CoNLL IOB2, from its ``-DOCSTART-`` line to its last blank line."""
    body = article.body
    tokens = tokenize(body)
    starts = [start for start, _ in tokens]
    ends = [end for _, end in tokens]
    tags = ["O"] * len(tokens)
    for first, last, label in _resolve(article.spans, starts, ends, stats):
        tag = tag_name(label)
        tags[first] = f"B-{tag}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{tag}"
    lines = ["-DOCSTART-\tO\n", "\n"]
    for index, (start, end) in enumerate(tokens):
        if index and not tags[index].startswith("I-"):
            previous = body[starts[index - 1] : ends[index - 1]]
            gap = body[ends[index - 1] : start]
            if "\n" in gap or (gap and previous in _TERMINATORS) or previous in _CJK_TERMINATORS:
                lines.append("\n")
        lines.append(f"{body[start:end]}\t{tags[index]}\n")
    if tokens:
        lines.append("\n")
    return "".join(lines)


def write(articles: Iterable[ExportArticle], stats: ExportStats) -> Iterator[str]:
    for article in articles:
        yield document(article, stats)
    kept = stats.spans - stats.dropped_overlapping - stats.dropped_no_token
    yield (
        f"# assay: kept {kept} of {stats.spans} spans; "
        f"dropped {stats.dropped_overlapping} overlapping spans (rule: {RULE}); "
        f"dropped {stats.dropped_no_token} spans that cover no token; "
        f"widened {stats.widened_to_tokens} spans to whole tokens\n"
    )
