"""Courseware package validation: real ZIP files built with ``zipfile``, no mocks."""

from __future__ import annotations

import io
import json
import stat
import struct
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from courseware.package import (
    FORMAT,
    CoursePackage,
    PackageError,
    detect_media,
    read_package,
)

REPO = Path(__file__).resolve().parents[2]

# --- tiny but genuine media --------------------------------------------------

MP4 = (
    b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    + b"\x00\x00\x00\x08free"
    + b"\x00\x00\x00\x10mdat"
    + b"\x00" * 8
)
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x00"
)
MKV = WEBM.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska")
PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
HTML = (
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>宪法</title></head>'
    "<body><h1>第三章 宪法精神</h1></body></html>\n".encode()
)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64


def manifest(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "title": "2026 年公需科目：法治中国",
        "summary": "面向专业技术人员的公需科目课程。",
        "category": "general_public",
        "credited_hours": 18,
        "year": 2026,
        "chapters": [
            {"title": "宪法概述", "file": "media/01.mp4", "study_minutes": 30},
            {"title": "宪法精神", "file": "media/02.webm", "study_minutes": 45},
            {"title": "学习讲义", "file": "docs/03.pdf", "study_minutes": 20},
            {"title": "课后阅读", "file": "pages/04.html", "study_minutes": 10},
        ],
    }
    data.update(overrides)
    return data


GOOD_FILES = {
    "media/01.mp4": MP4,
    "media/02.webm": WEBM,
    "docs/03.pdf": PDF,
    "pages/04.html": HTML,
}


