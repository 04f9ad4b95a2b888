"""Draw the application icon: ``src/branch_crm/resources/icons/app.ico`` (and ``app.png``).

    python scripts/make_icon.py        # with .venv's Python (needs Pillow, a desktop dependency)

A parcel in the accent colour of the interface (ui/theme.py ACCENT) on a rounded white tile,
with a tick: the branch desk's "customer served". Drawn at 1024 px and scaled down for each
size Windows asks for (16 to 256 px, all in the one .ico). The result is committed; run this
again only to change the drawing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "src" / "branch_crm" / "resources" / "icons"
ACCENT = (8, 66, 160, 255)  # ui/theme.py ACCENT #0842a0
ACCENT_DARK = (5, 44, 110, 255)
TAPE = (240, 160, 48, 255)  # ui/theme.py chart orange
WHITE = (255, 255, 255, 255)
SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
BIG = 1024


def draw() -> Image.Image:
    """The icon at 1024 x 1024 pixels."""
    image = Image.new("RGBA", (BIG, BIG), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((32, 32, BIG - 32, BIG - 32), radius=200, fill=ACCENT)
    # the parcel: front face, top and side in perspective
    front = [(232, 420), (640, 420), (640, 840), (232, 840)]
    top = [(232, 420), (392, 260), (800, 260), (640, 420)]
    side = [(640, 420), (800, 260), (800, 680), (640, 840)]
    pen.polygon(top, fill=WHITE)
    pen.polygon(side, fill=(210, 222, 245, 255))
    pen.polygon(front, fill=(236, 242, 252, 255))
    # packing tape across the top and down the front
    pen.polygon([(372, 420), (532, 260), (612, 260), (452, 420)], fill=TAPE)
    pen.rectangle((372, 420, 452, 600), fill=TAPE)
    for face in (front, top, side):
        pen.line([*face, face[0]], fill=ACCENT_DARK, width=22, joint="curve")
    # the tick on the front face
    pen.line([(300, 700), (390, 780), (560, 620)], fill=ACCENT, width=64, joint="curve")
    return image


def main() -> int:
    ICONS.mkdir(parents=True, exist_ok=True)
    image = draw()
    image.save(ICONS / "app.ico", sizes=SIZES)
    image.resize((256, 256), Image.Resampling.LANCZOS).save(ICONS / "app.png")
    sys.stdout.write(f"wrote {ICONS / 'app.ico'} and app.png\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
