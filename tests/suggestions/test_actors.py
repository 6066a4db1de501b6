"""Actor mentions: the registry's names and aliases found in a text."""

import threading

import pytest

from annotations.suggestions.actors import ActorMatcher, forget_matcher, registry_matcher
from annotations.suggestions.text import fold, on_boundaries

PUTIN, LUKASHENKO, ISW, NATO, KREMLIN, BEIJING, RUSSIA = 1, 2, 3, 4, 5, 6, 7
REGISTRY = [
    (PUTIN, "Vladimir Putin"),
    (PUTIN, "Putin"),
    (PUTIN, "Путин"),
    (PUTIN, "Владимир Путин"),
    (LUKASHENKO, "Alexander Lukashenko"),
    (LUKASHENKO, "Lukashenko"),
    (LUKASHENKO, "Lukashenka"),
    (LUKASHENKO, "Лукашенко"),
    (ISW, "Institute for the Study of War"),
    (ISW, "ISW"),
    (NATO, "NATO"),
    (KREMLIN, "Kremlin"),
    (KREMLIN, "the Kremlin"),
    (BEIJING, "北京"),
    (RUSSIA, "Russia"),
    (99, "X"),  # one letter: never looked for
    (99, "..."),
    (99, ""),
]


@pytest.fixture(scope="module")
def matcher():
    return ActorMatcher(REGISTRY)


def found(matcher, text):
    return [(text[m.start : m.end], m.actors) for m in matcher.mentions(text)]


def test_the_longest_name_wins(matcher):
    text = "Alexander Lukashenko met Vladimir Putin; Lukashenko left."
    assert found(matcher, text) == [
        ("Alexander Lukashenko", (LUKASHENKO,)),
        ("Vladimir Putin", (PUTIN,)),
        ("Lukashenko", (LUKASHENKO,)),
    ]


@pytest.mark.parametrize("text", ["Putin's war", "Putin’s war", "Putin' war", "(Putin)"])
def test_a_possessive_is_a_mention_of_the_name_alone(matcher, text):
    assert found(matcher, text) == [("Putin", (PUTIN,))]


@pytest.mark.parametrize("text", ["Putinism", "Putins", "unPutin", "Russian", "Russia_x"])
def test_only_whole_words(matcher, text):
    assert found(matcher, text) == []


def test_cyrillic_and_case(matcher):
    text = "ЛУКАШЕНКО и Путин; Владимир  Путин; PUTIN; lukashenka"
    assert found(matcher, text) == [
        ("ЛУКАШЕНКО", (LUKASHENKO,)),
        ("Путин", (PUTIN,)),
        ("Путин", (PUTIN,)),  # two spaces: "Владимир" and "Путин" are not the full name
        ("PUTIN", (PUTIN,)),
        ("lukashenka", (LUKASHENKO,)),
    ]


def test_acronyms_only_as_written(matcher):
    assert found(matcher, "ISW, isw, Isw, NATO's nato") == [
        ("ISW", (ISW,)),
        ("NATO", (NATO,)),
    ]


def test_whitespace_and_apostrophes_of_any_kind(matcher):
    text = "Alexander\u00a0Lukashenko and Alexander\nLukashenko; The Kremlin"
    assert found(matcher, text) == [
        ("Alexander\u00a0Lukashenko", (LUKASHENKO,)),
        ("Alexander\nLukashenko", (LUKASHENKO,)),
        ("The Kremlin", (KREMLIN,)),
    ]


def test_names_that_cannot_match_are_never_looked_for(matcher):
    assert found(matcher, "X said ... and x") == []
    assert matcher.size == len({name.casefold() for _, name in REGISTRY}) - 3


def test_unspaced_scripts_and_offsets_in_code_points(matcher):
    text = "🇺🇦 𝕏 我在北京工作 cafe\u0301 Putin"
    assert found(matcher, text) == [("北京", (BEIJING,)), ("Putin", (PUTIN,))]
    mention = matcher.mentions(text)[1]
    assert text[mention.start : mention.end] == "Putin"


def test_a_name_shared_by_two_actors_is_a_mention_of_each():
    matcher = ActorMatcher([(1, "Georgia"), (2, "Georgia"), (3, "GEORGIA")])
    assert found(matcher, "Georgia and GEORGIA") == [("Georgia", (1, 2)), ("GEORGIA", (1, 2, 3))]


def test_fold_keeps_every_offset():
    for text in ["İstanbul ΟΔΟΣ Straße", "a\u2019b\u00a0c\td", "ǅ ﬁ ẞ"]:
        assert len(fold(text)) == len(text)


def test_boundaries():
    assert on_boundaries("cafe\u0301", 0, 4) is False  # a combining accent continues the word
    assert on_boundaries("pro-Putin", 4, 9)
    assert on_boundaries("ab", 0, 2)


def test_the_registry_matcher_is_built_once_per_version():
    forget_matcher()
    loads = []

    def load():
        loads.append(1)
        return REGISTRY

    first = registry_matcher(("v", 1), load)
    assert registry_matcher(("v", 1), load) is first
    second = registry_matcher(("v", 2), load)
    assert second[0] == ("v", 2) and second[1] is not first[1] and len(loads) == 2
    forget_matcher()


def test_a_large_registry_is_rebuilt_in_the_background():
    forget_matcher()
    release, finished = threading.Event(), threading.Event()

    def slow_load():
        release.wait(5)
        return [*REGISTRY, (100, "Prigozhin")]

    old = registry_matcher(("v", 1), lambda: REGISTRY, background=True)  # nothing yet: here
    assert old[0] == ("v", 1)
    during = registry_matcher(("v", 2), slow_load, background=True, done=finished.set)
    assert during == old  # the previous version answers while the new one is built
    assert registry_matcher(("v", 2), slow_load, background=True) == old  # one build only
    release.set()
    assert finished.wait(5)
    version, matcher = registry_matcher(("v", 2), slow_load, background=True)
    assert version == ("v", 2)
    assert [m.actors for m in matcher.mentions("Prigozhin")] == [(100,)]
    forget_matcher()
