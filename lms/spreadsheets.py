"""Reading uploaded tables (CSV in UTF-8 or GBK, XLSX through openpyxl) into rows, for every import."""
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


def read_table(filename: str, stream: IO[bytes]) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV (UTF-8 or GBK) or XLSX file into (line number, {header: text}) rows."""
    data = stream.read()
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
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


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportProblems(["无法读取该 XLSX 文件，请确认文件未损坏"]) from exc
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _pick(row: dict[str, str], *names: str) -> str:
    for n in names:
        if n in row:
            return row[n]
    return ""
