"""The demo `make run` loads: the password printed beside the accounts, an exam session open whenever it runs,
and a run that finds everything in place writes nothing (the audit log is append-only: no noise in it)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from exams.models import Booking, ExamPlan, ExamSession, ProctorAssignment, Question
from lms import clock
from lms.accounts.models import Person
from lms.audit import AuditEntry
from lms.demo import DEMO_PASSWORD, load_demo


def counts(db: Any) -> dict[str, int]:
    db.rollback()
    return {m.__name__: int(db.scalar(select(func.count()).select_from(m)))
            for m in (AuditEntry, ExamPlan, ExamSession, Question, Person, Booking)}


def open_now(db: Any) -> list[ExamSession]:
    db.rollback()
    now = clock.now()
    return [x for x in db.scalars(select(ExamSession))
            if x.booking_opens_at <= now < x.booking_closes_at and x.starts_at <= now < x.ends_at
            and x.ends_at - now >= timedelta(hours=1)]


def test_the_demo_prints_the_password_with_the_accounts_and_a_second_run_writes_nothing(app: Any, db: Any) -> None:
    first = load_demo(app)
    assert first[0] == "已载入演示数据。"
    assert "监考员 proctor1 已指派到 3 个场次" in first  # (it used to count the sessions before they were made)
    at = first.index(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    accounts = "\n".join(first[at:])  # the account lines come last, after the password line
    for username in ("admin", "proctor1", "proctor2", "lucheng", "ouhai", "ruian", "jiancha", "jiaoyu", "weijian", "zhujian",
                     "caizheng", "yizhong", "jianyuan", "lckj", "rencai", "peixun"):
        assert f"{username}（" in accounts or f"{username}\n" in accounts + "\n" or f" {username}" in accounts
    before = counts(db)
    again = load_demo(app)
    assert again[0] == "演示数据已存在，未重复载入。" and f"演示账号（密码均为 {DEMO_PASSWORD}）：" in again
    assert counts(db) == before  # not one audit entry, session, question or account more
    assert len(open_now(db)) == 1


def test_the_demo_renews_its_open_session_on_a_later_day_without_duplicating(app: Any, db: Any,
                                                                             frozen_clock: Any) -> None:
    load_demo(app)
    (first,) = open_now(db)
    frozen_clock.advance(2 * 86400)  # two days later the first day's session has ended
    assert open_now(db) == []
    before = counts(db)
    lines = load_demo(app)
    assert any("已添加今天的场次" in line for line in lines)
    (today,) = open_now(db)
    assert today.id != first.id and clock.china(today.starts_at).date() == clock.china_today()
    after = counts(db)
    assert after["ExamSession"] == before["ExamSession"] + 1 and after["Question"] == before["Question"]
    assert after["AuditEntry"] == before["AuditEntry"] + 2  # the session added and its proctor assigned
    load_demo(app)  # the same day again: nothing more
    assert counts(db) == after


def test_the_site_has_an_icon_where_browsers_look_and_pages_link_it(client: Any) -> None:
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    resp.close()
    assert resp.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<svg")
    svg.close()


def test_every_demo_account_logs_in_and_lands_on_its_home(app: Any) -> None:
    """Issue 11: a staff account at every level, each printed with its password by make run."""
    load_demo(app)
    homes = {"admin": "/admin/", "lucheng": "/admin/", "jiancha": "/admin/", "jiaoyu": "/org", "yizhong": "/org",
             "lckj": "/org", "rencai": "/org", "proctor1": "/exams/proctor", "proctor2": "/exams/proctor", "peixun": "/programmes/manage"}
    for username, home in homes.items():
        client = app.test_client()
        resp = client.post("/login", data={"login": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302, username
        landed = client.get("/", follow_redirects=False)
        assert landed.headers["Location"].endswith(home), username
        assert client.get(home).status_code == 200, username


def test_the_demo_shows_an_application_waiting_and_a_pending_employer(app: Any, db: Any) -> None:
    from lms.orgs.models import Employment, Organisation
    load_demo(app)
    assert db.scalar(select(Organisation.name).where(Organisation.status == "pending")) == "温州鹿城科技有限公司"
    assert db.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "employer")) == 12
    assert db.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "authority")) == 4
    assert db.scalar(select(func.count()).select_from(Employment).where(Employment.status == "applied")) == 1


def test_the_demo_gives_the_authorities_a_queue_of_claims_in_every_state(app: Any, db: Any) -> None:
    """Issue 12: 住建局 has two claims waiting, 教育局 one; 张伟 also has one returned, one credited, one rejected."""
    from lms.claims.models import HourClaim
    from lms.hours.models import HoursEntry
    load_demo(app)
    states = sorted(db.scalars(select(HourClaim.status)))
    assert states == ["approved", "pending", "pending", "pending", "rejected", "returned"]
    approved = db.scalars(select(HourClaim).where(HourClaim.status == "approved")).one()
    assert db.scalar(select(HoursEntry.registered_by_org).where(
        HoursEntry.source_ref.startswith(f"{approved.id}:"))) == "温州市住房和城乡建设局"
    for username, waiting in (("zhujian", 2), ("jiaoyu", 1)):
        client = app.test_client()
        assert client.post("/login", data={"login": username, "password": DEMO_PASSWORD}).status_code == 302
        queue = client.get("/claims/review").get_data(as_text=True).split('id="queue"')[1]
        assert queue.count('href="/claims/') == waiting, username
    before = counts(db)
    assert any("学时认证" in line for line in load_demo(app))
    assert counts(db) == before


def test_the_education_authority_finds_its_industry_exam_plan_with_a_session_examining_its_own_course(
        app: Any, db: Any) -> None:
    """温人社发〔2020〕125号 第十一条: 教育局 runs the exam of its industry public subject; the demo gives it the year's plan
    with a session open for booking in the year, and the bank of its own industry public course, nobody else's."""
    from lms.catalogue.models import Course
    load_demo(app)
    jiaoyu = db.scalars(select(Person).where(Person.username == "jiaoyu")).one()
    year = clock.study_year()
    plan = db.scalars(select(ExamPlan).where(ExamPlan.owner_org_id == jiaoyu.org_id)).one()
    assert (plan.year, plan.category, plan.region_code) == (year, "industry_public", "wenzhou")
    (session,) = plan.sessions
    now = clock.now()
    assert session.booking_opens_at <= now < session.booking_closes_at and now < session.starts_at
    assert clock.china(session.starts_at).year == year
    banks = set(db.execute(select(Course.id, Course.owner_org_id, Course.category).join(
        Question, Question.course_id == Course.id).where(Course.category == "industry_public")).all())
    assert len(banks) == 1 and {(owner, category) for _id, owner, category in banks} == {
        (jiaoyu.org_id, "industry_public")}

    client = app.test_client()
    assert client.post("/login", data={"login": "jiaoyu", "password": DEMO_PASSWORD}).status_code == 302
    plans = client.get("/exams/admin/plans").get_data(as_text=True)
    assert "还没有考试计划" not in plans and plan.title in plans and "温州市教育局" in plans
    assert "第一考场" in client.get(f"/exams/admin/plans/{plan.id}").get_data(as_text=True)
    bank = client.get("/exams/admin/questions").get_data(as_text=True)
    assert re.search(r"教育行业师德师风建设</td><td>行业公需科目</td><td><a [^>]*>6 题</a>", bank)
    # its session has a proctor, an account of 教育局 itself (a plan's proctors belong to the body that runs it)
    proctor = db.scalars(select(Person).where(Person.username == "proctor2")).one()
    assert (proctor.role, proctor.org_id) == ("proctor", jiaoyu.org_id)
    assert db.scalars(select(ProctorAssignment.proctor_id).where(ProctorAssignment.session_id == session.id)).all() \
        == [proctor.id]
    desk = app.test_client()
    assert desk.post("/login", data={"login": "proctor2", "password": DEMO_PASSWORD}).status_code == 302
    assert "第一考场" in desk.get("/exams/proctor").get_data(as_text=True)


