"""Claim deadlines (issue 12 item 5; 桐人社发〔2018〕26号 第十三条2, read through Policy.claim_deadline): what the form
says before anyone starts, the reminder ten days before the deadline of a claim that was returned for correction,
the county HR bureau's grant of a late filing, and the refusal of an activity in a year already closed.

Today's reading of "12月份的学分申报截止日期为12月30日" is kept: an activity's deadline is min(end + 60 days, 30
December of its year), so December's activities close on 30 December and one ending on 31 December cannot be claimed
without a grant (rules/policies/tonglu-2018.yaml says why).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from rules import Policy, load_policy
from rules.claims import ClaimDeadline, hours_for_claim

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, InvalidFields, NotAllowed, NotFound
from ..hours.models import HoursCertificate
from ..messages.models import Message
from ..messages.operations import notify
from ..orgs.models import Organisation
from ..orgs.scope import covers_person, require_write
from .grants import LateFilingGrant
from .models import HourClaim

REMIND_DAYS = 10        # issue 12 item 5: a reminder ten days before the deadline
GRANT_VALID_DAYS = 30   # a grant is used within this many days, or lapses


@dataclass(frozen=True)
class DeadlineNotice:
    """The deadline as the filing form says it, before anyone starts."""

    rule: str
    text: str
    today_last_day: date          # the last day for an activity that ends today
    december_last_day: date | None  # December's activities close on this day (None: no earlier cutoff)
    granter: str | None           # who may grant a late filing, as the policy names it (None: no one)


def deadline_notice(policy: Policy, today: date | None = None) -> DeadlineNotice | None:
    """What the form says about the policy's deadline (None: the policy sets none)."""
    today = today or clock.china_today()
    now = policy.claim_deadline_explained(today)
    if now is None:
        return None
    december = policy.claim_deadline_explained(date(today.year, 12, 31))
    return DeadlineNotice(now.rule, now.text, now.last_day,
                          december.last_day if december is not None and december.closed_before_end else None,
                          granter_name(policy))


def granter_name(policy: Policy) -> str | None:
    """Who may grant a late filing under the policy, for a message (所在地的县级人力资源社会保障部门)."""
    step = policy.late_filing
    return f"所在地的{step.label.removesuffix(step.duty)}" if step is not None else None


def grant_refusal(s: Session, actor: Person) -> str | None:
    """Why actor may not grant late filings (None: may). The policies of the organisation's territory name who
    grants (桐人社发〔2018〕26号 第十三条1、2: the county HR bureau); a policy without a deadline has no late filing."""
    from ..regions import policy_of, subtree
    from .operations import acts_at
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or not org.is_hr or actor.role != "bureau":
        return "逾期申报由人力资源社会保障部门批准"
    found = sorted({p for p in (policy_of(code) for code in subtree(org.region_code)) if p is not None})
    steps = [(policy, policy.late_filing) for policy in map(load_policy, found) if policy.late_filing is not None]
    if any(acts_at(org, step) for _, step in steps):
        return None
    if steps:
        policy, step = steps[0]
        return f"按{step.rule}，逾期申报由{granter_name(policy)}批准"
    documents = "、".join(dict.fromkeys(load_policy(p).document for p in found)) or "本地规定"
    return f"{documents}没有规定申报期限和逾期申报许可，不需要、也不能准予逾期申报"


def may_grant_late(s: Session, actor: Person) -> bool:
    """Whether actor's organisation grants late filings (the form is shown)."""
    return grant_refusal(s, actor) is None


def activity_end(claim: HourClaim) -> date:
    got = hours_for_claim(load_policy(claim.policy), claim.kind, claim.facts_dict).activity
    end: date = got.end or got.start
    return end


def claim_deadline(claim: HourClaim) -> ClaimDeadline | None:
    """The claim's deadline (None: its policy sets none, or its kind is not bound by it: a transfer of hours)."""
    return hours_for_claim(load_policy(claim.policy), claim.kind, claim.facts_dict).deadline


# ---- a year already closed ---------------------------------------------------------------------------------

