"""Rebuilding the statistics' summaries from the hours bank, in SQL (one INSERT … SELECT … GROUP BY per table).

A refresh replaces a year's rows in the caller's transaction: readers see the old figures until it commits, then the
new ones, never a mix. The scheduler's job `stats.refresh` runs it for this study year and the last (lms/stats/jobs.py);
`lms stats-refresh` rebuilds any year by hand. Each person-year is judged under the policy of their region for that
year (rules: the requirements' categories and minimums), in the same SQL statement: no per-person Python loop, so a
city of half a million persons is rebuilt in seconds (bench/bench_scale.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from rules import Policy, load_policy

from .. import clock
from ..accounts.models import Person
from ..claims.corrections import TRANSFER_KIND
from ..claims.models import OPEN_STATUSES, HourClaim
from ..hours.models import HoursEntry
from ..orgs.models import Employment
from ..regions import REGIONS, policy_of
from .models import SOURCE_TYPES, SOURCES, StatsArea, StatsCell, StatsClaimCell, StatsPersonYear, StatsRefresh

CLAIMS = 0  # stats_refresh.year of the claims waiting
FALLBACK_POLICY = "wenzhou-2020"  # as lms.hours.summary.year_summary: a region no document covers
CATEGORY_COLUMNS = ("general_public", "industry_public", "professional")
_COUNTS = ("persons", "participants", "complete", "professional_ok", "public_ok")


def judged_policy(region_code: str, year: int) -> str:
    """The policy a person of this region is judged under for a year: the one in force at the year's end (today
    for this year), as the hours bank's own page judges it (lms.hours.summary.year_summary)."""
    code = region_code if region_code in REGIONS else "wenzhou"
    return policy_of(code, min(date(year, 12, 31), clock.china_today())) or FALLBACK_POLICY


def year_end_utc(year: int) -> datetime:
    """The first moment of the next year in China (UTC+8), as the naive UTC the database keeps."""
    return datetime(year + 1, 1, 1) - timedelta(hours=8)


def _requirement_flags(policy: Policy, cols: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(complete, professional_ok, public_ok) of a policy as SQL over the category columns (judge_totals)."""
    everything = set(CATEGORY_COLUMNS)
    complete: list[Any] = []
    professional: list[Any] = []
    public: list[Any] = []
    for req in policy.requirements:
        cats = tuple(req.categories) or tuple(CATEGORY_COLUMNS)
        credited = cols[cats[0]]
        for c in cats[1:]:
            credited = credited + cols[c]
        met = credited >= Decimal(req.minimum)
        complete.append(met)
        if set(cats) == {"professional"}:
            professional.append(met)
        elif "professional" not in cats and set(cats) != everything:
            public.append(met)
    return (and_(*complete) if complete else true(), and_(*professional) if professional else true(),
            and_(*public) if public else true())


def _policy_case(year: int) -> tuple[Any, dict[str, Policy]]:
    ids = {code: judged_policy(code, year) for code in REGIONS}
    policies = {pid: load_policy(pid) for pid in set(ids.values()) | {FALLBACK_POLICY}}
    return case(ids, value=Person.region, else_=literal(judged_policy("wenzhou", year))), policies


def _per_policy(policy_col: Any, policies: dict[str, Policy], cols: dict[str, Any], which: int) -> ColumnElement[bool]:
    return or_(*[and_(policy_col == pid, _requirement_flags(p, cols)[which]) for pid, p in sorted(policies.items())],
               false())


def refresh_year(s: Session, year: int) -> int:
    """Rebuild a year's person-years and cells; the number of persons counted."""
    he = HoursEntry.__table__.c
    zero = literal(Decimal("0"))

    def summed(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, he.hours), else_=zero)), zero)

    other = tuple(t for ts in SOURCE_TYPES.values() for t in ts)
    # 威人社字〔2022〕2号 三: hours transferred from another region come through a claim of the transfer_in kind
    # (lms/claims/corrections.py); its entries are "claim" entries named <claim id>:<category>.
    transferred = he.source_ref.in_(union_all(*[
        select(cast(HourClaim.id, String) + literal(f":{c}")).where(HourClaim.kind == TRANSFER_KIND)
        for c in CATEGORY_COLUMNS]).scalar_subquery())
    by_source = {src: he.source_type.in_(SOURCE_TYPES[src]) for src in SOURCES if src != "other"}
    by_source["claim"] = and_(by_source["claim"], ~transferred)
    by_source["transfer"] = or_(by_source["transfer"], and_(he.source_type == "claim", transferred))
    sums = (select(he.person_id, *[summed(he.category == c).label(c) for c in CATEGORY_COLUMNS],
                   *[summed(cond).label(f"src_{src}") for src, cond in by_source.items()],
                   summed(he.source_type.not_in(other)).label("src_other"), func.count().label("entries"))
            .where(he.year == year).group_by(he.person_id).subquery())
    current = (select(Employment.person_id, Employment.org_id)
               .where(Employment.status == "current").subquery())
    policy_col, policies = _policy_case(year)
    money = {c: func.coalesce(sums.c[c], zero) for c in (*CATEGORY_COLUMNS, *(f"src_{x}" for x in SOURCES))}
    base = (select(Person.id.label("person_id"), literal(year).label("year"), Person.region.label("region"),
                   Person.industry.label("industry"), current.c.org_id.label("employer_id"),
                   policy_col.label("policy"), *[money[c].label(c) for c in money],
                   func.coalesce(sums.c.entries, 0).label("entries"))
            .select_from(Person).outerjoin(sums, sums.c.person_id == Person.id)
            .outerjoin(current, current.c.person_id == Person.id)
            .where(Person.role == "practitioner",
                   or_(Person.created_at < year_end_utc(year), sums.c.person_id.is_not(None)))
            .subquery())
    cols = {c: base.c[c] for c in CATEGORY_COLUMNS}
    flags = [_per_policy(base.c.policy, policies, cols, i) for i in range(3)]
    s.execute(delete(StatsPersonYear).where(StatsPersonYear.year == year))
    py = StatsPersonYear.__table__
    s.execute(insert(py).from_select(
        ["person_id", "year", "region", "industry", "employer_id", "policy", *CATEGORY_COLUMNS,
         *(f"src_{x}" for x in SOURCES), "entries", "total", "complete", "professional_ok", "public_ok"],
        select(base.c.person_id, base.c.year, base.c.region, base.c.industry, base.c.employer_id, base.c.policy,
               *[base.c[c] for c in CATEGORY_COLUMNS], *[base.c[f"src_{x}"] for x in SOURCES], base.c.entries,
               base.c.general_public + base.c.industry_public + base.c.professional, *flags)))
    persons = _rebuild_cells(s, year)
    _stamp(s, year, persons)
    s.flush()
    return persons


