"""Estimative language: the words of a span that map onto ICD 203's scales.

ICD 203 (Analytic Standards) fixes seven expressions of likelihood and three levels of
analytic confidence. Analysts write them in many forms: "probably", "we assess it is likely",
"highly improbable", "with moderate confidence". ``suggest`` reads a span's text and answers the
probability and confidence those words state, so that the annotate page can offer them with one
keystroke; it never sets them by itself.

The rules, in order:

- a phrase is matched on word boundaries, case-insensitively, the longest first, so "very
  unlikely" is not read as "unlikely" nor "unlikely" as "likely";
- a negated phrase turns to its opposite where ICD 203 has one ("not likely", "probably not",
  "not probable", "not very likely" → unlikely), and is otherwise skipped ("not unlikely" and
  "not almost certain" say nothing the scale can hold);
- when the text holds several phrases, the first is taken: a span that says "likely, though
  some see it as unlikely" is the author's "likely".
"""

import re
from dataclasses import dataclass

from .models import Confidence, Probability

# ICD 203's expressions and their usual variants, each with its step of the scale.
PROBABILITY_PHRASES = {
    Probability.ALMOST_NO_CHANCE: (
        "almost no chance",
        "remote chance",
        "remote possibility",
        "remotely possible",
    ),
    Probability.VERY_UNLIKELY: (
        "very unlikely",
        "highly unlikely",
        "highly improbable",
        "very improbable",
        "very probably not",
    ),
    Probability.UNLIKELY: ("unlikely", "improbable", "improbably", "probably not", "not likely"),
    Probability.ROUGHLY_EVEN_CHANCE: (
        "roughly even chance",
        "roughly even odds",
        "even chance",
        "even odds",
        "fifty-fifty",
    ),
    Probability.LIKELY: ("likely", "probable", "probably"),
    Probability.VERY_LIKELY: ("very likely", "highly likely", "highly probable", "very probable"),
    Probability.ALMOST_CERTAIN: (
        "almost certain",
        "almost certainly",
        "nearly certain",
        "nearly certainly",
        "virtually certain",
        "virtually certainly",
    ),
}
CONFIDENCE_PHRASES = {
    Confidence.LOW: ("low confidence",),
    Confidence.MODERATE: ("moderate confidence", "medium confidence"),
    Confidence.HIGH: ("high confidence",),
}
# What a negation turns a step into, where the scale has an opposite.
# "not very likely" is merely unlikely; "not unlikely" (litotes) and "not almost certain" say
# nothing the scale can hold.
OPPOSITE = {
    Probability.LIKELY: Probability.UNLIKELY,
    Probability.VERY_LIKELY: Probability.UNLIKELY,
}
NEGATION = re.compile(r"(?:\b(?:not|no|never|hardly)|n't)\s+$", re.I)


def _pattern(phrases: dict) -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    """The phrases as one pattern, longest first: case-insensitive over any text, and the
    same alternatives over a text already lower-cased (no ``re.I``, no look-behind: several
    times faster over a whole article; the boundary before is checked by ``_matches``)."""
    step_of = {phrase: step for step, variants in phrases.items() for phrase in variants}
    alternatives = sorted(step_of, key=len, reverse=True)  # longest first
    words = "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in alternatives)
    return (
        re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.I),
        re.compile(rf"(?:{words})(?![\w-])"),
        step_of,
    )


_PROBABILITY, _PROBABILITY_LOWER, _PROBABILITY_STEP = _pattern(PROBABILITY_PHRASES)
_CONFIDENCE, _CONFIDENCE_LOWER, _CONFIDENCE_STEP = _pattern(CONFIDENCE_PHRASES)
_WORD_OR_HYPHEN = re.compile(r"[\w-]")

# Every phrase holds one of these words (its head): over a long text, the patterns run only
# near them (``_windows``), several times faster than over every character, with the same
# matches (tests/test_estimative.py compares the two).
_MODIFIERS = {"not", "no", "very", "highly", "almost", "nearly", "virtually", "roughly", "even"}
_HEADS = {
    max((w for w in phrase.split() if w not in _MODIFIERS), key=len, default=phrase)
    for table in (PROBABILITY_PHRASES, CONFIDENCE_PHRASES)
    for phrases in table.values()
    for phrase in phrases
}
_HEADS = sorted(h for h in _HEADS if not any(o != h and o in h for o in _HEADS))  # "likely"
_MARGIN = 40  # more than any phrase reaches before or after its head, spaces included
_WINDOWED_FROM = 2000  # characters: below this a plain scan costs less