def closed_year_problem(s: Session, person_id: int, year: int) -> str | None:
    """Why an activity of this study year can no longer be claimed, or None: the year's certificate has been issued
    (its record is closed; 威人社字〔2022〕2号 三: the certificate is printed once the year's registrations passed
    review). Revoking the certificate reopens the year."""
    issued = s.scalar(select(HoursCertificate.issued_at).where(
        HoursCertificate.person_id == person_id, HoursCertificate.year == year, HoursCertificate.revoked_at.is_(None)))
    if issued is None:
        return None
    day = clock.china(issued)
    assert day is not None
    return (f"{year} 年度的学时已于 {day:%Y-%m-%d} 出具电子证书，该年度已结束核定，不能再申报该年度的活动；"
            "如确需补报，请联系所在地人社局")


# ---- late filing granted -----------------------------------------------------------------------------------

def open_grant(s: Session, person_id: int, end: date) -> LateFilingGrant | None:
    """An unused, unexpired grant for the person's activity that ended on this day."""
    return s.scalar(select(LateFilingGrant).where(
        LateFilingGrant.person_id == person_id, LateFilingGrant.activity_end == end,
        LateFilingGrant.claim_id.is_(None), LateFilingGrant.valid_until >= clock.china_today())
        .order_by(LateFilingGrant.id))


def late_allowed(s: Session, person_id: int) -> Callable[[date], bool]:
    """For check_facts: whether a late activity that ended on a day has a grant."""
    return lambda end: open_grant(s, person_id, end) is not None


def use_grant(s: Session, claim: HourClaim) -> LateFilingGrant | None:
    """Mark the grant that let this claim past its deadline as used by it (None when it was not late). Refused
    (409) when the grant was used meanwhile by another claim."""
    deadline = claim_deadline(claim)
    if deadline is None or deadline.last_day >= clock.china_today():
        return None
    grant = open_grant(s, claim.person_id, activity_end(claim))
    if grant is None:
        raise Conflict(f"已超过申报期限（最迟 {deadline.last_day.isoformat()}），且没有可用的逾期申报许可")
    used = s.execute(update(LateFilingGrant).where(LateFilingGrant.id == grant.id, LateFilingGrant.claim_id.is_(None))
                     .values(claim_id=claim.id, used_at=clock.now()).execution_options(synchronize_session=False))
    if getattr(used, "rowcount", 0) != 1:
        raise Conflict("该逾期申报许可刚刚已被使用，请刷新后重试")
    s.refresh(grant)
    return grant


