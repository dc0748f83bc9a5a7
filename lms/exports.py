"""Every CSV and XLSX download the app offers, written in one place.

A cell whose text a spreadsheet would evaluate — starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return — is written with a leading ``'`` so that Excel, WPS and LibreOffice show it as text (OWASP, "CSV
Injection"): a practitioner named ``=HYPERLINK(...)`` or a User-Agent starting with ``=`` must never become a live
formula on a bureau clerk's desk. Columns declared numeric keep real numbers as numbers (a negative number stays
-5, not '-5); anything else in them is treated as text.

CSV is streamed in chunks of rows (UTF-8 with a BOM, so that Excel opens Chinese text correctly); XLSX is written
with XlsxWriter's constant-memory mode (rows go to a temporary file as they come, so a large export is never held in
memory) and sent from a spooled temporary file. Rows may be any iterable, e.g. a lazy query: the response keeps the
request's context while it streams.

    export_response("csv", "roster-12", [Column("姓名"), Column("成绩", numeric=True)], rows, sheet="考生名单")
"""
from __future__ import annotations

import csv
import itertools
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context

from .errors import NotFound

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Characters an XLSX file cannot hold (XML 1.0 forbids them; a workbook holding them does not open): replaced,
# never a 500.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMBER = (int, float, Decimal)
EXCEL_MAX_ROWS = 1_048_576  # rows a sheet holds in Excel (and WPS); a longer table goes on in further sheets
_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})  # characters a sheet title cannot hold


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, and whether its values are numbers."""

    header: str
    numeric: bool = False
    width: int | None = None  # XLSX column width in characters (None: the header's width, at least 10)


def neutralise(text: str) -> str:
    """Text as a cell a spreadsheet shows and never evaluates (a leading ' before =, +, -, @, tab, CR)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell_value(value: Any, numeric: bool = False) -> Any:
    """The value written into one cell: a finite number in a numeric column, else neutralised text."""
    if value is None:
        return ""
    if numeric and isinstance(value, _NUMBER) and not isinstance(value, bool):
        if isinstance(value, Decimal) and not value.is_finite() or isinstance(value, float) and not math.isfinite(value):
            return ""
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _row(columns: Sequence[Column], row: Sequence[Any]) -> list[Any]:
    if len(row) != len(columns):
        raise ValueError(f"export row has {len(row)} cells for {len(columns)} columns")
    return [cell_value(v, c.numeric) for c, v in zip(columns, row, strict=True)]


class _Line:
    """A file-like sink for csv.writer that hands back what the rows since the last take wrote."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def take(self) -> bytes:
        out = "".join(self.parts)
        self.parts, self.size = [], 0
        return out.encode("utf-8", "replace")  # a lone surrogate left in old data becomes '?', never a 500


CSV_CHUNK = 32 << 10   # characters of rows sent together: a chunk per row cost the server more than the rows did


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]], chunk: int = CSV_CHUNK) -> Iterator[bytes]:
    """The CSV file (UTF-8 with a BOM): the header at once, then the rows in chunks of about `chunk` characters."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([neutralise(c.header) for c in columns])
    yield "\ufeff".encode() + line.take()
    for row in rows:
        writer.writerow(_row(columns, row))
        if line.size >= chunk:
            yield line.take()
    if line.size:
        yield line.take()


def _xlsx_text(value: Any) -> Any:
    return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def sheet_titles(sheet: str) -> Iterator[str]:
    """The titles of a workbook's sheets in turn: `sheet`, `sheet（2）`, `sheet（3）`, … (each within Excel's 31
    characters, the number kept whole)."""
    base = _XML_ILLEGAL.sub("", sheet).translate(_TITLE_FORBIDDEN) or "Sheet1"
    yield base[:31]
    for n in itertools.count(2):
        suffix = f"（{n}）"
        yield base[:31 - len(suffix)] + suffix


def write_xlsx(target: Any, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1",
               max_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write the rows to a path or binary file with XlsxWriter in constant-memory mode (each row goes to a temporary
    file as it is written), as sheets of at most `max_rows` rows each counting its header row (bold, frozen): a
    sheet that is full continues on the next (sheet_titles), so that Excel, which opens at most 1,048,576 rows a
    sheet, opens every row. Text is always written as text, never read as a formula, number or link; numbers (only
    numeric columns hold them, cell_value) as numbers. Returns the number of sheets."""
    import xlsxwriter

    if max_rows < 2:
        raise ValueError("a sheet holds its header and at least one row")
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_numbers": False, "strings_to_urls": False})
    titles = sheet_titles(sheet)
    bold = wb.add_format({"bold": True})
    headers = [_xlsx_text(neutralise(c.header)) for c in columns]

    def new_sheet() -> Any:
        ws = wb.add_worksheet(next(titles))
        for i, c in enumerate(columns):
            ws.set_column(i, i, c.width or max(10, 2 * len(c.header) + 2))
        ws.freeze_panes(1, 0)
        for i, text in enumerate(headers):
            ws.write_string(0, i, text, bold)
        return ws

    ws = new_sheet()
    sheets, used = 1, 1
    for row in rows:
        if used == max_rows:
            ws = new_sheet()
            sheets, used = sheets + 1, 1
        for i, value in enumerate(_row(columns, row)):
            if isinstance(value, str):
                if value:
                    ws.write_string(used, i, _xlsx_text(value))
            else:
                ws.write_number(used, i, value)
        used += 1
    wb.close()
    return sheets


def disposition(filename: str) -> str:
    """A Content-Disposition for a download name (ASCII fallback plus RFC 5987 UTF-8 name)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Response:
    """Stream a CSV download."""
    return Response(stream_with_context(csv_chunks(columns, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": disposition(f"{name}.csv"), "Cache-Control": "no-store"})


def xlsx_response(name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1") -> Response:
    """Send an XLSX download, built in write-only mode into a temporary file (memory up to 1 MiB, then disk)."""
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # closed by _chunks
    try:
        write_xlsx(spool, columns, rows, sheet)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Response(_chunks(spool), mimetype=XLSX_MIME, direct_passthrough=True,
                    headers={"Content-Disposition": disposition(f"{name}.xlsx"), "Content-Length": str(size),
                             "Cache-Control": "no-store"})


def _chunks(f: Any, size: int = 64 << 10) -> Iterator[bytes]:
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()


def export_response(fmt: str, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                    sheet: str = "Sheet1") -> Response:
    """A CSV or XLSX download by its format's name; any other format is 'not found'."""
    if fmt == "csv":
        return csv_response(name, columns, rows)
    if fmt == "xlsx":
        return xlsx_response(name, columns, rows, sheet)
    raise NotFound("不支持的导出格式")
