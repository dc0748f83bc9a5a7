"""Policies: a compiled policy evaluates study years, judges standing and claim deadlines.

Loading (YAML, ``extends``) lives in :mod:`rules.loading`, compiling conversions into closures in
:mod:`rules.compiling`; this module holds what is evaluated per person.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .claims import ClaimDeadline, ClaimRules, Limit, ReviewStep, limit_text, parse_claims, parse_late_filing
from .compiling import Cap, CompileContext, Compiler, Conversion, DailyCap, dates_of, dec
from .courses import CourseFiling, CourseRule, parse_course_filing, parse_course_rules
from .facts import annual_requirement, categories_of, in_force, sector_rule
from .loading import PolicyError, available_policies, resolve
from .model import (
    CATEGORIES,
    KINDS,
    ZERO,
    Activity,
    AnnualRequirement,
    Compliance,
    Credit,
    NotCovered,
    Requirement,
    RequirementResult,
    SectorRule,
    Standing,
    fmt,
    q2,
)
from .standing import judge_standing, title_period

__all__ = ["Policy", "PolicyError", "available_policies", "load_policy"]


@functools.cache
def load_policy(policy_id: str) -> Policy:
    """Load and compile a policy by id (e.g. ``"weihai-2022"``); cached, policies are immutable."""
    return Policy(resolve(policy_id))


class Policy:
    """A compiled policy.  Build with :func:`load_policy`."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.id: str = str(data["id"])
        self.title: str = str(data["title"])
        self.document: str = str(data["document"])
        self.unit: str = str(data["unit"])
        if self.unit not in ("学时", "学分"):
            raise PolicyError(f"{self.id}: unit must be 学时 or 学分")
        self.minutes_per_hour: Decimal = dec(data["minutes_per_hour"], "minutes_per_hour")
        self.extends: str | None = data.get("extends")
        self.region: str | None = data.get("region")
        """The region whose document this is (``rules.in_force.policy_for`` picks by region and date)."""
        self.in_force_from, self.in_force_rule = in_force(self.id, self.document, data.get("in_force"))
        per_hour_rule = data.get("minutes_per_hour_rule")
        self.minutes_per_hour_rule: str | None = f"{self.document} {per_hour_rule}" if per_hour_rule else None
        """The article that defines the hour's length, when the document does (only 川 二(二): 45 minutes)."""
        self.lineage: tuple[str, ...] = tuple(data["lineage"])
        reqs = []
        for r in data["requirements"]:
            cats = tuple(r["categories"])
            if not cats or any(c not in CATEGORIES for c in cats):
                raise PolicyError(f"{self.id}: requirement categories {cats!r}")
            reqs.append(
                Requirement(
                    cats,
                    dec(r["minimum"], "minimum"),
                    str(r["label"]),
                    f"{r['_document']} {r['rule']}",
                    r.get("note"),
                )
            )
        self.requirements: tuple[Requirement, ...] = tuple(reqs)
        self._caps: tuple[Cap, ...] = tuple(
            Cap(str(c["id"]), str(c["label"]), dec(c["limit"], "limit"), f"{c['_document']} {c['rule']}")
            for c in data["caps"]
        )
        self._cap_limits: list[Decimal] = [c.limit for c in self._caps]
        self._daily_caps: tuple[DailyCap, ...] = tuple(
            DailyCap(str(d["id"]), str(d["label"]), dec(d["limit"], "daily_caps"), f"{d['_document']} {d['rule']}")
            for d in data["daily_caps"]
        )
        same = data.get("same_item")
        self._same_item_rule: str | None = f"{same['_document']} {same['rule']}" if same else None
        deadline = data.get("claim_deadline")
        self._deadline_days: int | None = int(deadline["days_after_end"]) if deadline else None
        self._deadline_cutoff: tuple[int, int] | None = None
        if deadline and deadline.get("year_end_cutoff"):
            month, day = str(deadline["year_end_cutoff"]).split("-")
            self._deadline_cutoff = (int(month), int(day))
        self._consequences: dict[str, Any] = dict(data.get("consequences") or {})
        context = CompileContext(
            self.id, self.document, self.unit, self.minutes_per_hour, self._daily_caps
        )
        compiler = Compiler(context, {c.id: i for i, c in enumerate(self._caps)})
        self._conversions: dict[str, Conversion] = {
            kind: compiler.compile(kind, spec) for kind, spec in data["conversions"].items()
        }
        self._req_plan = tuple((r, r.categories, r.minimum) for r in self.requirements)
        self.annual_requirement: AnnualRequirement = annual_requirement(
            self.id, self.unit, self.minutes_per_hour, self.minutes_per_hour_rule, self.requirements
        )
        covered = {kind: categories_of(spec) for kind, spec in data["conversions"].items()}
        self.sector_rules: tuple[SectorRule, ...] = tuple(sector_rule(self.id, r) for r in data["sector_rules"])
        """Where industries' own rules prevail over this document, each with its article."""
        self._course_rules = parse_course_rules(self.id, data.get("platform_courses") or {}, covered)
        self.course_filing: CourseFiling | None = parse_course_filing(self.id, data.get("course_filing"))
        """Which HR levels review and file a course an authority adds (桐 第九条), or None."""
        self._specs: dict[str, Mapping[str, Any]] = dict(data["conversions"])
        self._deadline_text: str = str(deadline.get("text") or "") if deadline else ""
        self._deadline_rule: str = f"{deadline['_document']} {deadline['rule']}" if deadline else ""
        self.late_filing: ReviewStep | None = parse_late_filing(self, deadline)
        """Who may grant one claim's filing after the deadline (桐 第十三条: the county HR bureau), or None."""
        self.claims: ClaimRules | None = parse_claims(self, data.get("claims"), self._specs, same is not None)
        """The ``claims:`` section (claim kinds, review chains); read it through :mod:`rules.claims`."""

    def __repr__(self) -> str:
        return f"<Policy {self.id} {self.document}>"

    @property
    def kinds(self) -> tuple[str, ...]:
        """The activity kinds this policy converts."""
        return tuple(k for k in KINDS if k in self._conversions)

    def _conversion(self, kind: str) -> Conversion:
        conv = self._conversions.get(kind)
        if conv is None:
            raise NotCovered(self.id, self.document, kind)
        return conv

    def hours_rule(self, kind: str) -> str:
        """The document and article of the kind's hour rule (the parent document's when inherited)."""
        spec = self._specs.get(kind)
        if spec is None:
            raise NotCovered(self.id, self.document, kind)
        return f"{spec['_document']} {spec['rule']}"

    def limits(self, kind: str) -> tuple[Limit, ...]:
        """The yearly caps and per-day budgets that may trim the kind's hours, each with its article."""
        conv = self._conversion(kind)
        out: list[Limit] = []
        seen: set[int] = set()
        for indices in conv.caps.values():
            for i in indices:
                if i in seen:
                    continue
                seen.add(i)
                cap = self._caps[i]
                others = [
                    c.label
                    for c in self._conversions.values()
                    if c is not conv and any(i in ids for ids in c.caps.values())
                ]
                shared = f"（与{'、'.join(others)}合计）" if others else ""
                text = limit_text(cap.label, cap.limit, "year", self.unit, cap.rule, shared)
                out.append(Limit(cap.label, cap.limit, "year", cap.rule, text))
        if conv.daily is not None:
            budget = self._daily_caps[conv.daily]
            others = [c.label for c in self._conversions.values() if c is not conv and c.daily == conv.daily]
            shared = f"（与{'、'.join(others)}合计）" if others else ""
            text = limit_text(budget.label, budget.limit, "day", self.unit, budget.rule, shared)
            out.append(Limit(budget.label, budget.limit, "day", budget.rule, text))
        return tuple(out)

    @property
    def forgery_sanction(self) -> tuple[str, str] | None:
        """(What the document imposes for forged or false evidence, its article), or None where it states nothing.

        温 第十五条 and 浙 第十六条 (inherited by Tonglu): the title application eligibility is withdrawn.
        """
        forged = self._consequences.get("forged_evidence")
        if not forged:
            return None
        return str(forged["text"]), f"{forged['_document']} {forged['rule']}"

    def sector_rules_for(self, industry: str) -> tuple[SectorRule, ...]:
        """The sector rules that concern a person of ``industry``: those naming it, and those of any industry."""
        return tuple(
            r for r in self.sector_rules if not r.industries or any(name in industry for name in r.industries)
        )

    def course_rule(self, category: str) -> CourseRule:
        """How a platform course of ``category`` earns its hours (exam or study, which hours, who registers)."""
        rule = self._course_rules.get(category)
        if rule is None:
            raise NotCovered(self.id, self.document, f"platform_course/{category}")
        return rule

    @property
    def platform_categories(self) -> tuple[str, ...]:
        """The categories whose courses a practitioner chooses and studies on the platform, in CATEGORIES order."""
        return tuple(c for c in CATEGORIES if c in self._course_rules and self._course_rules[c].on_platform)

    def course_credit(
        self, category: str, year: int, course_hours: Decimal | None = None, minutes: Decimal | None = None
    ) -> list[Credit]:
        """The credits of a platform course completed (and, where :meth:`course_rule` says so, its exam passed).

        ``course_hours`` is the course's set hours, ``minutes`` the recorded study time; the rule says which one
        counts (Wenzhou's general public course: 18 whatever its hours, 温 第十条; Sichuan: minutes ÷ 45, 川 二(二)).
        """
        rule = self.course_rule(category)
        if rule.hours == "course":
            if course_hours is None:
                raise ValueError(f"'course_hours' is required for {category} courses under {self.id} ({rule.rule})")
            activity = Activity(kind="platform_course", year=year, subject=category, hours=course_hours)
        else:
            if minutes is None:
                raise ValueError(f"'minutes' is required for {category} courses under {self.id} ({rule.rule})")
            activity = Activity(kind="study_minutes", year=year, subject=category, minutes=minutes)
        return self.credit(activity)

    def credit(self, activity: Activity) -> list[Credit]:
        """The credits one activity earns on its own (per-item caps only, no yearly caps)."""
        return list(self._conversion(activity.kind).compute(activity))

    # ---------------------------------------------------------------- evaluate

    def evaluate(
        self, activities: Iterable[Activity], year: int, earlier: Mapping[str, Decimal] | None = None
    ) -> Compliance:
        """Evaluate one person's study ``year``: convert, dedupe items, apply caps, check requirements.

        ``earlier``: item_id -> the hours already credited for that item in earlier years. Where the document
        counts the same item once (威 二(二)4, 桐 第十一条(十), neither limited to a year), an item credited before
        earns only what its credit now exceeds that (at its highest, once), else nothing.
        """
        return self._run(activities, year, earlier, None)[0]

    def _run(
        self,
        activities: Iterable[Activity],
        year: int,
        earlier: Mapping[str, Decimal] | None,
        owner: Activity | None,
    ) -> tuple[Compliance, list[Credit]]:
        """Evaluate; also return the lines of the activity ``owner`` (by identity) as the year credits them."""
        mine: list[Credit] = []
        conversions = self._conversions
        entries: list[tuple[Conversion, Activity, tuple[Credit, ...]] | None] = []
        skipped: list[str] = []
        same_rule = self._same_item_rule
        best: dict[str, tuple[int, Decimal]] | None = None
        for a in activities:
            if a.year != year:
                continue
            conv = conversions.get(a.kind)
            if conv is None:
                raise NotCovered(self.id, self.document, a.kind)
            credits = conv.compute(a)
            if same_rule is not None and a.item_id is not None:
                if best is None:
                    best = {}
                value = credits[0].hours if len(credits) == 1 else sum((c.hours for c in credits), ZERO)
                previous = best.get(a.item_id)
                if previous is not None:
                    index, old_value = previous
                    if value > old_value:
                        old = entries[index]
                        assert old is not None
                        entries[index] = None
                        skipped.append(self._duplicate_text(old[0].label, a.item_id, old_value, same_rule))
                    else:
                        skipped.append(self._duplicate_text(conv.label, a.item_id, value, same_rule))
                        continue
                best[a.item_id] = (len(entries), value)
            entries.append((conv, a, credits))
        if earlier and same_rule is not None:
            self._top_up(entries, earlier, skipped, same_rule)

        remaining = self._cap_limits[:]
        caps = self._caps
        day_used: dict[tuple[int, date], Decimal] | None = None
        totals = {"general_public": ZERO, "industry_public": ZERO, "professional": ZERO}
        lines: list[Credit] = []
        append = lines.append
        for entry in entries:
            if entry is None:
                continue
            conv, a, credits = entry
            cap_map = conv.caps
            for c in credits:
                h = c.hours
                why = ""
                if conv.daily is not None and a.start is not None:
                    if day_used is None:
                        day_used = {}
                    h, why = self._allocate_days(a, h, self._daily_caps[conv.daily], conv.daily, day_used)
                if cap_map:
                    cap_ids = cap_map.get(c.category)
                    if cap_ids:
                        for i in cap_ids:
                            left = remaining[i]
                            if h > left:
                                h = left
                                cap = caps[i]
                                why = f"超出{cap.label}每年{fmt(cap.limit)}{self.unit}上限（{cap.rule}），"
                        for i in cap_ids:
                            remaining[i] -= h
                if why:
                    original = c.capped_from if c.capped_from is not None else c.hours
                    c = Credit(
                        h, c.category, c.rule, f"{c.explanation}；{why}核减为{fmt(h)}{self.unit}", original
                    )
                totals[c.category] += h
                append(c)
                if a is owner:
                    mine.append(c)

        results, complete = self.judge_totals(totals)
        total = totals["general_public"] + totals["industry_public"] + totals["professional"]
        report = Compliance(
            self.id, year, self.unit, totals, total, results, complete, tuple(lines), tuple(skipped)
        )
        return report, mine

    def credit_of(
        self,
        activity: Activity,
        others: Iterable[Activity],
        earlier: Mapping[str, Decimal] | None = None,
    ) -> tuple[Compliance, Compliance, tuple[Credit, ...]]:
        """The year without and with ``activity`` (evaluated last), and its own lines in the latter."""
        before_activities = [a for a in others if a.year == activity.year and a is not activity]
        before = self._run(before_activities, activity.year, earlier, None)[0]
        after, mine = self._run([*before_activities, activity], activity.year, earlier, activity)
        return before, after, tuple(mine)

    def judge_totals(self, totals: Mapping[str, Decimal]) -> tuple[tuple[RequirementResult, ...], bool]:
        """Each annual requirement against a year's totals per category (missing categories count 0).

        For statistics and year-end verdicts over registered hours that are already summed; ``evaluate`` uses it.
        """
        results = []
        complete = True
        get = totals.get
        for requirement, categories, minimum in self._req_plan:
            if len(categories) == 1:
                credited = get(categories[0], ZERO)
            else:
                credited = ZERO
                for category in categories:
                    credited += get(category, ZERO)
            short = minimum - credited if credited < minimum else ZERO
            if short:
                complete = False
            results.append(
                RequirementResult(categories, minimum, credited, short, requirement.label, requirement.rule)
            )
        return tuple(results), complete

    def hours_from_minutes(self, minutes: Decimal | int) -> Decimal:
        """Minutes of study as the policy's hours (÷ minutes_per_hour: 45 in Sichuan 二(二)), rounded to 0.01."""
        value = Decimal(minutes)
        if not value.is_finite() or value < 0:
            raise ValueError(f"'minutes' must be a finite number >= 0, got {minutes!r}")
        return q2(value / self.minutes_per_hour)

    def _top_up(
        self,
        entries: list[tuple[Conversion, Activity, tuple[Credit, ...]] | None],
        earlier: Mapping[str, Decimal],
        skipped: list[str],
        rule: str,
    ) -> None:
        """Credit items already credited in earlier years only above what they earned then."""
        unit = self.unit
        for index, entry in enumerate(entries):
            if entry is None or entry[1].item_id is None or entry[1].item_id not in earlier:
                continue
            conv, a, credits = entry
            before = earlier[entry[1].item_id]
            value = sum((c.hours for c in credits), ZERO)
            if value <= before:
                entries[index] = None
                skipped.append(
                    f"{conv.label}（item_id={a.item_id}，{fmt(value)}{unit}）：同一成果往年已计入{fmt(before)}{unit}，"
                    f"不重复计算（{rule}）"
                )
                continue
            left = before
            trimmed = []
            for c in credits:
                take = min(left, c.hours)
                left -= take
                if take:
                    h = c.hours - take
                    c = Credit(
                        h,
                        c.category,
                        c.rule,
                        f"{c.explanation}；同一成果往年已计入{fmt(before)}{unit}，按最高{unit}补计{fmt(h)}{unit}（{rule}）",
                        c.hours,
                    )
                trimmed.append(c)
            entries[index] = (conv, a, tuple(trimmed))

    def _duplicate_text(self, label: str, item_id: str, value: Decimal, rule: str) -> str:
        return f"{label}（item_id={item_id}，{fmt(value)}{self.unit}）：同一成果已按最高{self.unit}计入，不重复计算（{rule}）"

    def _allocate_days(
        self,
        a: Activity,
        hours: Decimal,
        budget: DailyCap,
        index: int,
        used: dict[tuple[int, date], Decimal],
    ) -> tuple[Decimal, str]:
        """Spread ``hours`` over the activity's dates, at most the budget's limit per date across activities."""
        limit = budget.limit
        left = hours
        granted = ZERO
        full_days: list[date] = []
        for day in dates_of(a):
            if not left:
                break
            key = (index, day)
            room = limit - used.get(key, ZERO)
            if room <= 0:
                full_days.append(day)
                continue
            take = min(left, room)
            used[key] = used.get(key, ZERO) + take
            granted += take
            left -= take
            if left:
                full_days.append(day)
        if not left:
            return granted, ""
        shown = "、".join(d.isoformat() for d in full_days[:3]) + ("等" if len(full_days) > 3 else "")
        return granted, f"{shown}当日{budget.label}合计已达{fmt(limit)}{self.unit}/天上限（{budget.rule}），"

    # ---------------------------------------------------------------- multi-year

    def standing(self, reports: Sequence[Compliance], title_years: Iterable[int] | None = None) -> Standing:
        """What the reports (one per year, this policy) mean for the latest year's review and a title.

        ``title_years``: the years a title application covers, where the document leaves the period to the
        application (:attr:`title_period` is ``"application"``: 浙人社发〔2016〕63号 第十六条); by default the
        latest year reported. Passing it under a policy with a fixed period (Tonglu 第十五条 近三年) is an error.
        """
        return judge_standing(self.id, self.document, self.unit, self._consequences, reports, title_years)

    @property
    def title_period(self) -> int | str | None:
        """The years the title consequence looks at: N (the last N years), ``"application"``, or None."""
        return title_period(self._consequences)

    # ---------------------------------------------------------------- deadlines

    def claim_deadline_explained(self, activity_end: date) -> ClaimDeadline | None:
        """The claim deadline with its article and the document's words, for a form (None: no deadline)."""
        last_day = self.claim_deadline(activity_end)
        if last_day is None:
            return None
        return ClaimDeadline(last_day, self._deadline_rule, self._deadline_text, last_day < activity_end)

    def claim_deadline(self, activity_end: date) -> date | None:
        """The last day to claim credit for an activity that ended on ``activity_end`` (None: no deadline)."""
        if self._deadline_days is None:
            return None
        if not isinstance(activity_end, date):
            raise ValueError(f"'activity_end' must be a date, got {activity_end!r}")
        deadline = activity_end + timedelta(days=self._deadline_days)
        if self._deadline_cutoff is not None:
            month, day = self._deadline_cutoff
            cutoff = date(activity_end.year, month, day)
            deadline = min(deadline, cutoff)
        return deadline
