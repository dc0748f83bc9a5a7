"""Exchange exports are written in the background (a city's year took 25 s as CSV and 237 s as XLSX inside the web
request): the page records the request and answers at once, the scheduler's job writes the file, claimed with a
conditional UPDATE, once; a run that died is taken again once its claim is stale; a failure says why; nothing is
downloaded before it is written. On SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select, update

from lms.audit import AuditEntry
from lms.exchange.jobs import work_dir, write_exports_job, write_exports_now
from lms.exchange.models import ExchangeExport
from lms.exchange.operations import claim_export
from lms.exports import Column, write_xlsx
from lms.spreadsheets import read_table
from tests.exchange.test_exchange import import_, people
from tests.test_access import web_login


def clerk_client(app: Any, who: Any) -> Any:
    c = app.test_client()
    web_login(c, who)
    return c


def ask(c: Any, fmt: str = "csv", year: int = 2026) -> Any:
    return c.post("/admin/exchange/exports", data={"year": str(year), "since": "", "fmt": fmt})


def the_export(db: Any) -> ExchangeExport:
    db.rollback()
    found = db.scalars(select(ExchangeExport).order_by(ExchangeExport.id.desc())).first()
    assert found is not None
    return found


def stored(app: Any) -> list[Path]:
    root = Path(app.config["MEDIA_DIR"]).parent / "exchange"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def actions(db: Any) -> list[str]:
    db.rollback()
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("exchange.%"))
                           .order_by(AuditEntry.id)))


def test_asking_for_an_export_answers_before_the_file_exists_and_the_job_writes_it(
        world: dict[str, Any], app: Any, db: Any) -> None:
    c = clerk_client(app, world["city"])
    resp = ask(c, "xlsx")
    assert resp.status_code == 302
    made = the_export(db)
    assert (made.state, made.key, made.rows) == ("pending", None, None) and stored(app) == []
    page = c.get("/admin/exchange").get_data(as_text=True)
    assert "已收到导出申请" in page and "待生成" in page and "状态截至" in page
    assert f"/exports/{made.id}/file" not in page and f"/exports/{made.id}/sha256" not in page
    for url in (f"/admin/exchange/exports/{made.id}/file", f"/admin/exchange/exports/{made.id}/sha256"):
        refused = c.get(url)
        assert refused.status_code == 409 and "尚在生成中" in refused.get_data(as_text=True)
    assert write_exports_job(app) == f"export {made.id}: ready"
    made = the_export(db)
    assert (made.state, made.rows, made.attempts, made.error) == ("ready", 5, 1, None)
    assert made.finished_at is not None and len(stored(app)) == 1
    page = c.get("/admin/exchange").get_data(as_text=True)
    assert "已完成" in page and f"/exports/{made.id}/file" in page and made.sha256[:16] in page
    with c.get(f"/admin/exchange/exports/{made.id}/file") as data, \
            c.get(f"/admin/exchange/exports/{made.id}/sha256") as check:
        assert data.status_code == 200 and hashlib.sha256(data.data).hexdigest() == made.sha256
        assert check.get_data(as_text=True) == f"{made.sha256}  {made.filename}\n"
    assert actions(db) == ["exchange.request", "exchange.export"]


def test_a_second_run_of_the_job_does_not_write_an_export_again(world: dict[str, Any], app: Any, db: Any) -> None:
    assert ask(clerk_client(app, world["city"])).status_code == 302
    assert [s for _i, s in write_exports_now(app)] == ["ready"]
    first = the_export(db)
    assert write_exports_now(app) == [] and write_exports_job(app) == "none waiting"
    again = the_export(db)
    assert (again.state, again.attempts, again.key, again.finished_at) == ("ready", 1, first.key, first.finished_at)
    assert actions(db) == ["exchange.request", "exchange.export"] and len(stored(app)) == 1


def test_an_export_is_claimed_by_one_run_only(world: dict[str, Any], app: Any, db: Any) -> None:
    assert ask(clerk_client(app, world["city"])).status_code == 302
    made = the_export(db)
    with app.app_context():
        assert claim_export(db, made.id, stale_seconds=900, max_attempts=3) == 1
        assert claim_export(db, made.id, stale_seconds=900, max_attempts=3) is None  # taken: the second run leaves it
    assert write_exports_now(app) == []  # a live claim is not taken from
    assert the_export(db).state == "running"


def test_a_run_that_died_midway_is_taken_again_once_its_claim_is_stale(
        world: dict[str, Any], app: Any, db: Any, frozen_clock: Any) -> None:
    assert ask(clerk_client(app, world["city"]), "jsonl").status_code == 302
    made = the_export(db)
    with app.app_context():
        assert claim_export(db, made.id, stale_seconds=900, max_attempts=3) == 1  # … and the process was killed
    left = work_dir(app) / f"export-{made.id}-dead" / "export.jsonl"  # … leaving its partial file
    left.parent.mkdir(parents=True)
    left.write_bytes(b"{")
    frozen_clock.current += timedelta(seconds=app.config["EXCHANGE_STALE_SECONDS"] - 1)
    assert write_exports_now(app) == []
    frozen_clock.current += timedelta(seconds=2)
    assert write_exports_now(app) == [(made.id, "ready")]
    made = the_export(db)
    assert (made.state, made.attempts, made.rows) == ("ready", 2, 5)
    assert not left.parent.exists() and list(work_dir(app).iterdir()) == []


def test_an_export_whose_runs_keep_dying_is_given_up_saying_so(
        world: dict[str, Any], app: Any, db: Any, frozen_clock: Any) -> None:
    c = clerk_client(app, world["city"])
    assert ask(c).status_code == 302
    made = the_export(db)
    with app.app_context():
        for attempt in (1, 2, 3):
            assert claim_export(db, made.id, stale_seconds=900, max_attempts=3) == attempt
            frozen_clock.current += timedelta(seconds=901)
    assert write_exports_now(app) == []
    made = the_export(db)
    assert made.state == "failed" and "生成 3 次均未完成" in (made.error or "")
    page = c.get("/admin/exchange").get_data(as_text=True)
    assert "失败" in page and "生成 3 次均未完成" in page and f"/exports/{made.id}/file" not in page
    refused = c.get(f"/admin/exchange/exports/{made.id}/file")
    assert refused.status_code == 409 and "生成失败" in refused.get_data(as_text=True)
    assert actions(db) == ["exchange.request", "exchange.export_failed"]


def test_an_export_asked_for_by_an_account_since_disabled_fails_saying_why(
        world: dict[str, Any], app: Any, db: Any, make: Any) -> None:
    from lms.accounts.models import Person
    assert ask(clerk_client(app, world["city"])).status_code == 302
    colleague = clerk_client(app, make.staff("bureau", "city-2"))
    db.execute(update(Person).where(Person.id == world["city"].id).values(active=False))
    db.commit()
    assert write_exports_now(app) == [(the_export(db).id, "failed")]
    made = the_export(db)
    assert (made.state, made.key, made.error) == ("failed", None, "无法生成：申请导出的账号已停用")
    page = colleague.get("/admin/exchange").get_data(as_text=True)
    assert "失败原因：无法生成：申请导出的账号已停用" in page
    assert stored(app) == [] and actions(db) == ["exchange.request", "exchange.export_failed"]


def test_an_export_the_store_cannot_keep_is_tried_again_then_fails_saying_so(
        world: dict[str, Any], app: Any, db: Any) -> None:
    assert ask(clerk_client(app, world["city"])).status_code == 302
    blocker = Path(app.config["MEDIA_DIR"]).parent / "exchange"
    blocker.write_text("not a folder")  # the exchange store cannot be written
    for attempt, state in ((1, "pending"), (2, "pending"), (3, "failed")):
        try:
            write_exports_now(app)
        except OSError:
            pass
        else:
            raise AssertionError("the store's error reaches the scheduler, which records the run as failed")
        made = the_export(db)
        assert (made.state, made.attempts) == (state, attempt)
    assert "生成时出错" in (made.error or "") and "已尝试 3 次" in (made.error or "")
    blocker.unlink()
    assert write_exports_now(app) == []  # given up: asked for again, it would be written


def test_a_request_that_could_never_be_written_is_refused_at_once(world: dict[str, Any], app: Any, db: Any) -> None:
    resp = ask(clerk_client(app, world["city"]), year=2027)
    assert resp.status_code == 400 and "年度无效" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ExchangeExport)) == 0


# ---- XLSX beyond a sheet ------------------------------------------------------------------------------------------

def test_a_table_longer_than_a_sheet_goes_on_in_further_sheets_each_with_its_header(tmp_path: Any) -> None:
    path = tmp_path / "t.xlsx"
    rows = [(f"人员{i}", i) for i in range(5)]
    assert write_xlsx(path, [Column("姓名"), Column("学时", numeric=True)], rows, sheet="学时登记", max_rows=3) == 3
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["学时登记", "学时登记（2）", "学时登记（3）"]
    assert [[list(r) for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames] == [
        [["姓名", "学时"], ["人员0", 0], ["人员1", 1]], [["姓名", "学时"], ["人员2", 2], ["人员3", 3]],
        [["姓名", "学时"], ["人员4", 4]]]
    wb.close()
    assert write_xlsx(tmp_path / "u.xlsx", [Column("姓名")], [("甲",), ("乙",)], max_rows=3) == 1  # exactly full
    every = read_table("t.xlsx", io.BytesIO(path.read_bytes()), all_sheets=True)
    assert [(n, r["姓名"]) for n, r in every] == [(2, "人员0"), (3, "人员1"), (4, "人员2"), (5, "人员3"), (6, "人员4")]
    assert len(read_table("t.xlsx", io.BytesIO(path.read_bytes()))) == 2  # other imports read the first sheet


def test_a_split_xlsx_export_goes_into_another_system_whole(world: dict[str, Any], app: Any, db: Any,
                                                             other: Any, tmp_path: Any) -> None:
    from lms.accounts.models import Person
    from lms.exchange.operations import write_export
    from tests.exchange.test_exchange import bank
    path = tmp_path / "x.xlsx"
    with app.app_context(), open(path, "wb") as out:
        city = db.get(Person, world["city"].id)
        assert write_export(db, city, out, year=2026, since=None, fmt="xlsx", sheet_rows=3) == 5
    db.rollback()
    assert load_workbook(path, read_only=True).sheetnames == ["学时登记", "学时登记（2）", "学时登记（3）"]
    data = path.read_bytes()
    check = f"{hashlib.sha256(data).hexdigest()}  x.xlsx\n".encode()
    b_app, b_make = other
    people(b_make)
    b_clerk = b_make.staff("bureau", "b-city")
    resp = import_(b_app, b_clerk, "x.xlsx", data, check)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    assert bank(b_make.s) == bank(db)  # all five, from three sheets


def test_a_further_sheet_with_another_header_is_refused(tmp_path: Any) -> None:
    from openpyxl import Workbook

    from lms.spreadsheets import ImportProblems
    wb = Workbook()
    wb.active.append(["姓名", "学时"])
    wb.active.append(["甲", 1])
    notes = wb.create_sheet("说明")
    notes.append(["说明", "内容"])
    notes.append(["乙", 2])
    buf = io.BytesIO()
    wb.save(buf)
    try:
        read_table("t.xlsx", io.BytesIO(buf.getvalue()), all_sheets=True)
    except ImportProblems as exc:
        assert exc.messages == ["工作表“说明”的表头与第一个工作表不同：续表的第一行应为同样的表头"]
    else:
        raise AssertionError("a second sheet with another header must not be read as more rows")
