"""A practitioner's standing from the hours bank: what the completed study years mean for the annual review and a
title application (rules' `Policy.standing`), each consequence in its document's words with its article.

The documents: 桐人社发〔2018〕26号 第十四条 (not excellent; two incomplete years in a row → basically competent or
lower) and 第十五条 (incomplete in the last three years → no title recommendation); 川人社发〔2016〕20号 四 (not
excellent); 浙人社发〔2016〕63号 第十六条 (no title application, inherited by Wenzhou) — which states no period, so
the years judged are those the title application covers, chosen by the person or the HR bureau on the page, by
default the year judged (the last completed one). Weihai states no consequence and none is invented.

A year counts from the first year the platform knows of the person (their registration, or an earlier year of
hours registered for them, such as a transfer-in): earlier years are named as without a report, never assumed
incomplete. Every year is measured against the policy of the year judged, as `Policy.standing` requires.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from rules import Compliance, Policy, Standing
from rules.standing import APPLICATION

from .. import clock
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..errors import InvalidInput
from .models import HoursEntry
from .summary import summary_policy

CHOOSABLE_YEARS = 10  # the title years offered: the year judged and the nine before it


@dataclass(frozen=True)
class PersonStanding:
    """A person's standing for one completed year, as the pages and the registration sheet show it."""

    year: int                        # the year judged
    policy: Policy
    standing: Standing | None        # None: the platform knows nothing of the person in or before that year
    choices: tuple[int, ...]         # years the title application may cover (empty: the document fixes them)

    @property
    def unit(self) -> str:
        return self.policy.unit

    @property
    def short(self) -> str:
        """The consequences in a few words each, with their articles (the staff list's column)."""
        if self.standing is None:
            return "—"
        if not self.standing.consequences:
            return "无"
        return "；".join(f"{c.text}（{c.rule}）" for c in self.standing.consequences)


def standing_lines(ps: PersonStanding | None) -> list[str]:
    """What a registration sheet prints of a standing (None: a year not yet over), one line each."""
    if ps is None:
        return ["学习年度尚未结束，年度结束后判断对年度考核和职称申报的影响。"]
    if ps.standing is None:
        return [f"平台上还没有 {ps.year} 年度及以前的记录，不判断对年度考核和职称申报的影响。"]
    lines = [f"{c.text}（{c.rule}）" for c in ps.standing.consequences]
    if not lines:
        lines = [f"继续教育{ps.unit}对 {ps.year} 年度考核和职称申报没有依规定产生的限制。"]
    return lines + [f"说明：{r}" for r in ps.standing.reasons]


def sheet_standing(s: Session, person: Person, year: int) -> PersonStanding | None:
    """The standing a year's registration sheet prints: that year judged, once it is over (None before)."""
    return person_standing(s, person, year) if year < clock.study_year() else None


def last_completed_year() -> int:
    return clock.study_year() - 1


def first_year(s: Session, person: Person) -> int:
    """The first study year the platform knows of the person: their registration's, or an earlier year of hours."""
    return _first(person, s.scalar(select(func.min(HoursEntry.year)).where(HoursEntry.person_id == person.id)))


def _first(person: Person, earliest_hours: int | None) -> int:
    joined = clock.study_year(person.created_at)
    return min(joined, earliest_hours) if earliest_hours is not None else joined


def parse_title_years(values: Sequence[str], year: int) -> tuple[int, ...] | None:
    """The title years chosen on a page (None: the default); refused unless each is one of the offered years."""
    if not values:
        return None
    allowed = range(year - CHOOSABLE_YEARS + 1, year + 1)
    chosen: set[int] = set()
    for value in values:
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 4) or int(text) not in allowed:
            raise InvalidInput(f"职称申报所涉年度须在 {allowed[0]}–{allowed[-1]} 年度之间选择")
        chosen.add(int(text))
    return tuple(sorted(chosen))


def person_standing(s: Session, person: Person, year: int | None = None,
                    title_years: Iterable[int] | None = None) -> PersonStanding:
    """Judge the person's standing for year (by default the last completed one) under its policy.

    title_years: the years a title application covers, where the policy leaves them to the application
    (浙 第十六条); ignored where the document fixes the period (桐 第十五条 近三年) or states no consequence.
    """
    judged = last_completed_year() if year is None else year
    _, policy = summary_policy(person, judged)
    chosen = tuple(title_years) if title_years is not None and policy.title_period == APPLICATION else None
    sums = _sums(s, HoursEntry.person_id == person.id, _earliest(policy, judged, chosen), judged)
    return _judge(policy, judged, first_year(s, person), chosen, sums.get(person.id, {}))


def standings(s: Session, persons: Sequence[Person], ids: Select[tuple[int]], year: int) -> dict[int, PersonStanding]:
    """person_standing(s, p, year) for each of persons, whose ids the subquery ids selects, in two queries (an
    employer's staff list judges all its staff at once; lms/orgs/staff.py)."""
    policies = {p.id: summary_policy(p, year)[1] for p in persons}
    if not policies:
        return {}
    earliest = min(_earliest(policy, year, None) for policy in policies.values())
    first = dict(s.execute(select(HoursEntry.person_id, func.min(HoursEntry.year))
                           .where(HoursEntry.person_id.in_(ids)).group_by(HoursEntry.person_id)).tuples().all())
    sums = _sums(s, HoursEntry.person_id.in_(ids), earliest, year)
    return {p.id: _judge(policies[p.id], year, _first(p, first.get(p.id)), None, sums.get(p.id, {})) for p in persons}


def _earliest(policy: Policy, judged: int, chosen: tuple[int, ...] | None) -> int:
    """The first year the standing of judged looks at (not before the person's first year, which _judge applies)."""
    period = policy.title_period
    window = period if isinstance(period, int) else 2  # two years: 桐 第十四条 looks at the year before
    return min([judged - window + 1, *(chosen or ())])


def _sums(s: Session, whose: ColumnElement[bool], earliest: int, judged: int) -> dict[int, dict[int, dict[str, Decimal]]]:
    """Registered hours per person (of those whose selects), year and category, for the years earliest to judged."""
    out: dict[int, dict[int, dict[str, Decimal]]] = {}
    for person_id, y, category, hours in s.execute(
            select(HoursEntry.person_id, HoursEntry.year, HoursEntry.category, func.sum(HoursEntry.hours))
            .where(whose, HoursEntry.year.between(earliest, judged))
            .group_by(HoursEntry.person_id, HoursEntry.year, HoursEntry.category)):
        out.setdefault(person_id, {}).setdefault(y, {})[category] = Decimal(hours)
    return out


def _judge(policy: Policy, judged: int, start: int, chosen: tuple[int, ...] | None,
           sums: dict[int, dict[str, Decimal]]) -> PersonStanding:
    """The standing of judged from the person's first year (start) and hours per year and category (sums)."""
    choices = tuple(range(judged, judged - CHOOSABLE_YEARS, -1)) if policy.title_period == APPLICATION else ()
    if judged < start:
        return PersonStanding(judged, policy, None, choices)
    years = range(max(start, _earliest(policy, judged, chosen)), judged + 1)
    reports = []
    for y in years:
        got = {c: sums.get(y, {}).get(c, Decimal(0)) for c in CATEGORIES}
        results, complete = policy.judge_totals(got)
        reports.append(Compliance(policy.id, y, policy.unit, got, sum(got.values(), Decimal(0)), results,
                                  complete, ()))
    return PersonStanding(judged, policy, policy.standing(reports, chosen), choices)
