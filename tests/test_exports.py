"""Every CSV and XLSX export neutralises cells a spreadsheet would evaluate (lms/exports.py; OWASP CSV injection).

A practitioner named =HYPERLINK("http://x","y") and a User-Agent starting with '=' must arrive in the bureau's
files as text, never as a formula; numbers in numeric columns stay numbers. EXPORTS lists every export route of
the app, and a sweep over the URL map fails when a new export is added without a test here.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from exams.operations import book_seat, check_in, start_exam, submit_paper
from lms import clock
from lms.exports import Column, cell_value, csv_chunks, neutralise, write_xlsx
from tests.conftest import login
from tests.exams.conftest import SETTINGS, ExamWorld, world  # noqa: F401  (fixture)
from tests.test_access import web_login

HOSTILE_NAME = '=HYPERLINK("http://x","y")'
HOSTILE_AGENT = "=cmd|' /C calc'!A0 Mozilla/5.0"
DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", HOSTILE_NAME]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert cell_value(text) == "'" + text
    assert cell_value(text, numeric=True) == "'" + text  # a string in a numeric column is still text


@pytest.mark.parametrize("text", ["张三", "a=b", " =1", "", "'=1", "0571-88888888"])
def test_harmless_text_is_left_as_it_is(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_stay_numbers_in_numeric_columns_and_never_in_text_columns() -> None:
    assert cell_value(-5, numeric=True) == -5
    assert cell_value(Decimal("-1.50"), numeric=True) == Decimal("-1.50")
    assert cell_value(-5) == "'-5"  # a text column: the same value is text, neutralised
    assert cell_value(Decimal("NaN"), numeric=True) == "" and cell_value(float("inf"), numeric=True) == ""
    assert cell_value(None, numeric=True) == "" and cell_value(True) == "是"


def test_csv_and_xlsx_of_the_same_rows_agree_and_hold_no_formula(tmp_path: Any) -> None:
    cols = [Column("姓名"), Column("成绩", numeric=True), Column("设备")]
    rows = [[HOSTILE_NAME, -3, "\x00\x07ctrl" + HOSTILE_AGENT], ["李四", Decimal("88.5"), "\ud800"]]
    text = b"".join(csv_chunks(cols, rows)).decode("utf-8")
    assert text.startswith("\ufeff姓名,成绩,设备\r\n")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[1][:2] == ["'" + HOSTILE_NAME, "-3"] and parsed[2][:2] == ["李四", "88.5"]
    assert parsed[2][2] == "?"  # a lone surrogate in old data does not break the download
    path = tmp_path / "x.xlsx"
    write_xlsx(path, cols, rows, sheet="名单")
    ws = load_workbook(path).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[1][:2] == ["'" + HOSTILE_NAME, -3] and values[2][1] == 88.5
    assert values[1][2] == "\ufffd\ufffdctrl" + HOSTILE_AGENT  # characters XLSX cannot hold are replaced
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]


# ---- every export of the app --------------------------------------------------------------------------------

def csv_cells(resp: Any) -> list[str]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv", resp.status
    text = resp.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(resp: Any) -> list[Any]:
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet"), resp.status
    ws = load_workbook(io.BytesIO(resp.data)).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells in an export"
    return [c.value for c in cells]


def assert_neutral(cells: list[Any], hostile: str) -> None:
    """The hostile text arrives whole, after a quote, and no cell starts with a formula character."""
    assert "'" + hostile in cells
    assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "@", "\t", "\r"))]


def _roster(w: ExamWorld, fmt: str) -> Any:
    person = w.candidate(name=HOSTILE_NAME)
    booking = book_seat(w.db, person, w.session, SETTINGS)
    w.db.commit()
    check_in(w.db, w.proctor, w.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    paper = start_exam(w.db, person, booking)
    w.db.commit()
    submit_paper(w.db, paper.id, by="candidate", person=person)
    w.db.commit()
    client = w.app.test_client()
    login(client, w.bureau.username)
    resp = client.get(f"/exams/admin/sessions/{w.session.id}/roster.{fmt}")
    cells = csv_cells(resp) if fmt == "csv" else xlsx_cells(resp)
    assert_neutral(cells, HOSTILE_NAME)
    return cells


def roster_csv(w: ExamWorld) -> None:
    cells = _roster(w, "csv")
    assert "0" in cells  # the score (all unanswered): a plain number


def roster_xlsx(w: ExamWorld) -> None:
    cells = _roster(w, "xlsx")
    assert 0 in cells  # the score stays a number cell


def _study_with_hostile_agent(w: ExamWorld) -> tuple[Any, Any]:
    """A practitioner with that name studies one beat from a browser whose User-Agent starts with '='."""
    person = w.candidate(completed=False, name=HOSTILE_NAME)
    enrolment = w.enrolment_of(person)
    client = w.app.test_client()
    login(client, person.id_number)
    stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                        "chapter_id": w.course.chapters[0].id}).get_json()["stream"]
    r = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1},
                    headers={"User-Agent": HOSTILE_AGENT})
    assert r.status_code == 200, r.get_json()
    return client, enrolment


def own_study_record_csv(w: ExamWorld) -> None:
    client, enrolment = _study_with_hostile_agent(w)
    assert_neutral(csv_cells(client.get(f"/study/{enrolment.id}/record.csv")), HOSTILE_AGENT)


def bureau_study_record_csv(w: ExamWorld) -> None:
    _client, enrolment = _study_with_hostile_agent(w)
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    assert_neutral(csv_cells(clerk.get(f"/admin/records/{enrolment.id}.csv")), HOSTILE_AGENT)


def audit_log_xlsx(w: ExamWorld) -> None:
    from lms import audit
    person = w.candidate(name=HOSTILE_NAME)
    audit.record(w.db, person, "enrolment.change", ("Enrolment", 1), from_course=1, to_course=2, year=2026)
    w.db.commit()
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    assert_neutral(xlsx_cells(clerk.get("/admin/audit.xlsx")), HOSTILE_NAME)


def _template(w: ExamWorld, url: str, fmt: str) -> None:
    """An upload template holds no user data: check that it holds no formula either, and its example rows."""
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    resp = clerk.get(url)
    cells = csv_cells(resp) if fmt == "csv" else xlsx_cells(resp)
    assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@"))] and len(cells) > 11


def sessions_template(fmt: str) -> Callable[[ExamWorld], None]:
    return lambda w: _template(w, f"/exams/admin/plans/{w.plan.id}/sessions-template.{fmt}", fmt)


def questions_template(fmt: str) -> Callable[[ExamWorld], None]:
    return lambda w: _template(w, f"/exams/admin/questions-template.{fmt}", fmt)


def employer_staff_xlsx(w: ExamWorld) -> None:
    """An employer's staff list: a confirmed person named like a formula stays text; the hours stay numbers."""
    from lms.orgs.models import Employment
    org = w.make.org(name="温州测试单位")
    admin = w.make.staff("employer", org=org)
    person = w.make.practitioner(name=HOSTILE_NAME)
    w.db.add(Employment(person_id=person.id, org_id=org.id, status="current", applied_at=clock.now(),
                        started_on=clock.now().date(), confirmed_by_id=admin.id, region_code=org.region_code))
    w.db.commit()
    client = w.app.test_client()
    web_login(client, admin)
    cells = xlsx_cells(client.get("/org/staff.xlsx"))
    assert_neutral(cells, HOSTILE_NAME)
    assert 0 in cells or Decimal(0) in cells or 0.0 in cells  # this year's hours: a number cell


