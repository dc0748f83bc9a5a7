"""Hour claims (学时认证 / 学分申报) as data: what each region lets people claim, how, and through whom.

A policy's ``claims:`` section lists its claim kinds (each an activity kind of the policy's conversions, the
article that makes it claimable and the evidence the text names) and its review chains (who files, which
organisation acts at each step, how the hours are credited). Read it with::

    claim_kinds(policy)                        # tuple[ClaimKind]: label, fields, evidence, limits, articles
    review_chain(policy, freelancer=False)     # ReviewChain: filed_by, steps, credit
    hours_for_claim(policy, "paper", facts)    # ClaimHours: credits with explanations, limits, deadline

``facts`` are what a form sends (strings are fine): each kind's ``fields`` say which, with Chinese labels.
A wrong or missing fact raises :class:`ClaimError` with the field and a Chinese message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .loading import PolicyError
from .model import CATEGORIES, CATEGORY_LABELS, Activity, Credit, fmt

if TYPE_CHECKING:
    from .policy import Policy

__all__ = [
    "ORGANISATIONS",
    "ClaimDeadline",
    "ClaimError",
    "ClaimField",
    "ClaimHours",
    "ClaimKind",
    "ClaimRules",
    "Limit",
    "ReviewChain",
    "ReviewStep",
    "YearCredit",
    "claim_kind",
    "claim_kinds",
    "credit_in_year",
    "fact_texts",
    "hours_for_claim",
    "review_chain",
]

ORGANISATIONS: Mapping[str, str] = {
    "practitioner": "专业技术人员本人",
    "employer": "用人单位",
    "organiser": "施教机构",
    "industry_authority": "行业主管部门",
    "hr_bureau": "人力资源社会保障部门",
    "personnel_agency": "人事（劳动）代理机构",
    "community_office": "社区、乡镇（街道）人力资源社会保障服务机构",
}
ORG_LEVELS: Mapping[str, str] = {"province": "省级", "city": "市级", "county": "县级"}
CREDIT_MODES: Mapping[str, str] = {
    "on_approval": "最后一级审核通过后登记",
    "automatic": "审核通过后系统自动登分",
}
CHAIN_KEYS = frozenset(
    {"id", "label", "filed_by", "rule", "steps", "credit", "note", "applies_to", "kinds", "four_eyes", "_document"}
)
KIND_KEYS = frozenset(
    {"id", "label", "activity", "rule", "evidence", "evidence_rule", "note", "item_label", "deadline", "_document"}
)
CLAIMS_KEYS = frozenset(
    {"route", "rule", "chains", "kinds", "evidence", "evidence_rule", "evidence_note", "not_claimable", "_document"}
)

# What each Activity field is, for a form: (label, type). Types: decimal, int, date, choice, bool, text.
FIELD_LABELS: Mapping[str, tuple[str, str]] = {
    "start": ("开始日期", "date"),
    "end": ("结束日期", "date"),
    "subject": ("科目类别", "choice"),
    "hours": ("认定数额", "decimal"),
    "days": ("天数", "decimal"),
    "minutes": ("学习分钟数", "decimal"),
    "months": ("本年度月数", "int"),
    "modules": ("合格模块数", "int"),
    "count": ("合格科目（课程）数", "int"),
    "characters": ("字数", "int"),
    "level": ("级别", "choice"),
    "grade": ("等级", "choice"),
    "journal": ("刊物类别", "choice"),
    "first_author": ("第一作者", "bool"),
    "patent": ("专利类型", "choice"),
    "related": ("与本专业相关", "bool"),
    "item_id": ("成果标识（DOI、ISSN+题名、专利号或标准号等）", "text"),
    "reason": ("情形", "choice"),
}
CHOICE_LABELS: Mapping[str, Mapping[str, str]] = {
    "subject": CATEGORY_LABELS,
    "level": {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级", "district": "区级"},
    "grade": {"A": "A级", "B": "B级", "C": "C级"},
    "journal": {"core": "核心期刊", "ordinary": "一般期刊", "supplement": "增刊或内部刊物"},
    "patent": {"invention": "发明专利", "utility": "实用新型专利", "design": "外观设计专利"},
    "reason": {
        "abroad": "因公派年度内在境外工作超过6个月",
        "sick": "因受伤、患重病年度内请病假超过6个月",
        "maternity": "女职工休产假",
        "other": "经省级行业主管部门认定的其他情况",
    },
}
OUTPUT_KINDS = frozenset({"research_project", "paper", "book", "patent"})
MAX_HOURS = Decimal(10000)
MAX_COUNT = 10_000_000
TRUE_TEXTS = frozenset({"1", "true", "on", "yes", "是"})
FALSE_TEXTS = frozenset({"", "0", "false", "off", "no", "否"})


class ClaimError(ValueError):
    """A claim's facts do not fit its kind; ``field`` names the fact, ``message`` says why in Chinese."""

    code = "invalid_claim"

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ClaimField:
    """One fact a claim of this kind asks for (an :class:`Activity` field)."""

    name: str
    label: str
    type: str
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    """(value, Chinese label) for ``choice`` fields."""


