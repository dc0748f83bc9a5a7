"""Filing, reviewing and crediting hour claims (学时认证). Operations flush and never commit.

Every fact comes from the rules (rules/claims.py): the kinds a person's policy lets them claim, the fields of each,
the evidence, the review chain and the hours. The chain's steps name organisation kinds (and a level); an account
acts at a step when its organisation is of that kind and level and the claimant is in its scope
(lms/orgs/scope.py), so the same code runs every region's chain.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import filetype  # type: ignore[import-untyped]
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rules import Policy, load_policy
from rules.claims import (
    ORGANISATIONS,
    ClaimError,
    ClaimHours,
    ClaimKind,
    ReviewChain,
    ReviewStep,
    claim_kind,
    claim_kinds,
    credit_in_year,
    hours_for_claim,
    review_chain,
)
from rules.claims import _parse as parse_fact

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..filestore import FileStore, file_store
from ..hours.operations import register_hours
from ..orgs.models import HR_KINDS, Organisation
from ..orgs.operations import current_employment, region_in
from ..orgs.scope import covers_person, require_write, scope_of
from ..regions import REGIONS, policy_of
from .corrections import certificate_taken, four_eyes_refusal, previous_step
from .deadlines import closed_year_problem, granter_name, late_allowed, use_grant
from .models import EVIDENCE_TYPES, MAX_FILE_BYTES, MAX_FILES, ClaimEvidence, ClaimStep, HourClaim
from .notices import tell_decision

# The organisation kinds of the rules (rules.claims.ORGANISATIONS) as kinds of lms/orgs.
ACTING_KINDS: dict[str, tuple[str, ...]] = {
    "employer": ("employer",), "personnel_agency": ("agency",), "community_office": ("agency",),
    "industry_authority": ("authority",), "hr_bureau": HR_KINDS, "organiser": ("organiser",),
}


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the view received it."""

    filename: str
    data: bytes


# ---- the rules for a person ---------------------------------------------------------------------------------

def policy_of_person(s: Session, person: Person, year: int | None = None) -> Policy:
    """The policy a person's claims follow: that of the region they belonged to in year (today's by default), in
    the version in force at the end of that year (or today)."""
    today = clock.china_today()
    region = region_in(s, person, year) if year is not None else person.region
    day = min(date(year, 12, 31), today) if year is not None else today
    found = policy_of(region, day)
    if found is None:
        raise NotAllowed(f"{getattr(REGIONS.get(region), 'name', region)}没有适用的继续教育学时规定，不能申报学时")
    policy = load_policy(found)
    if policy.claims is None:
        raise NotAllowed(f"{policy.document}未规定学时申报（认证）")
    return policy


def chain_of(s: Session, person: Person, policy: Policy, kind: str | None = None) -> ReviewChain:
    """The review chain of a person's claims (of one kind): the kind's own where the policy has one (威 三:
    transferred hours), the freelancer's where the person is with a personnel agency (威人社字〔2022〕2号 三), else
    the policy's default."""
    employment = current_employment(s, person)
    freelancer = employment is not None and employment.org.kind == "agency"
    return review_chain(policy, freelancer, kind)


def chain_by_id(claim: HourClaim) -> ReviewChain:
    rules = load_policy(claim.policy).claims
    assert rules is not None
    for chain in rules.chains:
        if chain.id == claim.chain:
            return chain
    raise NotFound("该申报的审核流程已不存在")


def acts_at(org: Organisation | None, step: ReviewStep) -> bool:
    """Whether an organisation is of the kind (and level) that acts at a step of a review chain."""
    if org is None or not org.may_act:
        return False
    kinds = {k for a in step.acts for k in ACTING_KINDS.get(a, ())}
    if org.kind not in kinds:
        return False
    region = REGIONS.get(org.region_code)
    return step.level is None or (region is not None and region.level == step.level)


def kinds_for(s: Session, person: Person) -> tuple[Policy, tuple[ClaimKind, ...]]:
    policy = policy_of_person(s, person)
    return policy, claim_kinds(policy)


def kind_of(policy: Policy, kind_id: str) -> ClaimKind:
    try:
        return claim_kind(policy, kind_id)
    except ClaimError as exc:
        raise NotFound(exc.message) from None