def build_zip(
    files: dict[str, bytes] | None = None,
    man: dict[str, Any] | bytes | None = None,
    *,
    with_manifest: bool = True,
    infos: list[tuple[zipfile.ZipInfo, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns on duplicate names
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            if with_manifest:
                raw = (
                    man
                    if isinstance(man, bytes)
                    else json.dumps(man or manifest(), ensure_ascii=False).encode()
                )
                zf.writestr("manifest.json", raw)
            for name, data in (GOOD_FILES if files is None else files).items():
                zf.writestr(name, data)
            for info, data in infos:
                zf.writestr(info, data)
    return buf.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "course.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(data: bytes | Path, **limits: int) -> list[str]:
    source = data.read_bytes() if isinstance(data, Path) else data
    with pytest.raises(PackageError) as excinfo:
        read_package(source, **limits)
    messages = excinfo.value.messages
    assert messages and all(isinstance(m, str) and m for m in messages)
    return messages


def joined(messages: list[str]) -> str:
    return "\n".join(messages)


def patch_central_directory(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one fixed field of ``name``'s central-directory header (and, for the
    size/flag fields, the matching local header field) — to fake what a hostile or
    broken packer would write."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
        pos = zf.start_dir  # type: ignore[attr-defined]
    while out[pos : pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<HHH", out[pos + 28 : pos + 34])
        if out[pos + 46 : pos + 46 + name_len].decode("utf-8") == name:
            struct.pack_into(fmt, out, pos + offset, value)
            local = {8: 6, 20: 18, 24: 22}.get(offset)  # flags, compressed size, size
            if local is not None:
                struct.pack_into(fmt, out, info.header_offset + local, value)
            return bytes(out)
        pos += 46 + name_len + extra_len + comment_len
    raise AssertionError(f"{name} not in central directory")


# --- a good package ------------------------------------------------------------


def test_good_package_is_read_with_its_chapters_in_manifest_order_and_media_detected(tmp_path: Path) -> None:
    # Zip order deliberately differs from the manifest's chapter order.
    files = dict(reversed(list(GOOD_FILES.items())))
    path = write(tmp_path, build_zip(files))

    package = read_package(path.read_bytes())

    assert isinstance(package, CoursePackage)
    assert package.title == "2026 年公需科目：法治中国"
    assert package.summary == "面向专业技术人员的公需科目课程。"
    assert package.category == "general_public"
    assert package.credited_hours == Decimal(18)
    assert package.year == 2026
    got = [(c.title, c.kind, c.filename, c.mime, c.ext, c.study_minutes) for c in package.chapters]
    assert got == [
        ("宪法概述", "video", "media/01.mp4", "video/mp4", ".mp4", 30),
        ("宪法精神", "video", "media/02.webm", "video/webm", ".webm", 45),
        ("学习讲义", "pdf", "docs/03.pdf", "application/pdf", ".pdf", 20),
        ("课后阅读", "html", "pages/04.html", "text/html", ".html", 10),
    ]
    assert [c.data for c in package.chapters] == [MP4, WEBM, PDF, HTML]


def test_package_can_be_read_from_an_open_file_as_well_as_from_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, build_zip())
    with path.open("rb") as f:
        from_file = read_package(f)
    assert from_file == read_package(path.read_bytes())


def test_package_can_be_read_from_a_stream_that_cannot_seek(tmp_path: Path) -> None:
    data = build_zip()

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            chunk = self._inner.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    package = read_package(io.BufferedReader(Pipe()))  # type: ignore[arg-type]
    assert len(package.chapters) == 4


def test_files_in_the_zip_that_the_manifest_does_not_mention_are_ignored(tmp_path: Path) -> None:
    files = {**GOOD_FILES, "notes/readme.txt": b"just notes", "media/unused.avi": b"RIFF....AVI "}
    package = read_package(write(tmp_path, build_zip(files)).read_bytes())
    assert [c.filename for c in package.chapters] == list(GOOD_FILES)


def test_credited_hours_with_decimals_are_kept_exact_and_year_and_summary_are_optional(
    tmp_path: Path,
) -> None:
    man = manifest(credited_hours=18.5)
    del man["year"], man["summary"]
    package = read_package(build_zip(man=man))
    assert package.credited_hours == Decimal("18.50")
    assert package.year is None
    assert package.summary == ""


def test_manifest_saved_with_a_utf8_bom_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(manifest(), ensure_ascii=False).encode()
    assert read_package(build_zip(man=raw)).title == "2026 年公需科目：法治中国"


def test_chinese_member_names_written_in_gbk_by_windows_tools_are_matched() -> None:
    # Windows' built-in zip writes names in the local code page without the UTF-8 flag.
    gbk_name = "第一章.mp4".encode("gbk")
    placeholder = b"x" * (len(gbk_name) - 4) + b".mp4"
    man = manifest(chapters=[{"title": "第一章", "file": "第一章.mp4", "study_minutes": 30}])
    data = build_zip({placeholder.decode(): MP4}, man).replace(placeholder, gbk_name)
    package = read_package(data)
    assert package.chapters[0].filename == "第一章.mp4"
    assert package.chapters[0].data == MP4


# --- not a (usable) zip ---------------------------------------------------------


def test_file_that_is_not_a_zip_at_all_is_refused(tmp_path: Path) -> None:
    messages = refused(write(tmp_path, b"Rar!\x1a\x07\x00 this is a RAR archive", "course.rar"))
    assert "不是 ZIP 压缩包" in joined(messages)


def test_truncated_zip_is_refused_as_damaged() -> None:
    data = build_zip()
    messages = refused(data[: len(data) // 2])
    assert "已损坏或不完整" in joined(messages)


def test_package_without_a_manifest_is_refused() -> None:
    messages = refused(build_zip(with_manifest=False))
    assert "缺少清单文件 manifest.json" in joined(messages)


def test_manifest_inside_a_folder_is_refused_with_a_hint_to_zip_the_folder_contents() -> None:
    files = {f"法治中国/{name}": data for name, data in GOOD_FILES.items()}
    files["法治中国/manifest.json"] = json.dumps(manifest()).encode()
    messages = refused(build_zip(files, with_manifest=False))
    assert "找到的是 法治中国/manifest.json" in joined(messages)


def test_manifest_that_is_not_valid_json_is_refused_with_the_line_of_the_error() -> None:
    raw = b'{\n  "format": "xueshitong-courseware/1",\n  "title": "\xe6\xb3\x95\xe6\xb2\xbb",,\n}'
    messages = refused(build_zip(man=raw))
    assert "manifest.json 不是有效的 JSON：第 3 行" in joined(messages)


def test_manifest_that_is_not_utf8_is_refused() -> None:
    raw = json.dumps(manifest(), ensure_ascii=False).encode("gbk")
    messages = refused(build_zip(man=raw))
    assert "manifest.json 不是 UTF-8 编码" in joined(messages)


def test_manifest_of_another_format_is_refused() -> None:
    messages = refused(build_zip(man=manifest(format="scorm/1.2")))
    assert 'format 字段应为 "xueshitong-courseware/1"' in joined(messages)


def test_manifest_with_a_misspelt_field_is_refused_with_a_suggestion() -> None:
    man = manifest()
    man["credit_hours"] = man.pop("credited_hours")
    text = joined(refused(build_zip(man=man)))
    assert "无法识别的字段 credit_hours（是否想写 credited_hours？）" in text
    assert "缺少必填字段 credited_hours" in text


def test_manifest_with_a_field_given_twice_is_refused() -> None:
    raw = json.dumps(manifest(), ensure_ascii=False).encode()
    raw = raw.replace(b'"category"', b'"category": "professional", "category"', 1)
    assert "字段 category 出现了不止一次" in joined(refused(build_zip(man=raw)))


# --- course fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": ""}, "title（课程名称）不能为空"),
        ({"title": "   "}, "title（课程名称）不能为空"),
        ({"title": "长" * 201}, "title（课程名称）过长：201 个字，最多 200 个字"),
        ({"title": 42}, "title（课程名称）应为文字"),
        ({"summary": "简" * 2001}, "summary（课程简介）过长：2001 个字，最多 2000 个字"),
        ({"year": 1999}, "year（年度）应在 2000 到 2100 之间，实际为 1999"),
        ({"year": "2026"}, "year（年度）应为整数年份"),
        ({"chapters": []}, "chapters（章节）是空的"),
        ({"chapters": "media/01.mp4"}, "chapters（章节）应为列表"),
    ],
)
def test_bad_course_fields_are_refused_naming_the_field(overrides: dict[str, Any], expected: str) -> None:
    assert expected in joined(refused(build_zip(man=manifest(**overrides))))


def test_unknown_category_is_refused_listing_the_allowed_ones() -> None:
    text = joined(refused(build_zip(man=manifest(category="公需科目"))))
    assert 'category（科目类别）"公需科目" 无法识别' in text
    assert "general_public（一般公需科目）" in text and "professional（专业科目）" in text


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0, "必须大于 0"),
        (-3, "必须大于 0"),
        (200.5, "不能超过 200"),
        (18.555, "最多保留两位小数"),
        ("18", "应为数字（如 18 或 18.5），不要加引号"),
        (True, "应为数字"),
        (None, "不能为空"),
    ],
)
def test_credited_hours_that_are_not_a_positive_number_up_to_200_with_two_decimals_are_refused(
    hours: Any, expected: str
) -> None:
    text = joined(refused(build_zip(man=manifest(credited_hours=hours))))
    assert "credited_hours（学时）" in text and expected in text


