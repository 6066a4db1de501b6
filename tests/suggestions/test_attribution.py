"""Attribution: the speaker of a statement, and the statement."""

import pytest

from annotations.suggestions.actors import ActorMatcher
from annotations.suggestions.attribution import attributions, sentence_end

PUTIN, PESKOV, ISW, KREMLIN, LUKASHENKO = 1, 2, 3, 4, 5
MATCHER = ActorMatcher(
    [
        (PUTIN, "Putin"),
        (PESKOV, "Dmitry Peskov"),
        (PESKOV, "Peskov"),
        (ISW, "ISW"),
        (KREMLIN, "Kremlin"),
        (LUKASHENKO, "Lukashenko"),
    ]
)


def said(text):
    return [
        (text[a.start : a.end], a.actor, a.verb_class)
        for a in attributions(text, MATCHER.mentions(text))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ISW assesses that Belarus' involvement in the war remains unlikely.",
            ("Belarus' involvement in the war remains unlikely", ISW, "assessment"),
        ),
        (
            'In particular, Putin said that "Russia is not interested in absorbing anyone" '
            "when it comes to Belarus.",
            ("Russia is not interested in absorbing anyone", PUTIN, "claim"),
        ),
        (
            "The Institute added that Peskov strongly denied Putin's intention to invade.",
            ("Putin's intention to invade", PESKOV, "denial"),
        ),
        (
            "According to Peskov, the talks went well.",
            ("the talks went well", PESKOV, "claim"),
        ),
        (
            "The talks went well, according to Peskov.",
            ("The talks went well", PESKOV, "claim"),
        ),
        (
            "“The West is to blame,” Peskov said.",
            ("The West is to blame", PESKOV, "claim"),
        ),
        (
            '"The West is to blame," said Peskov.',
            ("The West is to blame", PESKOV, "claim"),
        ),
        (
            "The Kremlin's spokesman said that no deal was made.",
            ("no deal was made", KREMLIN, "claim"),
        ),
        (
            "Lukashenko stated on December 16 that Belarus is sovereign.",
            ("Belarus is sovereign", LUKASHENKO, "claim"),
        ),
        (
            "ISW continues to assess that Russia will likely fail.",
            ("Russia will likely fail", ISW, "assessment"),
        ),
        (
            "Putin warned: the U.S. will pay.",
            ("the U.S. will pay", PUTIN, "warning"),
        ),
    ],
)
def test_one_attribution(text, expected):
    assert said(text) == [expected]


def test_adding_that_goes_on_under_the_same_speaker():
    text = (
        "Kremlin spokesman Dmitry Peskov also stated that Putin did not go to Belarus, "
        'adding that "such speculations are baseless and stupid."'
    )
    assert said(text) == [
        ("Putin did not go to Belarus", PESKOV, "claim"),
        ("such speculations are baseless and stupid", PESKOV, "claim"),
    ]


def test_a_statement_stops_where_another_speaker_starts():
    text = "Lukashenko noted that Russia will supply S-400s, and Putin said that talks went on."
    assert said(text) == [
        ("Russia will supply S-400s", LUKASHENKO, "claim"),
        ("talks went on", PUTIN, "claim"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Putin's alleged intentions were hidden.",  # a possessive, then an adjective
        "Putin and Lukashenko refrained from comment.",
        "He said that Putin is tired.",  # the speaker is no registry actor
        "Putin said.",
    ],
)
def test_no_attribution(text):
    assert said(text) == []


def test_sentence_end_skips_abbreviations():
    text = "Gen. Gerasimov told the U.S. envoy no. Then he left."
    assert text[: sentence_end(text, 0)] == "Gen. Gerasimov told the U.S. envoy no"