# ---- evidence -------------------------------------------------------------------------------------------------

def evidence_store() -> FileStore:
    """Evidence files live outside the web root, apart from the course media (lms/filestore.py: a folder beside
    MEDIA_DIR unless EVIDENCE_DIR says, or the evidence area of the object storage)."""
    return file_store("evidence")


def clean_filename(name: str) -> str:
    """The uploaded name for display: its last path part (a name with ../ loses the path), no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ord(ch) >= 32 and ch not in "<>\"'").strip(" .")
    return base[-100:] or "未命名文件"


def check_evidence(files: list[Upload], already: int = 0) -> tuple[list[tuple[Upload, str]], list[str]]:
    """The files that are PDF, JPEG or PNG by content and within the size limit (with their type), and a message
    for each that is not."""
    problems: list[str] = []
    good: list[tuple[Upload, str]] = []
    files = [f for f in files if f.filename or f.data]
    if already + len(files) > MAX_FILES:
        problems.append(f"每项申报最多上传 {MAX_FILES} 个佐证文件（已有 {already} 个，本次 {len(files)} 个）")
    for f in files:
        name = clean_filename(f.filename)
        if not f.data:
            problems.append(f"“{name}”是空文件（0 字节），请重新选择")
            continue
        if len(f.data) > MAX_FILE_BYTES:
            problems.append(f"“{name}”超过 10 MB，请压缩后再上传")
            continue
        guessed = filetype.guess(f.data[:8192])
        mime = guessed.mime if guessed is not None else None
        if mime not in EVIDENCE_TYPES:
            problems.append(f"“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与扩展名无关）")
            continue
        good.append((f, mime))
    return good, problems


def _store_evidence(s: Session, actor: Person, claim: HourClaim, files: list[tuple[Upload, str]]) -> None:
    store = evidence_store()
    have = {e.key for e in s.scalars(select(ClaimEvidence).where(ClaimEvidence.claim_id == claim.id))}
    for upload, mime in files:
        key = store.put(upload.data, EVIDENCE_TYPES[mime])
        if key in have:
            continue  # the same file twice: kept once
        have.add(key)
        s.add(ClaimEvidence(claim_id=claim.id, key=key, mime=mime, size=len(upload.data),
                            filename=clean_filename(upload.filename), uploaded_by_id=actor.id,
                            uploaded_at=clock.now()))
    s.flush()


# ---- filing ---------------------------------------------------------------------------------------------------

def check_facts(policy: Policy, kind: ClaimKind, facts: dict[str, str], late_ok: Callable[[date], bool] | None = None,
                ) -> tuple[ClaimHours | None, dict[str, str]]:
    """The hours a claim's facts give (rules.claims.hours_for_claim), or every problem with them at once. late_ok
    says whether an activity that ended on a day may be claimed after its deadline (a grant: claims/deadlines.py)."""
    problems: dict[str, str] = {}
    for field in kind.fields:
        value = facts.get(field.name)
        if value is None or not str(value).strip():
            if field.required:
                problems[field.name] = f"请填写{field.label}"
            continue
        try:
            parse_fact(field, value)
        except ClaimError as exc:
            problems[field.name] = exc.message
    if problems:
        return None, problems
    try:
        got = hours_for_claim(policy, kind, facts, today=clock.china_today())
    except ClaimError as exc:
        return None, {exc.field or "form": exc.message}
    late_granted = late_ok is not None and late_ok(got.activity.end or got.activity.start)
    if got.deadline is not None and got.deadline.last_day < clock.china_today() and not late_granted:
        d = got.deadline
        granter = granter_name(policy)
        ask = f"确有正当理由的，请向{granter}申请准予逾期申报" if granter else "本规定没有逾期申报的许可"
        return None, {"end": f"已超过申报期限：该活动的申报已于 {d.last_day.isoformat()} 截止（{d.rule}：{d.text}）；{ask}"}
    return got, {}


def _facts_of(kind: ClaimKind, form: dict[str, str]) -> dict[str, str]:
    return {f.name: str(form[f.name]).strip() for f in kind.fields
            if form.get(f.name) is not None and str(form[f.name]).strip()}


def _title(kind: ClaimKind, got: ClaimHours) -> str:
    a = got.activity
    when = a.start.isoformat() if a.start == a.end or a.end is None else f"{a.start.isoformat()}至{a.end.isoformat()}"
    item = f"：{a.item_id}" if a.item_id else ""
    return f"{kind.label}（{when}）{item}"[:200]


def _open_same_item(s: Session, person_id: int, year: int, item_id: str | None, but: int | None = None) -> bool:
    if not item_id:
        return False
    q = select(HourClaim.id).where(HourClaim.person_id == person_id, HourClaim.year == year,
                                   HourClaim.item_id == item_id, HourClaim.status.in_(("pending", "returned")))
    if but is not None:
        q = q.where(HourClaim.id != but)
    return s.scalar(q) is not None


@dataclass(frozen=True)
class Filing:
    """A checked filing: the policy, kind, chain, facts and hours, and the evidence files that passed."""

    policy: Policy
    kind: ClaimKind
    chain: ReviewChain
    facts: dict[str, str]
    got: ClaimHours
    files: list[tuple[Upload, str]]


def files_for(s: Session, actor: Person, person: Person, chain: ReviewChain) -> bool:
    """Whether actor may file person's claims on this chain: the person themself where the chain says so, or an
    account of an organisation kind the chain names as filer (桐 第十三条: the employer's administrator) that has
    the person in its scope."""
    if actor.id == person.id:
        return "practitioner" in chain.filed_by
    org = _own_org(s, actor)
    kinds = {k for f in chain.filed_by for k in ACTING_KINDS.get(f, ())}
    return (org is not None and org.may_act and org.kind in kinds and scope_of(s, actor).writable
            and covers_person(s, actor, person))


def check_filing(s: Session, person: Person, kind_id: str, form: dict[str, str], files: list[Upload], *,
                 files_held: int = 0, claim_id: int | None = None, actor: Person | None = None) -> Filing:
    """Check a claim's facts and files against the person's policy; every problem at once (InvalidFields)."""
    policy = policy_of_person(s, person)
    kind = kind_of(policy, kind_id)
    facts = _facts_of(kind, form)
    late_ok = late_allowed(s, person.id)
    got, problems = check_facts(policy, kind, facts, late_ok)
    if got is not None and policy_of_person(s, person, got.activity.year).id != policy.id:
        # An activity of an earlier year follows the policy in force for that year.
        policy = policy_of_person(s, person, got.activity.year)
        try:
            kind = claim_kind(policy, kind_id)
        except ClaimError:
            problems["kind"] = f"{got.activity.year}年适用的{policy.document}没有“{kind.label}”这类申报"
        else:
            got, problems = check_facts(policy, kind, facts, late_ok)
    if got is not None and (closed := closed_year_problem(s, person.id, got.activity.year)):
        problems["start"] = closed
    chain = chain_of(s, person, policy, kind.id)
    if not files_for(s, actor or person, person, chain):
        who = "或".join(ORGANISATIONS[f] for f in chain.filed_by)
        problems["form"] = f"按{chain.rule}，此类学时由{who}申报" + ("，请联系单位管理员" if actor in (None, person) else "")
    good, file_problems = check_evidence(files, files_held)
    if not good and not files_held and not file_problems:
        file_problems.append(f"请上传佐证材料（{'、'.join(kind.evidence)}）")
    if file_problems:
        problems["evidence"] = "；".join(file_problems)
    if got is not None and _open_same_item(s, person.id, got.activity.year, got.activity.item_id, but=claim_id):
        problems["item_id"] = f"“{got.activity.item_id}”已有一项正在审核的申报，同一成果不能重复申报"
    if got is not None and (taken := certificate_taken(s, kind.id, got.activity.item_id, but=claim_id)):
        problems["item_id"] = taken
    if problems or got is None:
        raise InvalidFields(problems or {"form": "申报内容有误"})
    return Filing(policy, kind, chain, facts, got, good)


def file_claim(s: Session, actor: Person, person: Person, kind_id: str, form: dict[str, str], files: list[Upload],
               ip: str | None = None) -> HourClaim:
    """File a claim with its evidence; every problem of the facts and the files is reported at once."""
    f = check_filing(s, person, kind_id, form, files, actor=actor)
    policy, kind, chain, facts, got, good = f.policy, f.kind, f.chain, f.facts, f.got, f.files
    now = clock.now()
    claim = HourClaim(person_id=person.id, year=got.activity.year, policy=policy.id, kind=kind.id,
                      kind_label=kind.label, rule=kind.rule[:160], chain=chain.id, steps=len(chain.steps),
                      facts=json.dumps(facts, ensure_ascii=False, sort_keys=True), item_id=got.activity.item_id,
                      title=_title(kind, got), hours_claimed=got.hours, status="pending", step=0, version=1,
                      filed_by_id=actor.id, filed_at=now, updated_at=now)
    s.add(claim)
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(f"“{got.activity.item_id}”已有一项正在审核的申报，同一成果不能重复申报") from None
    use_grant(s, claim)  # a late filing uses the county bureau's grant, once
    _store_evidence(s, actor, claim, good)
    s.add(ClaimStep(claim_id=claim.id, version=1, step=0, level="申报", decision="submit", actor_id=actor.id,
                    org_id=None, org_name=None, facts=claim.facts, hours=got.hours, at=now))
    audit.record(s, actor, "claim.submit", claim, ip=ip, person_id=person.id, kind=kind.id, year=claim.year,
                 hours=str(got.hours))
    s.flush()
    return claim


def resubmit_claim(s: Session, actor: Person, claim_id: int, *, version: int, form: dict[str, str],
                   files: list[Upload], ip: str | None = None) -> HourClaim:
    """Whoever may file the claimant's claims (the claimant, or the employer's administrator where the policy says
    so) corrects a returned claim (facts, further evidence) and files it again: the chain starts over, and the
    earlier version stays in the claim's history."""
    claim = visible_claim(s, actor, claim_id)
    person = s.get(Person, claim.person_id)
    chain = chain_by_id(claim)
    if person is None:
        raise NotFound()
    if not files_for(s, actor, person, chain):
        if actor.id != person.id:
            raise NotFound()
        who = "或".join(ORGANISATIONS[f] for f in chain.filed_by)
        raise NotAllowed(f"按{chain.rule}，此类学时由{who}修改后重新提交")
    if claim.status != "returned":
        raise Conflict(f"该申报当前状态为“{claim.status_name}”，只有退回修改的申报可以重新提交")
    if claim.version != version:
        raise Conflict("该申报在您查看之后已有变化，请刷新后重新查看")
    held = len(claim.evidence)
    f = check_filing(s, person, claim.kind, form, files, files_held=held, claim_id=claim.id, actor=actor)
    if f.policy.id != claim.policy:
        raise InvalidFields({"form": "修改后的活动适用另一版本的规定，请撤回此项并重新申报"})
    changed = s.execute(text("UPDATE hour_claim SET version = version + 1 WHERE id = :id AND version = :v"),
                        {"id": claim.id, "v": version}).rowcount
    if changed != 1:
        raise Conflict("该申报在您查看之后已有变化，请刷新后重新查看")
    s.refresh(claim)
    now = clock.now()
    claim.facts = json.dumps(f.facts, ensure_ascii=False, sort_keys=True)
    claim.year, claim.item_id, claim.title = f.got.activity.year, f.got.activity.item_id, _title(f.kind, f.got)
    claim.hours_claimed, claim.status, claim.step, claim.updated_at = f.got.hours, "pending", 0, now
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(f"“{f.got.activity.item_id}”已有一项正在审核的申报，同一成果不能重复申报") from None
    use_grant(s, claim)
    _store_evidence(s, actor, claim, f.files)
    s.add(ClaimStep(claim_id=claim.id, version=claim.version, step=0, level="申报", decision="resubmit",
                    actor_id=actor.id, facts=claim.facts, hours=f.got.hours, at=now))
    audit.record(s, actor, "claim.resubmit", claim, ip=ip, person_id=person.id, hours=str(f.got.hours))
    s.flush()
    s.expire(claim, ["evidence"])
    return claim


