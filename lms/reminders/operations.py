"""Year-end reminder campaigns: scheduled by an HR bureau for a day (e.g. 1 October, 1 November, 1 December), run by
the scheduler on that day for the persons in the bureau's scope (lms/orgs/scope.py) who are short of their policy's
annual requirement (rules: Policy.judge_totals over the year's registered hours).

Each person is told at most once per campaign: a `reminder_delivery` row per (campaign, person) is inserted with
ON CONFLICT DO NOTHING in the same transaction as the message and the outbox mail (lms/messages), batch by batch.
A scheduler that stops half-way (restart, failover to another host) leaves whole batches committed; the next run
starts over and the constraint skips everyone already told. Employers' administrators then get the list of their
staff who are short (桐人社发〔2018〕26号 第十二条: the employer organises and supervises its staff's study;
威人社字〔2022〕2号 四: employers verify and register their people's hours).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rules import Policy, load_policy
from rules.model import RequirementResult

from .. import audit, clock
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..db import chunked, dialect_insert, inline_in
from ..errors import Conflict, InvalidInput, NotFound
from ..hours.models import HoursEntry
from ..messages.operations import notify_many
from ..orgs.models import MEMBER_KINDS, Employment, Organisation
from ..orgs.scope import org_clause, own_org, person_clause, require_write, scope_of
from ..regions import CATEGORY_NAMES, policy_of
from .models import ReminderCampaign, ReminderDelivery

BATCH = 500
KIND = "reminder"


def schedule_campaign(s: Session, actor: Person, *, year: int, send_on: date, note: str = "",
                      ip: str | None = None) -> ReminderCampaign:
    """Schedule a reminder of a study year for a day of that year, today or later (China time)."""
    require_write(s, actor)
    org = own_org(s, actor)
    if not org.is_hr:
        raise InvalidInput("只有人社局可以安排年度学时提醒")
    today = clock.china_today()
    if not 2000 <= year <= today.year:
        raise InvalidInput("年度无效：只能提醒本年度或以前的年度")
    if send_on < today:
        raise InvalidInput("发送日期不能早于今天")
    if send_on > date(year, 12, 31):
        raise InvalidInput(f"{year} 年度的提醒应在该年 12 月 31 日前发送")
    campaign = ReminderCampaign(org_id=org.id, created_by_id=actor.id, year=year, send_on=send_on,
                                note=note.strip()[:500], created_at=clock.now(), persons_told=0, employers_told=0)
    try:
        with s.begin_nested():
            s.add(campaign)
            s.flush()
    except IntegrityError:
        raise Conflict(f"本局已安排了 {send_on.isoformat()} 发送的 {year} 年度提醒") from None
    audit.record(s, actor, "reminder.schedule", campaign, ip=ip, year=year, send_on=send_on)
    return campaign


def cancel_campaign(s: Session, actor: Person, campaign: ReminderCampaign, ip: str | None = None) -> None:
    """Cancel a campaign that has not started."""
    require_write(s, actor)
    done = s.execute(update(ReminderCampaign).where(ReminderCampaign.id == campaign.id,
                                                    ReminderCampaign.started_at.is_(None),
                                                    ReminderCampaign.cancelled_at.is_(None))
                     .values(cancelled_at=clock.now()).execution_options(synchronize_session=False))
    if not getattr(done, "rowcount", 0):
        raise Conflict("该提醒已开始发送或已取消，不能再取消")
    s.expire(campaign)
    audit.record(s, actor, "reminder.cancel", campaign, ip=ip)


def visible_campaign(s: Session, actor: Person, campaign_id: int) -> ReminderCampaign:
    """A campaign of the actor's bureau or of one within its territory; 404 otherwise."""
    found = s.scalar(select(ReminderCampaign).join(Organisation, Organisation.id == ReminderCampaign.org_id)
                     .where(ReminderCampaign.id == campaign_id, org_clause(scope_of(s, actor))))
    if found is None:
        raise NotFound()
    return found


def campaigns_seen(s: Session, actor: Person) -> list[ReminderCampaign]:
    return list(s.scalars(select(ReminderCampaign).join(Organisation, Organisation.id == ReminderCampaign.org_id)
                          .where(org_clause(scope_of(s, actor)))
                          .order_by(ReminderCampaign.year.desc(), ReminderCampaign.send_on.desc())))


# ---- what a person lacks --------------------------------------------------------------------------------------

def judged_on(year: int) -> date:
    """The day whose policy judges a year: its last day, or today while it runs (a year is judged under the
    policy in force then)."""
    return min(date(year, 12, 31), clock.china_today())