# --- chapters ---------------------------------------------------------------------


def test_chapter_whose_file_is_not_in_the_zip_is_refused_naming_chapter_and_file() -> None:
    files = {k: v for k, v in GOOD_FILES.items() if k != "media/02.webm"}
    man = manifest()
    man["chapters"][1]["file"] = "media/02.mp4"
    messages = refused(build_zip(files, man))
    assert "第 2 章“宪法精神”的文件 media/02.mp4 在压缩包中不存在" in messages


def test_chapter_file_differing_only_in_letter_case_gets_a_hint() -> None:
    man = manifest()
    man["chapters"][0]["file"] = "Media/01.MP4"
    assert "压缩包中有 media/01.mp4，文件名大小写必须一致" in joined(refused(build_zip(man=man)))


def test_two_chapters_using_the_same_file_are_refused() -> None:
    man = manifest()
    man["chapters"][3]["file"] = "media/01.mp4"
    messages = refused(build_zip(man=man))
    assert "第 4 章“课后阅读”与第 1 章使用了同一个文件 media/01.mp4，每章必须使用不同的文件" in messages


@pytest.mark.parametrize("minutes", [0, -5, 601, 30.5, "30", True])
def test_chapter_study_minutes_that_are_not_a_positive_integer_up_to_600_are_refused(minutes: Any) -> None:
    man = manifest()
    man["chapters"][2]["study_minutes"] = minutes
    text = joined(refused(build_zip(man=man)))
    assert "第 3 章“学习讲义”的 study_minutes（学习时长，分钟）" in text


