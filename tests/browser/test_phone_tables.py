"""Every page of every role at 390 px: no table wider than its box, no cell one character a line.

The app is seeded with the demo data (lms/demo.py, exams/demo.py) plus what makes more pages reachable (an
issued certificate, an exam taken and graded). Each role logs in and follows every link of its pages (GET,
HTML only, one URL of each endpoint such as /study/<id>), starting from START_URLS. Pages added later are
covered as soon as a link or a start URL reaches them: COVERED below lists the endpoints that must be reached,
and a page endpoint that no crawl reaches fails the test until it is reached or listed in NOT_CRAWLED with a
reason. The same crawl checks that every form of a destructive action (DESTRUCTIVE) asks first. PENDING lists
pages known to fail that their owner is fixing; the test fails when one of them passes, so that it is taken
off the list. The pages visited are written to test-results/phone-pages.txt.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from lms import clock
from lms.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import ARTIFACTS, shoot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

ACCOUNTS = {"practitioner": "13900000001", "bureau": "admin", "proctor": "proctor1", "employer": "jianyuan",
            "authority": "jiaoyu", "organiser": "peixun"}
# Pages no link leads to (a search result, a filtered list) where a crawl starts as well as at the home page.
START_URLS = {
    "practitioner": ["/home"],
    "bureau": ["/admin/", "/admin/people?q=张"],
    "proctor": ["/exams/proctor"],
    "employer": ["/org"],
    "authority": ["/org", "/admin/people"],
    "organiser": ["/programmes/manage", "/programmes"],
}
# The endpoints each crawl must reach (the list of covered pages; add yours when you link or seed it).
COVERED = {
    "practitioner": {"study.home", "catalogue.enrol_page", "study.my_courses", "study.player", "study.record",
                     "hours.history", "hours.certificate", "exams.booking", "exams.ticket", "exams.paper_page",
                     "accounts.security", "orgs.my_employer", "claims.mine", "claims.new",
                     "messages.inbox_page"},
    "bureau": {"admin.home", "admin.courses", "admin.course", "admin.people", "admin.person", "admin.record",
               "admin.staff", "audit.log", "exams.admin_plans", "exams.admin_plan", "exams.admin_session",
               "exams.admin_questions", "oversight.new_correction", "oversight.corrections", "oversight.audits", "admin.preview", "exams.admin_session_edit",
               "exams.admin_bank", "admin.courseware_format", "orgs_admin.orgs", "orgs_admin.org",
               "orgs_admin.admin_changes", "orgs_admin.new_org", "orgs_admin.import_orgs", "rosters.programmes",
               "rosters.programme", "rosters.roster", "exchange.home", "stats.dashboard",
               "reminders.campaigns", "claims.queue", "claims.late_filing", "admin.filing",
               "admin.edit_course"},
    "proctor": {"exams.proctor_home", "exams.proctor_session"},
    "employer": {"orgs.home", "orgs.applications", "orgs.staff", "orgs.admins", "orgs.person", "claims.queue",
                 "claims.person_claims", "stats.dashboard", "orgs.registration"},
    "authority": {"orgs.home", "admin.people", "admin.person", "claims.queue", "stats.dashboard", "admin.courses",
                  "admin.filing", "admin.course", "admin.edit_course", "exams.admin_plans", "exams.admin_questions"},
    "organiser": {"rosters.programmes", "rosters.programme", "rosters.roster", "rosters.new_programme",
                  "rosters.public_list", "orgs.registration"},
}
# GET endpoints that are not pages a role browses, or that no seeded link reaches, and why.
NOT_CRAWLED = {
    "static": "files", "courseware.chapter_media": "chapter media (the player shows it)",
    "accounts.index": "redirects to the role's home", "accounts.login": "before login",
    "accounts.register": "before login", "accounts.forgot": "before login", "accounts.reset": "before login",
    "accounts.welcome": "once, after registering",
    "hours.verify_form": "public page (no tables)", "hours.verify": "public page (no tables)",
    "hours.sheet": "PDF", "hours.staff_sheet": "PDF", "hours.certificate_download": "PDF",
    "study.record_csv": "CSV", "admin.record_csv": "CSV", "exams.admin_roster_export": "CSV/XLSX",
    "exams.exam_entry": "redirects to the paper once started (covered by test_exam_paper.py)",
    "admin.chapter_edit": "form page without tables", "admin.course_new": "form page without tables",
    "admin.upload": "form page without tables", "accounts.profile": "form page without tables",
    "audit.export": "XLSX", "exams.admin_sessions_template": "CSV/XLSX", "exams.admin_questions_template": "CSV/XLSX",
    "favicon": "an icon", "orgs.register": "before login (tests/browser/test_org_flow.py walks it at 390 px)",
    "orgs.staff_export": "XLSX", "orgs_admin.import_template": "CSV/XLSX", "orgs_admin.import_report": "XLSX",
    "claims.claim": "the demo has no claims yet (tests/claims file and decide them through the pages)",
    "claims.evidence": "an evidence file",
    "exchange.export_file": "an exchange file (CSV/XLSX/JSON Lines)", "exchange.checksum": "a checksum file",
    "reminders.campaign": "the demo schedules no year-end reminder (tests/reminders open a campaign's page)",
    "reminders.staff_list": "reached from the message of a campaign that ran; the demo runs none "
                            "(tests/reminders open it)",
    "oversight.finding_evidence": "a finding's evidence file",
    "oversight.audit": "the demo has no approved claims to draw (tests/claims/test_audits.py opens a draw)",
    "rosters.report": "XLSX", "rosters.roster_template": "CSV/XLSX",
    "stats.export": "XLSX", "stats.people_export": "CSV/XLSX", "stats.home": "redirects to this year's dashboard",
    "stats.org": "the dashboard narrowed to one employer by its URL (the dashboard's own links narrow by ?employer=; "
                 "tests/browser/test_stats_flow.py walks the city dashboard at 390 px)",
    "stats.people": "the persons behind a figure (linked once the statistics are refreshed; tests/browser/"
                    "test_stats_flow.py opens one at 390 px)",
    "rosters.card": "the demo's roster waits for confirmation (tests/browser/test_roster_flow.py opens a card at 390 px)",
    "claims.new_for": "the demo's employers follow policies filed by the practitioner (Tonglu's is walked in "
                      "tests/claims)",
}
# Files, not pages: never opened by the crawl.
FILES = {"static", "courseware.chapter_media", "hours.sheet", "hours.staff_sheet", "hours.certificate_download",
         "study.record_csv", "admin.record_csv", "exams.admin_roster_export", "audit.export",
         "exams.admin_sessions_template", "exams.admin_questions_template", "favicon", "orgs.staff_export",
         "orgs_admin.import_template", "orgs_admin.import_report", "claims.evidence", "oversight.finding_evidence", "rosters.report",
         "rosters.roster_template", "exchange.export_file", "exchange.checksum", "stats.export",
         "stats.people_export"}
# POST endpoints that destroy or take away: every form for them must ask first (data-confirm, app.js), saying
# what will happen. {endpoint: a test on its URL arguments (None: always)}.
DESTRUCTIVE: dict[str, Any] = {
    "exams.cancel_view": None, "exams.withdraw_view": None, "exams.admin_unassign": None, "hours.revoke": None,
    "exams.admin_session_cancel": None, "accounts.end_one": None, "accounts.end_others": None,
    "admin.password_reset": None,
    "admin.set_person_active": lambda a: a.get("active") == 0,
    "admin.set_status": lambda a: a.get("status") != "published",
    "orgs.end": None, "orgs.withdraw": None, "orgs.password_reset": None, "orgs.admin_active": lambda a: a.get("active") == 0,
    "orgs_admin.disabled": lambda a: a.get("disabled") == 1, "reminders.cancel": None,
}
# Known failures that their owner is fixing: {endpoint: owner}. Remove a line when the page passes.
PENDING: dict[str, str] = {}
SHAPES_PER_PAGE = 1  # URLs of one endpoint (one course page, one record, …)
SKIP = re.compile(r"(\.csv|\.xlsx|\.pdf|/media/|/static/|/logout|/api/)", re.I)

# In the page: the problems of every table (overflow of its box or of the screen, cells one character a line).
CHECK = """() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) out.push(`page ${document.documentElement.scrollWidth}px wide`);
  document.querySelectorAll('table').forEach((t, n) => {
    if (!t.offsetParent) return;  // hidden
    const box = t.parentElement;
    const name = t.id ? '#' + t.id : 'table ' + (n + 1);
    if (t.offsetWidth > box.clientWidth + 1 || t.scrollWidth > t.clientWidth + 1)
      out.push(`${name}: ${t.offsetWidth}px in a ${box.clientWidth}px box`);
    if (t.getBoundingClientRect().right > vw + 1) out.push(`${name}: past the screen's edge`);
    t.querySelectorAll('td, th').forEach((c) => {
      const text = c.innerText.replace(/\\s+/g, '');
      if (text.length < 3 || !c.offsetParent) return;
      const st = getComputedStyle(c);
      const fs = parseFloat(st.fontSize), lh = parseFloat(st.lineHeight) || fs * 1.4;
      const inner = c.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
      if (inner < 2.5 * fs && c.clientHeight > 2.5 * lh) out.push(`${name}: "${text.slice(0, 12)}" one character a line`);
    });
  });
  return out;
}"""


def seed(app: Any) -> None:
    """The demo, a certificate for last year, and an exam taken (booked, checked in, answered, graded)."""
    from exams.models import ExamSession
    from exams.operations import ExamSettings, book_seat, check_in, save_answer, start_exam, submit_paper
    from lms.accounts.models import Person
    from lms.hours.certificates import issue_certificate

    load_demo(app)
    db = app.extensions["xst_db"]
    with app.app_context(), db.factory() as s:
        zhang = s.scalar(select(Person).where(Person.mobile == ACCOUNTS["practitioner"]))
        proctor = s.scalar(select(Person).where(Person.username == ACCOUNTS["proctor"]))
        assert zhang is not None and proctor is not None
        issue_certificate(s, zhang, clock.study_year() - 1)
        now, settings = clock.now(), ExamSettings.from_config(app.config)
        session = next(x for x in s.scalars(select(ExamSession)) if x.starts_at <= now < x.ends_at)
        booking = book_seat(s, zhang, session, settings)
        check_in(s, proctor, session, booking.ticket_no, zhang.id_number[-4:], settings)
        paper = start_exam(s, zhang, booking)
        for item in paper.items[:12]:
            save_answer(s, zhang, paper.id, item.position, [0])
        submit_paper(s, paper.id, by="candidate", person=zhang)
        s.commit()


def unconfirmed(app: Any, page: Any) -> list[str]:
    """Forms of destructive actions on this page that post without asking first."""
    out = []
    forms = page.eval_on_selector_all(
        "form[method=post], form[method=POST]",
        "fs => fs.map(f => [f.getAttribute('action') || location.pathname, !!f.dataset.confirm, f.innerText.trim()])")
    for action, asks, text in forms:
        try:
            endpoint, args = app.url_map.bind("localhost").match(urlsplit(action).path, method="POST")
        except Exception:
            continue
        rule = DESTRUCTIVE.get(endpoint, False)
        if rule is not False and (rule is None or rule(args)) and not asks:
            out.append(f"form '{text[:20]}' ({endpoint}) posts without a confirmation")
    return out


def endpoint_of(app: Any, url: str) -> str | None:
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except Exception:
        return None
    return str(endpoint)


def crawl(app: Any, page: Any, base: str, role: str) -> dict[str, dict[str, Any]]:
    """Visit the role's pages at 390 px, at most SHAPES_PER_PAGE URLs of each endpoint; {url: {"endpoint", ...}}."""
    seen: dict[str, dict[str, Any]] = {}
    per_endpoint: dict[str, int] = {}
    todo = [base + u for u in START_URLS[role]]
    while todo and len(seen) < 80:
        url = todo.pop(0)
        endpoint = endpoint_of(app, url)
        if url in seen or SKIP.search(url) or endpoint is None or endpoint in FILES:
            continue
        if per_endpoint.get(endpoint, 0) >= SHAPES_PER_PAGE:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        response = page.goto(url, wait_until="domcontentloaded")
        landed = endpoint_of(app, page.url)  # "/" and a started exam redirect: count the page they land on
        if response is None or response.status != 200 or landed is None:
            continue
        if landed != endpoint:
            if per_endpoint.get(landed, 0) >= SHAPES_PER_PAGE:
                continue
            per_endpoint[landed] = per_endpoint.get(landed, 0) + 1
        problems = page.evaluate(CHECK) + unconfirmed(app, page)
        seen[url] = {"endpoint": landed, "problems": problems}
        if problems:
            shoot(page, f"phone-{role}-{re.sub(r'[^a-z0-9]+', '-', urlsplit(url).path.lower()).strip('-') or 'root'}")
        for href in page.eval_on_selector_all("a[href]:not([download])", "els => els.map(a => a.getAttribute('href'))"):
            nxt = urljoin(page.url, href).split("#")[0]
            if nxt.startswith(base) and nxt not in seen:
                todo.append(nxt)
    return seen