def how_to(policy: Policy, categories: tuple[str, ...]) -> str:
    """How the hours of these categories are earned under the policy, in a sentence (from the policy's data)."""
    ways: list[str] = []
    for category in categories:
        if category in policy.platform_categories:
            rule = policy.course_rule(category)
            exam = "，完成学习并参加考试合格后登记" if rule.completion == "exam" else "，完成学习后登记"
            ways.append(f"{CATEGORY_NAMES[category]}：在本平台“培训报名”中选学课程{exam}（{policy.document} {rule.rule}）")
        elif category == "professional":
            ways.append("专业科目：参加培训班、研修班、学术会议等由主办单位报送名单登记，或在“学时认证”中申报"
                        "论文、课题、考试等成果")
        else:
            ways.append(f"{CATEGORY_NAMES[category]}：参加行业主管部门组织的学习和考核后由其登记")
    return "；".join(dict.fromkeys(ways))


def lacks_of(policy: Policy, results: tuple[RequirementResult, ...]) -> str:
    """What a person lacks, one clause per requirement not met."""
    unit = policy.unit
    return "；".join(f"{r.label}还差 {_fmt(r.short)} {unit}（要求 {_fmt(r.minimum)}，已登记 {_fmt(r.credited)}；"
                    f"{r.rule}）" for r in results if r.short)