def test_chapter_missing_its_fields_is_refused_naming_each_missing_field() -> None:
    man = manifest()
    man["chapters"][0] = {"title": "宪法概述"}
    text = joined(refused(build_zip(man=man)))
    assert "第 1 章缺少必填字段 file" in text
    assert "第 1 章缺少必填字段 study_minutes" in text


def test_mp4_chapter_that_is_really_a_png_picture_is_refused() -> None:
    files = {**GOOD_FILES, "media/01.mp4": PNG}
    messages = refused(build_zip(files))
    assert (
        "第 1 章“宪法概述”：文件 media/01.mp4 的扩展名是 .mp4，应为 MP4 视频，但内容实际是 PNG 图片，已拒绝"
        in messages
    )


def test_mp4_chapter_that_is_really_plain_text_is_refused() -> None:
    files = {**GOOD_FILES, "media/01.mp4": "这不是视频".encode()}
    assert "内容实际是 纯文本" in joined(refused(build_zip(files)))


def test_webm_chapter_that_really_holds_an_mp4_gets_a_hint_to_rename_it() -> None:
    files = {**GOOD_FILES, "media/02.webm": MP4}
    text = joined(refused(build_zip(files)))
    assert "内容实际是 MP4 视频" in text and "请把扩展名改为 .mp4" in text


def test_chapter_with_an_unsupported_extension_is_refused() -> None:
    files = {**GOOD_FILES, "media/01.avi": b"RIFF\x00\x00\x00\x00AVI LIST"}
    man = manifest()
    man["chapters"][0]["file"] = "media/01.avi"
    text = joined(refused(build_zip(files, man)))
    assert "文件 media/01.avi 的扩展名 .avi 不受支持" in text


def test_every_problem_in_a_package_is_reported_together() -> None:
    files = {**GOOD_FILES, "media/01.mp4": PNG, "../evil.html": HTML}
    man = manifest(category="bogus", credited_hours=0)
    man["chapters"][1]["study_minutes"] = 0
    man["chapters"][3]["file"] = "pages/missing.html"
    text = joined(refused(build_zip(files, man)))
    for expected in [
        "../evil.html 含有路径穿越",
        "category（科目类别）",
        "credited_hours（学时）必须大于 0",
        "第 1 章“宪法概述”：文件 media/01.mp4",
        "第 2 章“宪法精神”的 study_minutes",
        "第 4 章“课后阅读”的文件 pages/missing.html 在压缩包中不存在",
    ]:
        assert expected in text


# --- hostile member names and attributes ---------------------------------------------


def test_package_with_path_traversal_in_a_member_name_is_refused() -> None:
    messages = refused(build_zip({**GOOD_FILES, "../evil.html": HTML}))
    assert "文件名 ../evil.html 含有路径穿越（..），已拒绝" in messages


def test_path_traversal_hidden_inside_a_folder_name_is_refused() -> None:
    assert "含有路径穿越" in joined(refused(build_zip({**GOOD_FILES, "media/../../etc/cron.d/x": b"x"})))