def employer_import_report(w: ExamWorld) -> None:
    """The refused rows of an import quote the file's own cells: a formula there stays text."""
    import io
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    out = io.StringIO()
    csv.writer(out).writerows([["统一社会信用代码", "单位名称", "所在县（市、区）", "所属行业", "联系人", "联系电话"],
                               ["91330300000000001X", HOSTILE_NAME, "鹿城区", "教育", "王", "0577-1234567"]])
    text = out.getvalue()
    resp = clerk.post("/admin/orgs/import", data={"file": (io.BytesIO(text.encode()), "x.csv")},
                      content_type="multipart/form-data")
    report = resp.get_data(as_text=True).split('href="/admin/orgs/import/report/')[1].split('"')[0]
    assert_neutral(xlsx_cells(clerk.get(f"/admin/orgs/import/report/{report}")), HOSTILE_NAME)


def employer_template(fmt: str) -> Callable[[ExamWorld], None]:
    return lambda w: _template_rows(w, f"/admin/orgs/import-template.{fmt}", fmt)


def _template_rows(w: ExamWorld, url: str, fmt: str) -> None:
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    resp = clerk.get(url)
    cells = csv_cells(resp) if fmt == "csv" else xlsx_cells(resp)
    assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@"))] and len(cells) >= 12