def test_every_page_of_every_role_fits_a_phone(live: Any, browser: Any) -> None:
    srv = live(HEARTBEAT_SECONDS=30)
    seed(srv.app)
    report, failures, reached = [], [], set()
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")  # one context (each costs seconds); roles by cookie
    page = ctx.new_page()
    for role, login in ACCOUNTS.items():
        ctx.clear_cookies()
        page.goto(srv.url + "/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form button")
        page.wait_for_load_state("load")
        visited = crawl(srv.app, page, srv.url, role)
        endpoints = {v["endpoint"] for v in visited.values()}
        reached |= endpoints
        missing = COVERED[role] - endpoints
        if missing:
            failures.append(f"{role}: never reached {sorted(missing)}")
        for url, v in visited.items():
            report.append(f"{role}\t{v['endpoint']}\t{url[len(srv.url):]}\t{'; '.join(v['problems']) or 'ok'}")
            pending = PENDING.get(v["endpoint"])
            if v["problems"] and not pending:
                failures.append(f"{role} {url[len(srv.url):]}: {'; '.join(v['problems'])}")
            elif pending and not v["problems"]:
                failures.append(f"{v['endpoint']} passes now: take it off PENDING ({pending})")
    ctx.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-pages.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    pages = {rule.endpoint for rule in srv.app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api/")}
    unreached = sorted(pages - reached - set(NOT_CRAWLED))
    if unreached:
        failures.append(f"pages no crawl reached: {unreached} (link or seed them, or list them in NOT_CRAWLED)")
    assert not failures, "\n".join(failures)
    assert len(report) >= 25


def test_the_check_finds_a_table_one_character_a_line(browser: Any) -> None:
    """The check itself: a table squeezed into a narrow box fails it, the same table in cards does not."""
    page = browser.new_page(viewport=PHONE)
    cells = "".join(f"<td>第{i}列的内容比较长</td>" for i in range(9))
    page.set_content(f"<div style='width:370px'><table id='t' style='border-collapse:collapse'><tr>{cells}</tr>"
                     f"</table></div>")
    problems = page.evaluate(CHECK)
    assert any("one character a line" in p for p in problems)
    page.set_content(f"<div style='width:370px'><table id='t' style='display:block'><tbody style='display:block'>"
                     f"<tr style='display:block'>{cells.replace('<td>', '<td style=display:block>')}</tr></tbody>"
                     f"</table></div>")
    assert page.evaluate(CHECK) == []
    page.set_content("<div style='width:370px'><table id='t'><tr><td style='white-space:nowrap'>"
                     + "很长的一行" * 30 + "</td></tr></table></div>")
    assert any("px in a 370px box" in p for p in page.evaluate(CHECK))