def add_evidence(s: Session, actor: Person, claim_id: int, *, version: int, files: list[Upload],
                 ip: str | None = None) -> HourClaim:
    """Whoever may correct a returned claim adds evidence files to it before filing it again (at most MAX_FILES in
    all); the claim's version does not change, its next filing carries the files."""
    claim = visible_claim(s, actor, claim_id)
    person = s.get(Person, claim.person_id)
    if person is None or not files_for(s, actor, person, chain_by_id(claim)):
        raise NotAllowed("只有申报人（或为其申报的单位管理员）可以补充佐证材料")
    if claim.status != "returned":
        raise Conflict(f"该申报当前状态为“{claim.status_name}”，只有退回修改的申报可以补充佐证材料")
    if claim.version != version:
        raise Conflict("该申报在您查看之后已有变化，请刷新后重新查看")
    good, problems = check_evidence(files, len(claim.evidence))
    if not good and not problems:
        problems.append("请选择要上传的佐证文件")
    if problems:
        raise InvalidFields({"evidence": "；".join(problems)})
    _store_evidence(s, actor, claim, good)
    audit.record(s, actor, "claim.evidence", claim, ip=ip, person_id=claim.person_id, files=len(good))
    s.expire(claim, ["evidence"])
    return claim


# ---- who sees what --------------------------------------------------------------------------------------------