def roster_report(w: ExamWorld) -> None:
    """A roster's row-by-row report quotes the uploaded names: a formula there stays text."""
    from tests.conftest import make_id_number
    from tests.rosters.test_rosters import World, as_, file_and_approve, last_upload
    roster_world = World(w.make)
    pid = file_and_approve(w.app, roster_world)
    out = io.StringIO()
    csv.writer(out).writerows([["姓名", "身份证号码", "参加天数", "学时"], [HOSTILE_NAME, make_id_number(321), "1", ""]])
    organiser = as_(w.app, roster_world.admin)
    resp = organiser.post(f"/programmes/{pid}/rosters", data={"file": (io.BytesIO(out.getvalue().encode()), "r.csv")},
                          content_type="multipart/form-data")
    assert resp.status_code in (200, 302), resp.status_code
    upload_id = last_upload(w.db).id
    assert_neutral(xlsx_cells(organiser.get(f"/rosters/{upload_id}/report.xlsx")), HOSTILE_NAME)


def roster_template(fmt: str) -> Callable[[ExamWorld], None]:
    def check(w: ExamWorld) -> None:
        from tests.rosters.test_rosters import World, as_
        roster_world = World(w.make)
        resp = as_(w.app, roster_world.admin).get(f"/programmes/roster-template.{fmt}")
        cells = csv_cells(resp) if fmt == "csv" else xlsx_cells(resp)
        assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@"))] and len(cells) >= 8
    return check


def exchange_export(w: ExamWorld) -> None:
    """The data-exchange file (CSV and XLSX; lms/exchange): a registered person named like a formula stays text, the
    hours stay numbers."""
    from sqlalchemy import select

    from lms.exchange.jobs import write_exports_now
    from lms.exchange.models import ExchangeExport
    from lms.hours.operations import register_hours
    person = w.make.practitioner(name=HOSTILE_NAME)
    with w.app.app_context():
        register_hours(w.db, person_id=person.id, year=2026, category="professional", hours=Decimal("-2.5"),
                       source_type="manual", source_ref="hostile", title=HOSTILE_AGENT, org="温州市教育局")
        w.db.commit()
    clerk = w.app.test_client()
    web_login(clerk, w.bureau)
    for fmt in ("csv", "xlsx"):
        assert clerk.post("/admin/exchange/exports", data={"year": "2026", "fmt": fmt}).status_code == 302
        write_exports_now(w.app)  # the scheduler's job writes what the page asked for
        w.db.rollback()
        made = w.db.scalars(select(ExchangeExport).order_by(ExchangeExport.id.desc())).first()
        with clerk.get(f"/admin/exchange/exports/{made.id}/file") as resp:
            cells = csv_cells(resp) if fmt == "csv" else xlsx_cells(resp)
        assert_neutral(cells, HOSTILE_NAME)
        assert_neutral(cells, HOSTILE_AGENT)
        assert ("-2.50" if fmt == "csv" else -2.5) in cells  # the hours: a number, not neutralised text


def _stats_client(w: ExamWorld) -> Any:
    from lms.orgs.models import Employment
    from lms.stats.operations import refresh_stats
    org = w.make.org(name=HOSTILE_NAME)
    person = w.make.practitioner(name=HOSTILE_NAME)
    w.db.add(Employment(person_id=person.id, org_id=org.id, status="current", applied_at=clock.now(),
                        started_on=clock.now().date(), confirmed_by_id=person.id, region_code=org.region_code))
    w.db.commit()
    refresh_stats(w.db, [clock.study_year()])
    w.db.commit()
    client = w.app.test_client()
    web_login(client, w.bureau)
    return client


def stats_table_xlsx(w: ExamWorld) -> None:
    """A dashboard's table of employers: an employer named like a formula stays text; counts stay numbers."""
    cells = xlsx_cells(_stats_client(w).get(f"/stats/{clock.study_year()}/employers.xlsx"))
    assert_neutral(cells, HOSTILE_NAME)
    assert 1 in cells


def stats_people(fmt: str) -> Callable[[ExamWorld], None]:
    """The persons behind a figure: a name like a formula stays text; the hours stay numbers. The attendances
    behind a funding row too: a programme titled like a formula stays text, its fee a number."""
    cells_of = xlsx_cells if fmt == "xlsx" else csv_cells
    zero, fee = (0, 12.5) if fmt == "xlsx" else ("0.00", "12.50")

    def check(w: ExamWorld) -> None:
        _stats_people(w, fmt, cells_of, zero, fee)
    return check