def _fmt(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def message_for(policy: Policy, year: int, results: tuple[RequirementResult, ...]) -> tuple[str, str]:
    short = tuple(r for r in results if r.short)
    categories = tuple(c for c in CATEGORIES if any(c in r.categories for r in short))
    subject = f"{year} 年度继续教育{policy.unit}尚未达标"
    body = (f"按{policy.document}，您 {year} 年度的继续教育{policy.unit}尚未达到要求：{lacks_of(policy, results)}。\n"
            f"获取方式：{how_to(policy, categories)}。\n"
            f"学习年度为 1 月 1 日至 12 月 31 日，请在年底前完成；已完成但尚未登记的，请联系登记机构或单位及时登记。")
    return subject, body


# ---- running a campaign ---------------------------------------------------------------------------------------

def _tell_batch(s: Session, campaign: ReminderCampaign, people: list[tuple[int, str]],
                policies: dict[str, Policy | None]) -> int:
    """Tell the short persons of one batch; returns how many were told now (not before)."""
    ids = [pid for pid, _r in people]
    totals: dict[int, dict[str, Decimal]] = {pid: {} for pid in ids}
    for pid, category, hours in s.execute(
            select(HoursEntry.person_id, HoursEntry.category, func.sum(HoursEntry.hours))
            .where(inline_in(HoursEntry.person_id, ids), HoursEntry.year == campaign.year)
            .group_by(HoursEntry.person_id, HoursEntry.category)):
        totals[pid][category] = Decimal(hours)
    short: dict[int, tuple[Policy, tuple[RequirementResult, ...]]] = {}
    for pid, region_code in people:   # a policy loaded once per region code of the batch
        if region_code not in policies:
            found = policy_of(region_code, judged_on(campaign.year))
            policies[region_code] = load_policy(found) if found else None
        policy = policies[region_code]
        if policy is None:
            continue  # no document covers the region: nothing to judge by
        results, complete = policy.judge_totals(totals[pid])
        if not complete:
            short[pid] = (policy, results)
    if not short:
        return 0
    now = clock.now()
    rows = [{"campaign_id": campaign.id, "person_id": pid, "kind": "practitioner", "org_id": None,
             "lacks": lacks_of(policy, results), "created_at": now} for pid, (policy, results) in short.items()]
    table = ReminderDelivery.__table__
    new = s.execute(dialect_insert(s)(table).on_conflict_do_nothing(
        index_elements=[table.c.campaign_id, table.c.person_id]).returning(table.c.person_id), rows).scalars().all()
    notify_many(s, [(pid, *message_for(short[pid][0], campaign.year, short[pid][1])) for pid in new], link="/hours",
                kind=KIND, ref=f"campaign:{campaign.id}")
    return len(new)


def _tell_employers(s: Session, campaign: ReminderCampaign) -> int:
    """Tell the active administrators of every employer or agency with current staff told by the campaign."""
    told_staff = (select(Employment.org_id, func.count(ReminderDelivery.id))
                  .join(ReminderDelivery, and_(ReminderDelivery.person_id == Employment.person_id,
                                               ReminderDelivery.campaign_id == campaign.id,
                                               ReminderDelivery.kind == "practitioner"))
                  .where(Employment.status == "current").group_by(Employment.org_id))
    counts = dict(s.execute(told_staff).tuples().all())
    if not counts:
        return 0
    admins = [row for chunk in chunked(sorted(counts)) for row in s.execute(
        select(Person.id, Person.org_id).join(Organisation, Organisation.id == Person.org_id)
        .where(inline_in(Person.org_id, chunk), Person.role.in_(MEMBER_KINDS), Person.active.is_(True),
               Organisation.kind.in_(MEMBER_KINDS))).tuples()]
    now = clock.now()
    table = ReminderDelivery.__table__
    told = 0
    for start in range(0, len(admins), BATCH):
        chunk = admins[start:start + BATCH]
        rows = [{"campaign_id": campaign.id, "person_id": pid, "kind": "employer", "org_id": org_id, "lacks": "",
                 "created_at": now} for pid, org_id in chunk]
        new = s.execute(dialect_insert(s)(table).on_conflict_do_nothing(
            index_elements=[table.c.campaign_id, table.c.person_id]).returning(table.c.person_id,
                                                                              table.c.org_id), rows).all()
        notify_many(s, [(pid, f"本单位 {counts[org_id]} 名专业技术人员 {campaign.year} 年度学时尚未达标",
                         f"{campaign.year} 年度继续教育年终提醒：本单位有 {counts[org_id]} 名专业技术人员尚未达到年度学时"
                         "要求，名单及每人所差学时见链接页面。请督促其在年底前完成学习，已完成的请及时登记。")
                        for pid, org_id in new], link=f"/org/reminders/{campaign.id}", kind=KIND,
                    ref=f"campaign:{campaign.id}")
        told += len(new)
    return told


def run_campaign(factory: Callable[[], Session], campaign_id: int, batch: int = BATCH) -> tuple[int, int]:
    """Run one campaign to its end, one committed transaction per batch of persons; returns (persons, employer
    administrators) told by this run. Safe to run again or beside another run: nobody is told twice."""
    with factory() as s:
        campaign = s.get(ReminderCampaign, campaign_id)
        if campaign is None or campaign.cancelled_at is not None or campaign.finished_at is not None:
            return 0, 0
        s.execute(update(ReminderCampaign).where(ReminderCampaign.id == campaign_id,
                                                 ReminderCampaign.started_at.is_(None))
                  .values(started_at=clock.now()).execution_options(synchronize_session=False))
        s.commit()
        creator = s.get(Person, campaign.created_by_id)
        assert creator is not None
        clause = person_clause(scope_of(s, creator))
        persons = last = 0
        while True:
            people = [(pid, code) for pid, code in s.execute(
                select(Person.id, Person.region).where(clause, Person.active.is_(True), Person.id > last)
                .order_by(Person.id).limit(batch))]
            if not people:
                break
            persons += _tell_batch(s, campaign, people, {})
            s.commit()
            last = people[-1][0]
        employers = _tell_employers(s, campaign)
        told = select(func.count(ReminderDelivery.id)).where(ReminderDelivery.campaign_id == campaign_id)
        s.execute(update(ReminderCampaign).where(ReminderCampaign.id == campaign_id).values(
            finished_at=clock.now(),
            persons_told=told.where(ReminderDelivery.kind == "practitioner").scalar_subquery(),
            employers_told=told.where(ReminderDelivery.kind == "employer").scalar_subquery())
            .execution_options(synchronize_session=False))
        audit.record(s, None, "reminder.send", ("ReminderCampaign", campaign_id), persons=persons,
                     employers=employers)
        s.commit()
        return persons, employers


def run_due_campaigns(factory: Callable[[], Session]) -> list[tuple[int, int, int]]:
    """Run every campaign whose day has come and that has not finished; [(campaign id, persons, employers)]."""
    with factory() as s:
        due = list(s.scalars(select(ReminderCampaign.id).where(
            ReminderCampaign.send_on <= clock.china_today(), ReminderCampaign.finished_at.is_(None),
            ReminderCampaign.cancelled_at.is_(None)).order_by(ReminderCampaign.id)))
    return [(cid, *run_campaign(factory, cid)) for cid in due]


# ---- the employer's list --------------------------------------------------------------------------------------

def short_staff(s: Session, actor: Person, campaign_id: int) -> tuple[ReminderCampaign, list[tuple[Person, str]]]:
    """The employer's current staff the campaign told, with what each lacked; only for an employer the campaign
    told (its administrators), 404 otherwise."""
    org = own_org(s, actor)
    campaign = s.scalar(select(ReminderCampaign).join(ReminderDelivery, ReminderDelivery.campaign_id ==
                                                      ReminderCampaign.id)
                        .where(ReminderCampaign.id == campaign_id, ReminderDelivery.kind == "employer",
                               ReminderDelivery.org_id == org.id).limit(1))
    if campaign is None:
        raise NotFound()
    rows = s.execute(select(Person, ReminderDelivery.lacks)
                     .join(ReminderDelivery, ReminderDelivery.person_id == Person.id)
                     .join(Employment, and_(Employment.person_id == Person.id, Employment.org_id == org.id,
                                            Employment.status == "current"))
                     .where(ReminderDelivery.campaign_id == campaign_id, ReminderDelivery.kind == "practitioner")
                     .order_by(Person.name, Person.id)).tuples().all()
    return campaign, list(rows)
