"""Validate an uploaded courseware package (课件包) before anything is stored.

A package is a ZIP archive with ``manifest.json`` at its root (format
``xueshitong-courseware/1``, documented in ``docs/courseware-package.md``) and
the media files the manifest's chapters point at.

:func:`read_package` checks the *whole* package — the archive structure, the
manifest and every referenced media file — and either returns a fully
validated, in-memory :class:`CoursePackage` or raises :class:`PackageError`
listing every problem it found, each as a Chinese sentence naming the file or
field.  It has no side effects: the caller stores nothing unless it returned.

:func:`detect_media` decides a file's kind from its *content* (not its name)
and is used on its own for single-chapter media uploads too.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import filetype  # type: ignore[import-untyped]

__all__ = [
    "CATEGORIES",
    "FORMAT",
    "MANIFEST_NAME",
    "CoursePackage",
    "PackageChapter",
    "PackageError",
    "detect_media",
    "read_package",
]

FORMAT = "xueshitong-courseware/1"
MANIFEST_NAME = "manifest.json"

#: category value -> Chinese name shown to clerks.
CATEGORIES: dict[str, str] = {
    "general_public": "一般公需科目",
    "industry_public": "行业公需科目",
    "professional": "专业科目",
}

MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 2000
MAX_CREDITED_HOURS = Decimal(200)
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_STUDY_MINUTES = 600
MAX_MANIFEST_BYTES = 1024 * 1024
#: More problems than this are summarised in one closing sentence.
MAX_MESSAGES = 50

_READ_CHUNK = 64 * 1024
_SNIFF_BYTES = 8192
_HTML_SNIFF_CHARS = 1024
_PDF_EOF_WINDOW = 4096

_TOP_LEVEL_FIELDS = ("format", "title", "summary", "category", "credited_hours", "year", "chapters")
_REQUIRED_TOP_LEVEL = ("format", "title", "category", "credited_hours", "chapters")
_CHAPTER_FIELDS = ("title", "file", "study_minutes")

#: extension (lower case) -> (kind, mime, canonical ext)
_EXTENSIONS: dict[str, tuple[str, str, str]] = {
    ".mp4": ("video", "video/mp4", ".mp4"),
    ".webm": ("video", "video/webm", ".webm"),
    ".pdf": ("pdf", "application/pdf", ".pdf"),
    ".html": ("html", "text/html", ".html"),
    ".htm": ("html", "text/html", ".html"),
}
_ALLOWED_EXT_TEXT = ".mp4、.webm、.pdf、.html"

#: ftyp brands that mean "MP4 that a browser's <video> can open".
_MP4_BRANDS = frozenset(
    {
        "isom",
        "iso2",
        "iso3",
        "iso4",
        "iso5",
        "iso6",
        "iso7",
        "iso8",
        "iso9",
        "mp41",
        "mp42",
        "avc1",
        "dash",
        "M4V ",
    }
)

#: mime reported by ``filetype`` -> what a clerk would call it.
_MIME_NAMES: dict[str, str] = {
    "image/png": "PNG 图片",
    "image/jpeg": "JPEG 图片",
    "image/gif": "GIF 图片",
    "image/webp": "WebP 图片",
    "image/bmp": "BMP 图片",
    "image/tiff": "TIFF 图片",
    "video/quicktime": "QuickTime（.mov）视频",
    "video/x-matroska": "MKV 视频",
    "video/x-msvideo": "AVI 视频",
    "video/x-ms-wmv": "WMV 视频",
    "video/x-flv": "FLV 视频",
    "video/mpeg": "MPEG 视频",
    "video/3gpp": "3GP 视频",
    "video/x-m4v": "M4V 视频",
    "audio/mpeg": "MP3 音频",
    "audio/x-wav": "WAV 音频",
    "audio/aac": "AAC 音频",
    "audio/mp4": "M4A 音频",
    "application/zip": "ZIP 压缩包（可能是 Word/Excel/PPT 的 docx/xlsx/pptx 文件）",
    "application/x-rar-compressed": "RAR 压缩包",
    "application/x-7z-compressed": "7z 压缩包",
    "application/gzip": "gzip 压缩包",
    "application/msword": "Word 文档",
    "application/vnd.ms-excel": "Excel 表格",
    "application/vnd.ms-powerpoint": "PowerPoint 演示文稿",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档（.docx）",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格（.xlsx）",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint 演示文稿（.pptx）",
    "application/x-shockwave-flash": "Flash（SWF）文件",
    "application/x-executable": "可执行程序",
    "application/x-msdownload": "Windows 可执行程序",
}


class PackageError(Exception):
    """A package (or a single media file) was refused.

    ``messages`` lists every problem found, each a Chinese sentence naming the
    file or manifest field concerned, suitable for showing to a clerk as is.
    """

    def __init__(self, messages: list[str] | str) -> None:
        if isinstance(messages, str):
            messages = [messages]
        self.messages: list[str] = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class PackageChapter:
    title: str
    kind: str  # "video" | "pdf" | "html"
    filename: str  # name inside the zip
    mime: str  # "video/mp4" | "video/webm" | "application/pdf" | "text/html"
    ext: str  # ".mp4" | ".webm" | ".pdf" | ".html"
    study_minutes: int
    data: bytes


@dataclass(frozen=True)
class CoursePackage:
    title: str
    summary: str
    category: str  # "general_public" | "industry_public" | "professional"
    credited_hours: Decimal
    year: int | None
    chapters: tuple[PackageChapter, ...]


# ---------------------------------------------------------------------------
# Media detection
# ---------------------------------------------------------------------------


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


def _file_ext(filename: str) -> str:
    base = filename.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def _ftyp_brands(head: bytes) -> set[str] | None:
    """Brands of an ISO-BMFF ``ftyp`` box at the start, or None if there is none."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16 or box_size > len(head):
        box_size = min(len(head), 64)
    brands = {head[8:12].decode("latin-1")}
    for i in range(16, box_size - 3, 4):
        brands.add(head[i : i + 4].decode("latin-1"))
    return brands


