"""PDFs with proper Chinese text (reportlab; the Adobe STSong-Light CID font needs no font file)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

CATS = {"general_public": "一般公需科目", "industry_public": "行业公需科目", "professional": "专业科目"}


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("t", fontName=FONT, fontSize=18, leading=26, alignment=1, spaceAfter=6),
        "sub": ParagraphStyle("s", fontName=FONT, fontSize=10.5, leading=15, alignment=1),
        "body": ParagraphStyle("b", fontName=FONT, fontSize=10.5, leading=16),
        "cell": ParagraphStyle("c", fontName=FONT, fontSize=9.5, leading=13),
    }


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    st = _styles()["cell"]
    data = [[Paragraph(str(c), st) for c in row] for row in rows]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def registration_sheet(*, person: Any, region_name: str, policy_title: str, year: int, entries: Sequence[Any],
                       bars: Sequence[dict[str, Any]], total: Any, complete: bool, printed_at: datetime) -> bytes:
    """学时登记情况表 (浙人社发〔2016〕63号 第十五条) for one person and year."""
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{year}年度专业技术人员继续教育学时登记情况表",
                            author="学时通")
    story: list[Any] = [
        Paragraph(f"{year} 年度专业技术人员继续教育学时登记情况表", st["title"]),
        Paragraph(f"依据《{policy_title}》", st["sub"]),
        Spacer(1, 6 * mm),
        _table([["姓名", person.name, "身份证号", person.masked_id_number],
                ["工作单位", person.employer or "—", "所在地区", region_name],
                ["所属行业", person.industry or "—", "年度总学时", f"{total}"]],
               [25 * mm, 55 * mm, 25 * mm, 69 * mm]),
        Spacer(1, 5 * mm),
        Paragraph("一、学时要求完成情况", st["body"]),
        _table([["要求", "应达到", "已登记", "尚差"]] +
               [[b["label"], f"{b['minimum']}", f"{b['credited']}", f"{b['short']}"] for b in bars],
               [70 * mm, 35 * mm, 35 * mm, 34 * mm]),
        Spacer(1, 5 * mm),
        Paragraph("二、学时登记明细", st["body"]),
        _table([["序号", "类别", "学时", "内容与来源", "登记单位", "依据", "登记时间"]] +
               [[i + 1, CATS.get(e.category, e.category), f"{e.hours}", e.title, e.registered_by_org, e.rule or "",
                 (e.registered_at).strftime("%Y-%m-%d")] for i, e in enumerate(entries)]
               or [["", "", "", "本年度暂无登记记录", "", "", ""]],
               [11 * mm, 22 * mm, 13 * mm, 44 * mm, 30 * mm, 34 * mm, 20 * mm]),
        Spacer(1, 6 * mm),
        Paragraph(f"年度学时完成情况：{'已完成' if complete else '未完成'}", st["body"]),
        Paragraph(f"打印时间：{printed_at:%Y-%m-%d %H:%M}（北京时间）。本表由学时通系统生成，供职称申报等使用。", st["body"]),
    ]
    doc.build(story)
    return buf.getvalue()


def certificate_pdf(*, person: Any, year: int, cert: Any, hours: dict[str, Any], policy_title: str,
                    verify_url: str, issuer: str) -> bytes:
    """The electronic certificate with its verification code and a QR code of the verification address."""
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=25 * mm,
                            bottomMargin=20 * mm, title=f"{year}年度继续教育学时电子证书", author=issuer)
    widget = QrCodeWidget(verify_url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = 38 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    story: list[Any] = [
        Paragraph("专业技术人员继续教育学时电子证书", st["title"]),
        Spacer(1, 8 * mm),
        Paragraph(f"{person.name}（身份证号 {person.masked_id_number}）于 {year} 年度参加继续教育，"
                  f"经登记共取得 {cert.total_hours} 学时，达到《{policy_title}》规定的年度学时要求。", st["body"]),
        Spacer(1, 5 * mm),
        _table([["类别", "学时"]] + [[CATS[k], f"{v}"] for k, v in hours.items()] + [["合计", f"{cert.total_hours}"]],
               [90 * mm, 76 * mm]),
        Spacer(1, 8 * mm),
        Paragraph(f"出具单位：{issuer}（电子证书）", st["body"]),
        Paragraph(f"出具时间：{cert.issued_at:%Y-%m-%d}", st["body"]),
        Paragraph(f"验证码：{cert.code}", st["body"]),
        Paragraph(f"验证地址：{verify_url}（扫描下方二维码查验）", st["body"]),
        Spacer(1, 4 * mm),
        drawing,
    ]
    doc.build(story)
    return buf.getvalue()
