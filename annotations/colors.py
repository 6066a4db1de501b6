"""Label colours: the highlight fill drawn under the text (strong, yet with WCAG AA contrast
for the text over it), the default colour of a new label, and the underline that tells labels
apart without colour. Pure functions of ``#rrggbb`` strings."""

INK = "#1f2933"  # the text colour (assay.css --ink)
PAPER = "#ffffff"  # the text's background (assay.css --card)
AA = 4.5  # WCAG 2.x AA for normal text
# A fill must stand out from the paper: below this a pale colour (#cbd5e1) all but vanishes.
VISIBLE = 1.45
STRENGTH = 0.9  # how much of the label's colour a fill keeps, at most (the rest is paper)

# Default colours for new labels, in the order they are handed out: far apart in hue, each
# light enough for ink over its fill. The first is not the model's old default (#93c5fd,
# the demo's Assessment), which every label used to get.
PALETTE = (
    "#fcd34d",  # amber
    "#86efac",  # green
    "#f9a8d4",  # pink
    "#67e8f9",  # cyan
    "#fdba74",  # orange
    "#c4b5fd",  # violet
    "#bef264",  # lime
    "#fca5a5",  # red
    "#5eead4",  # teal
    "#d8b4fe",  # purple
    "#fde68a",  # yellow
    "#a5b4fc",  # indigo
    "#93c5fd",  # blue
    "#cbd5e1",  # slate
)

# The underline of each label, by its place in the project's scheme (style, thickness):
# with the fill's colour, a second cue, so colour is never the only one.
CUES = (
    ("solid", "2px"),
    ("dashed", "2px"),
    ("dotted", "3px"),
    ("double", "3px"),
    ("wavy", "1.5px"),
    ("solid", "4px"),
    ("dashed", "4px"),
    ("dotted", "5px"),
)


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def hex_color(channels) -> str:
    return "#" + "".join(f"{round(min(255, max(0, c))):02x}" for c in channels)


def luminance(color: str) -> float:
    """WCAG's relative luminance of an sRGB colour."""

    def linear(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(color: str, other: str, share: float) -> str:
    """``share`` of ``color`` and the rest of ``other``, channel by channel (as CSS's
    ``color-mix(in srgb, ...)``)."""
    pairs = zip(rgb(color), rgb(other), strict=True)
    return hex_color(share * a + (1 - share) * b for a, b in pairs)


def highlight_fill(color: str) -> str:
    """The fill of a label's highlights: as much of its colour as ``STRENGTH`` allows, darkened
    until it stands out from the paper (``VISIBLE``), then lightened until the ink over it has
    AA contrast. Dark colours end up light, pale ones a shade deeper; never below AA."""
    color = color.lower()
    fill = mix(color, PAPER, STRENGTH)
    step = 0
    while contrast(fill, PAPER) < VISIBLE and step < 20:
        fill = mix("#000000", fill, 0.04)
        step += 1
    share = STRENGTH
    while contrast(INK, fill) < AA and share > 0:
        share = round(share - 0.05, 2)
        fill = mix(color, PAPER, share)
    return fill


def cue(position: int) -> tuple[str, str]:
    """The underline (style, thickness) of the label at ``position`` in its scheme."""
    return CUES[position % len(CUES)]


def next_label_color(used) -> str:
    """The first palette colour not among ``used`` (a project's label colours); once all are
    taken, hues further round the colour wheel (the golden angle), still light."""
    taken = {color.lower() for color in used}
    for color in PALETTE:
        if color not in taken:
            return color
    n = len(taken)
    while True:
        hue = (n * 137.508) % 360
        color = _hsl(hue, 0.75, 0.72)
        if color not in taken:
            return color
        n += 1


def _hsl(hue: float, saturation: float, lightness: float) -> str:
    c = (1 - abs(2 * lightness - 1)) * saturation
    x = c * (1 - abs((hue / 60) % 2 - 1))
    m = lightness - c / 2
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(hue // 60) % 6]
    return hex_color(((r + m) * 255, (g + m) * 255, (b + m) * 255))
