"""Standing: what several years' reports mean for the annual review and a title application.

Only consequences a document states are applied (``consequences:`` in the policy file). The period a
title consequence looks at is the document's: Tonglu 第十五条 says 近三年 (``years: 3``); 浙人社发〔2016〕63号
第十六条 states none (``years: application``), so the years judged are those the title application covers,
chosen by the person or the HR bureau (by default the latest year reported).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .model import Compliance, Standing, StandingConsequence

__all__ = ["APPLICATION", "judge_standing", "title_period"]

APPLICATION = "application"


def title_period(consequences: Mapping[str, Any]) -> int | str | None:
    """The years a title consequence looks at: a fixed number, ``"application"``, or None (no consequence)."""
    title = consequences.get("title_if_incomplete")
    if not title:
        return None
    years = title.get("years")
    if years == APPLICATION:
        return APPLICATION
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError(f"title_if_incomplete.years must be a positive integer or {APPLICATION!r}, got {years!r}")
    return years


def _by_year(policy_id: str, reports: Sequence[Compliance]) -> dict[int, Compliance]:
    if not reports:
        raise ValueError("Standing needs at least one report in 'reports'")
    by_year: dict[int, Compliance] = {}
    for report in reports:
        if report.policy != policy_id:
            raise ValueError(f"'reports' must all be evaluated under {policy_id}, got {report.policy}")
        if report.year in by_year:
            raise ValueError(f"'reports' has two reports for {report.year}")
        by_year[report.year] = report
    return by_year


def judge_standing(
    policy_id: str,
    document: str,
    unit: str,
    consequences: Mapping[str, Any],
    reports: Sequence[Compliance],
    title_years: Iterable[int] | None = None,
) -> Standing:
    """Judge the latest reported year's review and the title consequence (see :meth:`Policy.standing`)."""
    by_year = _by_year(policy_id, reports)
    latest = max(by_year)
    current = by_year[latest]
    may_be_excellent = True
    basically_competent = False
    may_apply = True
    reasons: list[str] = []
    applied: list[StandingConsequence] = []

    excellent = consequences.get("excellent_if_incomplete")
    if excellent and not current.complete:
        may_be_excellent = False
        scope = f"（{excellent['scope']}）" if excellent.get("scope") else ""
        reasons.append(
            f"{latest}年度未完成{unit}要求，{excellent['text']}{scope}（{excellent['_document']} {excellent['rule']}）"
        )
        applied.append(
            StandingConsequence("excellent", f"{excellent['text']}{scope}", _cite(excellent))
        )
    consecutive = consequences.get("consecutive_incomplete")
    previous = by_year.get(latest - 1)
    if consecutive and not current.complete and previous is not None and not previous.complete:
        basically_competent = True
        may_be_excellent = False
        reasons.append(
            f"{latest - 1}、{latest}年度连续未完成{unit}要求，{latest}年度考核等次确定为基本合格及以下"
            f"（{consecutive['_document']} {consecutive['rule']}）"
        )
        applied.append(StandingConsequence("basically_competent", str(consecutive["text"]), _cite(consecutive)))

    title = consequences.get("title_if_incomplete")
    period = title_period(consequences)
    window: tuple[int, ...] = ()
    if title_years is not None:
        chosen = tuple(sorted(set(title_years)))
        if period != APPLICATION:
            fixed = f"按{title['_document']} {title['rule']}的期限判断" if title else "未规定职称申报的后果"
            raise ValueError(f"'title_years' cannot be chosen under {policy_id}: {fixed}")
        if not chosen or any(isinstance(y, bool) or not isinstance(y, int) for y in chosen):
            raise ValueError(f"'title_years' must be a non-empty list of years, got {title_years!r}")
        window = chosen
    if title:
        cite = f"（{title['_document']} {title['rule']}）"
        if period == APPLICATION:
            window = window or (latest,)
            span = f"职称申报所涉年度（{'、'.join(str(y) for y in window)}）"
        else:
            assert isinstance(period, int)
            window = tuple(range(latest - period + 1, latest + 1))
            span = f"近{period}年（{window[0]}–{latest}）"
        failed = [y for y in window if y in by_year and not by_year[y].complete]
        absent = [y for y in window if y not in by_year]
        if failed:
            may_apply = False
            years = "、".join(str(y) for y in failed)
            reasons.append(f"{span}中{years}年度未完成{unit}要求，{title['text']}{cite}")
            applied.append(StandingConsequence("title", str(title["text"]), _cite(title)))
        if absent:
            reasons.append(f"{span}中{'、'.join(str(y) for y in absent)}年度没有报告，未纳入判断{cite}")
    if not current.complete and not (excellent or consecutive or title):
        reasons.append(f"{latest}年度未完成{unit}要求；{document}未规定对年度考核或职称申报的具体后果")
    return Standing(
        policy_id, latest, may_be_excellent, basically_competent, may_apply, tuple(reasons), window, tuple(applied)
    )


def _cite(consequence: Mapping[str, Any]) -> str:
    return f"{consequence['_document']} {consequence['rule']}"
