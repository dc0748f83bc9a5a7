"""Every fact of a claim form is read one way (rules.claims._parse, through lms.claims): what each kind of field
accepts up to its exact bounds, and the Chinese message naming the field that it answers for anything else. Written
after `make mutate` showed these refusals unguarded (any refusal was enough for the tests before). Also how the facts
read back to people (rules.claims.fact_texts), which `make mutate` found no test of tests/rules calling."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from rules import load_policy
from rules.claims import MAX_COUNT, MAX_HOURS, ClaimError, ClaimField, ClaimKind, claim_kind, fact_texts
from rules.claims import _parse as parse_fact

FIRST_AUTHOR = ClaimField("first_author", "第一作者", "bool", True)
START = ClaimField("start", "开始日期", "date", True)
JOURNAL = ClaimField("journal", "刊物类别", "choice", True, (("core", "核心期刊"), ("ordinary", "一般期刊")))
ITEM = ClaimField("item_id", "成果标识", "text", False)
MODULES = ClaimField("modules", "合格模块数", "int", True)
MONTHS = ClaimField("months", "本年度月数", "int", True)
HOURS = ClaimField("hours", "认定数额（学时）", "decimal", True)


@pytest.mark.parametrize(("field", "value", "parsed"), [
    (FIRST_AUTHOR, "是", True), (FIRST_AUTHOR, "否", False), (FIRST_AUTHOR, " Yes ", True), (FIRST_AUTHOR, "0", False),
    (FIRST_AUTHOR, "", False), (FIRST_AUTHOR, True, True), (FIRST_AUTHOR, False, False),
    (START, "2026-02-28", date(2026, 2, 28)), (START, " 2026-02-28 ", date(2026, 2, 28)),
    (START, date(2026, 1, 1), date(2026, 1, 1)),
    (JOURNAL, "core", "core"),
    (ITEM, "  doi:10.1000/x  ", "doi:10.1000/x"), (ITEM, "x" * 200, "x" * 200), (ITEM, "a", "a"),
    (MODULES, "1", 1), (MODULES, f" {MAX_COUNT} ", MAX_COUNT), (MONTHS, "12", 12),
    (HOURS, "0.01", Decimal("0.01")), (HOURS, str(MAX_HOURS), MAX_HOURS), (HOURS, " 12.5 ", Decimal("12.5")),
    (HOURS, 8, Decimal(8)),
])
def test_a_fact_within_its_bounds_is_read_as_its_type(field: ClaimField, value: Any, parsed: Any) -> None:
    got = parse_fact(field, value)
    assert got == parsed and type(got) is type(parsed)


@pytest.mark.parametrize(("field", "value", "message"), [
    (FIRST_AUTHOR, "maybe", "第一作者只能填“是”或“否”"), (FIRST_AUTHOR, "2", "第一作者只能填“是”或“否”"),
    (START, "2026-02-30", "开始日期不是有效日期（格式如 2025-03-01）"),
    (START, "明天", "开始日期不是有效日期（格式如 2025-03-01）"),
    (JOURNAL, "top", "刊物类别须为以下之一：核心期刊、一般期刊"),
    (JOURNAL, "核心期刊", "刊物类别须为以下之一：核心期刊、一般期刊"),
    (ITEM, "   ", "成果标识须为1–200个字符的文字"), (ITEM, "x" * 201, "成果标识须为1–200个字符的文字"),
    (ITEM, "a\x1fb", "成果标识须为1–200个字符的文字"), (ITEM, "a\nb", "成果标识须为1–200个字符的文字"),
    (MODULES, "0", "合格模块数须为大于0的整数"), (MODULES, str(MAX_COUNT + 1), "合格模块数须为大于0的整数"),
    (MODULES, "1.5", "合格模块数须为大于0的整数"), (MODULES, "-1", "合格模块数须为大于0的整数"),
    (MODULES, True, "合格模块数须为整数"), (MONTHS, "13", "本年度月数须为1–12的整数"),
    (HOURS, "0", "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, "-1", "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, "0.001", "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, str(MAX_HOURS + Decimal("0.01")), "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, "NaN", "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, "Infinity", "认定数额（学时）须为大于0、至多两位小数的数字"),
    (HOURS, "十二", "认定数额（学时）须为数字"), (HOURS, True, "认定数额（学时）须为数字"),
])
def test_a_fact_out_of_its_bounds_is_refused_naming_the_field(field: ClaimField, value: Any, message: str) -> None:
    with pytest.raises(ClaimError) as refused:
        parse_fact(field, value)
    assert (refused.value.field, refused.value.message, str(refused.value)) == (field.name, message, message)



def paper_kind() -> ClaimKind:
    return claim_kind(load_policy("tonglu-2018"), "paper")  # dates, journal (choice), first_author (bool), item_id


def test_a_claims_facts_are_shown_to_people_in_the_forms_order_by_label_and_in_words() -> None:
    # what reviewers read on a claim (lms/claims/views.py): never an identifier such as "core" or "true"
    facts = {"item_id": "ISSN 1000-0000 某论文", "first_author": "true", "journal": "core", "start": "2025-03-01"}
    assert fact_texts(paper_kind(), facts) == (
        ("开始日期", "2025-03-01"), ("刊物类别", "核心期刊"), ("第一作者", "是"),
        ("成果标识（DOI、ISSN+题名、专利号或标准号等）", "ISSN 1000-0000 某论文"),
    )


def test_an_unanswered_yes_or_no_reads_no_and_other_unanswered_facts_are_left_out() -> None:
    # an unanswered optional question is recorded as no (hours_for_claim), so it is shown as 否, not hidden
    for blank in (None, "", "  "):
        facts = {"start": "2025-03-01", "end": blank, "journal": "ordinary", "first_author": blank, "item_id": blank}
        assert fact_texts(paper_kind(), facts) == (("开始日期", "2025-03-01"), ("刊物类别", "一般期刊"), ("第一作者", "否"))
    assert fact_texts(paper_kind(), {"first_author": False}) == (("第一作者", "否"),)


def test_a_fact_no_longer_readable_by_its_kind_keeps_its_text() -> None:
    # a claim filed before the policy's form changed: its facts are shown as filed, under the label the platform
    # knows for them, or under their own name
    facts = {"journal": "top", "first_author": "maybe", "hours": "12.5", "custom": 3}
    assert fact_texts(paper_kind(), facts) == (
        ("刊物类别", "top"), ("第一作者", "maybe"), ("认定数额", "12.5"), ("custom", "3"))
