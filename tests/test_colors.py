"""colors: WCAG contrast, the highlight fill (AA for the ink over it), new labels' colours."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations import colors
from annotations.management.commands.demo import LABELS

DEMO_COLORS = [color for _, _, color, *_ in LABELS]


def test_contrast_matches_wcag_reference_values():
    assert colors.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert colors.contrast("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's own example: #767676 on white is the lightest grey with AA for normal text.
    assert colors.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert colors.contrast("#777777", "#ffffff") < colors.AA
    assert colors.contrast("#ffffff", "#767676") == colors.contrast("#767676", "#ffffff")


def test_mix_is_css_color_mix_in_srgb():
    assert colors.mix("#ff0000", "#ffffff", 0.5) == "#ff8080"
    assert colors.mix("#000000", "#ffffff", 1) == "#000000"


@pytest.mark.parametrize("color", DEMO_COLORS)
def test_demo_label_fills_are_strong_and_keep_aa_contrast(color):
    fill = colors.highlight_fill(color)
    assert colors.contrast(colors.INK, fill) >= colors.AA
    # Stronger than the old 32 % mix with white, and visible on the paper.
    old = colors.mix(color, "#ffffff", 0.32)
    assert colors.contrast(fill, colors.PAPER) > colors.contrast(old, colors.PAPER)
    assert colors.contrast(fill, colors.PAPER) >= colors.VISIBLE


def test_source_attribution_is_no_longer_almost_invisible():
    slate = {name: color for name, _, color, *_ in LABELS}["Source attribution"]
    assert colors.contrast(colors.mix(slate, "#ffffff", 0.32), colors.PAPER) < 1.2  # before
    assert colors.contrast(colors.highlight_fill(slate), colors.PAPER) >= 1.45


@given(st.from_regex(r"\A#[0-9a-f]{6}\Z"))
def test_any_colour_gets_a_fill_with_aa_contrast(color):
    assert colors.contrast(colors.INK, colors.highlight_fill(color)) >= colors.AA


def test_next_label_color_is_one_the_project_does_not_use():
    assert colors.next_label_color([]) != "#93c5fd"  # not the demo's Assessment
    assert colors.next_label_color([colors.PALETTE[0].upper()]) == colors.PALETTE[1]
    used = list(DEMO_COLORS)
    for _ in range(30):
        color = colors.next_label_color(used)
        assert color not in used and len(color) == 7
        assert colors.contrast(colors.INK, colors.highlight_fill(color)) >= colors.AA
        used.append(color)


def test_every_cue_is_distinct_for_a_scheme_of_eight():
    cues = [colors.cue(i) for i in range(8)]
    assert len(set(cues)) == 8 and colors.cue(8) == colors.cue(0)
