"""Shared parts of the PDFs we issue: an embedded CJK font, styles, tables that wrap Chinese at sensible points, QR.

The font is embedded (reportlab writes a subset of the glyphs used, as TrueType `FontFile2`), so every viewer shows
the document as printed. reportlab embeds TrueType (glyf) outlines only; the default is WenQuanYi Micro Hei (Debian
`fonts-wqy-microhei`, Apache-2.0, all 20,902 CJK Unified Ideographs and the full-width punctuation). `PDF_FONT_PATH`
and `PDF_FONT_INDEX` (face in a .ttc) choose another TrueType font. Characters the font lacks — rare ones in
names, from CJK Extension A — are set in a second embedded font, Droid Sans Fallback (Debian `fonts-droid-fallback`,
Apache-2.0, the design WenQuanYi Micro Hei grew from; 6,582 Extension A characters), `PDF_FALLBACK_FONT_PATH`.
A missing font is an error that says what to install; there is no silent fallback to a font the reader's viewer
would have to substitute.
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from .errors import DomainError

log = logging.getLogger(__name__)

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_PACKAGE = "fonts-wqy-microhei"
DEFAULT_FALLBACK_PATH = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
FALLBACK_PACKAGE = "fonts-droid-fallback"
CELL_PADDING = 4.0  # points, left and right of every table cell


class PdfFontMissing(DomainError):
    """The configured CJK font cannot be read: the PDF is refused rather than made with a font that is not there."""

    status, code, message = 503, "pdf_font_missing", "服务器缺少生成 PDF 所需的中文字体，暂时无法生成 PDF，请联系系统管理员。"


_fonts: dict[tuple[str, int, str | None], str] = {}  # (path, face, fallback path) → registered name
_fallback_fonts: dict[str, str] = {}                    # fallback path → registered name
_fallback_of: dict[str, str] = {}   # a font's name → the name of the font set for the characters it lacks
_glyphs: dict[str, frozenset[int]] = {}
_lock = threading.Lock()


def _load(name: str, path: str, index: int, package: str) -> TTFont:
    if not Path(path).is_file():
        log.error("PDF font %s not found: install the Debian package %s (make system-deps) or configure "
                  "another TrueType CJK font (PDF_FONT_PATH, PDF_FALLBACK_FONT_PATH)", path, package)
        raise PdfFontMissing()
    try:
        return TTFont(name, path, subfontIndex=index)
    except (TTFError, OSError) as exc:  # e.g. an OpenType/CFF font, which reportlab cannot embed
        log.error("PDF font %s (face %d) cannot be embedded: %s", path, index, exc)
        raise PdfFontMissing() from exc


def font_name(path: str = DEFAULT_FONT_PATH, index: int = 0, fallback: str | None = DEFAULT_FALLBACK_PATH) -> str:
    """Register the TrueType font at path (face index in a collection) with the font for the characters it lacks,
    once per process and combination; return its name."""
    key = (path, index, fallback or None)
    name = _fonts.get(key)
    if name is not None:
        return name
    with _lock:
        if key not in _fonts:
            font = _load(f"XstCJK{len(_fonts)}", path, index, FONT_PACKAGE)
            extra = None
            if fallback and fallback not in _fallback_fonts:
                extra = _load(f"XstCJKFallback{len(_fallback_fonts)}", fallback, 0, FALLBACK_PACKAGE)
            pdfmetrics.registerFont(font)
            _glyphs[font.fontName] = frozenset(font.face.charToGlyph)
            if extra is not None and fallback:
                pdfmetrics.registerFont(extra)
                _fallback_fonts[fallback] = extra.fontName
            if fallback:
                _fallback_of[font.fontName] = _fallback_fonts[fallback]
            _fonts[key] = font.fontName
    return _fonts[key]


def configured_font() -> str:
    """The font of this app's documents (PDF_FONT_PATH, PDF_FONT_INDEX, PDF_FALLBACK_FONT_PATH), registered once."""
    from flask import current_app
    cfg = current_app.config
    fallback = cfg.get("PDF_FALLBACK_FONT_PATH", DEFAULT_FALLBACK_PATH)
    return font_name(str(cfg.get("PDF_FONT_PATH") or DEFAULT_FONT_PATH), int(cfg.get("PDF_FONT_INDEX") or 0),
                     str(fallback) if fallback else None)


