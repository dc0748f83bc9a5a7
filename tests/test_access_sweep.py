"""The access sweep of issue 11, built from the app's URL map: every staff route × every role × an object inside
and an object outside the role's scope. Only in-scope requests succeed; an object outside answers 404.

Every endpoint of the URL map must be classified in ROUTES (a new route that is not fails `test_every_route_is_
classified`); every route with an object in its URL is requested with the object inside and the object outside each
role's scope. Everything outside the Wenzhou world is named 域外, and no page any role can open may show it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.routing import Rule

from lms import clock
from tests.conftest import PASSWORD

ACTORS = ("anon", "practitioner", "city", "county", "supervisor", "authority", "employer", "agency", "proctor",
          "organiser")
BUREAU = frozenset({"city", "county"})
READERS = BUREAU | {"supervisor"}
MEMBERS = frozenset({"employer", "agency"})


@dataclass(frozen=True)
class R:
    """How a route is guarded: who may GET and who may POST; which URL objects are scoped (others are filled with
    the inside object for everyone); objects chosen for this route instead of the defaults."""

    get: frozenset[str] = frozenset()
    post: frozenset[str] = frozenset()
    unscoped: str = ""            # why the route's objects are not territorial (empty: they are)
    inside: dict[str, str] = field(default_factory=dict)
    outside: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)   # form fields naming objects (field → object key)


def staff(get: frozenset[str] = READERS, post: frozenset[str] = BUREAU, **kw: Any) -> R:
    return R(get=frozenset(get), post=frozenset(post), **kw)


PUBLIC = "public"
OWNED = "a practitioner's own objects: tests/test_access.py and the domain tests prove ownership"
EVERYONE = frozenset(ACTORS)
PRACTITIONER = frozenset({"practitioner"})

ROUTES: dict[str, R | str] = {
    # public and personal
    "static": PUBLIC, "favicon": PUBLIC, "accounts.index": PUBLIC, "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC, "accounts.register": PUBLIC, "accounts.profile": PUBLIC, "hours.verify": PUBLIC,
    "hours.verify_form": PUBLIC, "orgs.register": PUBLIC, "orgs_api.register": PUBLIC, "api.api_login": PUBLIC,
    "api.api_logout": PUBLIC, "api.csrf_token": PUBLIC, "api.ping": PUBLIC,
    "api.openapi_json": PUBLIC, "api.api_register": PUBLIC,
    "api.regions": PUBLIC,
    "accounts.forgot": PUBLIC, "accounts.reset": PUBLIC,  # 忘记密码 (tests/test_password_reset_email.py)
    **{e: OWNED for e in (
        "api.answer", "api.beat", "api.close_stream", "api.courses", "api.create_enrolment", "api.me",
        "api.my_enrolments", "api.open_stream", "api.progress", "api.record", "catalogue.enrol_page",
        "catalogue.enrol_view", "courseware.chapter_media", "exams.accept_view", "exams.book_view", "exams.booking",
        "exams.cancel_view", "exams.exam_entry", "exams.paper_page", "exams.start_view", "exams.ticket",
        "exams.waitlist_view", "exams.withdraw_view", "exams_api.api_answer", "exams_api.api_book",
        "exams_api.api_cancel", "exams_api.api_paper", "exams_api.api_review", "exams_api.api_submit",
        "hours.certificate", "hours.certificate_download", "hours.history", "hours.issue", "hours.sheet",
        "study.home", "study.my_courses", "study.player", "study.record", "study.record_csv", "orgs.my_employer",
        "orgs.apply", "orgs.withdraw", "orgs_api.my_employment", "orgs_api.employers", "orgs_api.apply",
        "orgs_api.withdraw", "accounts.security", "accounts.password", "accounts.end_others", "accounts.end_one",
        "api.certificate", "api.hours_ledger", "api.hours_year", "api.issue", "api.standing", "exams_api.api_accept_offer",
        "exams_api.api_booking", "exams_api.api_bookings", "exams_api.api_join_waitlist", "exams_api.api_notices",
        "exams_api.api_sessions", "exams_api.api_start", "exams_api.api_waitlist", "exams_api.api_withdraw",
        "claims.mine", "claims.new", "claims.resubmit", "claims_api.kinds", "claims_api.preview_claim",
        "claims_api.claims", "claims_api.file", "claims_api.upload", "claims_api.resubmit",
        # one's own messages and e-mail address (tests/messages: someone else's message is a 404)
        "messages.inbox_page", "messages.read", "messages.read_all", "messages.email",
        # the same through the API (tests/messages/test_messages_api.py), and the sanctions recorded on oneself
        "messages_api.messages", "messages_api.read", "messages_api.read_all", "oversight_api.my_sanctions")},
    **{e: R(unscoped="a proctor reaches only the sessions assigned to them (tests/exams); the world assigns none")
       for e in ("exams_api.api_check_in", "exams_api.api_proctor_session")},
    "exams_api.api_proctor_sessions": R(get=frozenset({"proctor"})),
    # the HR bureau's pages (supervisors read them)
    "admin.home": staff(), "admin.people": staff(get=READERS | {"authority"}),
    "admin.person": staff(get=READERS | {"authority"}),
    "admin.record": staff(get=READERS | {"authority"}), "admin.record_csv": staff(get=READERS | {"authority"}),
    "admin.set_person_active": staff(), "admin.staff": staff(), "admin.password_reset": staff(),
    "hours.staff_sheet": staff(), "hours.revoke": staff(),
    # corrections (issue 12): filed by a clerk of the person's bureau (or the city's above it), decided by another
    # clerk of the organisation that filed it; the world's corrections were filed by a third clerk of 鹿城区
    "oversight.corrections": staff(), "oversight.new_correction": staff(get=BUREAU),
    "oversight.decide_correction_view": staff(post=frozenset({"county"})),
    "audit.log": staff(), "audit.export": staff(),
    # courses (scope.course_clause): a bureau's are those of the bureaus and authorities of its territory, an
    # authority's its own; the world's course is the city's (鹿城's county clerk does not see it), the one outside is
    # Weihai's. Only the owner changes a course (an HR bureau's also the bureaus above it).
    **{e: staff(get=READERS | {"authority"}, post=BUREAU | {"authority"}) for e in (
        "admin.courses", "admin.courseware_format", "admin.new_course", "admin.upload_package")},
    **{e: staff(get=frozenset({"city", "supervisor"})) for e in ("admin.preview", "exams.admin_bank")},
    **{e: staff(get=frozenset({"city"}), post=frozenset({"city"})) for e in (
        "admin.add_chapter_view", "admin.edit_chapter", "admin.edit_course", "admin.move_chapter_view", "admin.offer",
        "admin.set_status")},
    # the question bank: an industry authority's own industry public courses (温 第十一条; the world's course is the
    # city's, so the authority's import of it answers 404: tests/exams/test_authority_exams.py)
    "exams.admin_questions_template": staff(get=READERS | {"authority"}),
    "exams.admin_questions": staff(get=READERS | {"authority"}, post=frozenset({"city"}),
                                   form={"course_id": "course_id"}),
    # an authority's course under review and filing (温 第十一条: the city bureau files it; 桐 第九条): the authority
    # and the bureaus whose territory holds it read it (a city authority's: not 鹿城's county clerk), the authority
    # submits it, the city bureau files or returns it; the one outside is a Weihai authority's
    "admin.course": R(get=frozenset({"city", "supervisor", "authority"}), inside={"course_id": "authority_course"},
                      outside={"course_id": "authority_course"}),
    "admin.filing": R(get=READERS | {"authority"}),
    **{e: R(post=frozenset({"city"}), inside={"course_id": "authority_course"},
            outside={"course_id": "authority_course"}, form={"reason": "return_reason"})
       for e in ("admin.file_course", "admin.return_course_view")},
    "admin.submit_course_view": R(post=frozenset({"authority"}), inside={"course_id": "authority_course"},
                                  outside={"course_id": "authority_course"}),
    # exam plans belong to the bureau that made them (here the city's: a county clerk does not run them); an
    # industry authority lists and makes its own industry public subject's plans (温 第十一条), and the city's plan and
    # Weihai's answer it 404 (tests/exams/test_authority_exams.py runs one of its own)
    "exams.admin_plans": staff(get=READERS | {"authority"}, post=BUREAU | {"authority"}),
    **{e: staff(get=frozenset({"city", "supervisor"}), post=frozenset({"city"})) for e in (
        "exams.admin_assign", "exams.admin_import_sessions", "exams.admin_plan", "exams.admin_roster_export",
        "exams.admin_session", "exams.admin_session_cancel", "exams.admin_session_edit",
        "exams.admin_sessions_template", "exams.admin_unassign")},
    "exams.proctor_home": R(get=frozenset({"proctor"})),
    "exams.proctor_session": R(unscoped="a proctor reaches only the sessions assigned to them (tests/exams): the "
                                        "world assigns none, so every role is refused here"),
    # organisations, for the bureau
    "orgs_admin.orgs": staff(), "orgs_admin.org": staff(), "orgs_admin.decide": staff(),
    "orgs_admin.disabled": staff(), "orgs_admin.new_org": staff(), "orgs_admin.admin_changes": staff(),
    "orgs_admin.ack": staff(), "orgs_admin.import_orgs": staff(), "orgs_admin.import_template": staff(),
    "orgs_admin.import_report": R(unscoped="a report is served only to the session that imported it (its key is kept "
                                           "in the importer's session); no report exists in the world, so every "
                                           "role gets 404"),
    # an employer's or agency's own pages
    "orgs.home": R(get=MEMBERS | {"authority"}),
    "orgs.applications": R(get=MEMBERS), "orgs.staff": R(get=MEMBERS), "orgs.staff_export": R(get=MEMBERS),
    "orgs.person": R(get=MEMBERS), "orgs.admins": R(get=MEMBERS, post=MEMBERS),
    # an employer's training fees (川人社发〔2016〕20号 七(三)): its own administrators report them (tests/orgs/test_fee_reports.py)
    "orgs.fees": R(get=MEMBERS, post=MEMBERS),
    "orgs.confirm": R(post=MEMBERS, inside={"employment_id": "application_in"},
                      outside={"employment_id": "application_out"}),
    "orgs.decline": R(post=MEMBERS, inside={"employment_id": "application_in"},
                      outside={"employment_id": "application_out"}),
    "orgs.end": R(post=MEMBERS, inside={"employment_id": "leaver_in"}),
    "orgs.password_reset": R(post=MEMBERS),
    "orgs.admin_active": R(post=MEMBERS, inside={"person_id": "colleague"}),
    # the own organisation's registration, corrected and resubmitted while rejected (the world's organisations are
    # approved, so an allowed POST answers 409; tests/orgs/test_resubmission.py resubmits a rejected one and proves
    # that an administrator reaches only its own organisation's)
    "orgs.registration": R(get=MEMBERS | {"organiser"}, post=MEMBERS | {"organiser"}),
    "orgs_api.registration": R(get=MEMBERS | {"organiser"}), "orgs_api.resubmit": R(post=MEMBERS | {"organiser"}),
    "orgs_api.org": R(get=MEMBERS), "orgs_api.applications": R(get=MEMBERS), "orgs_api.staff": R(get=MEMBERS),
    "orgs_api.confirm": R(post=MEMBERS, inside={"employment_id": "application_in"},
                          outside={"employment_id": "application_out"}),
    "orgs_api.decline": R(post=MEMBERS, inside={"employment_id": "application_in"},
                          outside={"employment_id": "application_out"}),
    # hour claims: the claimant and the reviewers of the claim's chain (Wenzhou: the city industry authority,
    # 温 第十二条) within their scope; every organisation that acts in some chain has a queue. The claimant's own
    # access (and another practitioner's 404) is proven in tests/claims: here the world's practitioner is
    # deactivated by admin.set_person_active before these routes are swept.
    # The HR bureau (and its supervisors) read every claim of its territory, in a chain or not: it records findings of
    # forged evidence and re-checks a sample (lms/claims/findings.py, audits.py).
    "claims.claim": R(get=READERS | {"authority"}), "claims.evidence": R(get=READERS | {"authority"}),
    # findings of forged evidence (issue 12 item 7): the claim's reviewers and the HR bureau record one; whoever
    # reads the claim reads its evidence. Random audits (item 11): the bureau that drew one re-checks it; the
    # bureaus above it and supervisors read it.
    "oversight.finding": R(post=BUREAU | {"authority"}),
    "oversight.finding_evidence": R(get=READERS | {"authority"}),
    "oversight.audits": staff(), "oversight.audit": staff(), "oversight.confirm": staff(post=frozenset({"county"})),
    "claims.decide_view": R(post=frozenset({"authority"})),
    "claims.queue": R(get=BUREAU | MEMBERS | {"authority"}),
    # batch approval: only claims the reviewer may decide are approved (tests/claims/test_queues.py: a claim outside
    # the scope is reported as not found); an empty selection is refused (400) for every reviewer
    "claims.approve_selected": R(post=BUREAU | MEMBERS | {"authority"}),
    # late filing granted by whom the policy names (claim_deadline.late_filing): in this sweep's Wenzhou no one —
    # 温人社发〔2020〕125号 sets no deadline, so every bureau is refused (403). Tonglu's county bureau grants, the
    # Hangzhou city bureau is refused and a person outside the county is "not in the bureau's area":
    # tests/claims/test_deadlines.py. Bureaus and supervisors read the grants.
    "claims.late_filing": staff(), "claims.grant_late": R(post=frozenset()),
    # the same through the API (tests/claims/test_claims_api.py: the claimant's own and the filer's person_id)
    "claims_api.claim": R(get=BUREAU | {"authority"}), "claims_api.evidence": R(get=BUREAU | {"authority"}),
    "claims_api.decision": R(post=frozenset({"authority"})),
    "claims_api.review_queue": R(get=BUREAU | MEMBERS | {"authority"}),
    # the oversight of hours through the API, as its pages (tests/claims/test_oversight_api.py): late filing granted
    # by the county bureau, corrections by two clerks, findings, random audits, and a practitioner's standing for
    # HR, the authority and the employer
    # (granted by whom the policy names: no one in this sweep's Wenzhou, see claims.grant_late above)
    "oversight_api.late_filings": staff(), "oversight_api.grant_late": R(post=frozenset()),
    "oversight_api.corrections": staff(), "oversight_api.correctable": staff(get=BUREAU),
    "oversight_api.file_correction_call": staff(), "oversight_api.decide_correction_call": staff(post=frozenset({"county"})),
    "oversight_api.record_finding_call": R(post=BUREAU | {"authority"}),
    "oversight_api.claim_finding": R(get=READERS | {"authority"}),
    "oversight_api.person_standing_call": R(get=READERS | MEMBERS | {"authority"}),
    "oversight_api.audits": staff(), "oversight_api.draw": staff(), "oversight_api.audit": staff(),
    "oversight_api.confirm": staff(post=frozenset({"county"})),
    # training organisers' programmes and rosters (issue 13): the organiser's own, the competent bureau's and the
    # industry authority's; an organiser never sees another organiser's programme or attendees
    "rosters.public_list": PUBLIC,
    "rosters.card": OWNED,
    "rosters.programmes": R(get=READERS | {"authority", "organiser"}),
    "rosters.programme": R(get=READERS | {"authority", "organiser"}),
    "rosters.new_programme": R(get=frozenset({"organiser"}), post=frozenset({"organiser"})),
    "rosters.decide": R(post=BUREAU | {"authority"}),
    "rosters.upload": R(post=frozenset({"organiser"})),
    "rosters.roster": R(get=READERS | {"authority", "organiser"}),
    "rosters.report": R(get=READERS | {"authority", "organiser"}),
    "rosters.confirm": R(post=BUREAU | {"authority"}),
    # organiser evaluation (浙 第十二条; 川 七(三)): attendees rate (tests/courses/test_evaluation.py proves only
    # attendees, once); the competent bureau and authority record inspection notes
    "rosters.rate": OWNED,
    "rosters.inspect": R(post=BUREAU | {"authority"}),
    "rosters.roster_template": R(get=frozenset({"organiser"})),
    # an employer's administrator files for its staff where the policy names the employer as filer (桐 第十三条)
    "claims.person_claims": R(get=MEMBERS), "claims.new_for": R(get=MEMBERS, post=MEMBERS),
    # data exchange with the provincial system (浙人社发〔2016〕63号 第十四条): exports of the bureau's own territory
    # (its own and those of the bureaus below it); imports only for persons in its scope (tests/exchange)
    "exchange.home": staff(), "exchange.prepare": staff(), "exchange.import_file": staff(),
    "exchange.export_file": staff(), "exchange.checksum": staff(),
    # statistics (issue 14): every level within its scope; a region, industry or employer asked for in the query
    # string outside it answers 404 (tests/stats); an employer narrowed to in the URL is swept here
    **{e: R(get=READERS | MEMBERS | {"authority"}) for e in (
        "stats.home", "stats.dashboard", "stats.people", "stats.export", "stats.people_export")},
    "stats.org": R(get=READERS | {"authority"}),
    # year-end reminders (issue 14 item 3): the campaigns of the bureau's territory; an employer reads the list of
    # its short staff only for a campaign that told it
    "reminders.campaigns": staff(), "reminders.schedule": staff(), "reminders.campaign": staff(),
    "reminders.cancel": staff(), "reminders.staff_list": R(get=MEMBERS),
}

# Values of URL parts that are not objects.
PLAIN = {"year": 2026, "fmt": "csv", "direction": "down", "status": "published", "active": 0, "decision": "approve",
         "disabled": 1, "report": "0123456789abcdef", "code": "XST-2026-0000", "filename": "app.css",
         "key": "regions"}


def _world(app: Any, member_kind: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Actors of every role inside Wenzhou 鹿城区 and objects inside and outside (域外 = Weihai) their scope."""
    from exams.models import ExamPlan, ExamSession
    from lms.accounts.operations import register_practitioner
    from lms.catalogue.models import Chapter, Enrolment
    from lms.db import database
    from lms.hours.models import HoursCertificate
    from lms.orgs.models import AdminChange, Employment, Organisation
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    from tests.conftest import make_id_number, make_uscc

    with app.app_context(), database().factory() as s:
        now = clock.now()
        n = iter(range(1, 100))

        def org(kind: str, region: str, name: str, status: str = "approved") -> Organisation:
            o = Organisation(kind=kind, name=name, region_code=region, industry="教育", status=status,
                             uscc=make_uscc(next(n)) if kind == "employer" else None, created_at=now,
                             contact_phone="0577-88000000")
            s.add(o)
            s.flush()
            return o

        def person(name: str, region: str) -> Any:
            i = next(n)
            return register_practitioner(s, name=name, id_number=make_id_number(i), mobile=f"1380000{i:04d}",
                                         region=region, industry="教育", password=PASSWORD)

        def employ(p: Any, o: Organisation, status: str = "current") -> Employment:
            e = Employment(person_id=p.id, org_id=o.id, status=status, applied_at=now, region_code=o.region_code,
                           started_on=now.date() if status == "current" else None,
                           confirmed_by_id=p.id if status == "current" else None)
            s.add(e)
            s.flush()
            return e

        member_in = org(member_kind, "wenzhou-lucheng", "鹿城单位")
        member_out = org(member_kind, "weihai-huancui", "域外单位")
        pending_in = org("employer", "wenzhou-lucheng", "鹿城待审单位", "pending")
        pending_out = org("employer", "weihai-huancui", "域外待审单位", "pending")
        authority = org("authority", "wenzhou", "温州市教育局")
        city, lucheng = hr_bureau_of(s, "wenzhou"), hr_bureau_of(s, "wenzhou-lucheng")
        weihai = hr_bureau_of(s, "weihai")
        actors = {
            "city": create_staff(s, None, city, role="bureau", username="city", name="市科员", password=PASSWORD),
            "county": create_staff(s, None, lucheng, role="bureau", username="county", name="区科员",
                                   password=PASSWORD),
            "supervisor": create_staff(s, None, city, role="supervisor", username="jiancha", name="监察员",
                                       password=PASSWORD),
            "authority": create_staff(s, None, authority, role="authority", username="jiaoyu", name="教育局",
                                      password=PASSWORD),
            "employer": None, "agency": None,
            "proctor": create_staff(s, None, city, role="proctor", username="jiankao", name="监考员",
                                    password=PASSWORD),
        }
        admin = create_staff(s, None, member_in, role=member_kind, username="member", name="单位管理员",
                             password=PASSWORD)
        actors[member_kind] = admin
        colleague = create_staff(s, None, member_in, role=member_kind, username="member2", name="同事",
                                 password=PASSWORD)
        outsider_admin = create_staff(s, None, member_out, role=member_kind, username="outsider", name="域外管理员",
                                      password=PASSWORD)
        weihai_clerk = create_staff(s, None, weihai, role="bureau", username="weihai", name="域外科员",
                                    password=PASSWORD)
        p_in, p_out = person("鹿城人员", "wenzhou-lucheng"), person("域外人员", "weihai-huancui")
        applicant_in, applicant_out = person("鹿城申请人", "wenzhou-lucheng"), person("域外申请人", "weihai-huancui")
        e_in, e_out = employ(p_in, member_in), employ(p_out, member_out)
        leaver = employ(person("鹿城离职人员", "wenzhou-lucheng"), member_in)
        a_in, a_out = employ(applicant_in, member_in, "applied"), employ(applicant_out, member_out, "applied")
        actors["practitioner"] = p_in
        from lms.catalogue.filing import submit_course
        from lms.catalogue.operations import create_course
        weihai_authority = org("authority", "weihai", "域外主管部门")
        courses, chapters = {}, {}
        for key, clerk, title, category in (
                ("in", actors["city"], "公需课", "general_public"), ("out", weihai_clerk, "域外公需课", "general_public"),
                ("authority_in", actors["authority"], "教育行业公需课", "industry_public"),
                ("authority_out", create_staff(s, None, weihai_authority, role="authority", username="weihai_jy",
                                               name="域外主管", password=PASSWORD), "域外行业课", "industry_public")):
            c = create_course(s, clerk, title=title, summary="", category=category, credited_hours=Decimal(18),
                              year=2026)
            chapter = Chapter(course_id=c.id, position=1, title="第一讲", kind="html", media_key="x" * 64,
                              mime="text/html", size=10, study_minutes=1, updated_at=now)
            s.add(chapter)
            s.flush()
            s.refresh(c)
            if key.startswith("authority"):
                submit_course(s, clerk, c)
            courses[key], chapters[key] = c.id, chapter.id
        course = s.get(Chapter, chapters["in"]).course
        enrol = {}
        for key, p in (("in", p_in), ("out", p_out)):
            e = Enrolment(person_id=p.id, course_id=course.id, year=2026, category="general_public", created_at=now)
            s.add(e)
            s.flush()
            enrol[key] = e.id
        certs = {}
        for key, p in (("in", p_in), ("out", p_out)):
            c = HoursCertificate(person_id=p.id, year=2025, code=f"XST-2025-{p.id:06d}", total_hours=Decimal(90),
                                 general_public=Decimal(18), industry_public=Decimal(0), professional=Decimal(72),
                                 policy="wenzhou-2020", issued_at=now)
            s.add(c)
            s.flush()
            certs[key] = c.id
        plans, sessions = {}, {}
        for key, owner, category, clerk in (("in", city, "general_public", actors["city"]),
                                            ("out", weihai, "industry_public", weihai_clerk)):
            plan = ExamPlan(year=2026, category=category, title="域外考试计划" if key == "out" else "温州考试计划",
                            created_by_id=clerk.id, owner_org_id=owner.id, region_code=owner.region_code,
                            created_at=now)
            s.add(plan)
            s.flush()
            starts = now + timedelta(days=10)
            sess = ExamSession(plan_id=plan.id, venue_name="域外考点" if key == "out" else "温州考点",
                               venue_address="某路 1 号", room="101", starts_at=starts,
                               ends_at=starts + timedelta(hours=1), seats=30, booking_opens_at=now,
                               booking_closes_at=starts - timedelta(days=1),
                               cancel_deadline=starts - timedelta(days=2), created_at=now)
            s.add(sess)
            s.flush()
            plans[key], sessions[key] = plan.id, sess.id
        from lms.rosters.models import Programme, RosterRow, RosterUpload
        programmes, uploads = {}, {}
        for key, region, name in (("in", "wenzhou-lucheng", "鹿城施教机构"), ("out", "weihai-huancui", "域外施教机构")):
            organiser = org("organiser", region, name)
            teacher = create_staff(s, None, organiser, role="organiser", username=f"organiser_{key}",
                                   name="机构管理员", password=PASSWORD)
            if key == "in":
                actors["organiser"] = teacher
            approver = lucheng if key == "in" else weihai
            prog = Programme(org_id=organiser.id, title="域外培训班" if key == "out" else "鹿城培训班",
                             category="professional", industry="教育", starts_on=now.date() - timedelta(days=3),
                             ends_on=now.date() - timedelta(days=1), hours_per_day=Decimal(6), venue="某路 1 号",
                             fee=Decimal(0), capacity=50, approval_document="某文〔2026〕1号", status="approved",
                             approved_by_org_id=approver.id, decided_at=now, filed_by_id=teacher.id, created_at=now)
            s.add(prog)
            s.flush()
            up = RosterUpload(programme_id=prog.id, filename="roster.csv", sha256="0" * 64, status="checked",
                              rows_total=1, rows_refused=0, uploaded_by_id=teacher.id, uploaded_at=now)
            s.add(up)
            s.flush()
            attendee = p_out if key == "out" else p_in
            s.add(RosterRow(upload_id=up.id, line=2, name=attendee.name, id_number=attendee.id_number or "", days=1,
                            hours=Decimal(6), status="ok", person_id=attendee.id))
            programmes[key], uploads[key] = prog.id, up.id
        changes = {}
        for key, o, who in (("in", member_in, colleague), ("out", member_out, outsider_admin)):
            c = AdminChange(org_id=o.id, person_id=who.id, change="added", on=now.date(), by_id=who.id)
            s.add(c)
            s.flush()
            changes[key] = c.id
        claims, evidence = {}, {}
        from lms.claims.models import ClaimEvidence, HourClaim
        from lms.claims.operations import evidence_store
        key = evidence_store().put(b"%PDF-1.4\n%%EOF\n", ".pdf")
        for where, p, policy, steps in (("in", p_in, "wenzhou-2020", 1), ("out", p_out, "weihai-2022", 3)):
            claim = HourClaim(person_id=p.id, year=2026, policy=policy, kind="training", kind_label="培训",
                              rule="第十二条", chain="default", steps=steps,
                              facts='{"hours": "8", "start": "2026-02-01"}', title="培训（2026-02-01）",
                              hours_claimed=Decimal(8), filed_by_id=p.id, filed_at=now, updated_at=now)
            s.add(claim)
            s.flush()
            ev = ClaimEvidence(claim_id=claim.id, key=key, mime="application/pdf", size=14, filename="证书.pdf",
                               uploaded_by_id=p.id, uploaded_at=now)
            s.add(ev)
            s.flush()
            claims[where], evidence[where] = claim.id, ev.id
        from lms.claims.corrections import HoursCorrection
        from lms.hours.models import HoursEntry
        corrections = {}
        third = create_staff(s, None, lucheng, role="bureau", username="county2", name="区科员二",
                             password=PASSWORD)
        for where, p, bureau, filer in (("in", p_in, lucheng, third), ("out", p_out, weihai, weihai_clerk)):
            entry = HoursEntry(person_id=p.id, year=2026, category="professional", hours=Decimal(8),
                               source_type="exam", source_ref=f"sweep-{where}", title="考试合格", rule=None,
                               registered_by_org=bureau.name, registered_at=now, note="")
            s.add(entry)
            s.flush()
            corr = HoursCorrection(person_id=p.id, entry_id=entry.id, year=2026, category="professional",
                                   hours=Decimal(-2), reason="登记有误", org_id=bureau.id, org_name=bureau.name,
                                   filed_by_id=filer.id, filed_at=now, status="pending")
            s.add(corr)
            s.flush()
            corrections[where] = corr.id
        from lms.exchange.models import ExchangeExport
        from lms.filestore import file_store
        exports = {}
        for where, bureau, clerk in (("in", lucheng, actors["county"]), ("out", weihai, weihai_clerk)):
            made = ExchangeExport(org_id=bureau.id, made_by_id=clerk.id, year=2026, since=None, fmt="csv", rows=0,
                                  state="ready", finished_at=now,
                                  key=file_store("exchange").put(f"记录编号\r\n{where}".encode(), ".csv"),
                                  filename=f"学时登记-{bureau.name}-2026.csv", created_at=now)
            s.add(made)
            s.flush()
            exports[where] = made.id
        from lms.reminders.models import ReminderCampaign, ReminderDelivery
        campaigns = {}
        for where, bureau, clerk, told in (("in", lucheng, actors["county"], admin),
                                           ("out", weihai, weihai_clerk, outsider_admin)):
            campaign = ReminderCampaign(org_id=bureau.id, created_by_id=clerk.id, year=2026,
                                        send_on=now.date() + timedelta(days=30), note="", created_at=now,
                                        persons_told=0, employers_told=1)
            s.add(campaign)
            s.flush()
            s.add(ReminderDelivery(campaign_id=campaign.id, person_id=told.id, kind="employer", org_id=told.org_id,
                                   lacks="", created_at=now))
            campaigns[where] = campaign.id
        from lms.claims.audits import ClaimAudit, ClaimAuditItem
        from lms.claims.findings import ClaimFinding
        audits, items = {}, {}
        for where, bureau, clerk in (("in", lucheng, third), ("out", weihai, weihai_clerk)):
            s.add(ClaimFinding(claim_id=claims[where], person_id=(p_in if where == "in" else p_out).id,
                               finding="材料系伪造", evidence_key=key, evidence_mime="application/pdf",
                               evidence_size=14, evidence_filename="核实函.pdf", outcome="already_rejected",
                               actor_id=clerk.id, org_id=bureau.id, org_name=bureau.name, at=now))
            a = ClaimAudit(org_id=bureau.id, org_name=bureau.name, year=2026, percent=Decimal(10), seed=7,
                           population=1, population_digest="0" * 64, sample_size=1, drawn_by_id=clerk.id,
                           drawn_at=now)
            s.add(a)
            s.flush()
            item = ClaimAuditItem(audit_id=a.id, claim_id=claims[where])
            s.add(item)
            s.flush()
            audits[where], items[where] = a.id, item.id
        s.commit()
        ids = {
            "audit_id": (audits["in"], audits["out"]), "item_id": (items["in"], items["out"]),
            "correction_id": (corrections["in"], corrections["out"]),
            "claim_id": (claims["in"], claims["out"]), "evidence_id": (evidence["in"], evidence["out"]),
            "export_id": (exports["in"], exports["out"]), "campaign_id": (campaigns["in"], campaigns["out"]),
            "person_id": (p_in.id, p_out.id), "org_id": (pending_in.id, pending_out.id),
            "employment_id": (e_in.id, e_out.id), "application_in": (a_in.id, a_in.id),
            "application_out": (a_out.id, a_out.id), "leaver_in": (leaver.id, leaver.id), "colleague": (colleague.id, outsider_admin.id),
            "enrolment_id": (enrol["in"], enrol["out"]), "cert_id": (certs["in"], certs["out"]),
            "plan_id": (plans["in"], plans["out"]), "session_id": (sessions["in"], sessions["out"]),
            "change_id": (changes["in"], changes["out"]),
            "programme_id": (programmes["in"], programmes["out"]), "upload_id": (uploads["in"], uploads["out"]), "course_id": (courses["in"], courses["out"]),
            "authority_course": (courses["authority_in"], courses["authority_out"]), "return_reason": ("课件需补充", ""),
            "proctor_id": (actors["proctor"].id, actors["proctor"].id), "chapter_id": (chapters["in"], chapters["out"]),
            "booking_id": (0, 0), "entry_id": (0, 0), "paper_id": (0, 0), "prompt_id": (0, 0),
        }
        logins = {k: (v.username or v.id_number) for k, v in actors.items() if v is not None}
    return logins, ids


