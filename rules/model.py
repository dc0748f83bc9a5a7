"""Value types of the rules engine: activities, credits, compliance reports.

Everything here is immutable.  Quantities are :class:`decimal.Decimal`;
computed fractions are rounded to 2 decimal places with ROUND_HALF_UP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "AnnualRequirement",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "KINDS",
    "Activity",
    "Compliance",
    "Credit",
    "NotCovered",
    "Requirement",
    "RequirementResult",
    "SectorRule",
    "Standing",
    "StandingConsequence",
]

CATEGORIES: tuple[str, ...] = ("general_public", "industry_public", "professional")
CATEGORY_LABELS: Mapping[str, str] = {
    "general_public": "一般公需科目",
    "industry_public": "行业公需科目",
    "professional": "专业科目",
}
KINDS: tuple[str, ...] = (
    "platform_course",
    "study_minutes",
    "training",
    "conference",
    "training_abroad",
    "expert_service",
    "competition",
    "aid_dispatch",
    "self_study",
    "self_study_exam",
    "degree_education",
    "qualification_exam",
    "foreign_language_exam",
    "computer_exam",
    "research_project",
    "paper",
    "book",
    "patent",
    "transfer_in",
    "practice",
    "leave",
)
LEVELS = frozenset({"national", "provincial", "city", "county", "district"})
GRADES = frozenset({"A", "B", "C"})
JOURNALS = frozenset({"core", "ordinary", "supplement"})
PATENTS = frozenset({"invention", "utility", "design"})
REASONS = frozenset({"abroad", "sick", "maternity", "other"})
"""Why a person was away from their post (威 二(三)): posted abroad, sick leave, maternity leave, other."""

ZERO = Decimal(0)
CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    """Round to 2 decimal places, half up (the project-wide rounding rule)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """Format a quantity for people: no exponent, no trailing zeros."""
    text = str(value)
    if "E" in text:
        return format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class NotCovered(LookupError):
    """The policy has no rule for this kind of activity."""

    def __init__(self, policy_id: str, document: str, kind: str) -> None:
        self.policy_id = policy_id
        self.kind = kind
        super().__init__(
            f"policy {policy_id} ({document}) does not cover activity kind {kind!r}: "
            f"政策 {policy_id}（{document}）未规定“{kind}”类活动的学时认定"
        )


def _to_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"Activity field {name!r} must be a number, not a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, (float, str)):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"Activity field {name!r} is not a number: {value!r}") from None
    else:
        raise ValueError(f"Activity field {name!r} must be a number, got {type(value).__name__}")
    if not result.is_finite() or result < 0:
        raise ValueError(f"Activity field {name!r} must be a finite number >= 0, got {value!r}")
    return result