def markup(text: str, font: str) -> str:
    """Paragraph markup of plain text: escaped, with the characters font lacks set in its fallback font."""
    fallback = _fallback_of.get(font)
    have = _glyphs.get(font)
    if not fallback or have is None:
        return escape(text)
    out: list[str] = []
    for covered, run in itertools.groupby(text, key=lambda ch: ord(ch) in have or ch.isspace()):
        chunk = escape("".join(run))
        out.append(chunk if covered else f'<font name="{fallback}">{chunk}</font>')
    return "".join(out)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of our documents, all in one embedded font."""

    font: str
    title: ParagraphStyle
    sub: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    small: ParagraphStyle


def styles(font: str) -> Styles:
    """The styles for documents set in font (a name returned by font_name)."""
    # wordWrap CJK only as a safety net: cells are broken into lines by wrap_lines before reportlab sees them.
    def st(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw)
    return Styles(font=font, title=st("title", 18, 26, alignment=1, spaceAfter=6),
                  sub=st("sub", 10.5, 15, alignment=1), heading=st("heading", 11, 16, spaceBefore=4, spaceAfter=3),
                  body=st("body", 10.5, 16), cell=st("cell", 9, 12.5), small=st("small", 8, 11, textColor="#555555"))


# ---- line breaking -----------------------------------------------------------------------------------------
# reportlab's CJK wrapping breaks between any two characters, digits and Latin words included ("〔2020〕12/5号").
# Chinese typesetting breaks between ideographs, but keeps a number with its brackets and the counter after it
# (〔2020〕125号, 第十条(五), 18学时), keeps Latin words whole, and never starts a line with closing punctuation nor ends
# one with opening punctuation (避头尾, GB/T 15834). Tokens below are the units that are never split.
_TOKEN = re.compile(
    r"第[零〇一二三四五六七八九十百0-9]+[条款项章节](?:[(（][零〇一二三四五六七八九十0-9]+[)）])*"
    r"|[〔\[［【(（]?[0-9０-９]+(?:[.:：/\-][0-9０-９]+)*[〕\]］】)）]?[0-9０-９]*[号條条款项年月日时分秒%％个次天学]?"
    r"|[A-Za-z][A-Za-z0-9_.@'’\-]*"
    r"|\s+"
    r"|.",
    re.S)
_NO_LINE_START = set("，。、；：？！）〕」』》〉】］”’…·%％,.;:?!)]}—")
_NO_LINE_END = set("（〔「『《〈【［“‘([{")


def _tokens(text: str) -> list[str]:
    """Split text into units that must stay on one line, with punctuation glued to its neighbour."""
    out: list[str] = []
    glue_next = False
    for tok in _TOKEN.findall(text):
        if out and not tok.isspace() and (glue_next or tok[0] in _NO_LINE_START):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = not tok.isspace() and tok[-1] in _NO_LINE_END
    return out


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than width points, at the sensible points described above."""
    def w(s: str) -> float:
        return float(pdfmetrics.stringWidth(s, font, size))
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for tok in _tokens(para):
            if tok.isspace():
                if line:
                    line += " "
                continue
            if w(line + tok) <= width:
                line += tok
                continue
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            while w(tok) > width:  # a unit wider than the column: split it where it must
                cut = 1
                while cut < len(tok) and w(tok[:cut + 1]) <= width:
                    cut += 1
                lines.append(tok[:cut])
                tok = tok[cut:]
            line = tok
        lines.append(line.rstrip())
    return lines


class Text(Flowable):
    """A paragraph of plain text, broken into lines by wrap_lines at whatever width it is given (page or cell)."""

    def __init__(self, text: Any, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = "" if text is None else str(text)
        self.style = style
        self._para: Paragraph | None = None

    def _paragraph(self, width: float) -> Paragraph:
        lines = wrap_lines(self.text, self.style.fontName, self.style.fontSize, width)
        return Paragraph("<br/>".join(markup(line, self.style.fontName) for line in lines), self.style)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._para = self._paragraph(availWidth)
        w, h = self._para.wrap(availWidth, availHeight)
        self.width, self.height = w, h
        return w, h

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return list(self._paragraph(availWidth).split(availWidth, availHeight))

    def getSpaceBefore(self) -> float:
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        assert self._para is not None
        self._para.drawOn(self.canv, 0, 0)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], st: Styles, *, header: bool = True) -> Table:
    """A ruled table whose cells wrap Chinese at sensible points; the header row repeats on every page."""
    data = [[c if isinstance(c, Flowable | list) else Text(c, st.cell) for c in row] for row in rows]
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), st.font, st.cell.fontSize),  # else reportlab sets Helvetica for each cell
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")))
    t.setStyle(TableStyle(commands))
    return t


def qr(text: str, size: float, font: str) -> Drawing:
    """A QR code (error correction M) of size × size points (font: the drawing's own, so no other font is used)."""
    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0],
                      initialFontName=font)
    drawing.add(widget)
    return drawing