def _own_org(s: Session, actor: Person) -> Organisation | None:
    return s.get(Organisation, actor.org_id) if actor.org_id else None


def visible_claim(s: Session, actor: Person, claim_id: int) -> HourClaim:
    """A claim its claimant may see, or a reviewer whose organisation acts in its chain and whose scope covers the
    claimant; 404 for everyone else."""
    claim = s.get(HourClaim, claim_id)
    if claim is None:
        raise NotFound()
    if claim.person_id == actor.id:
        return claim
    if actor.role == "practitioner":
        raise NotFound()
    org = _own_org(s, actor)
    chain = chain_by_id(claim)
    filer = org is not None and org.kind in {k for f in chain.filed_by for k in ACTING_KINDS.get(f, ())}
    # The HR bureau reads every claim of its territory, in a chain or not: it records findings of forged evidence
    # and re-checks a sample (温人社发〔2020〕125号 第十五条; lms/claims/findings.py, audits.py).
    hr = org is not None and org.kind in HR_KINDS and actor.role in ("bureau", "supervisor")
    if not filer and not hr and not any(acts_at(org, step) for step in chain.steps):
        raise NotFound()
    person = s.get(Person, claim.person_id)
    if person is None or not covers_person(s, actor, person):
        raise NotFound()
    return claim


