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


def _pattern(phrases: dict) -> tuple[re.Pattern, dict[str, str]]:
    step_of = {phrase: step for step, variants in phrases.items() for phrase in variants}
    alternatives = sorted(step_of, key=len, reverse=True)  # longest first
    words = "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in alternatives)
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.I), step_of


_PROBABILITY, _PROBABILITY_STEP = _pattern(PROBABILITY_PHRASES)
_CONFIDENCE, _CONFIDENCE_STEP = _pattern(CONFIDENCE_PHRASES)


@dataclass(frozen=True)
class Suggestion:
    probability: str | None
    confidence: str | None
    probability_words: str = ""  # the words read, as the text writes them
    confidence_words: str = ""

    def __bool__(self) -> bool:
        return bool(self.probability or self.confidence)


def _key(words: str) -> str:
    return " ".join(words.lower().split())


def _probability(text: str) -> tuple[str | None, str]:
    for match in _PROBABILITY.finditer(text):
        # re.I also matches what lower() does not map back ("LİKELY", "almoſt"): not a phrase.
        step = _PROBABILITY_STEP.get(_key(match.group()))
        if step is None:
            continue
        if NEGATION.search(text[max(0, match.start() - 12) : match.start()]):
            step = OPPOSITE.get(step)
            if step is None:
                continue
        return step, match.group()
    return None, ""


def suggest(text: str) -> Suggestion:
    """The probability and confidence that ``text``'s words state (``None`` where none)."""
    probability, probability_words = _probability(text)
    confidence_match = next(
        (m for m in _CONFIDENCE.finditer(text) if _key(m.group()) in _CONFIDENCE_STEP), None
    )
    confidence = _CONFIDENCE_STEP[_key(confidence_match.group())] if confidence_match else None
    return Suggestion(
        probability=probability,
        confidence=confidence,
        probability_words=probability_words,
        confidence_words=confidence_match.group() if confidence_match else "",
    )