def test_package_with_an_absolute_member_path_is_refused() -> None:
    messages = refused(build_zip({**GOOD_FILES, "/etc/passwd": b"root:x:0:0"}))
    assert "文件名 /etc/passwd 是绝对路径（以 / 开头），已拒绝；请使用相对路径，如 media/01.mp4" in messages


def test_package_with_a_windows_drive_letter_in_a_member_name_is_refused() -> None:
    assert "文件名 C:/Windows/evil.html 含有盘符" in joined(
        refused(build_zip({**GOOD_FILES, "C:/Windows/evil.html": HTML}))
    )


def test_package_with_a_backslash_in_a_member_name_is_refused() -> None:
    assert "文件名 ..\\evil.html 含有反斜杠" in joined(
        refused(build_zip({**GOOD_FILES, "..\\evil.html": HTML}))
    )


def test_package_with_a_nul_byte_in_a_member_name_is_refused() -> None:
    data = build_zip({**GOOD_FILES, "evil_x.html": HTML}).replace(b"evil_x", b"evil\x00x")
    assert "文件名 evil\\x00x.html 含有空字符（NUL），已拒绝" in refused(data)


def test_package_with_a_symlink_member_is_refused() -> None:
    link = zipfile.ZipInfo("media/link.mp4")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    messages = refused(build_zip(infos=[(link, b"/etc/passwd")]))
    assert "文件 media/link.mp4 是符号链接，已拒绝；请放入真实文件" in messages


def test_chapter_pointing_at_a_symlink_is_refused_and_the_link_is_never_followed() -> None:
    link = zipfile.ZipInfo("media/01.mp4")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    files = {k: v for k, v in GOOD_FILES.items() if k != "media/01.mp4"}
    messages = refused(build_zip(files, infos=[(link, b"/etc/passwd")]))
    assert "文件 media/01.mp4 是符号链接，已拒绝；请放入真实文件" in messages


def test_package_with_an_encrypted_member_is_refused() -> None:
    data = patch_central_directory(build_zip(), "docs/03.pdf", 8, "<H", 0x1)
    assert "文件 docs/03.pdf 已加密（设置了密码），已拒绝；请不加密码重新打包" in refused(data)


def test_package_with_duplicate_member_names_is_refused() -> None:
    dup = zipfile.ZipInfo("media/01.mp4")
    messages = refused(build_zip(infos=[(dup, PNG)]))
    assert "压缩包中文件名 media/01.mp4 重复出现，已拒绝；请确保每个文件名只出现一次" in messages


# --- zip bombs and size limits -----------------------------------------------------------


def test_member_over_the_per_file_limit_is_refused() -> None:
    files = {**GOOD_FILES, "media/01.mp4": MP4 + b"\x00" * 5000}
    messages = refused(build_zip(files), max_file_bytes=4096)
    assert any("文件 media/01.mp4 解压后为" in m and "超过单个文件上限 4.0 KB" in m for m in messages)


def test_highly_compressed_package_over_the_total_limit_is_refused_before_reading_it() -> None:
    bomb = zipfile.ZipInfo("media/zeros.bin")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    data = build_zip(infos=[(bomb, b"\x00" * (8 * 1024 * 1024))])
    assert len(data) < 64 * 1024  # ~8 MB of zeros compresses to a few KB
    messages = refused(data, max_total_bytes=1024 * 1024, max_file_bytes=16 * 1024 * 1024)
    assert any("超过上限 1.0 MB" in m and "压缩包解压后共" in m for m in messages)


def test_package_with_too_many_entries_is_refused() -> None:
    files = {**GOOD_FILES, **{f"extra/{i}.txt": b"x" for i in range(10)}}
    messages = refused(build_zip(files), max_entries=8)
    assert "压缩包中有 15 个条目，超过上限 8 个，已拒绝；请删除无关文件" in messages