def may_refile(s: Session, actor: Person, claim: HourClaim) -> bool:
    """Whether actor may correct and file the claim again (who may file for its claimant)."""
    person = s.get(Person, claim.person_id)
    return person is not None and files_for(s, actor, person, chain_by_id(claim))


def acts_in_chain(s: Session, actor: Person, claim: HourClaim) -> bool:
    """Whether actor's organisation acts at some step of the claim's chain (reading it is not enough)."""
    org = _own_org(s, actor)
    return any(acts_at(org, step) for step in chain_by_id(claim).steps)


def may_decide(s: Session, actor: Person, claim: HourClaim) -> bool:
    """Whether actor acts at the step the claim waits at (and may write)."""
    if claim.status != "pending" or actor.role == "practitioner" or not scope_of(s, actor).writable:
        return False
    chain = chain_by_id(claim)
    org = _own_org(s, actor)
    return (claim.step < len(chain.steps) and acts_at(org, chain.steps[claim.step])
            and four_eyes_refusal(s, actor, org, claim, chain) is None)


def my_claims(s: Session, person: Person) -> list[HourClaim]:
    return list(s.scalars(select(HourClaim).where(HourClaim.person_id == person.id)
                          .order_by(HourClaim.filed_at.desc(), HourClaim.id.desc())))


def history_of(s: Session, claim: HourClaim) -> list[ClaimStep]:
    return list(s.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)))


