"""Actor mentions: every name and alias of the registry found in a text.

One Aho-Corasick automaton (pyahocorasick) holds every name and alias of the registry, folded
(``text.fold``); one pass over the folded body finds every place any of them occurs, and the
rules then keep the mentions:

- on word boundaries in every script (``text.on_boundaries``): "Putin" in "Putin's" and
  "Putin’s" (the possessive is a mention of the name alone), not in "Putinism";
- case-insensitively, except acronyms ("ISW", "NATO"), matched only in capitals as written;
- names with fewer than two letters or digits are never looked for (``text.can_match``);
- the longest mention wins where two overlap ("Alexander Lukashenko" is one mention, not
  "Alexander Lukashenko" and "Lukashenko"); between equals, the earlier.

Adjectives ("Russian") are not mentions of states unless the registry lists them as aliases:
the matcher knows only the registry's words. A name that several actors share is a mention
of each, its score split between them.

Building the automaton for 50,000 names takes a fraction of a second; it is built once per
registry version (``registry_matcher``) and shared by every request of the process.
"""

import threading
import time
from bisect import bisect_right, insort
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

import ahocorasick

from .text import can_match, fold, fold_key, is_acronym, joins

_JOINS: dict[str, bool] = {}


class Mention(NamedTuple):
    start: int
    end: int
    actors: tuple[int, ...]  # the actors of that name, usually one


class ActorMatcher:
    """The registry's names in one automaton; ``mentions(body)`` reads a text."""

    def __init__(self, names: Iterable[tuple[int, str]]):
        """``names``: (actor id, name or alias) pairs, names and aliases alike."""
        began = time.perf_counter()
        table: dict[str, list[tuple[int, str | None]]] = {}
        for actor_id, name in names:
            if not isinstance(name, str) or not can_match(name):
                continue
            # An acronym keeps its spelling, checked against the text's; others match any case.
            entry = (actor_id, " ".join(name.split()) if is_acronym(name) else None)
            entries = table.setdefault(fold_key(name), [])
            if entry not in entries:
                entries.append(entry)
        self._automaton = ahocorasick.Automaton()
        for key, entries in table.items():
            anycase = tuple(actor for actor, exact in entries if exact is None)
            exact = tuple(entry for entry in entries if entry[1] is not None)
            self._automaton.add_word(key, (len(key), anycase, exact))
        self._automaton.make_automaton()
        self.size = len(table)
        self.build_seconds = time.perf_counter() - began

    def mentions(self, body: str, folded: str | None = None) -> list[Mention]:
        """Every mention of a registry actor in ``body``, by start. ``folded`` is
        ``text.fold(body)`` when the caller has it."""
        if not self.size or not body:
            return []
        folded = fold(body) if folded is None else folded
        found = []
        length_of_body = len(body)
        joining = _JOINS  # a dict: whether a character continues a word, filled as met
        for last, (length, actors, exact) in self._automaton.iter(folded):
            end = last + 1
            start = end - length
            # Word boundaries (text.on_boundaries), inlined: most hits fall inside words.
            if start:
                before, first = body[start - 1], body[start]
                if joining.get(before, None) is None:
                    joining[before] = joins(before)
                if joining[before]:
                    if joining.get(first, None) is None:
                        joining[first] = joins(first)
                    if joining[first]:
                        continue
            if end < length_of_body:
                after, final = body[end], body[end - 1]
                if joining.get(after, None) is None:
                    joining[after] = joins(after)
                if joining[after]:
                    if joining.get(final, None) is None:
                        joining[final] = joins(final)
                    if joining[final]:
                        continue
            if exact:
                actors = _as_written(body[start:end], actors, exact)
            if actors:
                found.append((start, end, actors))
        return [Mention(*kept) for kept in _longest_first(found)]


def _as_written(written: str, actors: tuple[int, ...], exact) -> tuple[int, ...]:
    """The actors of any-case spellings, and those of acronyms written as the text has it."""
    written = " ".join(written.split())
    more = tuple(a for a, spelling in exact if spelling == written and a not in actors)
    return actors + more


def _longest_first(found: list[tuple]) -> list[tuple]:
    """Of overlapping (start, end, actors), the longest (then the earliest) stays."""
    starts: list[int] = []
    ends: dict[int, int] = {}
    kept = []
    for mention in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        start, end = mention[0], mention[1]
        index = bisect_right(starts, start) - 1
        if index >= 0 and ends[starts[index]] > start:
            continue  # a kept mention runs into this one
        if index + 1 < len(starts) and starts[index + 1] < end:
            continue  # this one runs into the next kept one
        insort(starts, start)
        ends[start] = end
        kept.append(mention)
    kept.sort()
    return kept


# --- one matcher per registry version, shared by the process's requests ---------------------

_lock = threading.Lock()
_cached: tuple[Hashable, ActorMatcher] | None = None
_building: Hashable | None = None  # the version a background build is making


def registry_matcher(
    stamp: Hashable,
    load: Callable[[], Iterable[tuple[int, str]]],
    *,
    background: bool = False,
    done: Callable[[], None] | None = None,
) -> tuple[Hashable, ActorMatcher]:
    """The matcher of the registry version ``stamp`` and that version, built from ``load()``
    the first time it is asked for; an older version's is dropped.

    ``background`` (a large registry, whose build takes a second or more): while a matcher of
    an older version exists, it is answered (with its own version) and the new one is built
    in a thread (``done`` is called there at the end: the thread's database connection
    closed), so that a registry change does not stall the requests that follow it; the
    next request after the build gets the new one. Without a matcher yet, or without
    ``background``, the build happens here."""
    global _cached, _building
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached
    if background and cached is not None:
        with _lock:
            if _building != stamp:
                _building = stamp
                threading.Thread(
                    target=_build_in_background, args=(stamp, load, done), daemon=True
                ).start()
        return cached
    with _lock:  # one build at a time: concurrent requests wait for it rather than repeat it
        if _cached is not None and _cached[0] == stamp:
            return _cached
        _cached = (stamp, ActorMatcher(load()))
        return _cached


def _build_in_background(stamp, load, done) -> None:
    global _cached, _building
    try:
        matcher = ActorMatcher(load())
        with _lock:
            if _building == stamp:
                _cached = (stamp, matcher)
    finally:
        with _lock:
            if _building == stamp:
                _building = None
        if done is not None:
            done()


def forget_matcher() -> None:
    """Drop the cached matcher (tests)."""
    global _cached, _building
    with _lock:
        _cached = None
        _building = None