def _is_mp4(head: bytes) -> bool:
    if filetype.get_type(mime="video/mp4").match(head):
        return True
    brands = _ftyp_brands(head)
    return brands is not None and bool(brands & _MP4_BRANDS)


def _ebml_doctype(head: bytes) -> str | None:
    """DocType of an EBML (Matroska/WebM) file, or None if it is not EBML."""
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    for match in re.finditer(rb"\x42\x82", head[:256]):
        pos = match.end()
        if pos >= len(head):
            break
        first = head[pos]
        # EBML variable-length size: number of leading zero bits + 1 = length in bytes.
        length = 1
        while length <= 8 and not first & (0x80 >> (length - 1)):
            length += 1
        if length > 8 or pos + length > len(head):
            continue
        size = first & (0xFF >> length)
        for b in head[pos + 1 : pos + length]:
            size = (size << 8) | b
        value = head[pos + length : pos + length + size]
        if 0 < size <= 32 and len(value) == size:
            return value.rstrip(b"\x00").decode("ascii", "replace").lower()
    return ""


def _looks_like_html(data: bytes) -> tuple[bool, str]:
    """(is_html, description of what it is otherwise)."""
    if b"\x00" in data:
        return False, "无法识别的二进制内容"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for enc in ("gb18030",):
            try:
                data.decode(enc)
            except UnicodeDecodeError:
                continue
            return False, "非 UTF-8 编码的文本（可能是 GBK 编码，请另存为 UTF-8）"
        return False, "无法识别的二进制内容"
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:_SNIFF_BYTES]):
        return False, "无法识别的二进制内容"
    head = text[:_HTML_SNIFF_CHARS].lower()
    if "<!doctype html" in head or "<html" in head:
        return True, ""
    return False, "纯文本（开头没有 <!DOCTYPE html> 或 <html>，不是 HTML 网页）"