def test_member_whose_declared_size_is_smaller_than_its_real_content_is_refused() -> None:
    # A lying header: says 16 bytes, but the deflated data expands to far more.
    files = {**GOOD_FILES, "docs/03.pdf": PDF + b"%" * 100_000}
    data = patch_central_directory(build_zip(files), "docs/03.pdf", 24, "<I", 16)
    messages = refused(data, max_file_bytes=1024)
    assert (
        "第 3 章“学习讲义”：文件 docs/03.pdf 的实际内容与压缩包目录中声明的大小或校验值不符（文件已损坏或被篡改），已拒绝"
        in messages
    )


def test_member_whose_declared_size_is_larger_than_its_real_content_is_refused() -> None:
    data = patch_central_directory(build_zip(), "docs/03.pdf", 24, "<I", len(PDF) + 50)
    assert "文件 docs/03.pdf" in joined(refused(data))


def test_member_with_a_declared_size_over_the_limit_is_refused_even_if_its_data_is_small() -> None:
    data = patch_central_directory(build_zip(), "media/01.mp4", 24, "<I", 3_000_000_000)
    messages = refused(data)
    assert any("文件 media/01.mp4 解压后为 2861.0 MB，超过单个文件上限 100.0 MB" in m for m in messages)


# --- detect_media on its own ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (MP4, "a.mp4", ("video", "video/mp4", ".mp4")),
        (WEBM, "a.webm", ("video", "video/webm", ".webm")),
        (PDF, "讲义.PDF", ("pdf", "application/pdf", ".pdf")),
        (HTML, "page.html", ("html", "text/html", ".html")),
        (b"<HTML><body>hi</body></HTML>", "page.htm", ("html", "text/html", ".html")),
        (b"\xef\xbb\xbf<!doctype html><p>x</p>", "page.html", ("html", "text/html", ".html")),
    ],
)
def test_detect_media_recognises_each_supported_type_by_content(
    data: bytes, filename: str, expected: tuple[str, str, str]
) -> None:
    assert detect_media(data, filename) == expected


@pytest.mark.parametrize("name", ["demo-intro.mp4", "demo-lesson.webm"])
def test_detect_media_accepts_the_committed_demo_videos(name: str) -> None:
    path = REPO / "lms" / "demo_media" / name
    kind, mime, ext = detect_media(path.read_bytes(), name)
    assert (kind, ext) == ("video", path.suffix)
    assert mime == f"video/{path.suffix[1:]}"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (MKV, "a.webm", "内容实际是 MKV 视频"),
        (PNG, "a.pdf", "内容实际是 PNG 图片"),
        (b"%PDF-1.4\n1 0 obj", "a.pdf", "不完整的 PDF"),
        (b"", "a.mp4", "是空文件"),
        (b"plain notes, not a web page", "a.html", "纯文本"),
        ("<html>你好</html>".encode("gbk"), "a.html", "非 UTF-8 编码的文本"),
        (b"\x00\x01\x02<html>", "a.html", "无法识别的二进制内容"),
        (PDF, "a.html", "内容实际是 PDF 文档"),
        (MP4, "a.mov", "扩展名 .mov 不受支持"),
        (MP4, "video", "扩展名 （无扩展名） 不受支持"),
    ],
)
def test_detect_media_refuses_content_that_is_not_what_the_extension_says(
    data: bytes, filename: str, expected: str
) -> None:
    with pytest.raises(PackageError) as excinfo:
        detect_media(data, filename)
    assert len(excinfo.value.messages) == 1
    assert filename in excinfo.value.messages[0]
    assert expected in excinfo.value.messages[0]


def test_package_error_carries_every_message_and_reads_as_text() -> None:
    err = PackageError(["第一个问题", "第二个问题"])
    assert err.messages == ["第一个问题", "第二个问题"]
    assert str(err) == "第一个问题\n第二个问题"
    assert PackageError("唯一问题").messages == ["唯一问题"]
