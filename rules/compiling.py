"""Compiling conversions: each policy's ``conversions:`` become plain closures.

A conversion is compiled once, when its policy loads, into a closure over precomputed ``Decimal``
constants (and, where the result cannot vary, precomputed :class:`Credit` objects), so that
:meth:`rules.policy.Policy.evaluate` does no YAML or dictionary-of-spec lookups per activity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .loading import PolicyError
from .model import CATEGORIES, CATEGORY_LABELS, KINDS, REASONS, Activity, Credit, fmt, q2

__all__ = ["Cap", "CompileContext", "Compiler", "Conversion", "DailyCap", "dates_of", "dec"]

LEVEL_LABELS = {
    "national": "国家级",
    "provincial": "省级",
    "city": "市级",
    "county": "县级",
    "district": "区级",
}
JOURNAL_LABELS = {"core": "核心期刊", "ordinary": "一般期刊", "supplement": "增刊或内部刊物"}
PATENT_LABELS = {"invention": "发明专利", "utility": "实用新型专利", "design": "外观设计专利"}
FIELD_VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "level": LEVEL_LABELS,
    "journal": JOURNAL_LABELS,
    "patent": PATENT_LABELS,
    "grade": {"A": "A级", "B": "B级", "C": "C级"},
}
METHODS = frozenset({"hours", "minutes", "per_day", "per_unit", "fixed", "table", "split"})
CONVERSION_KEYS = frozenset(
    {
        "label",
        "method",
        "rule",
        "note",
        "category",
        "subjects",
        "caps",
        "daily",
        "by_subject",
        "amount",
        "rate",
        "field",
        "unit_size",
        "whole_units",
        "table",
        "bonus_field",
        "bonus",
        "outputs",
        "prorate_field",
        "reasons",
        "_document",
    }
)
TWELVE = Decimal(12)

Compute = Callable[[Activity], tuple[Credit, ...]]


def dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PolicyError(f"{where}: expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:  # text that is no number: the file's error, not decimal's
        raise PolicyError(f"{where}: expected a number, got {value!r}") from None


@dataclass(frozen=True, slots=True)
class Cap:
    id: str
    label: str
    limit: Decimal
    rule: str


class Conversion:
    """One compiled conversion rule for one kind of activity."""

    __slots__ = ("caps", "compute", "daily", "kind", "label")

    def __init__(
        self, kind: str, label: str, compute: Compute, caps: dict[str, tuple[int, ...]], daily: int | None
    ) -> None:
        self.kind = kind
        self.label = label
        self.compute = compute
        self.caps = caps
        self.daily = daily


@dataclass(frozen=True, slots=True)
class CompileContext:
    """What conversions need to know of the policy they belong to."""

    id: str
    document: str
    unit: str
    minutes_per_hour: Decimal
    daily_caps: tuple[DailyCap, ...]


@dataclass(frozen=True, slots=True)
class DailyCap:
    """A budget of hours per calendar day that the conversions naming it share (e.g. 8 a day)."""

    id: str
    label: str
    limit: Decimal
    rule: str


class Compiler:
    def __init__(self, policy: CompileContext, cap_index: Mapping[str, int]) -> None:
        self.policy = policy
        self.cap_index = cap_index
        self.unit = policy.unit

    def missing(self, kind: str, field: str, rule: str, why: str = "is required") -> ValueError:
        return ValueError(
            f"Activity field {field!r} {why} for kind {kind!r} under policy {self.policy.id} ({rule})"
        )

    def cap_ids(self, spec: Mapping[str, Any], kind: str) -> tuple[int, ...]:
        ids = []
        for cap_id in spec.get("caps") or ():
            if cap_id not in self.cap_index:
                raise PolicyError(f"{self.policy.id}: conversion {kind} names unknown cap {cap_id!r}")
            ids.append(self.cap_index[cap_id])
        return tuple(ids)

    def daily_index(self, name: Any, kind: str) -> int | None:
        if name is None or name is False:
            return None
        for i, budget in enumerate(self.policy.daily_caps):
            if budget.id == name:
                return i
        raise PolicyError(f"{self.policy.id}: conversion {kind} names unknown daily budget {name!r}")

    def compile(self, kind: str, spec: Mapping[str, Any]) -> Conversion:
        if kind not in KINDS:
            raise PolicyError(f"{self.policy.id}: unknown activity kind {kind!r} in conversions")
        unknown = set(spec) - CONVERSION_KEYS
        if unknown:
            raise PolicyError(f"{self.policy.id}: conversion {kind} has unknown keys {sorted(unknown)}")
        by_subject = spec.get("by_subject")
        if not by_subject:
            return self.compile_one(kind, spec)
        base_spec = {k: v for k, v in spec.items() if k != "by_subject"}
        base = self.compile_one(kind, base_spec)
        subs: dict[str | None, Conversion] = {}
        caps = dict(base.caps)
        for subject, override in by_subject.items():
            if subject not in CATEGORIES or "category" in (override or {}):
                raise PolicyError(
                    f"{self.policy.id}: {kind}.by_subject must be keyed by subject, no category"
                )
            sub = self.compile_one(kind, {**base_spec, **(override or {})})
            subs[subject] = sub
            caps[subject] = sub.caps.get(subject, ())
        get = subs.get
        base_compute = base.compute

        def compute(a: Activity) -> tuple[Credit, ...]:
            sub = get(a.subject)
            return sub.compute(a) if sub is not None else base_compute(a)

        return Conversion(kind, base.label, compute, caps, base.daily)

    def compile_one(self, kind: str, spec: Mapping[str, Any]) -> Conversion:
        method = spec.get("method")
        if method not in METHODS:
            raise PolicyError(f"{self.policy.id}: conversion {kind} has unknown method {method!r}")
        document = spec.get("_document", self.policy.document)
        rule = f"{document} {spec['rule']}"
        label = str(spec.get("label", kind))
        fixed_category = spec.get("category")
        if fixed_category is not None and fixed_category not in CATEGORIES:
            raise PolicyError(f"{self.policy.id}: {kind}.category {fixed_category!r} is not a category")
        subjects = tuple(spec.get("subjects") or CATEGORIES)
        caps = self.cap_ids(spec, kind)
        daily = self.daily_index(spec.get("daily"), kind)
        unit = self.unit
        missing = self.missing

        def category_of(a: Activity) -> str:
            if fixed_category is not None:
                return str(fixed_category)
            subject = a.subject
            if subject is None:
                raise missing(kind, "subject", rule)
            if subject not in subjects:
                allowed = "、".join(CATEGORY_LABELS[s] for s in subjects)
                raise missing(kind, "subject", rule, f"must be one of {list(subjects)} (只认定{allowed})")
            return subject

        compute: Compute
        if method == "hours":
            compute = self.hours(kind, label, rule, category_of, daily)
        elif method == "minutes":
            per_hour = self.policy.minutes_per_hour
            mph = fmt(per_hour)

            def compute(a: Activity) -> tuple[Credit, ...]:
                minutes = a.minutes
                if minutes is None:
                    raise missing(kind, "minutes", rule)
                category = category_of(a)
                h = q2(minutes / per_hour)
                text = f"{label}：{fmt(minutes)}分钟÷{mph}分钟/{unit}={fmt(h)}{unit}，计入{CATEGORY_LABELS[category]}"
                return (Credit(h, category, rule, text),)

        elif method == "per_day":
            rate = dec(spec["rate"], f"{kind}.rate")
            srate = fmt(rate)

            def compute(a: Activity) -> tuple[Credit, ...]:
                days = days_of(a, kind, rule, missing)
                category = category_of(a)
                h = q2(rate * days)
                text = (
                    f"{label}：{fmt(days)}天×{srate}{unit}/天={fmt(h)}{unit}，计入{CATEGORY_LABELS[category]}"
                )
                return (Credit(h, category, rule, text),)

        elif method == "per_unit":
            compute = self.per_unit(kind, label, rule, spec, category_of)
        elif method == "fixed":
            amount = dec(spec["amount"], f"{kind}.amount")
            templates: dict[str, tuple[Credit, ...]] = {}
            for category in CATEGORIES:
                text = f"{label}：{fmt(amount)}{unit}，计入{CATEGORY_LABELS[category]}"
                templates[category] = (Credit(amount, category, rule, text),)
            if fixed_category is not None:
                constant = templates[str(fixed_category)]

                def compute(a: Activity) -> tuple[Credit, ...]:
                    return constant

            else:

                def compute(a: Activity) -> tuple[Credit, ...]:
                    return templates[category_of(a)]

        elif method == "table":
            compute, caps_by_category = self.table(kind, label, rule, spec, category_of)
            if caps_by_category:
                return Conversion(kind, label, compute, caps_by_category, daily)
        else:  # split
            compute, caps_by_category = self.split(kind, label, rule, spec)
            return Conversion(kind, label, compute, caps_by_category, daily)
        cap_map = {c: caps for c in CATEGORIES} if caps else {}
        return Conversion(kind, label, compute, cap_map, daily)

    def hours(
        self, kind: str, label: str, rule: str, category_of: Callable[[Activity], str], daily: int | None
    ) -> Compute:
        unit = self.unit
        missing = self.missing
        if daily is None:

            def compute(a: Activity) -> tuple[Credit, ...]:
                hours = a.hours
                if hours is None:
                    raise missing(kind, "hours", rule)
                category = category_of(a)
                text = f"{label}：{fmt(hours)}{unit}，计入{CATEGORY_LABELS[category]}"
                return (Credit(hours, category, rule, text),)

            return compute
        budget = self.policy.daily_caps[daily]
        limit = budget.limit
        daily_rule = budget.rule
        slimit = fmt(limit)

        def compute_daily(a: Activity) -> tuple[Credit, ...]:
            hours = a.hours
            if hours is None:
                raise missing(kind, "hours", rule)
            days = days_of(a, kind, rule, missing)
            category = category_of(a)
            ceiling = limit * days
            if hours > ceiling:
                text = (
                    f"{label}：申报{fmt(hours)}{unit}，每天不超过{slimit}{unit}（{daily_rule}），"
                    f"{fmt(days)}天认定{fmt(ceiling)}{unit}，计入{CATEGORY_LABELS[category]}"
                )
                return (Credit(ceiling, category, rule, text, hours),)
            text = f"{label}：{fmt(days)}天{fmt(hours)}{unit}，计入{CATEGORY_LABELS[category]}"
            return (Credit(hours, category, rule, text),)

        return compute_daily

    def per_unit(
        self,
        kind: str,
        label: str,
        rule: str,
        spec: Mapping[str, Any],
        category_of: Callable[[Activity], str],
    ) -> Compute:
        field = str(spec["field"])
        if field not in ("modules", "count", "characters"):
            raise PolicyError(f"{self.policy.id}: {kind}.field {field!r} is not countable")
        rate = dec(spec["rate"], f"{kind}.rate")
        unit_size = int(spec.get("unit_size", 1))
        whole = bool(spec.get("whole_units", True))
        unit = self.unit
        missing = self.missing
        srate = fmt(rate)
        noun = {"modules": "个模块", "count": "门（科）", "characters": "字"}[field]

        def compute(a: Activity) -> tuple[Credit, ...]:
            n = getattr(a, field)
            if n is None:
                raise missing(kind, field, rule)
            category = category_of(a)
            if unit_size == 1:
                h = rate * n
                text = f"{label}：{n}{noun}×{srate}{unit}={fmt(h)}{unit}，计入{CATEGORY_LABELS[category]}"
            else:
                units = Decimal(n // unit_size) if whole else Decimal(n) / unit_size
                h = q2(rate * units)
                text = (
                    f"{label}：{n}{noun}，每{unit_size}字{srate}{unit}"
                    f"{'（不足' + str(unit_size) + '字的部分不计）' if whole and n % unit_size else ''}"
                    f"，认定{fmt(h)}{unit}，计入{CATEGORY_LABELS[category]}"
                )
            return (Credit(h, category, rule, text),)

        return compute

    def table(
        self,
        kind: str,
        label: str,
        rule: str,
        spec: Mapping[str, Any],
        category_of: Callable[[Activity], str],
    ) -> tuple[Compute, dict[str, tuple[int, ...]]]:
        field = str(spec["field"])
        unit = self.unit
        missing = self.missing
        bonus_field = spec.get("bonus_field")
        bonus = {k: dec(v, f"{kind}.bonus") for k, v in (spec.get("bonus") or {}).items()}
        value_labels = FIELD_VALUE_LABELS.get(field, {})
        fixed_category = spec.get("category")
        caps_by_category: dict[str, tuple[int, ...]] = {}
        # (value, with_bonus) -> credits; precomputed so evaluation allocates nothing.
        table: dict[tuple[Any, bool], tuple[Credit, ...]] = {}
        for value, entry in (spec.get("table") or {}).items():
            if isinstance(entry, Mapping):
                amount = dec(entry["amount"], f"{kind}.table")
                category = entry.get("category", fixed_category)
                name = str(entry.get("text", value))
                if category is not None:
                    caps_by_category[str(category)] = self.cap_ids(entry, kind)
            else:
                amount = dec(entry, f"{kind}.table")
                category = fixed_category
                name = value_labels.get(value, str(value))
            if category is None:
                raise PolicyError(f"{self.policy.id}: {kind}.table needs a category")
            cat = str(category)
            table[(value, False)] = (
                Credit(
                    amount, cat, rule, f"{label}（{name}）：{fmt(amount)}{unit}，计入{CATEGORY_LABELS[cat]}"
                ),
            )
            extra = bonus.get(value)
            if extra is not None:
                total = amount + extra
                table[(value, True)] = (
                    Credit(
                        total,
                        cat,
                        rule,
                        f"{label}（{name}）：{fmt(amount)}{unit}+第一作者{fmt(extra)}{unit}={fmt(total)}{unit}，"
                        f"计入{CATEGORY_LABELS[cat]}",
                    ),
                )
            else:
                table[(value, True)] = table[(value, False)]
        allowed = sorted({str(v) for v, _ in table})  # a table's own caps: compile_one's, when no entry names caps
        get = table.get

        def compute(a: Activity) -> tuple[Credit, ...]:
            value = getattr(a, field)
            if value is None:
                raise missing(kind, field, rule)
            with_bonus = bool(getattr(a, bonus_field)) if bonus_field else False
            credits = get((value, with_bonus))
            if credits is None:
                raise missing(kind, field, rule, f"must be one of {allowed}, got {value!r},")
            return credits

        return compute, caps_by_category

    def split(
        self, kind: str, label: str, rule: str, spec: Mapping[str, Any]
    ) -> tuple[Compute, dict[str, tuple[int, ...]]]:
        unit = self.unit
        missing = self.missing
        prorate_field = spec.get("prorate_field")
        if prorate_field not in (None, "months"):
            raise PolicyError(f"{self.policy.id}: {kind}.prorate_field must be months")
        outputs: list[tuple[str, Decimal]] = []
        caps: dict[str, tuple[int, ...]] = {}
        for out in spec["outputs"]:
            category = str(out["category"])
            if category not in CATEGORIES:
                raise PolicyError(f"{self.policy.id}: {kind}.outputs category {category!r}")
            outputs.append((category, dec(out["amount"], f"{kind}.outputs")))
            caps[category] = self.cap_ids(out, kind)
        # Precompute every proration (1..12 months): evaluation then allocates nothing.
        by_months: dict[int, tuple[Credit, ...]] = {}
        for months in range(1, 13):
            credits = []
            for category, amount in outputs:
                if months == 12:
                    h = amount
                    text = f"{label}：全年{CATEGORY_LABELS[category]}{fmt(amount)}{unit}"
                else:
                    h = q2(amount * months / TWELVE)
                    text = (
                        f"{label}：{months}个月，{CATEGORY_LABELS[category]}年定额{fmt(amount)}{unit}"
                        f"×{months}/12={fmt(h)}{unit}"
                    )
                credits.append(Credit(h, category, rule, text))
            by_months[months] = tuple(credits)
        full = by_months[12]
        reasons = spec.get("reasons")
        if reasons is not None:
            if prorate_field != "months" or not isinstance(reasons, Mapping) or set(reasons) - REASONS:
                raise PolicyError(f"{self.policy.id}: {kind}.reasons must map {sorted(REASONS)} and prorate by months")
            minimum = {str(r): int((v or {}).get("min_months", 1)) for r, v in reasons.items()}

            def compute_for_reason(a: Activity) -> tuple[Credit, ...]:
                months = a.months
                if a.reason is None or a.reason not in minimum:
                    raise missing(kind, "reason", rule, f"must be one of {sorted(minimum)}")
                if months is None:
                    raise missing(kind, "months", rule)
                if months < minimum[a.reason]:
                    why = f"must be at least {minimum[a.reason]} for reason {a.reason!r}"
                    raise missing(kind, "months", rule, why)
                return by_months[months]

            return compute_for_reason, caps

        def compute(a: Activity) -> tuple[Credit, ...]:
            if prorate_field is None:
                return full
            months = a.months
            if months is None:
                raise missing(kind, "months", rule)
            return by_months[months]

        return compute, caps


def days_of(a: Activity, kind: str, rule: str, missing: Callable[..., ValueError]) -> Decimal:
    if a.days is not None:
        if not a.days:
            raise missing(kind, "days", rule, "must be > 0")
        return a.days
    if a.start is not None:
        end = a.end if a.end is not None else a.start
        return Decimal((end - a.start).days + 1)
    raise missing(kind, "days", rule, "(or 'start'/'end') is required")


def dates_of(a: Activity) -> list[date]:
    assert a.start is not None
    end = a.end if a.end is not None else a.start
    return [a.start + timedelta(days=i) for i in range((end - a.start).days + 1)]

