"""The documents of the hours bank as PDFs: 学时登记情况表 and the electronic certificate (lms/pdf.py does the setting).

The registration sheet is a list of sections (`SHEET_SECTIONS`), each a function of the sheet's data that returns its
heading and flowables; the headings are numbered as they come. Another section (a person's standing, sanctions) is
one more function and one more field of `SheetData`.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from .. import clock
from ..pdf import Styles, Text, qr, styles, table
from ..regions import CATEGORY_NAMES
from .seal import CAPTION, seal_drawing

PAGE_MARGIN = 18 * mm
CONTENT_WIDTH = A4[0] - 2 * PAGE_MARGIN
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class SheetData:
    """What a registration sheet prints: the person, the year measured against the policy, and how to verify it."""

    person: Any                    # .name, .masked_id_number, .employer, .industry
    year: int
    region_name: str
    policy_title: str
    unit: str                      # 学时, or 学分 where the policy counts credits (桐人社发〔2018〕26号 第一条)
    bars: Sequence[dict[str, Any]]     # each requirement: label, minimum, credited, short
    totals: dict[str, Decimal]     # hours per category
    total: Decimal
    complete: bool
    entries: Sequence[Any]         # HoursEntry rows of the year
    issuer: str
    code: str
    verify_url: str
    issued_at: datetime            # Beijing time
    standing: Sequence[str] = ()   # the standing's lines (lms/hours/standing.py standing_lines)
    extra_sections: Sequence[Callable[[SheetData, Styles], tuple[str | None, list[Flowable]]]] = field(default=())


Section = Callable[[SheetData, Styles], tuple[str | None, list[Flowable]]]


def _money(v: Any) -> str:
    return f"{Decimal(v):.2f}" if v is not None else ""


def _person_section(d: SheetData, st: Styles) -> tuple[str | None, list[Flowable]]:
    w = [22 * mm, 58 * mm, 26 * mm, CONTENT_WIDTH - 106 * mm]
    p = d.person
    rows = [["姓名", p.name, "身份证号", p.masked_id_number],
            ["工作单位", p.employer or "—", "所在地区", d.region_name],
            ["所属行业", p.industry or "—", f"年度合计{d.unit}", _money(d.total)]]
    return None, [table(rows, w, st, header=False)]


def _requirements_section(d: SheetData, st: Styles) -> tuple[str | None, list[Flowable]]:
    w = [CONTENT_WIDTH - 96 * mm, 32 * mm, 32 * mm, 32 * mm]
    rows: list[list[Any]] = [["要求", "应达到", "已登记", "尚差"]]
    rows += [[b["label"], _money(b["minimum"]), _money(b["credited"]), _money(b["short"])] for b in d.bars]
    verdict = Text(f"年度{d.unit}完成情况：{'已完成' if d.complete else '未完成'}", st.body)
    return f"{d.unit}要求完成情况", [table(rows, w, st), Spacer(1, 2 * mm), verdict]


def _categories_section(d: SheetData, st: Styles) -> tuple[str | None, list[Flowable]]:
    # Every category, 行业公需科目 included when it is 0, as on the certificate.
    w = [CONTENT_WIDTH / 2, CONTENT_WIDTH / 2]
    rows: list[list[Any]] = [["类别", d.unit]]
    rows += [[name, _money(d.totals.get(key, Decimal(0)))] for key, name in CATEGORY_NAMES.items()]
    rows.append(["合计", _money(d.total)])
    return f"分类{d.unit}", [table(rows, w, st)]


def _entries_section(d: SheetData, st: Styles) -> tuple[str | None, list[Flowable]]:
    # Widths fit their longest usual content at 9 pt: 一般公需科目 (6 characters), a bureau's 13-character name,
    # a date; the title column takes the rest and carries the rule under it.
    w = [9.5 * mm, 22 * mm, 12 * mm, 0.0, 45 * mm, 19.5 * mm]
    w[3] = CONTENT_WIDTH - sum(w)
    rows: list[list[Any]] = [["序号", "类别", d.unit, "内容与来源（依据）", "登记单位", "登记日期"]]
    for i, e in enumerate(d.entries):
        what: Any = Text(e.title, st.cell)
        if e.rule:
            what = [what, Text(f"依据：{e.rule}", st.small)]
        rows.append([i + 1, CATEGORY_NAMES.get(e.category, e.category), _money(e.hours), what,
                     e.registered_by_org, f"{clock.china(e.registered_at):%Y-%m-%d}"])
    if not d.entries:
        rows.append(["", "", "", "本年度暂无登记记录", "", ""])
    return f"{d.unit}登记明细", [table(rows, w, st)]


def _verification(lines: list[Flowable], url: str, size: float, width: float, font: str,
                  seal: Flowable | None = None) -> Flowable:
    """Issuer, time and code on the left, the QR code of the verification address on the right (and the seal,
    where there is one, between them)."""
    if seal is None:
        t = Table([[lines, qr(url, size, font)]], colWidths=[width - size - 6 * mm, size + 6 * mm])
    else:
        t = Table([[lines, seal, qr(url, size, font)]],
                  colWidths=[width - 2 * size - 10 * mm, size + 4 * mm, size + 6 * mm])
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([t])


def _verification_lines(st: Styles, issuer: str, issued: str, code: str, url: str, what: str) -> list[Flowable]:
    return [Text(f"出具单位：{issuer}", st.body), Text(f"出具时间：{issued}", st.body),
            Text(f"验证码：{code}", st.body), Text(f"查验地址：{url}", st.small),
            Text(f"扫描右侧二维码或在查验页面输入验证码，可核对本{what}的真实性。", st.small)]


def _standing_section(d: SheetData, st: Styles) -> tuple[str | None, list[Flowable]]:
    # 桐人社发〔2018〕26号 第十四、十五条, 川人社发〔2016〕20号 四, 浙人社发〔2016〕63号 第十六条: each with its article.
    return "年度考核与职称申报", [Text(line, st.small if line.startswith("说明：") else st.body)
                                 for line in d.standing]


SHEET_SECTIONS: list[Section] = [_person_section, _requirements_section, _categories_section, _entries_section,
                                 _standing_section]


def registration_sheet(d: SheetData, font: str) -> bytes:
    """学时登记情况表 (浙人社发〔2016〕63号 第十五条) for one person and year, with its verification code and QR."""
    st = styles(font)
    buf = io.BytesIO()
    title = f"{d.year} 年度专业技术人员继续教育{d.unit}登记情况表"
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
                            topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN, title=title, author=d.issuer,
                            initialFontName=font)
    story: list[Flowable] = [Text(title, st.title), Text(f"依据《{d.policy_title}》", st.sub),
                             Spacer(1, 5 * mm)]
    number = 0
    for section in [*SHEET_SECTIONS, *d.extra_sections]:
        heading, flowables = section(d, st)
        if heading:
            story.append(Text(f"{NUMERALS[number]}、{heading}", st.heading))
            number += 1
        story += flowables
        story.append(Spacer(1, 4 * mm))
    story.append(Text("本表由学时通系统生成，供职称申报等使用（浙人社发〔2016〕63号 第十五条）。", st.small))
    story.append(Spacer(1, 3 * mm))
    lines = _verification_lines(st, d.issuer, f"{d.issued_at:%Y-%m-%d %H:%M}（北京时间）", d.code, d.verify_url,
                                "登记情况表")
    story.append(_verification(lines, d.verify_url, 32 * mm, CONTENT_WIDTH, font))
    doc.build(story)
    return buf.getvalue()


@dataclass(frozen=True)
class CertificateData:
    """What the electronic certificate prints."""

    person: Any
    year: int
    unit: str
    hours: dict[str, Decimal]
    total: Decimal
    policy_title: str
    issuer: str
    code: str
    verify_url: str
    issued_at: datetime  # Beijing time


def certificate_pdf(d: CertificateData, font: str) -> bytes:
    """The electronic certificate (威人社字〔2022〕2号 三) with its verification code, the project's electronic seal
    and the QR code."""
    st = styles(font)
    buf = io.BytesIO()
    margin = 22 * mm
    width = A4[0] - 2 * margin
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=25 * mm,
                            bottomMargin=20 * mm, title=f"{d.year}年度继续教育{d.unit}电子证书", author=d.issuer,
                            initialFontName=font)
    rows: list[list[Any]] = [["类别", d.unit]]
    rows += [[CATEGORY_NAMES[k], _money(v)] for k, v in d.hours.items()] + [["合计", _money(d.total)]]
    story: list[Flowable] = [
        Text(f"专业技术人员继续教育{d.unit}电子证书", st.title),
        Spacer(1, 8 * mm),
        Text(f"{d.person.name}（身份证号 {d.person.masked_id_number}）于 {d.year} 年度参加继续教育，"
                  f"经登记共取得 {_money(d.total)} {d.unit}，达到《{d.policy_title}》规定的年度{d.unit}要求。", st.body),
        Spacer(1, 5 * mm),
        table(rows, [width / 2, width / 2], st),
        Spacer(1, 8 * mm),
        _verification([*_verification_lines(st, f"{d.issuer}（电子证书）", f"{d.issued_at:%Y-%m-%d}", d.code,
                                            d.verify_url, "证书"),
                       Text(f"印章：{CAPTION}，由本系统生成，不是实体公章；以验证码查验为准。", st.small)],
                      d.verify_url, 38 * mm, width, font, seal=seal_drawing(font, 38 * mm)),
    ]
    doc.build(story)
    return buf.getvalue()