def _describe(data: bytes) -> str:
    """What a clerk would call this content (used when it is not acceptable)."""
    head = data[:_SNIFF_BYTES]
    if _is_mp4(head):
        return "MP4 视频"
    doctype = _ebml_doctype(head)
    if doctype is not None:
        return "WebM 视频" if doctype == "webm" else "MKV 视频"
    if head.startswith(b"%PDF-"):
        return "PDF 文档"
    kind = filetype.guess(head)
    if kind is not None:
        return _MIME_NAMES.get(kind.mime, f"{kind.mime} 格式的文件")
    is_html, other = _looks_like_html(data)
    return "HTML 网页" if is_html else other


def detect_media(data: bytes, filename: str) -> tuple[str, str, str]:
    """Return ``(kind, mime, ext)`` of ``data``, decided from its content.

    Accepts MP4 and WebM video, PDF and UTF-8 HTML.  Raises :class:`PackageError`
    (one Chinese message naming ``filename``) if the extension is not one of
    ``.mp4 .webm .pdf .html`` (``.htm`` counts as ``.html``), or if the content is
    not of that type — e.g. a PNG renamed to ``.mp4``.
    """
    filename = filename or "（未命名文件）"
    ext = _file_ext(filename)
    expected = _EXTENSIONS.get(ext)
    if expected is None:
        shown = ext if ext else "（无扩展名）"
        raise PackageError(
            f"文件 {filename} 的扩展名 {shown} 不受支持，只接受 {_ALLOWED_EXT_TEXT}（视频请用 MP4 或 WebM，文档请用 PDF）"
        )
    if not data:
        raise PackageError(f"文件 {filename} 是空文件（0 字节），请检查文件是否完整")
    kind, mime, canonical_ext = expected
    head = data[:_SNIFF_BYTES]

    ok: bool
    if mime == "video/mp4":
        ok = _is_mp4(head)
    elif mime == "video/webm":
        ok = _ebml_doctype(head) == "webm"
    elif mime == "application/pdf":
        ok = head.startswith(b"%PDF-")
        if ok and b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
            raise PackageError(
                f"文件 {filename} 是不完整的 PDF（结尾缺少 %%EOF 标记），可能上传中断或文件已损坏，请重新导出 PDF"
            )
    else:
        ok = not _is_mp4(head) and _ebml_doctype(head) is None and not head.startswith(b"%PDF-")
        ok = ok and _looks_like_html(data)[0]

    if not ok:
        actual = _describe(data)
        wanted = {
            "video/mp4": "MP4 视频",
            "video/webm": "WebM 视频",
            "application/pdf": "PDF 文档",
            "text/html": "UTF-8 编码的 HTML 网页",
        }[mime]
        right_ext = {"MP4 视频": ".mp4", "WebM 视频": ".webm", "PDF 文档": ".pdf", "HTML 网页": ".html"}.get(
            actual
        )
        hint = f"；如果内容没错，请把扩展名改为 {right_ext}" if right_ext else ""
        raise PackageError(
            f"文件 {filename} 的扩展名是 {ext}，应为 {wanted}，但内容实际是 {actual}，已拒绝{hint}"
        )
    return kind, mime, canonical_ext


# ---------------------------------------------------------------------------
# Archive helpers
# ---------------------------------------------------------------------------


class _Messages:
    """Collects problems, keeping at most MAX_MESSAGES of them."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.dropped = 0

    def add(self, message: str) -> None:
        if len(self.items) < MAX_MESSAGES:
            self.items.append(message)
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def final(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"另外还有 {self.dropped} 个问题未列出，请先修正以上问题后重新上传"]
        return list(self.items)


class _ReadProblem(Exception):
    pass


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the packer meant it (NUL bytes kept, for checking).

    Names without the ZIP "UTF-8" flag are decoded by ``zipfile`` as CP437;
    Chinese Windows tools write GBK there and some tools write UTF-8 without
    the flag, so try those before giving up.
    """
    name = info.orig_filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return name


