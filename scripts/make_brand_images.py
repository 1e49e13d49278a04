"""Draw the integration's brand images into custom_components/gsm_gateway/brand/.

A speech bubble (a text message) holding a SIM card, with an antenna on top
sending radio waves. Drawn once at 4x the largest size and scaled down, so edges are smooth;
the font is the one Pillow ships, so the result is the same on any machine.

Usage: .venv/bin/python scripts/make_brand_images.py
"""

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components/gsm_gateway/brand"
SUPERSAMPLE = 4
ICON = 512  # the @2x icon; the 1x one is half of it
LOGO = (1024, 256)  # the @2x logo


@dataclass(frozen=True)
class Palette:
    """Colours for a light or a dark background."""

    bubble: str
    card: str
    chip: str
    chip_lines: str
    waves: str
    text: str


LIGHT = Palette(
    bubble="#0F7FC2",
    card="#FFFFFF",
    chip="#F2B632",
    chip_lines="#A8740B",
    waves="#0F7FC2",
    text="#1F2A33",
)
DARK = Palette(
    bubble="#3AA8E8",
    card="#F4F8FB",
    chip="#F5C34D",
    chip_lines="#A8740B",
    waves="#3AA8E8",
    text="#E8EEF2",
)


def draw_icon(size: int, palette: Palette) -> Image.Image:
    """Return the icon, size x size, transparent around the drawing."""
    s = size * SUPERSAMPLE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, ...]:
        return tuple(round(v * s) for v in (x0, y0, x1, y1))

    # An antenna on the bubble's top right, sending waves both ways.
    ax, top, foot = 0.76, 0.13, 0.34
    draw.line(box(ax, top, ax, foot), fill=palette.waves, width=round(0.05 * s))
    dot = 0.045
    draw.ellipse(box(ax - dot, top - dot, ax + dot, top + dot), fill=palette.waves)
    width = round(0.035 * s)
    for radius in (0.10, 0.17):
        arc = box(ax - radius, top - radius, ax + radius, top + radius)
        draw.arc(arc, start=150, end=210, fill=palette.waves, width=width)
        draw.arc(arc, start=-30, end=30, fill=palette.waves, width=width)

    # Speech bubble with its tail at the bottom left.
    draw.rounded_rectangle(
        box(0.06, 0.30, 0.94, 0.84), radius=round(0.14 * s), fill=palette.bubble
    )
    draw.polygon(
        [
            (round(0.20 * s), round(0.80 * s)),
            (round(0.14 * s), round(0.97 * s)),
            (round(0.40 * s), round(0.82 * s)),
        ],
        fill=palette.bubble,
    )

    # SIM card with its cut corner at the top right.
    x0, y0, x1, y1 = 0.33, 0.37, 0.67, 0.77
    cut = 0.09
    card = [
        (x0, y0),
        (x1 - cut, y0),
        (x1, y0 + cut),
        (x1, y1),
        (x0, y1),
    ]
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).polygon([(round(x * s), round(y * s)) for x, y in card], 255)
    # Round the card's three square corners by intersecting with a rounded box.
    rounded = Image.new("L", (s, s), 0)
    ImageDraw.Draw(rounded).rounded_rectangle(
        box(x0, y0, x1, y1), radius=round(0.03 * s), fill=255
    )
    mask = Image.composite(mask, Image.new("L", (s, s), 0), rounded)
    image.paste(palette.card, (0, 0), mask)

    # The chip, with its contact pads.
    cx0, cy0, cx1, cy1 = 0.39, 0.50, 0.61, 0.69
    draw.rounded_rectangle(
        box(cx0, cy0, cx1, cy1), radius=round(0.025 * s), fill=palette.chip
    )
    line = round(0.012 * s)
    for y in (cy0 + (cy1 - cy0) / 3, cy0 + 2 * (cy1 - cy0) / 3):
        draw.line(box(cx0, y, cx1, y), fill=palette.chip_lines, width=line)
    mid = (cx0 + cx1) / 2
    draw.line(box(mid, cy0, mid, cy1), fill=palette.chip_lines, width=line)

    return image.resize((size, size), Image.Resampling.LANCZOS)


def draw_logo(size: tuple[int, int], palette: Palette) -> Image.Image:
    """Return the logo: the icon, then the name, on a transparent strip."""
    width, height = size
    s_width, s_height = width * SUPERSAMPLE, height * SUPERSAMPLE
    image = Image.new("RGBA", (s_width, s_height), (0, 0, 0, 0))
    icon = draw_icon(height, palette).resize(
        (s_height, s_height), Image.Resampling.LANCZOS
    )
    image.alpha_composite(icon)

    draw = ImageDraw.Draw(image)
    text = "GSM Gateway"
    x = s_height + round(s_height * 0.08)
    room = s_width - x - round(s_height * 0.04)
    font_size = round(s_height * 0.46)
    while True:  # the largest size up to 46 % of the height that fits
        font = ImageFont.load_default(size=font_size)
        stroke = max(1, font_size // 40)  # a little weight for the thin default face
        left, top, right, bottom = draw.textbbox(
            (0, 0), text, font=font, stroke_width=stroke
        )
        if right - left <= room:
            break
        font_size -= SUPERSAMPLE
    y = (s_height - (bottom - top)) // 2 - top
    draw.text(
        (x - left, y),
        text,
        font=font,
        fill=palette.text,
        stroke_width=stroke,
        stroke_fill=palette.text,
    )
    return image.resize(size, Image.Resampling.LANCZOS)


def main() -> None:
    """Write all eight images."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        for suffix, scale in (("", 1), ("@2x", 2)):
            icon = draw_icon(ICON * scale // 2, palette)
            icon.save(BRAND / f"{prefix}icon{suffix}.png", optimize=True)
            logo_size = (LOGO[0] * scale // 2, LOGO[1] * scale // 2)
            logo = draw_logo(logo_size, palette)
            logo.save(BRAND / f"{prefix}logo{suffix}.png", optimize=True)
    for path in sorted(BRAND.glob("*.png")):
        with Image.open(path) as image:
            print(f"{path.name}: {image.size[0]}x{image.size[1]} {image.mode}")


if __name__ == "__main__":
    main()