def step_labels(claim: HourClaim) -> list[str]:
    return [step.label for step in chain_by_id(claim).steps]


# ---- deciding -------------------------------------------------------------------------------------------------

def _lock_person_year(s: Session, person_id: int, year: int) -> None:
    """Serialise approvals of one person-year: what a claim adds depends on what the year holds (its caps). On
    PostgreSQL a transaction-scoped advisory lock; SQLite's write transactions (BEGIN IMMEDIATE) are serial."""
    if s.get_bind().dialect.name == "postgresql":
        # One bigint key per person-year, in a range of its own (12 × 10¹²: issue 12).
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 12 * 10**12 + person_id * 10_000 + year})


def _activity(claim: HourClaim) -> Any:
    policy = load_policy(claim.policy)
    return hours_for_claim(policy, claim.kind, claim.facts_dict).activity


def _credit(s: Session, actor: Person, org: Organisation, claim: HourClaim, ip: str | None) -> Decimal:
    """Post what the claim adds to its person-year (rules.claims.credit_in_year) to the hours bank, once."""
    _lock_person_year(s, claim.person_id, claim.year)
    policy = load_policy(claim.policy)
    from .findings import ClaimFinding  # a claim reversed for forged evidence holds nothing in the year
    approved = list(s.scalars(select(HourClaim).where(
        HourClaim.person_id == claim.person_id, HourClaim.status == "approved", HourClaim.id != claim.id,
        HourClaim.id.not_in(select(ClaimFinding.claim_id).where(ClaimFinding.outcome == "reversed")))))
    credited = [_activity(c) for c in approved if c.year == claim.year]
    earlier: dict[str, Decimal] = {}
    for c in approved:
        if c.year < claim.year and c.item_id and c.credited_hours is not None:
            earlier[c.item_id] = earlier.get(c.item_id, Decimal(0)) + c.credited_hours
    got = credit_in_year(policy, _activity(claim), credited, earlier)
    lines = [f"{c.explanation}（{c.rule}）" for c in got.lines] + list(got.skipped)
    by_category = dict(got.by_category)
    limit = _limit(s, claim)
    if limit is not None and got.hours > limit:
        # A reviewer approved less than the rules give: take the excess off the categories credited.
        excess = got.hours - limit
        for category in sorted(by_category, key=lambda c: by_category[c]):
            cut = min(excess, max(by_category[category], Decimal(0)))
            by_category[category] -= cut
            excess -= cut
        lines.append(f"审核认定 {limit}（低于按规定可得的 {got.hours}，理由见办理记录）")
    rules_cited = "；".join(dict.fromkeys(c.rule for c in got.lines)) or claim.rule
    for category, hours in by_category.items():
        if hours == 0:
            continue
        register_hours(s, person_id=claim.person_id, year=claim.year, category=category, hours=hours,
                       source_type="claim", source_ref=f"{claim.id}:{category}", title=claim.title, org=org.name,
                       registered_by=actor, rule=rules_cited[:120], note="\n".join(lines), ip=ip)
    return sum(by_category.values(), Decimal(0))


def _lowered(claim: HourClaim, hours: str, reason: str) -> Decimal | None:
    """The hours a reviewer approves when lower than the rules give (with a reason); never higher (issue 12)."""
    text_ = hours.strip()
    if not text_:
        return None
    try:
        amount = Decimal(text_)
    except ArithmeticError:
        raise InvalidFields({"hours": "认定学时须为数字"}) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidFields({"hours": "认定学时须为大于0、至多两位小数的数字"})
    if amount > claim.hours_claimed:
        raise InvalidFields({"hours": f"认定学时不能高于按规定可得的 {claim.hours_claimed}"})
    if amount != round(amount, 2):  # rounded only once it is known to be small (1E+999999 cannot be rounded)
        raise InvalidFields({"hours": "认定学时须为大于0、至多两位小数的数字"})
    if amount == claim.hours_claimed:
        return None
    if len(reason) < 2:
        raise InvalidFields({"reason": "调低认定学时须写明理由"})
    return amount


