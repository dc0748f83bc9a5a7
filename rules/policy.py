"""Policies: load the YAML data, compile conversions once, evaluate study years.

A policy file (``rules/policies/<id>.yaml``) is compiled into plain Python closures
and precomputed ``Decimal`` constants when it is loaded; :meth:`Policy.evaluate`
does no YAML or dictionary-of-spec lookups per activity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from .model import (
    CATEGORIES,
    CATEGORY_LABELS,
    KINDS,
    ZERO,
    Activity,
    Compliance,
    Credit,
    NotCovered,
    Requirement,
    RequirementResult,
    Standing,
    fmt,
    q2,
)

__all__ = ["Policy", "available_policies", "load_policy"]

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
        "_document",
    }
)
TWELVE = Decimal(12)

Compute = Callable[[Activity], tuple[Credit, ...]]


class PolicyError(ValueError):
    """A policy file is malformed."""


# --------------------------------------------------------------------------- loading


def _policy_dir() -> Any:
    return resources.files("rules").joinpath("policies")


def available_policies() -> list[str]:
    """The ids of the policies shipped with the package, sorted."""
    names = [p.name for p in _policy_dir().iterdir() if p.name.endswith(".yaml")]
    return sorted(n[: -len(".yaml")] for n in names)


def _read_raw(policy_id: str) -> dict[str, Any]:
    if policy_id not in available_policies():
        raise KeyError(f"unknown policy {policy_id!r}; available: {', '.join(available_policies())}")
    text = _policy_dir().joinpath(f"{policy_id}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("id") != policy_id:
        raise PolicyError(f"policy file {policy_id}.yaml must be a mapping with id: {policy_id}")
    return data


def _stamp(items: Any, document: str) -> Any:
    """Record on each rule which document defines it (so inherited rules cite their source)."""
    if isinstance(items, dict):
        out = dict(items)
        out.setdefault("_document", document)
        return out
    return items


def _resolved(policy_id: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The policy's data with ``extends`` applied (child overrides parent)."""
    if policy_id in seen:
        raise PolicyError(f"circular extends: {' -> '.join(seen + (policy_id,))}")
    raw = _read_raw(policy_id)
    doc = str(raw.get("document", policy_id))
    own_convs = {
        k: (_stamp(v, doc) if v is not None else None) for k, v in (raw.get("conversions") or {}).items()
    }
    own_caps = [_stamp(c, doc) for c in (raw.get("caps") or [])]
    own_reqs = [_stamp(r, doc) for r in raw["requirements"]] if "requirements" in raw else None
    own_cons = {
        k: (_stamp(v, doc) if k != "not_stated" else v) for k, v in (raw.get("consequences") or {}).items()
    }
    parent_id = raw.get("extends")
    if parent_id is None:
        data = dict(raw)
        data["conversions"] = {k: v for k, v in own_convs.items() if v is not None}
        data["caps"] = own_caps
        data["requirements"] = own_reqs or []
        data["consequences"] = own_cons
        for key in ("daily_cap", "same_item", "claim_deadline"):
            data[key] = _stamp(raw.get(key), doc)
        data["lineage"] = [policy_id]
        return data
    parent = _resolved(str(parent_id), seen + (policy_id,))
    data = dict(parent)
    for key, value in raw.items():
        if key not in ("conversions", "caps", "requirements", "consequences"):
            data[key] = _stamp(value, doc) if key in ("daily_cap", "same_item", "claim_deadline") else value
    convs = dict(parent["conversions"])
    for kind, spec in own_convs.items():
        if spec is None:
            convs.pop(kind, None)
        else:
            convs[kind] = spec
    data["conversions"] = convs
    caps = {c["id"]: c for c in parent["caps"]}
    for cap in own_caps:
        caps[cap["id"]] = cap
    data["caps"] = list(caps.values())
    if own_reqs is not None:
        data["requirements"] = own_reqs
    cons = dict(parent["consequences"])
    cons.update(own_cons)
    data["consequences"] = cons
    data["lineage"] = parent["lineage"] + [policy_id]
    return data


@functools.cache
def load_policy(policy_id: str) -> Policy:
    """Load and compile a policy by id (e.g. ``"weihai-2022"``); cached, policies are immutable."""
    return Policy(_resolved(policy_id))


# --------------------------------------------------------------------------- compiling


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PolicyError(f"{where}: expected a number, got {value!r}")
    return Decimal(str(value))


@dataclass(frozen=True, slots=True)
class _Cap:
    id: str
    label: str
    limit: Decimal
    rule: str


