"""The estimative words of a span and the ICD 203 steps they state."""

import pytest

from annotations.estimative import CONFIDENCE_PHRASES, PROBABILITY_PHRASES, find_all, suggest


@pytest.mark.parametrize(
    ("text", "probability", "words"),
    [
        ("Belarus' involvement in the war remains unlikely", "unlikely", "unlikely"),
        ("Russia will very likely continue", "very_likely", "very likely"),
        ("Putin will probably not attack", "unlikely", "probably not"),
        ("It is NOT LIKELY to happen", "unlikely", "NOT LIKELY"),
        ("it isn't likely that Minsk joins", "unlikely", "likely"),
        ("Minsk doesn't likely want it", "unlikely", "likely"),
        ("not very likely to matter", "unlikely", "very likely"),
        ("a highly improbable escalation", "very_unlikely", "highly improbable"),
        ("there is a roughly even chance of talks", "roughly_even_chance", "roughly even chance"),
        ("Lukashenko almost certainly refused", "almost_certain", "almost certainly"),
        ("almost no chance of a deal", "almost_no_chance", "almost no chance"),
        ("likely, though some call it unlikely", "likely", "likely"),
        ("very\nlikely across a line break", "very_likely", "very\nlikely"),
    ],
)
def test_probability_words(text, probability, words):
    found = suggest(text)
    assert (found.probability, found.probability_words) == (probability, words)


@pytest.mark.parametrize(
    "text",
    [
        "ISW assesses that Belarus will join",  # an assessment, but no likelihood stated
        "the likelihood of war",  # not an estimative expression
        "unlikelyhood",  # inside another word
        "remote areas of Belarus",
        "it is not unlikely",  # litotes: no step of the scale
        "LİKELY",  # re.I matches it, lower() does not give "likely" back
        "lıkely",
        "almoſt certain",
        "",
    ],
)
def test_no_probability(text):
    assert suggest(text).probability is None


def test_confidence_words():
    found = suggest("We assess with moderate confidence that it is likely")
    assert (found.probability, found.confidence) == ("likely", "moderate")
    assert found.confidence_words == "moderate confidence"
    assert not suggest("no estimative words here")
    assert suggest("with moderate confidence").confidence == "moderate"


def test_every_phrase_reads_as_its_own_step():
    for table in (PROBABILITY_PHRASES, CONFIDENCE_PHRASES):
        for step, phrases in table.items():
            for phrase in phrases:
                found = suggest(f"They said it was {phrase} in the end.")
                assert step in (found.probability, found.confidence), phrase


def test_find_all_reads_a_whole_text_by_the_same_rules():
    text = (
        "Putin will probably not attack; it isn't likely, not very likely, not unlikely. "
        "We assess with HIGH confidence it is very\nlikely; LİKELY; almost certainly."
    )
    found = [(text[p.start : p.end], p.probability, p.confidence) for p in find_all(text)]
    assert found == [
        ("probably not", "unlikely", None),
        ("isn't likely", "unlikely", None),
        ("not very likely", "unlikely", None),
        ("HIGH confidence", None, "high"),
        ("very\nlikely", "very_likely", None),
        ("almost certainly", "almost_certain", None),
    ]


@pytest.mark.parametrize("text", ["Russia is unlikely to win", "it isn't likely", "LİKELY no"])
def test_find_all_agrees_with_suggest_on_the_first_phrase(text):
    first = next((p for p in find_all(text) if p.probability), None)
    assert (first.probability if first else None) == suggest(text).probability


def test_a_long_text_is_read_near_its_head_words_with_the_same_matches(monkeypatch):
    from pathlib import Path

    import annotations.estimative as module

    texts = [
        path.read_text(encoding="utf-8")
        for path in (Path(__file__).parent / "data" / "suggestions").glob("*.marked.txt")
    ]
    texts.append(
        "x" * 3000 + " very likely; not  very\nlikely, unlikely-ish, likelyx; almost no chance. "
        "fifty-fifty LIKELY isn't likely, roughly even odds with HIGH confidence " * 20
    )
    for text in texts:
        assert module._lowered(text) is not None  # the windowed way applies
        windowed = find_all(text * 3)
        monkeypatch.setattr(module, "_WINDOWED_FROM", 10**9)
        assert find_all(text * 3) == windowed
        monkeypatch.setattr(module, "_WINDOWED_FROM", 2000)
        assert windowed