@dataclass(frozen=True, slots=True)
class Limit:
    """A cap that applies to a claim kind: per year (shared with the kinds named) or per calendar day."""

    label: str
    limit: Decimal
    per: str
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class ClaimKind:
    id: str
    label: str
    activity: str
    """The activity kind whose conversion gives the hours."""
    rule: str
    """Document and article that make it claimable (e.g. 温人社发〔2020〕125号 第十二条7)."""
    hours_rule: str
    """Document and article of the hour rule (may be the parent document's, e.g. 浙 第九条(三))."""
    evidence: tuple[str, ...]
    evidence_rule: str
    fields: tuple[ClaimField, ...]
    limits: tuple[Limit, ...]
    note: str | None = None
    min_months: tuple[tuple[str, int], ...] = ()
    """(reason, the fewest months away it needs): 威 二(三) 公派境外、病假 “超过6个月”."""
    deadline: bool = True
    """Whether the policy's claim deadline applies (``deadline: false``: a transfer of hours is no activity that
    ends, so 桐 第十三条2's “项目结束后60天” does not bind it)."""


@dataclass(frozen=True, slots=True)
class ReviewStep:
    acts: tuple[str, ...]
    """Organisation kinds (keys of ORGANISATIONS), any one of which acts at this step."""
    level: str | None
    duty: str
    rule: str

    @property
    def label(self) -> str:
        level = ORG_LEVELS.get(self.level or "", "")
        return "或".join(level + ORGANISATIONS[a] for a in self.acts) + self.duty


@dataclass(frozen=True, slots=True)
class ReviewChain:
    id: str
    label: str
    filed_by: tuple[str, ...]
    steps: tuple[ReviewStep, ...]
    credit: str
    """``on_approval`` (registered when the last step approves) or ``automatic`` (系统自动登分)."""
    rule: str
    applies_to: str | None = None
    note: str | None = None
    kinds: tuple[str, ...] = ()
    """The claim kinds this chain reviews instead of the default chain (empty: it is not kind-specific)."""
    four_eyes: bool = False
    """Two different accounts of the same organisation act at the steps, neither of them the filer (issue 12)."""


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """A policy's ``claims:`` section, validated."""

    route: str | None
    rule: str
    kinds: tuple[ClaimKind, ...]
    chains: tuple[ReviewChain, ...]
    not_claimable: tuple[str, ...]
    evidence_note: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimDeadline:
    last_day: date
    rule: str
    text: str
    closed_before_end: bool
    """True when the last day falls before the activity ends (Tonglu 第十三条: December closes on 30 December)."""


@dataclass(frozen=True, slots=True)
class ClaimHours:
    """What a claim would earn on its own, before the person-year's caps (``Policy.evaluate`` applies those)."""

    kind: ClaimKind
    activity: Activity
    credits: tuple[Credit, ...]
    hours: Decimal
    unit: str
    limits: tuple[Limit, ...]
    deadline: ClaimDeadline | None

    @property
    def explanation(self) -> tuple[str, ...]:
        """One line per credit, each ending with its article."""
        return tuple(f"{c.explanation}（{c.rule}）" for c in self.credits)


# --------------------------------------------------------------------------- parsing (at policy load)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{where} must be a list of texts")
    return tuple(value)


