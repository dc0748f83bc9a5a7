"""Regions a practitioner can belong to, and the hour policy (rules/policies) each one follows."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    policy: str      # id of a policy in rules/policies
    bureau: str      # the HR bureau that registers hours


REGIONS: dict[str, Region] = {r.code: r for r in (
    Region("wenzhou", "浙江省温州市", "wenzhou-2020", "温州市人力资源和社会保障局"),
    Region("zhejiang", "浙江省（其他地区）", "zhejiang-2016", "浙江省人力资源和社会保障厅"),
    Region("tonglu", "浙江省杭州市桐庐县", "tonglu-2018", "桐庐县人力资源和社会保障局"),
    Region("sichuan", "四川省", "sichuan-2016", "四川省人力资源和社会保障厅"),
    Region("weihai", "山东省威海市", "weihai-2022", "威海市人力资源和社会保障局"),
)}

INDUSTRIES = (
    "教育", "卫生健康", "工程技术", "农业", "经济", "会计", "统计", "新闻出版", "文化艺术", "科学研究", "其他",
)

CATEGORY_NAMES = {
    "general_public": "一般公需科目",
    "industry_public": "行业公需科目",
    "professional": "专业科目",
}