class _Conversion:
    """One compiled conversion rule for one kind of activity."""

    __slots__ = ("caps", "compute", "daily", "kind", "label")

    def __init__(
        self, kind: str, label: str, compute: Compute, caps: dict[str, tuple[int, ...]], daily: bool
    ) -> None:
        self.kind = kind
        self.label = label
        self.compute = compute
        self.caps = caps
        self.daily = daily


class _Compiler:
    def __init__(self, policy: Policy, cap_index: Mapping[str, int]) -> None:
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

    def compile(self, kind: str, spec: Mapping[str, Any]) -> _Conversion:
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
        subs: dict[str | None, _Conversion] = {}
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

        return _Conversion(kind, base.label, compute, caps, base.daily)

    def compile_one(self, kind: str, spec: Mapping[str, Any]) -> _Conversion:
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
        daily = bool(spec.get("daily", False))
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
            rate = _dec(spec["rate"], f"{kind}.rate")
            srate = fmt(rate)

            def compute(a: Activity) -> tuple[Credit, ...]:
                days = _days(a, kind, rule, missing)
                category = category_of(a)
                h = q2(rate * days)
                text = (
                    f"{label}：{fmt(days)}天×{srate}{unit}/天={fmt(h)}{unit}，计入{CATEGORY_LABELS[category]}"
                )
                return (Credit(h, category, rule, text),)

        elif method == "per_unit":
            compute = self.per_unit(kind, label, rule, spec, category_of)
        elif method == "fixed":
            amount = _dec(spec["amount"], f"{kind}.amount")
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
                return _Conversion(kind, label, compute, caps_by_category, daily)
        else:  # split
            compute, caps_by_category = self.split(kind, label, rule, spec)
            return _Conversion(kind, label, compute, caps_by_category, daily)
        cap_map = {c: caps for c in CATEGORIES} if caps else {}
        return _Conversion(kind, label, compute, cap_map, daily)

    def hours(
        self, kind: str, label: str, rule: str, category_of: Callable[[Activity], str], daily: bool
    ) -> Compute:
        unit = self.unit
        missing = self.missing
        if not daily:

            def compute(a: Activity) -> tuple[Credit, ...]:
                hours = a.hours
                if hours is None:
                    raise missing(kind, "hours", rule)
                category = category_of(a)
                text = f"{label}：{fmt(hours)}{unit}，计入{CATEGORY_LABELS[category]}"
                return (Credit(hours, category, rule, text),)

            return compute
        daily_cap = self.policy._daily_limit
        daily_rule = self.policy._daily_rule
        if daily_cap is None:
            raise PolicyError(f"{self.policy.id}: {kind} is daily but the policy has no daily_cap")
        limit = daily_cap
        slimit = fmt(limit)

        def compute_daily(a: Activity) -> tuple[Credit, ...]:
            hours = a.hours
            if hours is None:
                raise missing(kind, "hours", rule)
            days = _days(a, kind, rule, missing)
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
        rate = _dec(spec["rate"], f"{kind}.rate")
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
        bonus = {k: _dec(v, f"{kind}.bonus") for k, v in (spec.get("bonus") or {}).items()}
        value_labels = FIELD_VALUE_LABELS.get(field, {})
        fixed_category = spec.get("category")
        caps_by_category: dict[str, tuple[int, ...]] = {}
        # (value, with_bonus) -> credits; precomputed so evaluation allocates nothing.
        table: dict[tuple[Any, bool], tuple[Credit, ...]] = {}
        for value, entry in (spec.get("table") or {}).items():
            if isinstance(entry, Mapping):
                amount = _dec(entry["amount"], f"{kind}.table")
                category = entry.get("category", fixed_category)
                name = str(entry.get("text", value))
                if category is not None:
                    caps_by_category[str(category)] = self.cap_ids(entry, kind)
            else:
                amount = _dec(entry, f"{kind}.table")
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
        caps = self.cap_ids(spec, kind)
        if caps and not caps_by_category:
            caps_by_category = {c: caps for c in CATEGORIES}
        allowed = sorted({str(v) for v, _ in table})
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
            outputs.append((category, _dec(out["amount"], f"{kind}.outputs")))
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

        def compute(a: Activity) -> tuple[Credit, ...]:
            if prorate_field is None:
                return full
            months = a.months
            if months is None:
                raise missing(kind, "months", rule)
            return by_months[months]

        return compute, caps


