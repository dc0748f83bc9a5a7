"""Year-end reminders (issue 14 item 3): a bureau schedules a campaign for a day; on that day the scheduler's job tells
the persons in the bureau's scope who are short of their policy's requirement what each lacks and how to get it —
in the app and by mail through the outbox — and their employers' administrators who is short; everybody at most
once per campaign, also when a run stopped half-way and another copy takes over. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.hours.operations import register_hours
from lms.messages.models import Message, OutboxMail
from lms.orgs.models import Employment
from lms.reminders.models import ReminderCampaign, ReminderDelivery
from lms.reminders.operations import _tell_batch, run_campaign, run_due_campaigns
from tests.test_access import web_login

OCTOBER_FIRST = datetime(2026, 9, 30, 16, 0, 0)  # 00:00 on 1 October 2026, Beijing time


def hours(make: Any, person: Any, category: str, amount: str, n: int) -> None:
    with make.app.app_context():
        register_hours(make.s, person_id=person.id, year=2026, category=category, hours=Decimal(amount),
                       source_type="manual", source_ref=f"r-{person.id}-{n}", title="登记", org="温州市人社局")
        make.s.commit()


@pytest.fixture
def world(app: Any, make: Any, db: Any) -> dict[str, Any]:
    """鹿城区: one short of professional hours, one complete, one with nothing and an e-mail address (all three at one
    school), one short and unemployed; 瑞安市 one short; Weihai one short (outside Wenzhou)."""
    school = make.org("employer", "wenzhou-lucheng", "鹿城某中学")
    short = make.practitioner("陈老师", region="wenzhou-lucheng")
    done = make.practitioner("王老师", region="wenzhou-lucheng")
    empty = make.practitioner("李老师", region="wenzhou-lucheng")
    alone = make.practitioner("赵自由", region="wenzhou-lucheng")
    ruian = make.practitioner("孙医生", region="wenzhou-ruian")
    weihai = make.practitioner("周工", region="weihai-huancui")
    empty.email = "li@example.com"
    for p in (short, done, empty):
        db.add(Employment(person_id=p.id, org_id=school.id, status="current", applied_at=clock.now(),
                          region_code=school.region_code, started_on=clock.now().date(), confirmed_by_id=p.id))
    db.commit()
    hours(make, short, "general_public", "18", 1)
    hours(make, short, "professional", "30", 2)
    hours(make, done, "general_public", "18", 3)
    hours(make, done, "professional", "72", 4)
    return {"school": school, "short": short, "done": done, "empty": empty, "alone": alone, "ruian": ruian,
            "weihai": weihai, "admin": make.staff("employer", "school", org=school),
            "city": make.staff("bureau", "city"), "county": make.staff("bureau", "lucheng", region="wenzhou-lucheng")}


def schedule(app: Any, clerk: Any, send_on: str = "2026-10-01", year: int = 2026) -> Any:
    c = app.test_client()
    web_login(c, clerk)
    return c.post("/admin/reminders", data={"year": str(year), "send_on": send_on, "note": "第一轮"})


def told(db: Any, kind: str = "practitioner") -> list[int]:
    db.rollback()
    return sorted(db.scalars(select(ReminderDelivery.person_id).where(ReminderDelivery.kind == kind)))


def test_on_its_day_the_campaign_tells_the_short_in_scope_what_they_lack_and_how_to_get_it(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    assert schedule(app, world["county"]).status_code == 302
    factory = app.extensions["xst_db"].factory
    assert run_due_campaigns(factory) == []  # 2 March: not yet
    frozen_clock.current = OCTOBER_FIRST
    [(cid, persons, employers)] = run_due_campaigns(factory)
    short, empty, alone = world["short"], world["empty"], world["alone"]
    assert (persons, employers) == (3, 1)
    assert told(db) == sorted([short.id, empty.id, alone.id])  # not the complete one, not 瑞安 nor Weihai
    msg = db.scalars(select(Message).where(Message.person_id == short.id)).one()
    assert msg.subject == "2026 年度继续教育学时尚未达标" and msg.link == "/hours"
    assert "专业科目还差 30 学时（要求 60，已登记 30" in msg.body and "还差 42 学时" in msg.body
    assert "获取方式" in msg.body and "学时认证" in msg.body and "温人社发〔2020〕125号" in msg.body
    assert "一般公需" not in msg.body.split("获取方式")[0]  # 18 general public hours: that one is met
    empty_msg = db.scalars(select(Message).where(Message.person_id == empty.id)).one()
    assert "培训报名" in empty_msg.body  # the general public course is studied on the platform (温 第八条)
    mails = db.scalars(select(OutboxMail)).all()
    assert [(m.person_id, m.to_address) for m in mails] == [(empty.id, "li@example.com")]  # the only address
    campaign = db.get(ReminderCampaign, cid)
    assert (campaign.persons_told, campaign.employers_told, campaign.finished_at is not None) == (3, 1, True)
    # The school's administrator is told, and the list shows its two short staff with what each lacks.
    admin_msg = db.scalars(select(Message).where(Message.person_id == world["admin"].id)).one()
    assert admin_msg.link == f"/org/reminders/{cid}" and "2 名" in admin_msg.subject
    c = app.test_client()
    web_login(c, world["admin"])
    page = c.get(f"/org/reminders/{cid}").get_data(as_text=True)
    assert "陈老师" in page and "李老师" in page and "王老师" not in page and "赵自由" not in page
    assert "专业科目还差 30 学时" in page
    # The campaign's page for the bureau says how many were told.
    clerk = app.test_client()
    web_login(clerk, world["county"])
    assert "提醒了 3 名未达标人员和 1 名单位管理员" in clerk.get(f"/admin/reminders/{cid}").get_data(as_text=True)


def test_a_run_that_stopped_half_way_is_finished_by_the_next_and_nobody_is_told_twice(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    assert schedule(app, world["city"]).status_code == 302
    frozen_clock.current = OCTOBER_FIRST
    factory = app.extensions["xst_db"].factory
    campaign = db.scalars(select(ReminderCampaign)).one()
    # The leader told the first batch (its transaction committed) and its host died: what a crash leaves behind.
    with factory() as s:
        c = s.get(ReminderCampaign, campaign.id)
        c.started_at = clock.now()
        first = [(world["short"].id, "wenzhou-lucheng"), (world["empty"].id, "wenzhou-lucheng")]
        assert _tell_batch(s, c, first, {}) == 2
        s.commit()
    # Another scheduler copy takes over and runs the campaign again: from the start, skipping who was told.
    [(_cid, persons, employers)] = run_due_campaigns(factory)
    assert (persons, employers) == (2, 1)  # 赵自由 and 瑞安's 孙医生 now; the school's administrator
    assert told(db) == sorted([world["short"].id, world["empty"].id, world["alone"].id, world["ruian"].id])
    per_person = db.execute(select(Message.person_id, func.count()).group_by(Message.person_id)).all()
    assert all(n == 1 for _p, n in per_person) and len(per_person) == 5
    assert db.scalar(select(func.count()).select_from(OutboxMail)) == 1
    # Run again after it finished (a restart the next day): nothing more.
    assert run_due_campaigns(factory) == []
    assert run_campaign(factory, campaign.id) == (0, 0)
    assert db.scalar(select(func.count()).select_from(Message)) == 5


def test_two_scheduler_copies_running_one_campaign_at_once_tell_each_person_once(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    assert schedule(app, world["city"]).status_code == 302
    frozen_clock.current = OCTOBER_FIRST
    factory = app.extensions["xst_db"].factory
    cid = db.scalars(select(ReminderCampaign.id)).one()
    results: list[tuple[int, int]] = []
    threads = [threading.Thread(target=lambda: results.append(run_campaign(factory, cid, batch=1)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(p for p, _e in results) == 4 and sum(e for _p, e in results) == 1
    assert len(told(db)) == 4 and told(db, "employer") == [world["admin"].id]
    assert db.scalar(select(func.count()).select_from(Message)) == 5


def test_the_database_refuses_a_second_delivery_of_one_campaign_to_one_person(
        app: Any, db: Any, world: dict[str, Any]) -> None:
    assert schedule(app, world["city"]).status_code == 302
    cid = db.scalars(select(ReminderCampaign.id)).one()
    for _ in range(2):
        db.add(ReminderDelivery(campaign_id=cid, person_id=world["short"].id, kind="practitioner", lacks="",
                                created_at=clock.now()))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


@pytest.mark.parametrize(("send_on", "year", "message"), [
    ("2026-03-01", 2026, "发送日期不能早于今天"),
    ("2027-01-01", 2026, "2026 年度的提醒应在该年 12 月 31 日前发送"),
    ("2026-12-01", 2027, "年度无效"),
])
def test_a_campaign_for_a_day_that_cannot_be_is_refused(app: Any, world: dict[str, Any], send_on: str,
                                                         year: int, message: str) -> None:
    resp = schedule(app, world["city"], send_on, year)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)


def test_the_same_day_twice_is_refused_and_a_campaign_not_started_can_be_cancelled(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    assert schedule(app, world["city"], "2026-12-31").status_code == 302  # the last day of the year is allowed
    again = schedule(app, world["city"], "2026-12-31")
    assert again.status_code == 409 and "已安排了 2026-12-31" in again.get_data(as_text=True)
    cid = db.scalars(select(ReminderCampaign.id)).one()
    c = app.test_client()
    web_login(c, world["city"])
    assert c.post(f"/admin/reminders/{cid}/cancel").status_code == 302
    frozen_clock.current = datetime(2026, 12, 31, 1, 0)
    assert run_due_campaigns(app.extensions["xst_db"].factory) == []
    assert told(db) == []


def test_an_employer_sees_no_list_of_a_campaign_that_did_not_tell_it(app: Any, make: Any,
                                                                   world: dict[str, Any], frozen_clock: Any) -> None:
    assert schedule(app, world["county"]).status_code == 302
    frozen_clock.current = OCTOBER_FIRST
    [(cid, _p, _e)] = run_due_campaigns(app.extensions["xst_db"].factory)
    other = make.org("employer", "wenzhou-lucheng", "鹿城另一单位")
    c = app.test_client()
    web_login(c, make.staff("employer", "other", org=other))
    assert c.get(f"/org/reminders/{cid}").status_code == 404


def test_the_scheduler_job_runs_the_campaigns_whose_day_has_come(app: Any, db: Any, world: dict[str, Any],
                                                                 frozen_clock: Any) -> None:
    from lms.reminders.jobs import send_due_reminders_job
    from lms.scheduler import JOBS
    assert "reminders.send_due" in [j.id for j in JOBS]
    assert schedule(app, world["county"], "2026-11-01").status_code == 302
    frozen_clock.current = OCTOBER_FIRST
    assert send_due_reminders_job(app) == "none due"
    frozen_clock.current = datetime(2026, 10, 31, 16, 0)  # 1 November in Beijing
    assert send_due_reminders_job(app).endswith(": 3 persons, 1 employers")
    assert len(told(db)) == 3