def _fields(policy: Policy, kind: str, spec: Mapping[str, Any], same_item: bool) -> tuple[ClaimField, ...]:
    """The facts a conversion reads, in form order: dates first, then what the method needs."""
    out: list[ClaimField] = [
        ClaimField("start", FIELD_LABELS["start"][0], "date", True),
        ClaimField("end", FIELD_LABELS["end"][0], "date", False),
    ]

    def add(name: str, required: bool = True, choices: tuple[str, ...] = ()) -> None:
        label, kind_of = FIELD_LABELS[name]
        if name == "hours":
            label = f"{label}（{policy.unit}）"
        names = CHOICE_LABELS.get(name, {})
        out.append(ClaimField(name, label, kind_of, required, tuple((c, names.get(c, c)) for c in choices)))

    by_subject = spec.get("by_subject") or {}
    method = spec.get("method")
    for sub in (spec, *by_subject.values()):
        if sub and sub.get("method", method) != method:
            raise PolicyError(f"{policy.id}: a claimable {kind} must keep one method across subjects")
    needs_subject = spec.get("category") is None and not (
        method == "table" and all(isinstance(v, Mapping) for v in (spec.get("table") or {}).values())
    )
    if needs_subject and method != "split":
        add("subject", True, tuple(spec.get("subjects") or CATEGORIES))
    if method == "hours":
        add("hours")
        if spec.get("daily"):
            add("days", False)
    elif method == "minutes":
        add("minutes")
    elif method == "per_day":
        add("days", False)
    elif method == "per_unit":
        add(str(spec["field"]))
    elif method == "table":
        field = str(spec["field"])
        if FIELD_LABELS[field][1] == "bool":
            add(field, True)  # a material yes/no (Tonglu 第十一条(二) 专业相关): asked, never assumed
        else:
            add(field, True, tuple(str(k) for k in spec.get("table") or {}))
        if spec.get("bonus_field"):
            add(str(spec["bonus_field"]), False)
    elif method == "split" and spec.get("prorate_field"):
        if spec.get("reasons"):
            add("reason", True, tuple(str(r) for r in spec["reasons"]))
        add(str(spec["prorate_field"]))
    if kind in OUTPUT_KINDS:
        add("item_id", same_item)
    return tuple(out)


def _chain(policy: Policy, raw: Any, document: str) -> ReviewChain:
    if not isinstance(raw, Mapping) or set(raw) - CHAIN_KEYS:
        raise PolicyError(f"{policy.id}: claims.chains entries take {sorted(CHAIN_KEYS - {'_document'})}")
    filed_by = _texts(raw.get("filed_by"), f"{policy.id}: chain {raw.get('id')}.filed_by")
    steps = []
    for step in raw.get("steps") or ():
        acts = _texts(step.get("acts"), f"{policy.id}: chain step acts")
        level = step.get("level")
        if not acts or any(a not in ORGANISATIONS for a in acts) or (level is not None and level not in ORG_LEVELS):
            raise PolicyError(f"{policy.id}: chain step {step!r}: acts in {sorted(ORGANISATIONS)}, level in {sorted(ORG_LEVELS)}")
        steps.append(ReviewStep(acts, level, str(step["duty"]), f"{document} {step['rule']}"))
    credit = raw.get("credit")
    four_eyes = raw.get("four_eyes", False)
    if not isinstance(four_eyes, bool) or (four_eyes and len(steps) < 2):
        raise PolicyError(f"{policy.id}: chain {raw.get('id')!r}: four_eyes (true/false) needs at least two steps")
    if not filed_by or any(f not in ORGANISATIONS for f in filed_by) or not steps or credit not in CREDIT_MODES:
        raise PolicyError(f"{policy.id}: chain {raw.get('id')!r} needs filed_by, steps and credit in {sorted(CREDIT_MODES)}")
    return ReviewChain(
        str(raw["id"]),
        str(raw["label"]),
        filed_by,
        tuple(steps),
        str(credit),
        f"{document} {raw['rule']}",
        raw.get("applies_to"),
        raw.get("note"),
        _texts(raw.get("kinds"), f"{policy.id}: chain {raw.get('id')}.kinds"),
        four_eyes,
    )


