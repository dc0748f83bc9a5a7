"""Training organisers' programmes and attendee rosters (issue 13 items 4 and 5), on SQLite and PostgreSQL."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.hours.models import HoursEntry
from lms.rosters.models import Programme, RosterRow, RosterUpload
from lms.rosters.operations import ROSTER_RULE
from tests.conftest import PASSWORD, make_id_number
from tests.test_access import web_login

PROGRAMME = {"title": "2026年中小学教师信息技术高级研修班", "category": "professional", "industry": "教育",
             "starts_on": "2026-02-23", "ends_on": "2026-02-25", "hours_per_day": "6", "venue": "温州市鹿城区学院路1号",
             "fee": "800", "capacity": "120", "approval_document": "温教师〔2026〕5号"}


def csv_file(rows: list[tuple[str, ...]], header: tuple[str, ...] = ("姓名", "身份证号码", "参加天数", "学时"),
             name: str = "roster.csv") -> dict[str, Any]:
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    return {"file": (io.BytesIO(text.encode()), name)}


class World:
    """An organiser in 鹿城区 with its administrator, the city bureau's clerk, a second organiser elsewhere."""

    def __init__(self, make: Any, region: str = "wenzhou-lucheng", bureau_region: str = "wenzhou") -> None:
        self.make = make
        self.organiser = make.org(kind="organiser", region=region, name="温州市继续教育学院")
        self.admin = make.staff(role="organiser", org=self.organiser, username="xueyuan")
        self.clerk = make.staff(role="bureau", username="shirenshe", region=bureau_region)
        self.other = make.org(kind="organiser", region=region, name="另一家培训机构")
        self.other_admin = make.staff(role="organiser", org=self.other, username="lingyijia")


@pytest.fixture
def world(make: Any) -> World:
    return World(make)


def as_(app: Any, who: Any) -> Any:
    c = app.test_client()
    web_login(c, who)
    return c


def file_and_approve(app: Any, world: World, **kw: str) -> int:
    org = as_(app, world.admin)
    resp = org.post("/programmes/new", data=PROGRAMME | kw)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    pid = int(resp.headers["Location"].split("/")[2])
    resp = as_(app, world.clerk).post(f"/programmes/{pid}/decide/approve")
    assert resp.status_code == 302
    return pid


def upload(app: Any, who: Any, pid: int, files: dict[str, Any], client: Any = None) -> Any:
    return (client or as_(app, who)).post(f"/programmes/{pid}/rosters", data=files, content_type="multipart/form-data")


def last_upload(db: Any) -> RosterUpload:
    db.commit()  # a new transaction: see what the requests committed
    return db.scalars(select(RosterUpload).order_by(RosterUpload.id.desc())).first()


def roster_entries(db: Any) -> list[HoursEntry]:
    db.commit()  # a new transaction: see what the requests committed
    return list(db.scalars(select(HoursEntry).where(HoursEntry.source_type == "roster").order_by(HoursEntry.id)))


def test_a_filed_programme_is_public_only_once_the_competent_bureau_approves_it(app: Any, make: Any, world: World,
                                                                                db: Any) -> None:
    org = as_(app, world.admin)
    resp = org.post("/programmes/new", data=PROGRAMME)
    pid = int(resp.headers["Location"].split("/")[2])
    assert PROGRAMME["title"] not in app.test_client().get("/programmes").get_data(as_text=True)
    # A bureau of another region is not competent: it does not even see the programme.
    weihai = make.staff(role="bureau", username="weihai", region="weihai")
    assert as_(app, weihai).post(f"/programmes/{pid}/decide/approve").status_code == 404
    # The organiser cannot approve its own programme.
    assert org.post(f"/programmes/{pid}/decide/approve").status_code == 403
    assert as_(app, world.clerk).post(f"/programmes/{pid}/decide/approve").status_code == 302
    page = app.test_client().get("/programmes").get_data(as_text=True)
    assert PROGRAMME["title"] in page and "温教师〔2026〕5号" in page
    p = db.get(Programme, pid)
    assert p.status == "approved" and p.approved_by_org_id == world.clerk.org_id


def test_a_programme_with_bad_details_is_refused_with_every_problem(app: Any, world: World, db: Any) -> None:
    resp = as_(app, world.admin).post("/programmes/new", data=PROGRAMME | {
        "ends_on": "2026-02-22", "hours_per_day": "25", "capacity": "0", "approval_document": ""})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for message in ("结束日期不能早于开始日期", "每天学时应为", "计划人数应为", "请填写批准文件"):
        assert message in body
    assert db.scalar(select(func.count()).select_from(Programme)) == 0


def test_weihai_programmes_cannot_file_more_hours_a_day_than_the_policy_allows(app: Any, make: Any,
                                                                                db: Any) -> None:
    world = World(make, region="weihai-huancui", bureau_region="weihai")
    resp = as_(app, world.admin).post("/programmes/new", data=PROGRAMME | {"hours_per_day": "8.5"})
    assert resp.status_code == 400 and "威人社字〔2022〕2号 二(二)1(1)" in resp.get_data(as_text=True)
    assert as_(app, world.admin).post("/programmes/new", data=PROGRAMME | {"hours_per_day": "8"}).status_code == 302


