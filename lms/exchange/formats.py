"""The exchange format (docs/exchange.md): one record per registration, the same fields in CSV, XLSX and JSON Lines,
and a checksum file in the format of `sha256sum` ("<64 hex digits>  <file name>\\n").

CSV and XLSX are written by lms/exports.py (a cell a spreadsheet would evaluate gets a leading ', which reading
removes again) and read by lms/spreadsheets.py; JSON Lines is one JSON object per line, UTF-8, hours as a string.
Writing is row by row into a file, never the whole export in memory.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from ..exports import EXCEL_MAX_ROWS, FORMULA_START, Column, csv_chunks, write_xlsx
from ..spreadsheets import ImportProblems, read_table

# (key in JSON Lines and the docs, header in CSV and XLSX, numeric in spreadsheets)
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("record_id", "记录编号", False),
    ("year", "年度", True),
    ("name", "姓名", False),
    ("id_number", "身份证号码", False),
    ("category", "学时类别", False),
    ("hours", "学时", True),
    ("source", "来源", False),
    ("title", "内容", False),
    ("article", "依据条款", False),
    ("registered_by", "登记机构", False),
    ("registered_at", "登记时间", False),
)
KEYS = tuple(k for k, _h, _n in FIELDS)
COLUMNS = [Column(h, numeric=n, width=w) for (_k, h, n), w in zip(FIELDS, (24, 8, 10, 22, 16, 8, 12, 40, 40, 30, 22),
                                                                   strict=True)]
EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "jsonl": ".jsonl"}
_SHA = re.compile(r"^\s*([0-9a-fA-F]{64})(?:\s|$)")


SHEET = "学时登记"


def write_records(fmt: str, out: IO[bytes], records: Iterable[Sequence[Any]], sheet_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write records (values in FIELDS order) to a binary file in a format; returns how many were written. XLSX goes
    on in a further sheet (学时登记（2）, …) after `sheet_rows` rows, the header counted."""
    count = 0

    def counted() -> Iterable[Sequence[Any]]:
        nonlocal count
        for r in records:
            count += 1
            yield r

    if fmt == "csv":
        for chunk in csv_chunks(COLUMNS, counted()):
            out.write(chunk)
    elif fmt == "xlsx":
        write_xlsx(out, COLUMNS, counted(), sheet=SHEET, max_rows=sheet_rows)
    elif fmt == "jsonl":
        for r in counted():
            row = dict(zip(KEYS, r, strict=True))
            row["hours"] = str(row["hours"])
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    else:
        raise ValueError(f"unknown exchange format {fmt!r}")
    return count


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def checksum_line(sha256: str, filename: str) -> str:
    """The checksum file's one line, as `sha256sum` writes it (and `sha256sum -c` checks it)."""
    return f"{sha256}  {filename}\n"


def checksum_of(text: bytes) -> str:
    """The SHA-256 a checksum file states (its first 64 hex digits, as sha256sum writes them)."""
    m = _SHA.match(text.decode("utf-8", "replace").lstrip("\ufeff"))
    if m is None:
        raise ImportProblems(["校验文件格式不正确：应为 sha256sum 的格式，即 64 位十六进制的 SHA-256 值、两个空格和文件名"])
    return m.group(1).lower()


def _unquote(text: str) -> str:
    """Undo the exporter's formula neutralising (a ' before =, +, -, @, tab or CR)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def read_records(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line, {key: text}) for every record of an exchange file, by its extension (.csv, .xlsx, .jsonl)."""
    name = filename.lower()
    if name.endswith(".jsonl"):
        return _jsonl(data)
    if not name.endswith((".csv", ".xlsx")):
        raise ImportProblems(["只接受 .csv、.xlsx 或 .jsonl 格式的交换文件"])
    import io
    by_header = {h: k for k, h, _n in FIELDS} | {k: k for k in KEYS}
    rows = read_table(filename, io.BytesIO(data), all_sheets=True)
    missing = [h for k, h, _n in FIELDS if not any(k == by_header.get(col) for col in rows[0][1])]
    if missing:
        raise ImportProblems([f"文件缺少列：{'、'.join(missing)}（列名见 docs/exchange.md）"])
    return [(line, {by_header[c]: _unquote(v) for c, v in row.items() if c in by_header}) for line, row in rows]


def _jsonl(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblems(["JSON Lines 文件应为 UTF-8 编码"]) from None
    out: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            problems.append(f"第 {n} 行不是有效的 JSON")
            continue
        if not isinstance(obj, dict):
            problems.append(f"第 {n} 行应为一个 JSON 对象")
            continue
        missing = [k for k in KEYS if k not in obj]
        if missing:
            problems.append(f"第 {n} 行缺少字段：{'、'.join(missing)}")
            continue
        out.append((n, {k: "" if obj[k] is None else str(obj[k]).strip() for k in KEYS}))
    if problems:
        raise ImportProblems(problems)
    if not out:
        raise ImportProblems(["文件中没有数据行"])
    return out