def parse_late_filing(policy: Policy, deadline: Any) -> ReviewStep | None:
    """Who may let one claim be filed after the policy's deadline (``claim_deadline.late_filing``: 桐 第十三条 the
    county HR bureau), as a step of the organisation kinds and level that act; None where no one may."""
    raw = deadline.get("late_filing") if isinstance(deadline, Mapping) else None
    if raw is None:
        return None
    document = str(deadline.get("_document", policy.document))
    spec: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}  # anything else is refused below, not a crash
    acts = _texts(spec.get("acts"), f"{policy.id}: claim_deadline.late_filing.acts")
    level = spec.get("level")
    if not acts or any(a not in ORGANISATIONS for a in acts) or (level is not None and level not in ORG_LEVELS) \
            or not spec.get("rule"):
        raise PolicyError(f"{policy.id}: claim_deadline.late_filing needs acts in {sorted(ORGANISATIONS)}, "
                          f"a level in {sorted(ORG_LEVELS)} or none, and its rule")
    return ReviewStep(acts, level, "准予逾期申报", f"{document} {spec['rule']}")


def parse_claims(policy: Policy, raw: Any, specs: Mapping[str, Mapping[str, Any]], same_item: bool) -> ClaimRules | None:
    """Validate a policy's ``claims:`` section against its conversions (called when the policy loads)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - CLAIMS_KEYS:
        raise PolicyError(f"{policy.id}: claims takes {sorted(CLAIMS_KEYS - {'_document'})}")
    document = str(raw.get("_document", policy.document))
    default_evidence = _texts(raw.get("evidence"), f"{policy.id}: claims.evidence")
    default_evidence_rule = raw.get("evidence_rule")
    kinds: list[ClaimKind] = []
    for entry in raw.get("kinds") or ():
        if not isinstance(entry, Mapping) or set(entry) - KIND_KEYS:
            raise PolicyError(f"{policy.id}: claims.kinds entries take {sorted(KIND_KEYS - {'_document'})}")
        activity = str(entry["activity"])
        spec = specs.get(activity)
        if spec is None:
            raise PolicyError(f"{policy.id}: claim kind {entry['id']!r} needs a conversion for {activity!r}")
        evidence = _texts(entry.get("evidence"), f"{policy.id}: claim {entry['id']}.evidence") or default_evidence
        if not evidence:
            raise PolicyError(f"{policy.id}: claim kind {entry['id']!r} names no evidence")
        rule = f"{document} {entry['rule']}"
        fields = _fields(policy, activity, spec, same_item)
        if entry.get("item_label"):
            # The kind names the one identifier that makes it count once (威 三: the former region's certificate
            # number): asked for, required, under the kind's own label.
            fields = tuple(f for f in fields if f.name != "item_id") + (
                ClaimField("item_id", str(entry["item_label"]), "text", True),
            )
        deadline = entry.get("deadline", True)
        if not isinstance(deadline, bool):
            raise PolicyError(f"{policy.id}: claim kind {entry['id']!r}: deadline is true or false")
        evidence_rule = entry.get("evidence_rule") or (
            default_evidence_rule if not entry.get("evidence") and default_evidence_rule else entry["rule"]
        )
        kinds.append(
            ClaimKind(
                str(entry["id"]),
                str(entry["label"]),
                activity,
                rule,
                policy.hours_rule(activity),
                evidence,
                f"{document} {evidence_rule}",
                fields,
                policy.limits(activity),
                entry.get("note"),
                tuple(
                    (str(reason), int(v["min_months"]))
                    for reason, v in (spec.get("reasons") or {}).items()
                    if v and v.get("min_months")
                ),
                deadline,
            )
        )
    ids = [k.id for k in kinds]
    if len(set(ids)) != len(ids) or not kinds:
        raise PolicyError(f"{policy.id}: claims.kinds must be non-empty with unique ids")
    chains = tuple(_chain(policy, c, document) for c in raw.get("chains") or ())
    if sum(1 for c in chains if c.applies_to is None and not c.kinds) != 1:
        raise PolicyError(f"{policy.id}: claims.chains needs exactly one default chain (no applies_to, no kinds)")
    for chain in chains:
        unknown = [k for k in chain.kinds if k not in ids]
        if unknown:
            raise PolicyError(f"{policy.id}: chain {chain.id!r} names unknown claim kinds {unknown}")
    return ClaimRules(
        raw.get("route"),
        f"{document} {raw['rule']}",
        tuple(kinds),
        chains,
        _texts(raw.get("not_claimable"), f"{policy.id}: claims.not_claimable"),
        raw.get("evidence_note"),
    )


# --------------------------------------------------------------------------- the API


def _rules(policy: Policy) -> ClaimRules:
    rules = policy.claims
    if rules is None:
        raise ClaimError(None, f"{policy.document}未规定学时申报（认证）")
    return rules


def claim_kinds(policy: Policy) -> tuple[ClaimKind, ...]:
    """The kinds of claims the policy's document recognises, in the document's order."""
    return _rules(policy).kinds


def claim_kind(policy: Policy, kind_id: str) -> ClaimKind:
    """One claim kind by id; an unknown id is a :class:`ClaimError`."""
    for kind in _rules(policy).kinds:
        if kind.id == kind_id:
            return kind
    raise ClaimError("kind", f"{policy.document}没有“{kind_id}”这类学时申报")


def review_chain(policy: Policy, freelancer: bool = False, kind: str | None = None) -> ReviewChain:
    """Who files and who reviews; ``freelancer`` picks the chain for 自由职业者 where the document has one (威 三);
    ``kind`` the chain of a claim kind that has one of its own (威 三: transferred hours, verified by HR)."""
    chains = _rules(policy).chains
    for chain in chains:
        if kind is not None and kind in chain.kinds:
            return chain
    if freelancer:
        for chain in chains:
            if chain.applies_to == "freelancer" and not chain.kinds:
                return chain
    return next(c for c in chains if c.applies_to is None and not c.kinds)


def _parse(field: ClaimField, value: Any) -> Any:
    label = field.label
    if field.type == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_TEXTS or text in FALSE_TEXTS:
            return text in TRUE_TEXTS
        raise ClaimError(field.name, f"{label}只能填“是”或“否”")
    if field.type == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ClaimError(field.name, f"{label}不是有效日期（格式如 2025-03-01）") from None
    if field.type == "choice":
        allowed = {c for c, _ in field.choices}
        if value in allowed:
            return value
        names = "、".join(n for _, n in field.choices)
        raise ClaimError(field.name, f"{label}须为以下之一：{names}")
    if field.type == "text":
        text = str(value).strip()
        if not text or len(text) > 200 or any(ord(ch) < 32 for ch in text):
            raise ClaimError(field.name, f"{label}须为1–200个字符的文字")
        return text
    if field.type == "int":
        if isinstance(value, bool):
            raise ClaimError(field.name, f"{label}须为整数")
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_COUNT:
            raise ClaimError(field.name, f"{label}须为大于0的整数")
        if field.name == "months" and int(text) > 12:
            raise ClaimError(field.name, f"{label}须为1–12的整数")
        return int(text)
    if isinstance(value, bool):
        raise ClaimError(field.name, f"{label}须为数字")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ClaimError(field.name, f"{label}须为数字") from None
    if not number.is_finite() or number <= 0 or number > MAX_HOURS or number != round(number, 2):
        raise ClaimError(field.name, f"{label}须为大于0、至多两位小数的数字")
    return number


def hours_for_claim(
    policy: Policy, kind: str | ClaimKind, facts: Mapping[str, Any], today: date | None = None
) -> ClaimHours:
    """The hours one claim would earn, each line with its article, the caps that may still trim it, the deadline.

    The study year is the year the activity ended (``end``, or ``start`` for a one-day activity). With
    ``today``, an activity that has not ended yet is refused. Yearly caps and the same-item rule depend on the
    person's other claims: :meth:`Policy.evaluate` over the person-year applies them.
    """
    claim = kind if isinstance(kind, ClaimKind) else claim_kind(policy, kind)
    if not isinstance(facts, Mapping):
        raise ClaimError(None, "申报内容格式不正确")
    known = {f.name: f for f in claim.fields}
    unknown = [k for k in facts if k not in known]
    if unknown:
        raise ClaimError(unknown[0], f"“{claim.label}”不需要填写“{unknown[0]}”")
    values: dict[str, Any] = {}
    for field in claim.fields:
        value = facts.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                raise ClaimError(field.name, f"请填写{field.label}")
            if field.type == "bool":
                values[field.name] = False
            continue
        values[field.name] = _parse(field, value)
    start: date = values["start"]
    end: date = values.get("end", start)
    if end < start:
        raise ClaimError("end", "结束日期不能早于开始日期")
    if today is not None and end > today:
        raise ClaimError("end", f"活动尚未结束（结束日期 {end.isoformat()} 晚于今天），结束后才能申报")
    if end.year != start.year:
        raise ClaimError("end", "一项活动须在同一学习年度（1月1日至12月31日）内开始和结束，跨年度的请分年度申报")
    for reason, fewest in claim.min_months:
        if values.get("reason") == reason and values.get("months", 0) < fewest:
            name = CHOICE_LABELS["reason"][reason]
            raise ClaimError("months", f"“{name}”须年度内不在岗至少{fewest}个整月（{claim.rule}），所填为{values.get('months')}个月")
    values.setdefault("end", end)
    activity = Activity(kind=claim.activity, year=end.year, **values)
    try:
        credits = tuple(policy.credit(activity))
    except ValueError as exc:  # a fact the conversion refuses (e.g. a table value): say which
        raise ClaimError(None, f"“{claim.label}”的申报内容不符合{claim.hours_rule}：{exc}") from None
    hours = sum((c.hours for c in credits), Decimal(0))
    deadline = policy.claim_deadline_explained(end) if claim.deadline else None
    return ClaimHours(claim, activity, credits, hours, policy.unit, claim.limits, deadline)


def fact_texts(kind: ClaimKind, facts: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A claim's facts for people, in the form's order: each field's label and its value in words — a choice by its
    Chinese name, a yes/no as 是/否 — never an identifier. A fact the kind no longer has keeps its text."""
    out: list[tuple[str, str]] = []
    for field in kind.fields:
        value = facts.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.type == "bool":
                out.append((field.label, "否"))
            continue
        if field.type == "bool":
            try:
                text = "是" if _parse(field, value) else "否"
            except ClaimError:
                text = str(value)
        elif field.type == "choice":
            text = dict(field.choices).get(str(value), str(value))
        else:
            text = str(value)
        out.append((field.label, text))
    known = {f.name for f in kind.fields}
    out.extend((FIELD_LABELS.get(name, (name, ""))[0], str(value)) for name, value in facts.items() if name not in known)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class YearCredit:
    """What an approved claim adds to its person-year, after the year's caps, daily budgets and same-item rule."""

    hours: Decimal
    """What to post to the hours bank for the claim: the year's total with it minus without it."""
    by_category: Mapping[str, Decimal]
    lines: tuple[Credit, ...]
    """The claim's own credit lines as the year evaluates them (a trimmed line names its cap and article); when
    it replaces a lower credit of the same item, they show its full credit and ``skipped`` names the one replaced."""
    skipped: tuple[str, ...]
    """Why the claim earns nothing (or why an earlier claim of the same item stops counting), with the article."""
    complete: bool
    """Whether the year meets every requirement with this claim."""