def test_a_roster_of_a_programme_not_yet_approved_is_refused(app: Any, world: World, db: Any) -> None:
    resp = as_(app, world.admin).post("/programmes/new", data=PROGRAMME)
    pid = int(resp.headers["Location"].split("/")[2])
    c = as_(app, world.admin)
    resp = upload(app, world.admin, pid, csv_file([("张三", make_id_number(501), "3", "")]), c)
    assert resp.status_code == 303
    assert "尚未批准" in c.get(f"/programmes/{pid}/manage").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(RosterUpload)) == 0


def test_every_bad_row_is_reported_and_only_good_rows_are_registered_once_confirmed(app: Any, make: Any,
                                                                                    world: World, db: Any) -> None:
    zhang, li = make.practitioner(name="张三"), make.practitioner(name="李四")
    wang = make.practitioner(name="王五")
    pid = file_and_approve(app, world)
    bad = make_id_number(502)[:17] + ("1" if make_id_number(502)[17] != "1" else "2")
    resp = upload(app, world.admin, pid, csv_file([
        ("张三", zhang.id_number, "3", ""),            # 3 × 6 = 18
        ("李四", li.id_number, "", "12"),
        ("赵六", bad, "1", ""),                        # check digit
        ("张三", zhang.id_number, "1", ""),            # duplicate
        ("王二", wang.id_number, "1", ""),             # not the registered name
        ("孙七", make_id_number(503), "", "18.5"),     # over 3 days × 6
        ("周八", make_id_number(504), "4", ""),        # beyond the programme's 3 days
        ("吴九", make_id_number(505), "2", ""),        # not registered yet: waits
    ]))
    assert resp.status_code == 302
    u = last_upload(db)
    assert (u.rows_total, u.rows_refused, u.status) == (8, 5, "checked")
    reasons = {r.line: r.reason for r in db.scalars(select(RosterRow).where(RosterRow.upload_id == u.id))}
    assert "校验位" in reasons[4] and "与第 2 行的身份证号码重复" in reasons[5]
    assert "姓名与该身份证号码注册的姓名不一致" in reasons[6] and "超过上限 18" in reasons[7]
    assert "参加天数应为 1 至 3 的整数" in reasons[8] and reasons[9] is None
    assert roster_entries(db) == []  # nothing before the bureau confirms
    # The row-by-row report, as the organiser downloads it.
    resp = as_(app, world.admin).get(f"/rosters/{u.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    lines = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert lines[4][5] == "不予登记" and "校验位" in lines[4][6] and lines[9][5] == "待本人注册后登记"
    # The organiser cannot confirm its own roster; the bureau does.
    assert as_(app, world.admin).post(f"/rosters/{u.id}/confirm").status_code == 403
    clerk = as_(app, world.clerk)
    assert clerk.post(f"/rosters/{u.id}/confirm").status_code == 302
    assert "已确认：登记 2 条学时" in clerk.get(f"/rosters/{u.id}").get_data(as_text=True)
    entries = roster_entries(db)
    assert [(e.person_id, e.hours) for e in entries] == [(zhang.id, Decimal(18)), (li.id, Decimal(12))]
    assert {(e.rule, e.registered_by_org, e.category, e.year) for e in entries} == {
        (ROSTER_RULE, "温州市人力资源和社会保障局", "professional", 2026)}
    assert as_(app, world.clerk).post(f"/rosters/{u.id}/confirm").status_code == 302
    assert len(roster_entries(db)) == 2  # confirming twice registers nothing more


def test_the_same_file_twice_registers_nothing_new_and_a_corrected_roster_only_the_difference(
        app: Any, make: Any, world: World, db: Any) -> None:
    zhang, li = make.practitioner(name="张三"), make.practitioner(name="李四")
    pid = file_and_approve(app, world)
    rows = [("张三", zhang.id_number, "2", "")]
    for _ in range(2):
        upload(app, world.admin, pid, csv_file(rows))
        as_(app, world.clerk).post(f"/rosters/{last_upload(db).id}/confirm")
    assert last_upload(db).registered == 0
    assert [(e.person_id, e.hours) for e in roster_entries(db)] == [(zhang.id, Decimal(12))]
    # Corrected: 张三 attended 3 days, 李四 was missing.
    upload(app, world.admin, pid, csv_file([("张三", zhang.id_number, "3", ""), ("李四", li.id_number, "1", "")]))
    as_(app, world.clerk).post(f"/rosters/{last_upload(db).id}/confirm")
    assert [(e.person_id, e.hours) for e in roster_entries(db)] == [
        (zhang.id, Decimal(12)), (zhang.id, Decimal(6)), (li.id, Decimal(6))]
    assert last_upload(db).registered == 2
    totals = dict(db.execute(select(HoursEntry.person_id, func.sum(HoursEntry.hours))
                             .where(HoursEntry.source_type == "roster").group_by(HoursEntry.person_id)).all())
    assert totals == {zhang.id: Decimal(18), li.id: Decimal(6)}


def test_a_waiting_row_is_credited_when_the_person_registers(app: Any, make: Any, world: World, db: Any) -> None:
    pid = file_and_approve(app, world)
    upload(app, world.admin, pid, csv_file([("吴九", make_id_number(505), "2", ""),
                                             ("郑十", make_id_number(506), "1", "")]))
    as_(app, world.clerk).post(f"/rosters/{last_upload(db).id}/confirm")
    assert roster_entries(db) == []
    wu = make.practitioner(name="吴九", id_number=make_id_number(505))
    make.practitioner(name="郑拾", id_number=make_id_number(506))   # registered under another name: not credited
    assert [(e.person_id, e.hours, e.registered_by_org) for e in roster_entries(db)] == [
        (wu.id, Decimal(12), "温州市人力资源和社会保障局")]
    rows = {r.name: r for r in db.scalars(select(RosterRow))}
    assert rows["吴九"].status == "credited" and rows["郑十"].status == "refused"


def test_an_organiser_sees_neither_another_organisers_programme_nor_its_attendees(app: Any, make: Any,
                                                                                   world: World, db: Any) -> None:
    zhang = make.practitioner(name="张三")
    pid = file_and_approve(app, world)
    upload(app, world.admin, pid, csv_file([("张三", zhang.id_number, "2", "")]))
    uid = last_upload(db).id
    other = as_(app, world.other_admin)
    for url in (f"/programmes/{pid}/manage", f"/rosters/{uid}", f"/rosters/{uid}/report.xlsx"):
        assert other.get(url).status_code == 404, url
    assert "张三" not in other.get("/programmes/manage").get_data(as_text=True)
    assert upload(app, world.other_admin, pid, csv_file([("张三", zhang.id_number, "1", "")])).status_code == 404
    assert as_(app, world.admin).get(f"/rosters/{uid}").status_code == 200


@pytest.mark.parametrize("content, name, message", [
    (b"\xd0\xcf\x11\xe0 not really a workbook", "roster.xlsx", "无法读取该 XLSX 文件"),
    ("姓名,证件\n张三,1\n".encode(), "roster.csv", "表头应为"),
    (b"", "roster.csv", "文件是空的"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(app: Any, world: World, db: Any, content: bytes, name: str,
                                                      message: str) -> None:
    pid = file_and_approve(app, world)
    c = as_(app, world.admin)
    resp = upload(app, world.admin, pid, {"file": (io.BytesIO(content), name)}, c)
    assert resp.status_code == 303
    assert message in c.get(f"/programmes/{pid}/manage").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(RosterUpload)) == 0


def test_an_xlsx_roster_is_read_like_a_csv_one(app: Any, make: Any, world: World, db: Any) -> None:
    zhang = make.practitioner(name="张三")
    pid = file_and_approve(app, world)
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "参加天数", "学时"])
    ws.append(["张三", zhang.id_number, 2, None])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    assert upload(app, world.admin, pid, {"file": (buf, "名单.xlsx")}).status_code == 302
    u = last_upload(db)
    assert (u.rows_total, u.rows_refused) == (1, 0)


def test_registering_a_person_with_waiting_rows_of_an_unconfirmed_roster_credits_nothing(
        app: Any, make: Any, world: World, db: Any) -> None:
    pid = file_and_approve(app, world)
    upload(app, world.admin, pid, csv_file([("吴九", make_id_number(505), "2", "")]))
    wu = make.practitioner(name="吴九", id_number=make_id_number(505))
    assert roster_entries(db) == []
    as_(app, world.clerk).post(f"/rosters/{last_upload(db).id}/confirm")
    assert [(e.person_id, e.hours) for e in roster_entries(db)] == [(wu.id, Decimal(12))]
    assert PASSWORD


def test_an_attendee_prints_the_card_of_a_programme_registered_for_them_and_nobody_else_can(
        app: Any, make: Any, world: World, db: Any) -> None:
    zhang, li = make.practitioner(name="张三"), make.practitioner(name="李四")
    pid = file_and_approve(app, world)
    upload(app, world.admin, pid, csv_file([("张三", zhang.id_number, "2", "")]))
    assert as_(app, zhang).get(f"/programmes/{pid}/card").status_code == 404   # not confirmed yet
    as_(app, world.clerk).post(f"/rosters/{last_upload(db).id}/confirm")
    page = as_(app, zhang).get(f"/programmes/{pid}/card").get_data(as_text=True)
    assert "学时登记卡" in page and "12.0" in page and ROSTER_RULE in page
    assert as_(app, li).get(f"/programmes/{pid}/card").status_code == 404
    assert as_(app, world.admin).get(f"/programmes/{pid}/card").status_code == 403