@dataclass(frozen=True)
class Suggestion:
    probability: str | None
    confidence: str | None
    probability_words: str = ""  # the words read, as the text writes them
    confidence_words: str = ""

    def __bool__(self) -> bool:
        return bool(self.probability or self.confidence)


@dataclass(frozen=True)
class Phrase:
    """An estimative phrase of a longer text: ``text[start:end]``, a negation included
    ("not very likely"), with the step or level it states."""

    start: int
    end: int
    probability: str | None = None
    confidence: str | None = None


def _key(words: str) -> str:
    return " ".join(words.lower().split())


def _lowered(text: str) -> str | None:
    """``text.lower()`` where it keeps every offset (it does unless a character lowers to
    two, as "İ" does)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _matches(text: str, lowered: str | None, pattern: re.Pattern, lower_pattern: re.Pattern):
    """The pattern's matches in ``text`` as (start, end): over ``lowered`` when it keeps the
    offsets, else case-insensitively over ``text``; the same matches either way."""
    if lowered is None:
        for match in pattern.finditer(text):
            yield match.start(), match.end()
        return
    windows = _windows(lowered) if len(lowered) >= _WINDOWED_FROM else [(0, len(lowered))]
    for window_start, window_end in windows:
        for match in lower_pattern.finditer(lowered, window_start, window_end):
            start, end = match.start(), match.end()
            if start and _WORD_OR_HYPHEN.match(lowered, start - 1):
                continue
            if end < len(lowered) and _WORD_OR_HYPHEN.match(lowered, end):
                continue  # a window's end is no word boundary
            yield start, end


def _windows(lowered: str) -> list[tuple[int, int]]:
    """The stretches of ``lowered`` around each head word, merged where they touch."""
    around = []
    for head in _HEADS:
        index = lowered.find(head)
        while index != -1:
            around.append((max(0, index - _MARGIN), index + len(head) + _MARGIN))
            index = lowered.find(head, index + 1)
    around.sort()
    merged: list[tuple[int, int]] = []
    for start, end in around:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _probabilities(text: str, lowered: str | None):
    """Each probability phrase of ``text`` as (start, end, step, negation's start or None),
    negations applied and the phrases the scale cannot hold skipped."""
    for start, end in _matches(text, lowered, _PROBABILITY, _PROBABILITY_LOWER):
        # re.I also matches what lower() does not map back ("LİKELY", "almoſt"): not a phrase.
        step = _PROBABILITY_STEP.get(_key(text[start:end]))
        if step is None:
            continue
        window_start = max(0, start - 12)
        negation = NEGATION.search(text, window_start, start)
        if negation:
            step = OPPOSITE.get(step)
            if step is None:
                continue
        yield start, end, step, negation.start() if negation else None


def _probability(text: str) -> tuple[str | None, str]:
    for start, end, step, _ in _probabilities(text, _lowered(text)):
        return step, text[start:end]
    return None, ""


def _confidences(text: str, lowered: str | None):
    for start, end in _matches(text, lowered, _CONFIDENCE, _CONFIDENCE_LOWER):
        level = _CONFIDENCE_STEP.get(_key(text[start:end]))
        if level is not None:
            yield start, end, level


def _word_start(text: str, index: int) -> int:
    """Back to the start of the word ``index`` is in ("isn't" for its "n't")."""
    while index and (text[index - 1].isalnum() or text[index - 1] in "'’"):
        index -= 1
    return index


def find_all(text: str) -> list[Phrase]:
    """Every estimative phrase of a whole text (an article), in order of start: what
    ``suggest`` reads in a span, read everywhere, by the same rules. A negated phrase starts
    at its negation ("probably not" is a phrase itself; "not very likely" and "isn't likely"
    take the negation in)."""
    lowered = _lowered(text)
    found = [
        Phrase(start if negation is None else _word_start(text, negation), end, probability=step)
        for start, end, step, negation in _probabilities(text, lowered)
    ]
    found += [
        Phrase(start, end, confidence=level) for start, end, level in _confidences(text, lowered)
    ]
    return sorted(found, key=lambda phrase: (phrase.start, phrase.end))


def suggest(text: str) -> Suggestion:
    """The probability and confidence that ``text``'s words state (``None`` where none)."""
    probability, probability_words = _probability(text)
    confidence = next(_confidences(text, _lowered(text)), None)
    return Suggestion(
        probability=probability,
        confidence=confidence[2] if confidence else None,
        probability_words=probability_words,
        confidence_words=text[confidence[0] : confidence[1]] if confidence else "",
    )