def grant_late_filing(s: Session, actor: Person, id_number: str, end_text: str, reason: str,
                      ip: str | None = None) -> LateFilingGrant:
    """The county HR bureau lets one claim of a practitioner in its scope, for an activity that ended on a day and
    whose deadline has passed, be filed late, giving the reason (audited; the practitioner is told)."""
    require_write(s, actor)
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or (refusal := grant_refusal(s, actor)) is not None:
        raise NotAllowed(refusal or "逾期申报由人力资源社会保障部门批准")
    problems: dict[str, str] = {}
    person = s.scalar(select(Person).where(Person.role == "practitioner",
                                           Person.id_number == (id_number or "").strip().upper()))
    if person is None or not covers_person(s, actor, person):
        problems["id_number"] = "本局管辖范围内没有该身份证号码的专业技术人员"
    try:
        end = date.fromisoformat((end_text or "").strip())
    except ValueError:
        problems["activity_end"] = "请填写活动结束日期（如 2026-01-31）"
        end = None
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 500:
        problems["reason"] = "请写明准予逾期申报的理由（2–500 字）"
    today = clock.china_today()
    if end is not None and end > today:
        problems["activity_end"] = "活动尚未结束，不需要逾期申报"
    if problems or person is None or end is None:
        raise InvalidFields(problems)
    from .operations import acts_at, policy_of_person
    policy = policy_of_person(s, person, end.year)
    deadline = policy.claim_deadline_explained(end)
    if deadline is None:
        raise InvalidFields({"activity_end": f"{policy.document}没有规定申报期限，不需要批准逾期申报"})
    # Who grants is the policy's (桐人社发〔2018〕26号 第十三条1、2: the county HR bureau), not this module's.
    granter = policy.late_filing
    if granter is None:
        raise NotAllowed(f"{policy.document}没有规定可以准予逾期申报")
    if not acts_at(org, granter):
        raise NotAllowed(f"按{granter.rule}，逾期申报由{granter_name(policy)}批准")
    if deadline.last_day >= today:
        raise InvalidFields({"activity_end": f"该活动的申报期限到 {deadline.last_day.isoformat()}，尚未逾期，可直接申报"})
    closed = closed_year_problem(s, person.id, end.year)
    if closed:
        raise InvalidFields({"activity_end": closed})
    if open_grant(s, person.id, end) is not None:
        raise InvalidFields({"activity_end": "该人员这一天结束的活动已有一项尚未使用的逾期申报许可"})
    grant = LateFilingGrant(person_id=person.id, activity_end=end, reason=reason, granted_by_id=actor.id,
                            org_id=org.id, org_name=org.name, granted_at=clock.now(),
                            valid_until=today + timedelta(days=GRANT_VALID_DAYS))
    s.add(grant)
    s.flush()
    audit.record(s, actor, "claim.late_grant", grant, ip=ip, person_id=person.id, activity_end=end.isoformat(),
                 deadline=deadline.last_day.isoformat(), reason=reason)
    notify(s, person, "已准予逾期申报学时",
           f"{org.name}准予您逾期申报 {end.isoformat()} 结束的一项活动（原申报期限 {deadline.last_day.isoformat()}，"
           f"{deadline.rule}）。\n理由：{reason}\n请于 {grant.valid_until.isoformat()} 前提交申报（或修改后重新提交被退回的申报）。",
           "/me/claims", kind="claim.late_grant", ref=f"grant:{grant.id}")
    return grant


def grants_in_scope(s: Session, actor: Person, limit: int = 200) -> list[tuple[LateFilingGrant, Person]]:
    from ..orgs.scope import person_clause, scope_of
    return [(g, p) for g, p in s.execute(
        select(LateFilingGrant, Person).join(Person, Person.id == LateFilingGrant.person_id)
        .where(person_clause(scope_of(s, actor))).order_by(LateFilingGrant.id.desc()).limit(limit)).all()]


def grant_of(s: Session, grant_id: int) -> LateFilingGrant:
    grant = s.get(LateFilingGrant, grant_id)
    if grant is None:
        raise NotFound()
    return grant


# ---- the reminder ------------------------------------------------------------------------------------------

def remind_deadlines(s: Session) -> int:
    """Tell the claimant (and whoever files for them) of each returned claim whose deadline is ten days away or
    nearer and not yet past: once per claim, in the app and by mail (the message's unique (kind, ref) keeps it to
    one even if two runs overlap). Returns how many claims were reminded."""
    today = clock.china_today()
    told = exists().where(and_(Message.kind == "claim.deadline", Message.person_id == HourClaim.person_id,
                               Message.ref == "claim:" + HourClaim.id.cast(Message.ref.type) + ":deadline"))
    n = 0
    for claim in s.scalars(select(HourClaim).where(HourClaim.status == "returned", ~told).order_by(HourClaim.id)):
        deadline = claim_deadline(claim)
        if deadline is None or not 0 <= (deadline.last_day - today).days <= REMIND_DAYS:
            continue
        left = (deadline.last_day - today).days
        body = (f"您被退回修改的申报“{claim.title}”须在 {deadline.last_day.isoformat()} 前修改后重新提交"
                f"（还有 {left} 天；{deadline.rule}：{deadline.text}），逾期不能再申报。")
        refs = [claim.person_id] + ([claim.filed_by_id] if claim.filed_by_id != claim.person_id else [])
        sent = [notify(s, pid, "学时申报即将截止", body, f"/claims/{claim.id}", kind="claim.deadline",
                       ref=f"claim:{claim.id}:deadline") for pid in refs]
        n += any(m is not None for m in sent)
    return n