def _limit(s: Session, claim: HourClaim) -> Decimal | None:
    """The lowest amount a reviewer approved since the claim was last filed (None: as the rules give)."""
    rows = s.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version))
    limit: Decimal | None = None
    for row in rows:
        if row.decision in ("submit", "resubmit"):
            limit = None
        elif row.decision == "approve" and row.hours is not None:
            limit = row.hours if limit is None else min(limit, row.hours)
    return limit


def decide(s: Session, actor: Person, claim_id: int, *, version: int, decision: str, reason: str = "",
           hours: str = "", ip: str | None = None) -> HourClaim:
    """Approve (possibly lowering the hours, with a reason), return for correction or reject a claim at the step
    it waits at; the last approval credits it."""
    require_write(s, actor)
    claim = visible_claim(s, actor, claim_id)
    if decision not in ("approve", "return", "reject"):
        raise InvalidInput("审核意见无效")
    reason = reason.strip()
    if decision != "approve" and not 2 <= len(reason) <= 500:
        raise InvalidFields({"reason": "请写明退回或不予认定的原因（2–500 字）"})
    lowered = _lowered(claim, hours, reason) if decision == "approve" else None
    if len(reason) > 500:
        raise InvalidFields({"reason": "审核意见至多 500 字"})
    if claim.version != version:
        raise Conflict("该申报在您查看之后已有变化（已被审核或修改），请刷新后重新查看")
    if claim.status != "pending":
        raise Conflict(f"该申报当前状态为“{claim.status_name}”，不能审核")
    chain = chain_by_id(claim)
    steps = chain.steps
    step = steps[claim.step]
    org = _own_org(s, actor)
    if org is None or not acts_at(org, step):
        raise NotAllowed(f"该申报当前等待“{step.label}”，您所在机构不在这一环节")
    if (refusal := four_eyes_refusal(s, actor, org, claim, chain)) is not None:
        raise NotAllowed(refusal)
    follows = previous_step(s, claim, chain) if decision == "approve" else None
    # One decision per version, in the database: a concurrent decision on the same version fails here.
    changed = s.execute(text("UPDATE hour_claim SET version = version + 1 WHERE id = :id AND version = :v"),
                        {"id": claim.id, "v": version}).rowcount
    if changed != 1:
        raise Conflict("该申报在您查看之后已有变化（已被审核或修改），请刷新后重新查看")
    s.refresh(claim)
    now = clock.now()
    s.add(ClaimStep(claim_id=claim.id, version=claim.version, step=claim.step, level=step.label[:120],
                    decision=decision, reason=reason or None, actor_id=actor.id, org_id=org.id, org_name=org.name,
                    hours=lowered, at=now, follows_version=follows.version if follows else None,
                    follows_actor_id=follows.actor_id if follows else None))
    claim.updated_at = now
    detail: dict[str, Any] = {"person_id": claim.person_id, "step": step.label, "reason": reason}
    if lowered is not None:
        detail["lowered_to"] = str(lowered)
    if decision == "approve":
        claim.step += 1
        if claim.step == len(steps):
            claim.credited_hours = _credit(s, actor, org, claim, ip)
            claim.status = "approved"
            detail["hours"] = str(claim.credited_hours)
    else:
        claim.status = "returned" if decision == "return" else "rejected"
    s.flush()
    # Literal action codes, one per decision (tests/admin/test_audit_log.py reads them from the source).
    if decision == "approve":
        audit.record(s, actor, "claim.approve", claim, ip=ip, **detail)
    elif decision == "return":
        audit.record(s, actor, "claim.return", claim, ip=ip, **detail)
    else:
        audit.record(s, actor, "claim.reject", claim, ip=ip, **detail)
    tell_decision(s, claim, decision, step=step, steps=steps, org=org, reason=reason, lowered=lowered)
    return claim


def evidence_of(s: Session, actor: Person, claim_id: int, evidence_id: int) -> ClaimEvidence:
    """An evidence file, for its claimant and the reviewers who see the claim; 404 for others (a file the store
    lost answers 410 when it is sent: lms.filestore.FileLost)."""
    claim = visible_claim(s, actor, claim_id)
    ev = s.get(ClaimEvidence, evidence_id)
    if ev is None or ev.claim_id != claim.id:
        raise NotFound()
    return ev
