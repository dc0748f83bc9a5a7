"""The project's own documents (docs/*.md) as pages, for clerks who follow a link from the app.

markdown-it-py renders CommonMark plus tables; raw HTML in the document is not passed through. A document is
rendered once per process (the files change only with a new release).
"""
from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from .config import ROOT


@cache
def render_doc(name: str) -> Markup:
    """docs/<name> as HTML."""
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    # the app's tables (app.css): rows become cards at phone width, each cell headed by its column's name
    return Markup(html.replace("<table>", '<table class="list">'))
