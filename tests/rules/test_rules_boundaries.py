"""Two rules of evaluate() at their exact boundary: a tie between duplicates, and a line that exactly reaches a cap."""
from __future__ import annotations

from decimal import Decimal

from tests.rules.test_rules_evaluate import a, evaluate


def test_duplicates_of_equal_credit_keep_the_first_line_as_the_policy_file_says() -> None:
    """威人社字〔2022〕2号 二(二)4 同一成果不重复计算; weihai-2022.yaml: the highest line, on a tie the first one."""
    report = evaluate("weihai-2022", [a("paper", item_id="X"), a("book", item_id="X")])
    (kept,) = report.lines
    assert kept.hours == Decimal(10) and kept.explanation.startswith("论文：")
    (skipped,) = report.skipped
    assert skipped.startswith("著作、译著（item_id=X，10学时）") and "不重复计算" in skipped
    # and in the other order the book, now first, is kept
    report = evaluate("weihai-2022", [a("book", item_id="X"), a("paper", item_id="X")])
    assert report.lines[0].explanation.startswith("著作") and report.skipped[0].startswith("论文")


def test_a_line_that_exactly_reaches_a_yearly_cap_is_not_reported_as_trimmed() -> None:
    """威人社字〔2022〕2号 二(一)3: 30 hours of computer exams a year; 20 + 10 reaches it without going over."""
    report = evaluate("weihai-2022", [a("computer_exam", modules=4), a("computer_exam", modules=2)])
    first, second = report.lines
    assert (first.hours, second.hours) == (Decimal(20), Decimal(10))
    assert second.capped_from is None and "上限" not in second.explanation and "核减" not in second.explanation
    assert report.totals["general_public"] == Decimal(30)