def credit_in_year(
    policy: Policy,
    claim: Activity,
    credited: Iterable[Activity],
    earlier: Mapping[str, Decimal] | None = None,
) -> YearCredit:
    """The hours a claim adds to a person-year already holding ``credited`` (the year's activities credited before).

    Evaluates the year with and without the claim (``Policy.evaluate``, the claim last) and returns the difference:
    what the year's caps still leave, per category. With the same-item rule a higher credit replaces a lower one
    of the same item, so the difference can be the excess only. ``earlier``: as in ``Policy.evaluate``.
    Approvals of one person-year must be serialised by the caller (the result depends on what was credited).
    """
    before, after, lines = policy.credit_of(claim, credited, earlier)
    by_category = {c: after.totals[c] - before.totals[c] for c in CATEGORIES}
    skipped = tuple(text for text in after.skipped if text not in before.skipped)
    return YearCredit(after.total - before.total, by_category, lines, skipped, after.complete)


def limit_text(label: str, limit: Decimal, per: str, unit: str, rule: str, shared: str = "") -> str:
    """A cap for people: 每年累计不超过30学时（威人社字〔2022〕2号 二(二)4）."""
    when = "每天" if per == "day" else "每年"
    return f"{label}{shared}{when}累计不超过{fmt(limit)}{unit}（{rule}）"