def _count(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _rebuild_cells(s: Session, year: int) -> int:
    p = StatsPersonYear.__table__.c
    s.execute(delete(StatsCell).where(StatsCell.year == year))
    sums = [func.sum(p[c]) for c in (*CATEGORY_COLUMNS, *(f"src_{x}" for x in SOURCES))]
    s.execute(insert(StatsCell.__table__).from_select(
        ["year", "region", "industry", "employer_id", "persons", "participants", "complete", "professional_ok",
         "public_ok", *CATEGORY_COLUMNS, *(f"src_{x}" for x in SOURCES)],
        select(p.year, p.region, p.industry, p.employer_id, func.count(), _count(p.entries > 0),
               _count(p.complete == true()), _count(p.professional_ok == true()), _count(p.public_ok == true()),
               *sums).where(p.year == year).group_by(p.year, p.region, p.industry, p.employer_id)))
    cell = StatsCell.__table__.c
    summed = (*_COUNTS, *CATEGORY_COLUMNS, *(f"src_{x}" for x in SOURCES))
    s.execute(delete(StatsArea).where(StatsArea.year == year))
    s.execute(insert(StatsArea.__table__).from_select(
        ["year", "region", "industry", *summed],
        select(cell.year, cell.region, cell.industry, *[func.sum(cell[c]) for c in summed])
        .where(cell.year == year).group_by(cell.year, cell.region, cell.industry)))
    return int(s.scalar(select(func.coalesce(func.sum(StatsArea.persons), 0)).where(StatsArea.year == year)) or 0)


def refresh_claims(s: Session) -> int:
    """Rebuild the claims waiting (pending at a step or returned), by how long each has waited; their number."""
    now = clock.now()
    c = HourClaim.__table__.c
    current = (select(Employment.person_id, Employment.org_id)
               .where(Employment.status == "current").subquery())

    def within(days: int | None, after: int | None = None) -> Any:
        conds = []
        if days is not None:
            conds.append(c.updated_at >= now - timedelta(days=days))
        if after is not None:
            conds.append(c.updated_at < now - timedelta(days=after))
        return _count(and_(*conds))

    s.execute(delete(StatsClaimCell))
    s.execute(insert(StatsClaimCell.__table__).from_select(
        ["region", "industry", "employer_id", "status", "step", "waiting", "up_to_7", "up_to_30", "up_to_90",
         "over_90", "oldest"],
        select(Person.region, Person.industry, current.c.org_id, c.status, c.step, func.count(), within(7),
               within(30, 7), within(90, 30), within(None, 90), func.min(c.updated_at))
        .select_from(HourClaim.__table__).join(Person, Person.id == c.person_id)
        .outerjoin(current, current.c.person_id == c.person_id)
        .where(c.status.in_(OPEN_STATUSES))
        .group_by(Person.region, Person.industry, current.c.org_id, c.status, c.step)))
    waiting = int(s.scalar(select(func.coalesce(func.sum(StatsClaimCell.waiting), 0))) or 0)
    _stamp(s, CLAIMS, waiting)
    s.flush()
    return waiting


def _stamp(s: Session, year: int, persons: int) -> None:
    s.execute(delete(StatsRefresh).where(StatsRefresh.year == year))
    s.add(StatsRefresh(year=year, refreshed_at=clock.now(), persons=persons))


def refresh_stats(s: Session, years: list[int] | None = None) -> dict[int, int]:
    """Rebuild the given years (default: this study year and the last) and the claims waiting."""
    this = clock.study_year()
    out = {y: refresh_year(s, y) for y in (years or [this, this - 1])}
    out[CLAIMS] = refresh_claims(s)
    return out


def years_with_entries(s: Session) -> list[int]:
    """The years the hours bank holds registrations for, newest first."""
    return [int(y) for (y,) in s.execute(select(HoursEntry.year).distinct().order_by(HoursEntry.year.desc()))]