def _days(a: Activity, kind: str, rule: str, missing: Callable[..., ValueError]) -> Decimal:
    if a.days is not None:
        if not a.days:
            raise missing(kind, "days", rule, "must be > 0")
        return a.days
    if a.start is not None:
        end = a.end if a.end is not None else a.start
        return Decimal((end - a.start).days + 1)
    raise missing(kind, "days", rule, "(or 'start'/'end') is required")


def _dates(a: Activity) -> list[date]:
    assert a.start is not None
    end = a.end if a.end is not None else a.start
    return [a.start + timedelta(days=i) for i in range((end - a.start).days + 1)]


# --------------------------------------------------------------------------- the policy


class Policy:
    """A compiled policy.  Build with :func:`load_policy`."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.id: str = str(data["id"])
        self.title: str = str(data["title"])
        self.document: str = str(data["document"])
        self.unit: str = str(data["unit"])
        if self.unit not in ("学时", "学分"):
            raise PolicyError(f"{self.id}: unit must be 学时 or 学分")
        self.minutes_per_hour: Decimal = _dec(data["minutes_per_hour"], "minutes_per_hour")
        self.extends: str | None = data.get("extends")
        self.lineage: tuple[str, ...] = tuple(data["lineage"])
        reqs = []
        for r in data["requirements"]:
            cats = tuple(r["categories"])
            if not cats or any(c not in CATEGORIES for c in cats):
                raise PolicyError(f"{self.id}: requirement categories {cats!r}")
            reqs.append(
                Requirement(
                    cats,
                    _dec(r["minimum"], "minimum"),
                    str(r["label"]),
                    f"{r['_document']} {r['rule']}",
                    r.get("note"),
                )
            )
        self.requirements: tuple[Requirement, ...] = tuple(reqs)
        self._caps: tuple[_Cap, ...] = tuple(
            _Cap(str(c["id"]), str(c["label"]), _dec(c["limit"], "limit"), f"{c['_document']} {c['rule']}")
            for c in data["caps"]
        )
        self._cap_limits: list[Decimal] = [c.limit for c in self._caps]
        daily = data.get("daily_cap")
        self._daily_limit: Decimal | None = _dec(daily["limit"], "daily_cap") if daily else None
        self._daily_rule: str = f"{daily['_document']} {daily['rule']}" if daily else ""
        same = data.get("same_item")
        self._same_item_rule: str | None = f"{same['_document']} {same['rule']}" if same else None
        deadline = data.get("claim_deadline")
        self._deadline_days: int | None = int(deadline["days_after_end"]) if deadline else None
        self._deadline_cutoff: tuple[int, int] | None = None
        if deadline and deadline.get("year_end_cutoff"):
            month, day = str(deadline["year_end_cutoff"]).split("-")
            self._deadline_cutoff = (int(month), int(day))
        self._consequences: dict[str, Any] = dict(data.get("consequences") or {})
        compiler = _Compiler(self, {c.id: i for i, c in enumerate(self._caps)})
        self._conversions: dict[str, _Conversion] = {
            kind: compiler.compile(kind, spec) for kind, spec in data["conversions"].items()
        }
        self._req_plan = tuple((r, r.categories, r.minimum) for r in self.requirements)

    def __repr__(self) -> str:
        return f"<Policy {self.id} {self.document}>"

    @property
    def kinds(self) -> tuple[str, ...]:
        """The activity kinds this policy converts."""
        return tuple(k for k in KINDS if k in self._conversions)

    def _conversion(self, kind: str) -> _Conversion:
        conv = self._conversions.get(kind)
        if conv is None:
            raise NotCovered(self.id, self.document, kind)
        return conv

    def credit(self, activity: Activity) -> list[Credit]:
        """The credits one activity earns on its own (per-item caps only, no yearly caps)."""
        return list(self._conversion(activity.kind).compute(activity))

    # ---------------------------------------------------------------- evaluate

    def evaluate(self, activities: Iterable[Activity], year: int) -> Compliance:
        """Evaluate one person's study ``year``: convert, dedupe items, apply caps, check requirements."""
        conversions = self._conversions
        entries: list[tuple[_Conversion, Activity, tuple[Credit, ...]] | None] = []
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

        remaining = self._cap_limits[:]
        caps = self._caps
        day_used: dict[date, Decimal] | None = None
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
                if conv.daily and a.start is not None:
                    if day_used is None:
                        day_used = {}
                    h, why = self._allocate_days(a, h, day_used)
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

        results = []
        complete = True
        for requirement, categories, minimum in self._req_plan:
            if len(categories) == 1:
                credited = totals[categories[0]]
            else:
                credited = ZERO
                for category in categories:
                    credited += totals[category]
            short = minimum - credited if credited < minimum else ZERO
            if short:
                complete = False
            results.append(
                RequirementResult(categories, minimum, credited, short, requirement.label, requirement.rule)
            )
        total = totals["general_public"] + totals["industry_public"] + totals["professional"]
        return Compliance(
            self.id, year, self.unit, totals, total, tuple(results), complete, tuple(lines), tuple(skipped)
        )

    def _duplicate_text(self, label: str, item_id: str, value: Decimal, rule: str) -> str:
        return f"{label}（item_id={item_id}，{fmt(value)}{self.unit}）：同一成果已按最高{self.unit}计入，不重复计算（{rule}）"

    def _allocate_days(self, a: Activity, hours: Decimal, used: dict[date, Decimal]) -> tuple[Decimal, str]:
        """Spread ``hours`` over the activity's dates, at most the daily limit per date across activities."""
        limit = self._daily_limit
        assert limit is not None
        left = hours
        granted = ZERO
        full_days: list[date] = []
        for day in _dates(a):
            if not left:
                break
            room = limit - used.get(day, ZERO)
            if room <= 0:
                full_days.append(day)
                continue
            take = min(left, room)
            used[day] = used.get(day, ZERO) + take
            granted += take
            left -= take
            if left:
                full_days.append(day)
        if not left:
            return granted, ""
        shown = "、".join(d.isoformat() for d in full_days[:3]) + ("等" if len(full_days) > 3 else "")
        return granted, f"{shown}当日合计已达{fmt(limit)}{self.unit}/天上限（{self._daily_rule}），"

    # ---------------------------------------------------------------- multi-year

    def standing(self, reports: Sequence[Compliance]) -> Standing:
        """What the reports (one per year, this policy) mean for the latest year's review and title."""
        if not reports:
            raise ValueError("Standing needs at least one report in 'reports'")
        by_year: dict[int, Compliance] = {}
        for report in reports:
            if report.policy != self.id:
                raise ValueError(f"'reports' must all be evaluated under {self.id}, got {report.policy}")
            if report.year in by_year:
                raise ValueError(f"'reports' has two reports for {report.year}")
            by_year[report.year] = report
        latest = max(by_year)
        current = by_year[latest]
        cons = self._consequences
        unit = self.unit
        may_be_excellent = True
        basically_competent = False
        may_apply = True
        reasons: list[str] = []

        excellent = cons.get("excellent_if_incomplete")
        if excellent and not current.complete:
            may_be_excellent = False
            note = (
                "（限国家机关、事业单位和社会团体人员无正当理由未完成的情形）"
                if self.id == "sichuan-2016"
                else ""
            )
            reasons.append(
                f"{latest}年度未完成{unit}要求，{excellent['text']}{note}（{excellent['_document']} {excellent['rule']}）"
            )
        consecutive = cons.get("consecutive_incomplete")
        previous = by_year.get(latest - 1)
        if consecutive and not current.complete and previous is not None and not previous.complete:
            basically_competent = True
            may_be_excellent = False
            reasons.append(
                f"{latest - 1}、{latest}年度连续未完成{unit}要求，{latest}年度考核等次确定为基本合格及以下"
                f"（{consecutive['_document']} {consecutive['rule']}）"
            )
        title = cons.get("title_if_incomplete")
        if title:
            span = int(title.get("years", 3))
            window = range(latest - span + 1, latest + 1)
            failed = [y for y in window if y in by_year and not by_year[y].complete]
            absent = [y for y in window if y not in by_year]
            if failed:
                may_apply = False
                years = "、".join(str(y) for y in failed)
                reasons.append(
                    f"近{span}年（{window[0]}–{latest}）中{years}年度未完成{unit}要求，{title['text']}"
                    f"（{title['_document']} {title['rule']}）"
                )
            if absent:
                reasons.append(
                    f"近{span}年中{'、'.join(str(y) for y in absent)}年度没有报告，未纳入判断"
                    f"（{title['_document']} {title['rule']}）"
                )
        if not current.complete and not (excellent or consecutive or title):
            reasons.append(
                f"{latest}年度未完成{unit}要求；{self.document}未规定对年度考核或职称申报的具体后果"
            )
        return Standing(self.id, latest, may_be_excellent, basically_competent, may_apply, tuple(reasons))

    # ---------------------------------------------------------------- deadlines

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