def test_the_authoritys_demo_session_stays_in_its_study_year_in_the_years_last_week(app: Any, db: Any,
                                                                                    frozen_clock: Any) -> None:
    """A week ahead would be next year on 28 December: the session is on the 31st instead (温 第十条: in the year)."""
    frozen_clock.current = datetime(2026, 12, 28, 2, 0)  # 10:00 Beijing time
    load_demo(app)
    jiaoyu = db.scalars(select(Person).where(Person.username == "jiaoyu")).one()
    (session,) = db.scalars(select(ExamPlan).where(ExamPlan.owner_org_id == jiaoyu.org_id)).one().sessions
    assert clock.china(session.starts_at) == datetime(2026, 12, 31, 9, 0)
    assert session.booking_opens_at <= clock.now() < session.booking_closes_at


def test_the_demo_employer_has_reported_this_years_fees_and_the_city_dashboard_sums_them(app: Any, db: Any) -> None:
    """川人社发〔2016〕20号 七(三): the city's statistics show the fees jianyuan reported for the year."""
    from lms.orgs.models import FeeReport
    from lms.stats.operations import refresh_stats
    load_demo(app)
    (report,) = db.scalars(select(FeeReport)).all()
    assert (report.year, str(report.amount), report.trained) == (clock.study_year(), "38600.00", 12)
    with app.app_context():
        refresh_stats(db, [clock.study_year()])
        db.commit()
    client = app.test_client()
    assert client.post("/login", data={"login": "admin", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/stats/{clock.study_year()}").get_data(as_text=True)
    assert re.search(r"鹿城区</td><td[^>]*>工程技术</td><td[^>]*>1</td><td[^>]*>12</td><td[^>]*>38600.00</td>", page)
