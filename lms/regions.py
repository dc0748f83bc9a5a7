"""Regions (行政区划) as a tree, the HR bureau of each, and the hour policy (rules/policies) each one follows.

This is the data the `region` table and the HR bureaus of `organisation` are seeded from (migration 0007 and
`lms.orgs.seed`). A region without a policy of its own follows its parent's: Wenzhou's counties follow
温人社发〔2020〕125号, Hangzhou follows 浙人社发〔2016〕63号 but Tonglu county has its own 桐人社发〔2018〕26号.
Registration is by territory (属地, 温 第二条; 浙 第五–七条; 川 一、七(一)): the county bureau of a person's region
registers them, the city bureau above it answers for the city.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules import policy_for
from rules.in_force import PolicyNotInForce

from . import clock


@dataclass(frozen=True)
class Region:
    code: str
    name: str            # the full name a person recognises
    level: str           # province / city / county
    parent: str | None
    own_policy: str | None = None   # the rules' region (rules.regions()) when this region has its own document
    bureau: str = ""     # the HR bureau's name

    @property
    def short_name(self) -> str:
        return self.name.rsplit("省", 1)[-1] if self.level != "province" else self.name


def _county(code: str, parent: str, prefix: str, name: str, bureau_prefix: str = "") -> Region:
    return Region(code, prefix + name, "county", parent, None, f"{bureau_prefix or name}人力资源和社会保障局")


_WENZHOU = "浙江省温州市"
_WEIHAI = "山东省威海市"
_TREE: tuple[Region, ...] = (
    Region("zhejiang", "浙江省", "province", None, "zhejiang", "浙江省人力资源和社会保障厅"),
    Region("wenzhou", _WENZHOU, "city", "zhejiang", "wenzhou", "温州市人力资源和社会保障局"),
    *(_county(f"wenzhou-{c}", "wenzhou", _WENZHOU, n, f"温州市{n}") for c, n in (
        ("lucheng", "鹿城区"), ("longwan", "龙湾区"), ("ouhai", "瓯海区"), ("dongtou", "洞头区"),
        ("ruian", "瑞安市"), ("yueqing", "乐清市"), ("longgang", "龙港市"), ("yongjia", "永嘉县"),
        ("pingyang", "平阳县"), ("cangnan", "苍南县"), ("wencheng", "文成县"), ("taishun", "泰顺县"))),
    Region("hangzhou", "浙江省杭州市", "city", "zhejiang", None, "杭州市人力资源和社会保障局"),
    Region("tonglu", "浙江省杭州市桐庐县", "county", "hangzhou", "tonglu", "桐庐县人力资源和社会保障局"),
    Region("shandong", "山东省", "province", None, None, "山东省人力资源和社会保障厅"),
    Region("weihai", _WEIHAI, "city", "shandong", "weihai", "威海市人力资源和社会保障局"),
    *(_county(f"weihai-{c}", "weihai", _WEIHAI, n, f"威海市{n}") for c, n in (
        ("huancui", "环翠区"), ("wendeng", "文登区"), ("rongcheng", "荣成市"), ("rushan", "乳山市"))),
    Region("sichuan", "四川省", "province", None, "sichuan", "四川省人力资源和社会保障厅"),
    Region("chengdu", "四川省成都市", "city", "sichuan", None, "成都市人力资源和社会保障局"),
    *(_county(f"chengdu-{c}", "chengdu", "四川省成都市", n, f"成都市{n}") for c, n in (
        ("jinjiang", "锦江区"), ("wuhou", "武侯区"))),
)

REGIONS: dict[str, Region] = {r.code: r for r in _TREE}


def policy_region(code: str) -> Region | None:
    """The nearest region at or above code that has its own document (None when no document covers it)."""
    region = REGIONS.get(code)
    while region is not None:
        if region.own_policy:
            return region
        region = REGIONS.get(region.parent or "")
    return None


def policy_of(code: str, on: date | None = None) -> str | None:
    """The id of the policy a region follows on a day (today by default): the version in force then of its own
    document or the nearest ancestor's (rules.policy_for); None when no document covers the region."""
    found = policy_region(code)
    if found is None or found.own_policy is None:
        return None
    try:
        return policy_for(found.own_policy, on or clock.china_today()).id
    except PolicyNotInForce:
        return None


def registering_bureau(code: str) -> str:
    """The HR bureau in whose name hours of a person of this region are registered: the bureau of the region whose
    document applies (温 第十条: the city bureau registers the public-subject hours of every county)."""
    found = policy_region(code)
    return found.bureau if found else REGIONS[code].bureau


def ancestors(code: str) -> list[str]:
    """The region and the regions above it, nearest first."""
    out: list[str] = []
    region = REGIONS.get(code)
    while region is not None:
        out.append(region.code)
        region = REGIONS.get(region.parent or "")
    return out


def serves(plan_region: str, person_region: str) -> bool:
    """Whether what a body of plan_region runs for its territory (an exam plan) is for a person registered in
    person_region: the plan's region is theirs or above it, and both follow the same document (属地: 温 第十条 the
    city HR bureau examines every county of Wenzhou; a Zhejiang-wide plan is not Wenzhou's, whose own document
    applies). exams.standing.SERVES_SQL says the same in SQL."""
    found = policy_region(person_region)
    return found is not None and plan_region in ancestors(person_region) and policy_region(plan_region) == found


def subtree(code: str) -> frozenset[str]:
    """The region and every region below it."""
    return frozenset(r.code for r in _TREE if code in ancestors(r.code))


def city_of(code: str) -> str | None:
    """The city a region lies in (itself when it is a city; None for a province)."""
    return next((c for c in ancestors(code) if REGIONS[c].level == "city"), None)


# Regions a practitioner or employer can be registered in: those a policy covers.
SELECTABLE: tuple[Region, ...] = tuple(r for r in _TREE if policy_region(r.code))

INDUSTRIES = (
    "教育", "卫生健康", "工程技术", "农业", "经济", "会计", "统计", "新闻出版", "文化艺术", "科学研究", "其他",
)

CATEGORY_NAMES = {
    "general_public": "一般公需科目",
    "industry_public": "行业公需科目",
    "professional": "专业科目",
}