def _stats_people(w: ExamWorld, fmt: str, cells_of: Callable[[Any], list[Any]], zero: Any, fee: Any) -> None:
    from sqlalchemy import select

    from lms.accounts.models import Person
    from lms.orgs.scope import hr_bureau_of
    from lms.rosters.models import Programme, RosterRow, RosterUpload
    client = _stats_client(w)
    year = clock.study_year()
    cells = cells_of(client.get(f"/stats/{year}/people.{fmt}?measure=short"))
    assert_neutral(cells, HOSTILE_NAME)
    assert zero in cells
    person = w.db.scalars(select(Person).where(Person.name == HOSTILE_NAME)).one()
    organiser = w.make.org("organiser", "wenzhou", "培训中心")
    teacher = w.make.staff("organiser", org=organiser)
    now = clock.now()
    prog = Programme(org_id=organiser.id, title=HOSTILE_NAME, category="professional", industry="教育",
                     starts_on=now.date(), ends_on=now.date(), hours_per_day=Decimal(6), venue="某路 1 号",
                     fee=Decimal("12.50"), capacity=5, approval_document="某文〔2026〕1号", status="approved",
                     approved_by_org_id=hr_bureau_of(w.db, "wenzhou").id, decided_at=now, filed_by_id=teacher.id,
                     created_at=now)
    w.db.add(prog)
    w.db.flush()
    up = RosterUpload(programme_id=prog.id, filename="r.csv", sha256="0" * 64, status="checked", rows_total=1,
                      rows_refused=0, uploaded_by_id=teacher.id, uploaded_at=now)
    w.db.add(up)
    w.db.flush()
    w.db.add(RosterRow(upload_id=up.id, line=2, name=person.name, id_number=person.id_number, days=1,
                       hours=Decimal(6), status="ok", person_id=person.id))
    w.db.commit()
    cells = cells_of(client.get(f"/stats/{year}/people.{fmt}?measure=fees&fee_region={person.region}"
                                  "&fee_industry=教育"))
    assert_neutral(cells, HOSTILE_NAME)
    assert fee in cells


# endpoint (with its format where one route gives both) -> a check that fails when the export lets a formula through
EXPORTS: dict[str, Callable[[ExamWorld], None]] = {
    "exams.admin_roster_export:csv": roster_csv,
    "exams.admin_roster_export:xlsx": roster_xlsx,
    "study.record_csv": own_study_record_csv,
    "admin.record_csv": bureau_study_record_csv,
    "audit.export": audit_log_xlsx,
    "exams.admin_sessions_template:csv": sessions_template("csv"),
    "exams.admin_sessions_template:xlsx": sessions_template("xlsx"),
    "exams.admin_questions_template:csv": questions_template("csv"),
    "exams.admin_questions_template:xlsx": questions_template("xlsx"),
    "orgs.staff_export": employer_staff_xlsx,
    "orgs_admin.import_report": employer_import_report,
    "orgs_admin.import_template:csv": employer_template("csv"),
    "orgs_admin.import_template:xlsx": employer_template("xlsx"),
    "rosters.report": roster_report,
    "rosters.roster_template:csv": roster_template("csv"),
    "rosters.roster_template:xlsx": roster_template("xlsx"),
    "exchange.export_file": exchange_export,
    "stats.export": stats_table_xlsx,
    "stats.people_export:csv": stats_people("csv"),
    "stats.people_export:xlsx": stats_people("xlsx"),
}


@pytest.mark.parametrize("export", sorted(EXPORTS))
def test_every_export_neutralises_a_hostile_name_and_user_agent(world: ExamWorld, export: str) -> None:  # noqa: F811
    EXPORTS[export](world)


def test_every_export_route_of_the_app_is_checked_here(app: Any) -> None:
    found = set()
    for rule in app.url_map.iter_rules():
        text = rule.rule.lower()
        if "csv" in text or "xlsx" in text or "export" in rule.endpoint:
            fmts = [f for f in ("csv", "xlsx") if f in text]
            found |= {f"{rule.endpoint}:{f}" for f in fmts} if len(fmts) > 1 else {rule.endpoint}
    assert found == set(EXPORTS), "an export route without a formula-injection test: add it to EXPORTS"
