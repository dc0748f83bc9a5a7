"""The electronic seal on certificates (威人社字〔2022〕2号 三: 电子证书"具有电子印章和查询码验证功能").

The project has no bureau's seal and must not imitate one: this mark is drawn by the project, says in its own ring
that it is 学时通's electronic seal and not a physical one, and is the same for every issuer. What makes a
certificate genuine is its verification code and QR (lms/hours/certificates.py), printed beside it. It is vector
both in the PDF (a reportlab Drawing) and on the page (inline SVG), so it prints sharp at any size.
"""
from __future__ import annotations

import math

from markupsafe import Markup
from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, String
from reportlab.lib import colors

RING_TEXT = "学时通电子印章"
CENTRE_TEXT = "非实体印章"
CAPTION = "学时通电子印章（非实体印章）"
RED = "#c62828"
# The ring text spans the upper arc from 150° to 30° (counter-clockwise degrees from the right, as in SVG's
# y-down flipped), centred on the top.
_ARC_FROM, _ARC_TO = 155.0, 25.0


def _star(cx: float, cy: float, outer: float) -> list[float]:
    """A five-pointed star's points, x0, y0, x1, y1, … (y up), one point straight up."""
    inner = outer * 0.382
    points: list[float] = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.radians(90 + 36 * i)
        points += [cx + r * math.cos(a), cy + r * math.sin(a)]
    return points


def _ring_angles(n: int) -> list[float]:
    step = (_ARC_FROM - _ARC_TO) / (n - 1)
    return [_ARC_FROM - i * step for i in range(n)]


def seal_drawing(font: str, size: float) -> Drawing:
    """The seal as a reportlab Drawing of size × size points, its text in the embedded font."""
    red = colors.HexColor(RED)
    c = size / 2
    d = Drawing(size, size, initialFontName=font)  # no other font in the PDF (the default is Helvetica)
    d.add(Circle(c, c, c * 0.94, strokeColor=red, strokeWidth=size * 0.03, fillColor=None))
    d.add(Circle(c, c, c * 0.84, strokeColor=red, strokeWidth=size * 0.006, fillColor=None,
                 strokeDashArray=[2, 2]))
    d.add(Polygon(_star(c, c * 1.02, c * 0.26), fillColor=red, strokeColor=None))
    ring_size, radius = size * 0.12, c * 0.64
    for ch, angle in zip(RING_TEXT, _ring_angles(len(RING_TEXT)), strict=True):
        a = math.radians(angle)
        g = Group(String(0, 0, ch, fontName=font, fontSize=ring_size, fillColor=red, textAnchor="middle"))
        g.translate(c + radius * math.cos(a), c + radius * math.sin(a))
        g.rotate(angle - 90)
        d.add(g)
    d.add(String(c, c * 0.42, CENTRE_TEXT, fontName=font, fontSize=size * 0.095, fillColor=red,
                 textAnchor="middle"))
    return d


def seal_svg(size: int = 132) -> Markup:
    """The seal as inline SVG for the certificate page (the page's own font)."""
    c = size / 2
    star = _star(c, c * 0.98, c * 0.26)
    # SVG's y axis points down: mirror the star's y about the centre
    points = " ".join(f"{x:.2f},{size - y:.2f}" for x, y in zip(star[::2], star[1::2], strict=True))
    radius = c * 0.64
    ring = []
    for ch, angle in zip(RING_TEXT, _ring_angles(len(RING_TEXT)), strict=True):
        a = math.radians(angle)
        x, y = c + radius * math.cos(a), c - radius * math.sin(a)
        ring.append(f'<text x="{x:.2f}" y="{y:.2f}" transform="rotate({90 - angle:.2f} {x:.2f} {y:.2f})" '
                    f'font-size="{size * 0.12:.1f}" text-anchor="middle" dominant-baseline="central">{ch}</text>')
    return Markup(
        f'<svg class="seal" xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{CAPTION}"><title>{CAPTION}</title>'
        f'<g fill="none" stroke="{RED}"><circle cx="{c}" cy="{c}" r="{c * 0.94:.2f}" stroke-width="{size * 0.03:.2f}"/>'
        f'<circle cx="{c}" cy="{c}" r="{c * 0.84:.2f}" stroke-width="1" stroke-dasharray="2 2"/></g>'
        f'<polygon points="{points}" fill="{RED}"/>'
        f'<g fill="{RED}">{"".join(ring)}'
        f'<text x="{c}" y="{size - c * 0.42:.2f}" font-size="{size * 0.095:.1f}" text-anchor="middle">{CENTRE_TEXT}'
        f'</text></g></svg>')