def _url(rule: Rule, ids: dict[str, Any], where: int, route: R) -> str:
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        if arg in PLAIN:
            values[arg] = PLAIN[arg]
            continue
        key = (route.inside if where == 0 else route.outside).get(arg, arg)
        values[arg] = ids[key][where if not route.unscoped else 0]
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _app(make_app: Any) -> Any:
    return make_app(LOGIN_RATE_LIMIT="10000 per minute", PUBLIC_RATE_LIMIT="10000 per minute")


def _rules(app: Any) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def test_every_route_is_classified(app: Any) -> None:
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ROUTES))
    assert missing == [], f"classify these routes in ROUTES (who may use them, and how their objects are scoped): {missing}"
    stale = sorted(set(ROUTES) - {r.endpoint for r in app.url_map.iter_rules()})
    assert stale == []


SWEPT = sorted(e for e, r in ROUTES.items() if isinstance(r, R))


@pytest.mark.parametrize("member_kind", ["employer", "agency"])
def test_only_in_scope_requests_succeed_on_every_staff_route(make_app: Any, member_kind: str) -> None:
    app = _app(make_app)
    logins, ids = _world(app, member_kind)
    clients: dict[str, Any] = {}
    for actor in ACTORS:
        c = app.test_client()
        if actor in logins:
            assert c.post("/login", data={"login": logins[actor], "password": PASSWORD}).status_code == 302, actor
        clients[actor] = c
    problems: list[str] = []
    for rule in _rules(app):
        route = ROUTES.get(rule.endpoint)
        if not isinstance(route, R):
            continue
        for method in ("GET", "POST"):
            if method not in (rule.methods or ()):
                continue
            allowed = route.get if method == "GET" else route.post
            for actor in ACTORS:
                if actor == "agency" and member_kind != "agency" or actor == "employer" and member_kind != "employer":
                    continue
                scoped = not route.unscoped and any(a not in PLAIN and a != "proctor_id" for a in rule.arguments)
                for where in ((1, 0) if scoped else (0,)):
                    url = _url(rule, ids, where, route)
                    data = {k: ids[v][0] for k, v in route.form.items()} if method == "POST" else {}
                    resp = clients[actor].open(url, method=method, data=data)
                    # Read every body whole: a streamed download left unread keeps its request's context (and its
                    # logged-in user) alive into the client's next request.
                    raw = resp.get_data()
                    resp.close()
                    body = raw.decode() if resp.mimetype in ("text/html", "application/json") else ""
                    to_login = resp.status_code == 302 and "/login" in resp.headers.get("Location", "")
                    refused = resp.status_code in (401, 403, 404) or to_login
                    ok = not refused and resp.status_code < 500
                    if actor in allowed and where == 0 and not ok:
                        problems.append(f"{actor} {method} {url} (inside) answered {resp.status_code}")
                    if actor in allowed and where == 1 and resp.status_code != 404:
                        problems.append(f"{actor} {method} {url} (outside, 域外) answered {resp.status_code}")
                    if actor not in allowed and not refused:
                        problems.append(f"{actor} {method} {url} (not this role's) answered {resp.status_code}")
                    if "域外" in body and resp.status_code == 200:
                        problems.append(f"{actor} {method} {url} showed something outside its scope (域外)")
    assert problems == [], "\n".join(problems)
