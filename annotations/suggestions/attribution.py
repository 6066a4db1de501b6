"""Attribution: who said what. "X said that …", "X denied …", "according to X, …",
"“…,” X said", "X's spokesman said …": the speaker, a registry actor, is proposed as the
``source`` of the statement, and the suggestion covers the statement.

The speaker is a mention (``actors.Mention``) next to a verb of saying; pronouns ("he said")
and speakers outside the registry are not resolved. The verb says what the statement is: a
denial, an assessment, a warning or a claim (``VERB_CLASSES``), which proposes the label.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from .actors import Mention

# The verbs of saying, by what the statement they introduce is.
VERB_CLASSES = {
    "denial": "denied denies deny rejected rejects dismissed dismisses refuted refutes",
    "assessment": (
        "assessed assesses assess estimated estimates judged judges concluded concludes "
        "forecast forecasts predicted predicts"
    ),
    "warning": "warned warns threatened threatens",
    "claim": (
        "said says say stated states claimed claims asserted asserts announced announces "
        "argued argues noted notes added adds told tells insisted insists alleged alleges "
        "accused accuses reported reports declared declares acknowledged acknowledges "
        "admitted admits emphasized emphasizes emphasised emphasises stressed stresses "
        "reiterated reiterates confirmed confirms suggested suggests wrote writes promised "
        "promises vowed vows replied replies responded responds"
    ),
}
CLASS_OF_VERB = {verb: kind for kind, verbs in VERB_CLASSES.items() for verb in verbs.split()}
_VERB = "|".join(sorted(CLASS_OF_VERB, key=len, reverse=True))

# After the speaker: a possessive and whose voice ("the Kremlin's spokesman"), a closing
# parenthesis ("… (ISW) assesses"), auxiliaries and adverbs ("has also repeatedly claimed",
# "continues to assess"), then the verb.
_SPEAKER_THEN_VERB = re.compile(
    r"(?:(?:'s|’s|')?\s+(?:spokesman|spokeswoman|spokesperson|press\s+secretary|"
    r"press\s+service|representative|office|ministry|officials?))?"
    r"\)?,?"
    r"(?:\s+(?:has|have|had|also|again|then|later|once|first|would|will|long|already|still|"
    r"continues\s+to|continued\s+to|\w+ly)){0,3}"
    rf"\s+(?P<verb>{_VERB})\b",
    re.I,
)
# Between the verb and the statement: "that", a colon, an opening quote, or words up to
# "that" ("stated on December 16 that", "told reporters that").
_LEAD_IN = re.compile(
    r"(?:[^.;:!?\"“”\n]{0,60}?\s+that\b|\s*:|,?(?=\s*[\"“])|(?=\s))\s*",
)
# A statement that goes on under the same speaker: ", adding that …".
_GOES_ON = re.compile(r",\s+(?:adding|noting|saying|claiming|stressing|arguing)\b(?:\s+that\b)?\s*")
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?:the\s+)?$", re.I)
_TRAILING_VERB = re.compile(
    rf",?\s+(?P<verb>{_VERB})\b(?:\s+(?:on|in|at)\s+[^.;!?\n]{{1,30}})?[.;!?]"
)
_BEFORE_TRAILING = re.compile(r"[,]\s*[\"”’]?\s*$|[\"”]\s*$")
_SAID_BEFORE = re.compile(r"[,][\"”]?\s+(?P<verb>said|says|added|stated|noted|claimed|wrote)\s+$")

_SENTENCE_END = re.compile(r"[.!?](?=[\"”’»)\]]*(?:\s|$))|\n")
_SENTENCE_BREAK = re.compile(r"(?:[.!?][\"”’»)\]]*\s+|\n)")
_ABBREVIATION = re.compile(
    r"(?:\b\w|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Maj|Sen|Rep|Jr|Sr|No|vs|Prof|Gov|Adm))$"
)
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}


@dataclass(frozen=True, slots=True)
class Attribution:
    start: int  # the statement
    end: int
    actor: int  # the speaker
    verb_class: str  # claim, denial, assessment, warning
    score: float


def _is_abbreviation(body: str, dot: int) -> bool:
    return body[dot] == "." and bool(_ABBREVIATION.search(body, max(0, dot - 5), dot))


def sentence_end(body: str, pos: int) -> int:
    """Where the sentence around ``pos`` ends (its final stop left out)."""
    for match in _SENTENCE_END.finditer(body, pos):
        if not _is_abbreviation(body, match.start()):
            return match.start()
    return len(body)


def sentence_start(body: str, pos: int) -> int:
    """Where the sentence around ``pos`` starts."""
    window = max(0, pos - 1500)
    start = window
    for match in _SENTENCE_BREAK.finditer(body, window, pos):
        if body[match.start()] == "\n" or not _is_abbreviation(body, match.start()):
            start = match.end()
    return start


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (body[start].isspace() or body[start] in '"“”«„,:'):
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in '"“”»,;:.!?'):
        end -= 1
    return start, end


def _quoted(body: str, start: int) -> tuple[int, int] | None:
    """The quotation opening at ``start`` (after spaces), if one does: its inside."""
    while start < len(body) and body[start] == " ":
        start += 1
    if start >= len(body) or body[start] not in _QUOTES:
        return None
    close = body.find(_QUOTES[body[start]], start + 1)
    if close == -1 or "\n" in body[start:close]:
        return None
    return start + 1, close


def _statement_after(body: str, pos: int, speakers: list[int] = ()) -> tuple[int, int, int]:
    """The statement starting at ``pos``: a quotation, or the rest of the sentence up to a
    ", adding that" or the clause of another speaker (``speakers``: where the speakers of
    the text start); and where a continuation would start (or -1)."""
    quoted = _quoted(body, pos)
    if quoted:
        return *quoted, -1
    end = sentence_end(body, pos)
    goes_on = _GOES_ON.search(body, pos, end)
    if goes_on:
        end, more = goes_on.start(), goes_on.end()
    else:
        more = -1
    index = bisect_right(speakers, pos)
    if index < len(speakers) and speakers[index] < end:  # "…, and Putin said that …"
        clause = max(body.rfind(",", pos, speakers[index]), body.rfind(";", pos, speakers[index]))
        return pos, clause if clause != -1 else speakers[index], -1
    return pos, end, more


def _statement_before(body: str, comma: int) -> tuple[int, int]:
    """The statement ending at ``comma`` (a quotation closing there, or the sentence)."""
    end = comma
    while end > 0 and body[end - 1] in ' "”’,':
        end -= 1
    opening = max(body.rfind("“", 0, end), body.rfind('"', 0, end))
    start = sentence_start(body, end)
    if opening >= start - 1 and opening != -1:
        start = opening + 1
    return start, end


def _keep(found: list, body: str, span: tuple[int, int], actor: int, verb: str, score: float):
    start, end = _trim(body, *span)
    if end - start >= 3 and any(ch.isalpha() for ch in body[start:end]):
        verb_class = CLASS_OF_VERB.get(verb.lower(), "claim")
        found.append(Attribution(start, end, actor, verb_class, score))


def attributions(body: str, mentions: list[Mention]) -> list[Attribution]:
    """Every attributed statement of ``body`` whose speaker is one of ``mentions``."""
    found: list[Attribution] = []
    speakers = [m.start for m in mentions if _SPEAKER_THEN_VERB.match(body, m.end)]
    for mention in mentions:
        if len(mention.actors) != 1:
            continue  # a name several actors share says nothing sure about the speaker
        actor = mention.actors[0]
        verb = _SPEAKER_THEN_VERB.match(body, mention.end)
        if verb:
            trailing = _TRAILING_VERB.match(body, mention.end)
            before = body[max(0, mention.start - 4) : mention.start]
            if trailing and _BEFORE_TRAILING.search(before):  # "“…,” Peskov said."
                start, end = _statement_before(body, body.rfind(",", 0, mention.start) + 1)
                _keep(found, body, (start, end), actor, trailing["verb"], 0.7)
                continue
            lead_in = _LEAD_IN.match(body, verb.end())
            if lead_in:
                start, end, more = _statement_after(body, lead_in.end(), speakers)
                _keep(found, body, (start, end), actor, verb["verb"], 0.8)
                if more != -1:
                    start, end, _ = _statement_after(body, more, speakers)
                    _keep(found, body, (start, end), actor, "said", 0.6)
            continue
        said = _SAID_BEFORE.search(body, max(0, mention.start - 12), mention.start)
        if said:  # "“…,” said Peskov."
            start, end = _statement_before(body, said.start() + 1)
            _keep(found, body, (start, end), actor, said["verb"], 0.7)
            continue
        if _ACCORDING_TO.search(body, max(0, mention.start - 20), mention.start):
            sentence = sentence_start(body, mention.start)
            according = body.rfind("ccording", sentence, mention.start) - 1
            if body[sentence:according].strip():  # "…, according to X."
                _keep(found, body, (sentence, according), actor, "said", 0.6)
            else:  # "According to X, …"
                comma = body.find(",", mention.end, sentence_end(body, mention.end))
                after = comma + 1 if comma != -1 else mention.end
                start, end, _ = _statement_after(body, after, speakers)
                _keep(found, body, (start, end), actor, "said", 0.6)
    return found