def _to_int(name: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise ValueError(f"Activity field {name!r} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"Activity field {name!r} must be >= {minimum}, got {value!r}")
    return value


def _to_date(name: str, value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"Activity field {name!r} must be a date (YYYY-MM-DD), got {value!r}")


def _check_choice(name: str, value: object, allowed: frozenset[str] | tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"Activity field {name!r} must be one of {sorted(allowed)}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Activity:
    """One piece of continuing education, as claimed for a study year.

    An activity records something completed and, where the kind needs it,
    passed (an exam, a course test): failed attempts are not activities.
    Only the fields a kind needs must be given; values are validated and
    normalised on construction (numbers become ``Decimal``/``int``, ISO
    strings become dates), and a missing field is reported when a policy
    converts the activity.
    """

    kind: str
    year: int
    subject: str | None = None
    hours: Decimal | None = None
    days: Decimal | None = None
    months: int | None = None
    start: date | None = None
    end: date | None = None
    level: str | None = None
    grade: str | None = None
    modules: int | None = None
    count: int | None = None
    minutes: Decimal | None = None
    characters: int | None = None
    journal: str | None = None
    first_author: bool = False
    patent: str | None = None
    related: bool | None = None
    item_id: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"Activity field 'kind' must be a non-empty string, got {self.kind!r}")
        put(self, "year", _to_int("year", self.year, 1900))
        if self.subject is not None:
            _check_choice("subject", self.subject, CATEGORIES)
        for name in ("hours", "days", "minutes"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                put(self, name, _to_decimal(name, value))
            elif value is not None:
                _to_decimal(name, value)
        for name in ("modules", "count", "characters"):
            value = getattr(self, name)
            if value is not None:
                put(self, name, _to_int(name, value))
        if self.months is not None:
            months = _to_int("months", self.months, 1)
            if months > 12:
                raise ValueError(f"Activity field 'months' must be between 1 and 12, got {months}")
            put(self, "months", months)
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                put(self, name, _to_date(name, value))
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("Activity field 'end' must not be before 'start'")
        if self.level is not None:
            _check_choice("level", self.level, LEVELS)
        if self.grade is not None:
            _check_choice("grade", self.grade, GRADES)
        if self.journal is not None:
            _check_choice("journal", self.journal, JOURNALS)
        if self.patent is not None:
            _check_choice("patent", self.patent, PATENTS)
        if self.reason is not None:
            _check_choice("reason", self.reason, REASONS)
        if not isinstance(self.first_author, bool):
            msg = f"Activity field 'first_author' must be true or false, got {self.first_author!r}"
            raise ValueError(msg)
        if self.related is not None and not isinstance(self.related, bool):
            raise ValueError(f"Activity field 'related' must be true or false, got {self.related!r}")
        if self.item_id is not None:
            if isinstance(self.item_id, int) and not isinstance(self.item_id, bool):
                put(self, "item_id", str(self.item_id))
            elif not isinstance(self.item_id, str) or not self.item_id:
                raise ValueError(f"Activity field 'item_id' must be a non-empty string, got {self.item_id!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], default_year: int | None = None) -> Activity:
        """Build an activity from JSON-like data (dates as ISO strings)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"an activity must be an object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ValueError(f"Activity field {key!r} is not a known field")
        values = dict(data)
        if "kind" not in values:
            raise ValueError("Activity field 'kind' is required")
        if "year" not in values:
            if default_year is None:
                raise ValueError("Activity field 'year' is required")
            values["year"] = default_year
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Credit:
    """Hours (or credits) granted for an activity in one category."""

    hours: Decimal
    category: str
    rule: str
    explanation: str
    capped_from: Decimal | None = None
    """The hours before a cap trimmed them (``None`` when not trimmed)."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """An annual minimum over one category or a sum of categories."""

    categories: tuple[str, ...]
    minimum: Decimal
    label: str
    rule: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AnnualRequirement:
    """What a person-year must reach under a policy, as statistics count it."""

    policy: str
    unit: str
    """学时, or 学分 (Tonglu 第一条)."""
    minutes_per_hour: Decimal
    minutes_per_hour_rule: str | None
    """The article defining the hour's length (川 二(二): 45 minutes); None where the project assumes 60."""
    total: Decimal
    professional: Decimal
    public: Decimal | None
    """The public minimum, over ``public_categories``; None where the document sets none (Sichuan)."""
    public_categories: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SectorRule:
    """Where an industry's own rules prevail over the policy's (e.g. 威 二: 教育、卫生、会计、档案 专业科目)."""

    industries: tuple[str, ...]
    """Industries named by the text (matched by name); empty: any industry authority's rules."""
    scope: str
    """``professional`` (professional subjects only) or ``all``."""
    text: str
    rule: str


@dataclass(frozen=True, slots=True)
class RequirementResult:
    categories: tuple[str, ...]
    minimum: Decimal
    credited: Decimal
    short: Decimal
    label: str
    rule: str

    @property
    def met(self) -> bool:
        return not self.short


@dataclass(frozen=True, slots=True)
class Compliance:
    """The evaluation of one person's study year under one policy."""

    policy: str
    year: int
    unit: str
    totals: Mapping[str, Decimal]
    total: Decimal
    requirements: tuple[RequirementResult, ...]
    complete: bool
    lines: tuple[Credit, ...]
    skipped: tuple[str, ...] = ()
    """Activities of the year that earned nothing, with the reason (e.g. a duplicate item)."""


@dataclass(frozen=True, slots=True)
class StandingConsequence:
    """One consequence the document imposes on the latest year, in its words, with its article."""

    kind: str
    """``excellent`` (not rated excellent), ``basically_competent`` (at most basically competent) or ``title``."""
    text: str
    rule: str


@dataclass(frozen=True, slots=True)
class Standing:
    """What several years of reports mean for the latest year."""

    policy: str
    year: int
    may_be_excellent: bool
    at_most_basically_competent: bool
    may_apply_for_title: bool
    reasons: tuple[str, ...]
    title_years: tuple[int, ...] = ()
    """The years the title consequence judged (empty when the policy states none)."""
    consequences: tuple[StandingConsequence, ...] = ()
    """The consequences that apply, each once, in the order of ``reasons`` (for a short list beside a name)."""
