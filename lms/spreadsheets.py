"""Reading uploaded tables (CSV in UTF-8 or GBK, XLSX through python-calamine) into rows, for every import."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import IO, Any

from .errors import InvalidInput


class ImportProblems(InvalidInput):
    """The file was not imported; messages lists every bad row."""

    code = "import_rejected"

    def __init__(self, messages: list[str]) -> None:
        super().__init__("文件未导入：" + "；".join(messages[:20]))
        self.messages = messages


def read_table(filename: str, stream: IO[bytes], all_sheets: bool = False) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV (UTF-8 or GBK) or XLSX file into (line number, {header: text}) rows.

    An XLSX file's first sheet is the table; with all_sheets, every further sheet that is not empty continues it
    and must begin with the same header row (lms/exports.write_xlsx goes on in a new sheet when one is full). Line
    numbers then count on across the sheets as if they were one table, each later sheet's header not counted."""
    data = stream.read()
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data, all_sheets)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportProblems(["只支持 .csv 或 .xlsx 文件"])
    if not rows:
        raise ImportProblems(["文件是空的"])
    header = [h.strip() for h in rows[0]]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row] + [""] * max(0, len(header) - len(row))
        if any(cells):
            out.append((n, dict(zip(header, cells, strict=False))))
    if not out:
        raise ImportProblems(["文件中没有数据行"])
    return out


def _csv_rows(data: bytes) -> list[list[str]]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise ImportProblems(["无法识别文件编码，请另存为 UTF-8 编码的 CSV"])


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour, v.minute) != (0, 0) else v.strftime("%Y-%m-%d")
    if isinstance(v, date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, time):
        return v.strftime("%H:%M")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _xlsx_rows(data: bytes, all_sheets: bool = False) -> list[list[str]]:
    # python-calamine (Rust's calamine) reads a 20,000-row sheet in under 0.1 s where openpyxl's read-only mode
    # takes about 3 s (bench-roster). It would also open .xls and .ods, so the content must be a ZIP package first:
    # an encrypted workbook is an OLE container and is refused here like any other file that is not an XLSX.
    from python_calamine import CalamineWorkbook
    if not data.startswith(b"PK\x03\x04"):
        raise ImportProblems(["无法读取该 XLSX 文件，请确认文件未损坏、未加密"])
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        count = len(workbook.sheet_names) if all_sheets else 1
        sheets = [[[_cell(v) for v in row] for row in workbook.get_sheet_by_index(i).to_python(skip_empty_area=False)]
                  for i in range(count)]
    except Exception as exc:
        raise ImportProblems(["无法读取该 XLSX 文件，请确认文件未损坏、未加密"]) from exc
    rows = sheets[0]
    header = [h.strip() for h in rows[0]] if rows else []
    for title, more in zip(workbook.sheet_names[1:count], sheets[1:], strict=True):
        if not any(c.strip() for r in more for c in r):
            continue
        if [h.strip() for h in more[0]][:len(header)] != header or any(h.strip() for h in more[0][len(header):]):
            raise ImportProblems([f"工作表“{title}”的表头与第一个工作表不同：续表的第一行应为同样的表头"])
        rows.extend(more[1:])
    return rows


def _pick(row: dict[str, str], *names: str) -> str:
    for n in names:
        if n in row:
            return row[n]
    return ""