def _shown(name: str) -> str:
    """A name made printable for messages."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name) or "（空文件名）"


def _name_problems(name: str) -> list[str]:
    shown = _shown(name)
    problems: list[str] = []
    if name == "":
        return ["压缩包中有一个没有文件名的条目，已拒绝"]
    if "\x00" in name:
        problems.append(f"文件名 {shown} 含有空字符（NUL），已拒绝")
    elif any(unicodedata.category(c) == "Cc" for c in name):
        problems.append(f"文件名 {shown} 含有控制字符，已拒绝")
    if "\\" in name:
        problems.append(
            f"文件名 {shown} 含有反斜杠（\\），已拒绝；路径分隔符请用 /（请用标准 ZIP 工具重新打包）"
        )
    if name.startswith("/"):
        problems.append(f"文件名 {shown} 是绝对路径（以 / 开头），已拒绝；请使用相对路径，如 media/01.mp4")
    if re.match(r"^[A-Za-z]:", name):
        problems.append(f"文件名 {shown} 含有盘符（如 C:），已拒绝；请使用相对路径，如 media/01.mp4")
    if ".." in re.split(r"[/\\]", name):
        problems.append(f"文件名 {shown} 含有路径穿越（..），已拒绝")
    return problems


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int) -> bytes:
    """Read one member in chunks, never holding more than ``limit`` bytes.

    ``limit`` is the member's declared size (already checked against the
    caller's limits); producing more than that, or anything that fails the
    archive's own checks (CRC, truncated data), is a refusal.
    """
    shown = _shown(name)
    buf = bytearray()
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(_READ_CHUNK)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > limit:
                    raise _ReadProblem(
                        f"文件 {shown} 解压后的实际大小超过了压缩包目录中声明的 {_human_size(limit)}"
                        "（可能是恶意构造的压缩包），已拒绝"
                    )
    except _ReadProblem:
        raise
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise _ReadProblem(
                f"文件 {shown} 的实际内容与压缩包目录中声明的大小或校验值不符（文件已损坏或被篡改），已拒绝"
            ) from None
        raise _ReadProblem(f"文件 {shown} 已损坏，无法解压，请重新打包") from None
    except (zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _ReadProblem(f"文件 {shown} 已损坏，无法解压，请重新打包") from None
    if len(buf) != info.file_size:
        raise _ReadProblem(
            f"文件 {shown} 解压后的实际大小（{_human_size(len(buf))}）与压缩包目录中声明的大小"
            f"（{_human_size(info.file_size)}）不符（文件已损坏或被篡改），已拒绝"
        )
    return bytes(buf)


def _open_stream(stream: BinaryIO | bytes, max_total_bytes: int) -> BinaryIO:
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(stream))
    seekable = getattr(stream, "seekable", None)
    if callable(seekable) and seekable():
        stream.seek(0)
        return stream
    # Not seekable (a pipe, a network stream): buffer it, with a hard cap.  A
    # valid archive is never much larger than the data it holds.
    cap = max_total_bytes + 16 * 1024 * 1024
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise PackageError(f"上传的压缩包超过 {_human_size(cap)}，已拒绝")
    return io.BytesIO(data)


# ---------------------------------------------------------------------------
# Manifest helpers
# ---------------------------------------------------------------------------


class _DuplicateKeys(dict[str, Any]):
    """A JSON object that remembers which keys appeared twice."""

    duplicates: list[str]


def _object_pairs(pairs: list[tuple[str, Any]]) -> _DuplicateKeys:
    obj = _DuplicateKeys()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"非法常量 {name}")


def _parse_manifest(raw: bytes, out: _Messages) -> dict[str, Any] | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add(
            f"{MANIFEST_NAME} 不是 UTF-8 编码（第 {exc.start + 1} 个字节处无法解码），"
            "请用 UTF-8 编码保存（记事本“另存为”时选择 UTF-8）"
        )
        return None
    try:
        value = json.loads(
            text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_object_pairs
        )
    except json.JSONDecodeError as exc:
        out.add(
            f"{MANIFEST_NAME} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误（{exc.msg}）。"
            "常见原因：多了或少了逗号、用了中文引号“”、字段名或文字没有用英文双引号括起来"
        )
        return None
    except (ValueError, RecursionError):
        out.add(
            f"{MANIFEST_NAME} 不是有效的 JSON（含有 NaN、Infinity、过长的数字或嵌套过深），请检查数值字段"
        )
        return None
    if not isinstance(value, dict):
        out.add(f"{MANIFEST_NAME} 的最外层必须是一个 JSON 对象（以 {{ 开头、}} 结尾）")
        return None

    def walk(node: Any, where: str) -> None:
        if isinstance(node, _DuplicateKeys):
            for key in dict.fromkeys(node.duplicates):
                out.add(f"{MANIFEST_NAME} 中{where}字段 {key} 出现了不止一次，请只保留一个")
            for key, child in node.items():
                if key == "chapters" and isinstance(child, list):
                    for i, ch in enumerate(child, 1):
                        walk(ch, f"第 {i} 章的")
        elif isinstance(node, list):
            for child in node:
                walk(child, where)

    walk(value, "")
    return value


def _check_text(value: Any, field: str, limit: int, *, required: bool, out: _Messages) -> str | None:
    if value is None:
        if required:
            out.add(f"{field}不能为空")
            return None
        return ""
    if not isinstance(value, str):
        out.add(f"{field}应为文字（用英文双引号括起来的字符串）")
        return None
    text = value.strip()
    if required and not text:
        out.add(f"{field}不能为空")
        return None
    if len(text) > limit:
        out.add(f"{field}过长：{len(text)} 个字，最多 {limit} 个字")
        return None
    allowed_controls = "\n\r\t" if limit > MAX_TITLE_CHARS else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed_controls for c in text):
        out.add(f"{field}含有换行或其他控制字符，请删除")
        return None
    if any(unicodedata.category(c) == "Cs" for c in text):  # a lone surrogate (\ud800 in the JSON): not UTF-8 text
        out.add(f"{field}含有无法识别的字符（不成对的代理字符，如 \\ud800），请检查后重新输入")
        return None
    return text


def _check_unknown(obj: dict[str, Any], allowed: tuple[str, ...], where: str, out: _Messages) -> None:
    for key in obj:
        if key in allowed or key.startswith("x-"):
            continue
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"（是否想写 {close[0]}？）" if close else ""
        out.add(f"{MANIFEST_NAME} 中{where}有无法识别的字段 {_shown(key)}{hint}")


def _check_hours(value: Any, out: _Messages) -> Decimal | None:
    field = f"{MANIFEST_NAME} 的 credited_hours（学时）"
    if value is None:
        out.add(f"{field}不能为空")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        extra = "，不要加引号" if isinstance(value, str) else ""
        out.add(f"{field}应为数字（如 18 或 18.5）{extra}")
        return None
    hours = Decimal(value)
    if not hours.is_finite() or hours <= 0:
        out.add(f"{field}必须大于 0，实际为 {value}")
        return None
    if hours > MAX_CREDITED_HOURS:
        out.add(f"{field}不能超过 {MAX_CREDITED_HOURS}，实际为 {value}")
        return None
    try:
        quantized = hours.quantize(Decimal("0.01"))
    except InvalidOperation:
        out.add(f"{field}最多保留两位小数，实际为 {value}")
        return None
    if quantized != hours:
        out.add(f"{field}最多保留两位小数，实际为 {value}")
        return None
    return quantized


def _check_year(value: Any, out: _Messages) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(f"{MANIFEST_NAME} 的 year（年度）应为整数年份（如 2026），不要加引号或小数")
        return None
    if not MIN_YEAR <= value <= MAX_YEAR:
        out.add(f"{MANIFEST_NAME} 的 year（年度）应在 {MIN_YEAR} 到 {MAX_YEAR} 之间，实际为 {value}")
        return None
    return value


def _check_minutes(value: Any, who: str, out: _Messages) -> int | None:
    field = f"{who}的 study_minutes（学习时长，分钟）"
    if value is None:
        out.add(f"{field}不能为空")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(
            f"{field}应为正整数（如 30），实际为 {_shown(json.dumps(value, default=str, ensure_ascii=False))}"
        )
        return None
    if not 1 <= value <= MAX_STUDY_MINUTES:
        out.add(f"{field}应在 1 到 {MAX_STUDY_MINUTES} 之间，实际为 {value}")
        return None
    return value


# ---------------------------------------------------------------------------
# read_package
# ---------------------------------------------------------------------------


def read_package(
    stream: BinaryIO | bytes,
    *,
    max_total_bytes: int = 200 * 1024 * 1024,
    max_file_bytes: int = 100 * 1024 * 1024,
    max_entries: int = 200,
) -> CoursePackage:
    """Validate a whole courseware package and return it, or raise :class:`PackageError`.

    ``stream`` is the uploaded ZIP (bytes, or a binary file object — read from
    its start; seekable ones are not copied).  Limits: ``max_total_bytes`` for
    the sum of all members' uncompressed sizes, ``max_file_bytes`` per member,
    ``max_entries`` members (directories included).

    Every problem that can be found is reported together.  Member data is read
    only when the archive as a whole is within the limits, in chunks, and never
    beyond a member's declared size.
    """
    out = _Messages()
    fp = _open_stream(stream, max_total_bytes)

    magic = fp.read(4)
    fp.seek(0)
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise PackageError(
            "上传的文件不是 ZIP 压缩包，请把 manifest.json 和课件文件一起压缩成 .zip 后再上传（不支持 RAR、7z）"
        )
    try:
        zf = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise PackageError("上传的 ZIP 压缩包已损坏或不完整（可能上传中断），请重新打包后再上传") from None

    with zf:
        infos = zf.infolist()
        read_content = True
        if len(infos) > max_entries:
            out.add(f"压缩包中有 {len(infos)} 个条目，超过上限 {max_entries} 个，已拒绝；请删除无关文件")
            read_content = False

        members: dict[str, zipfile.ZipInfo] = {}
        bad: set[str] = set()  # names whose member must not be read
        declared_total = 0
        for info in infos:
            name = _member_name(info)
            shown = _shown(name)
            problems = _name_problems(name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                problems.append(f"文件 {shown} 是符号链接，已拒绝；请放入真实文件")
            if info.flag_bits & 0x1:
                problems.append(f"文件 {shown} 已加密（设置了密码），已拒绝；请不加密码重新打包")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                problems.append(
                    f"文件 {shown} 使用了不支持的压缩方式（编号 {info.compress_type}），"
                    "请用标准 ZIP（Deflate）方式重新打包"
                )
            if info.file_size > max_file_bytes:
                problems.append(
                    f"文件 {shown} 解压后为 {_human_size(info.file_size)}，超过单个文件上限 {_human_size(max_file_bytes)}，已拒绝"
                )
            if name in members:
                problems.append(f"压缩包中文件名 {shown} 重复出现，已拒绝；请确保每个文件名只出现一次")
            declared_total += info.file_size
            for problem in problems:
                out.add(problem)
            if problems:
                bad.add(name)
            members.setdefault(name, info)

        if declared_total > max_total_bytes:
            out.add(
                f"压缩包解压后共 {_human_size(declared_total)}，超过上限 {_human_size(max_total_bytes)}，已拒绝；"
                "请压缩视频或把课程拆成多个包"
            )
            read_content = False

        manifest = _load_manifest(zf, members, bad, out)
        course = _check_manifest(manifest, out) if manifest is not None else None
        chapters = _check_chapters(
            zf, manifest, members, bad, out, read_content=read_content, max_total_bytes=max_total_bytes
        )

    if out or course is None or chapters is None:
        raise PackageError(out.final() or ["课件包校验未通过"])
    title, summary, category, hours, year = course
    return CoursePackage(
        title=title, summary=summary, category=category, credited_hours=hours, year=year, chapters=chapters
    )


def _load_manifest(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], bad: set[str], out: _Messages
) -> dict[str, Any] | None:
    info = members.get(MANIFEST_NAME)
    if info is None or info.is_dir():
        nested = sorted(
            n for n in members if n.lower().endswith("/" + MANIFEST_NAME) or n.lower() == MANIFEST_NAME
        )
        if nested:
            out.add(
                f"压缩包根目录下没有 {MANIFEST_NAME}（找到的是 {_shown(nested[0])}）；"
                "请直接选中 manifest.json 和课件文件压缩，而不是压缩它们所在的文件夹"
            )
        else:
            out.add(f"压缩包根目录下缺少清单文件 {MANIFEST_NAME}，无法知道课程信息和章节顺序")
        return None
    if MANIFEST_NAME in bad:
        return None
    if info.file_size > MAX_MANIFEST_BYTES:
        out.add(
            f"{MANIFEST_NAME} 有 {_human_size(info.file_size)}，超过上限 {_human_size(MAX_MANIFEST_BYTES)}"
        )
        return None
    try:
        raw = _read_member(zf, info, MANIFEST_NAME, info.file_size)
    except _ReadProblem as exc:
        out.add(str(exc))
        return None
    return _parse_manifest(raw, out)


def _check_manifest(
    manifest: dict[str, Any], out: _Messages
) -> tuple[str, str, str, Decimal, int | None] | None:
    before = len(out.items) + out.dropped
    _check_unknown(manifest, _TOP_LEVEL_FIELDS, "", out)
    for key in _REQUIRED_TOP_LEVEL:
        if key not in manifest:
            out.add(f"{MANIFEST_NAME} 缺少必填字段 {key}")

    fmt = manifest.get("format")
    if "format" in manifest and fmt != FORMAT:
        out.add(
            f'{MANIFEST_NAME} 的 format 字段应为 "{FORMAT}"，实际为 '
            f"{_shown(json.dumps(fmt, default=str, ensure_ascii=False))}；请按说明文档使用本平台的课件包格式"
        )

    title = (
        _check_text(
            manifest.get("title"),
            f"{MANIFEST_NAME} 的 title（课程名称）",
            MAX_TITLE_CHARS,
            required=True,
            out=out,
        )
        if "title" in manifest
        else None
    )
    summary = _check_text(
        manifest.get("summary"),
        f"{MANIFEST_NAME} 的 summary（课程简介）",
        MAX_SUMMARY_CHARS,
        required=False,
        out=out,
    )

    category = manifest.get("category")
    if "category" in manifest and category not in CATEGORIES:
        allowed = "、".join(f"{k}（{v}）" for k, v in CATEGORIES.items())
        out.add(
            f"{MANIFEST_NAME} 的 category（科目类别）{_shown(json.dumps(category, default=str, ensure_ascii=False))}"
            f" 无法识别，只能是以下之一：{allowed}"
        )

    hours = _check_hours(manifest.get("credited_hours"), out) if "credited_hours" in manifest else None
    year = _check_year(manifest.get("year"), out)

    if len(out.items) + out.dropped > before or title is None or summary is None or hours is None:
        return None
    assert isinstance(category, str)
    return title, summary, category, hours, year


def _check_chapters(
    zf: zipfile.ZipFile,
    manifest: dict[str, Any] | None,
    members: dict[str, zipfile.ZipInfo],
    bad: set[str],
    out: _Messages,
    *,
    read_content: bool,
    max_total_bytes: int,
) -> tuple[PackageChapter, ...] | None:
    if manifest is None or "chapters" not in manifest:
        return None
    raw_chapters = manifest["chapters"]
    if not isinstance(raw_chapters, list):
        out.add(f"{MANIFEST_NAME} 的 chapters（章节）应为列表（用 [ ] 括起来）")
        return None
    if not raw_chapters:
        out.add(f"{MANIFEST_NAME} 的 chapters（章节）是空的，课程至少要有一章")
        return None

    used: dict[str, int] = {}
    chapters: list[PackageChapter] = []
    all_ok = True
    bytes_read = 0
    lower_names = {n.lower(): n for n in members}

    for i, raw in enumerate(raw_chapters, 1):
        who = f"第 {i} 章"
        if not isinstance(raw, dict):
            out.add(f"{MANIFEST_NAME} 的{who}应为 JSON 对象（含 title、file、study_minutes）")
            all_ok = False
            continue
        _check_unknown(raw, _CHAPTER_FIELDS, f"{who}", out)
        for key in _CHAPTER_FIELDS:
            if key not in raw:
                out.add(f"{MANIFEST_NAME} 中{who}缺少必填字段 {key}")
                all_ok = False

        title = None
        if "title" in raw:
            title = _check_text(
                raw["title"], f"{who}的 title（章节名称）", MAX_TITLE_CHARS, required=True, out=out
            )
        if title:
            who = f"第 {i} 章“{title}”"
        minutes = _check_minutes(raw["study_minutes"], who, out) if "study_minutes" in raw else None

        filename: str | None = None
        if "file" in raw:
            value = raw["file"]
            if not isinstance(value, str) or not value.strip():
                out.add(f"{who}的 file（文件路径）应为压缩包内的文件名，如 media/01.mp4")
            else:
                filename = value
        if title is None or minutes is None or filename is None:
            all_ok = False
            continue

        shown = _shown(filename)
        info = members.get(filename)
        if info is None or info.is_dir():
            hint = ""
            if info is not None:
                hint = "（这是一个文件夹）"
            elif "\\" in filename:
                hint = "（提示：路径分隔符请用 /，不要用 \\）"
            elif filename.startswith("./") and filename[2:] in members:
                hint = f"（提示：请写成 {filename[2:]}，不要以 ./ 开头）"
            elif filename.lower() in lower_names:
                hint = f"（压缩包中有 {_shown(lower_names[filename.lower()])}，文件名大小写必须一致）"
            out.add(f"{who}的文件 {shown} 在压缩包中不存在{hint}")
            all_ok = False
            continue
        if filename in used:
            out.add(f"{who}与第 {used[filename]} 章使用了同一个文件 {shown}，每章必须使用不同的文件")
            all_ok = False
            continue
        used[filename] = i
        if filename in bad:
            all_ok = False  # the member's own problem was already reported
            continue

        ext = _file_ext(filename)
        if ext not in _EXTENSIONS:
            try:
                detect_media(b"", filename)
            except PackageError as exc:
                out.add(f"{who}：{exc.messages[0]}")
            all_ok = False
            continue
        if not read_content:
            all_ok = False
            continue
        if bytes_read + info.file_size > max_total_bytes:
            out.add(f"读取 {shown} 时解压数据总量超过上限 {_human_size(max_total_bytes)}，已拒绝")
            all_ok = False
            read_content = False
            continue
        try:
            data = _read_member(zf, info, filename, info.file_size)
        except _ReadProblem as exc:
            out.add(f"{who}：{exc}")
            all_ok = False
            continue
        bytes_read += len(data)
        try:
            kind, mime, canonical_ext = detect_media(data, filename)
        except PackageError as exc:
            for message in exc.messages:
                out.add(f"{who}：{message}")
            all_ok = False
            continue
        chapters.append(
            PackageChapter(
                title=title,
                kind=kind,
                filename=filename,
                mime=mime,
                ext=canonical_ext,
                study_minutes=minutes,
                data=data,
            )
        )

    return tuple(chapters) if all_ok else None
