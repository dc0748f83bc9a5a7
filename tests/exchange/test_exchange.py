"""Data exchange (issue 14 item 4; 浙人社发〔2016〕63号 第十四条): a year's registrations out of one system as CSV,
XLSX or JSON Lines with a sha256sum checksum file, and into another region's system — a second database of its own —
through the page and the command line, on SQLite and PostgreSQL. Refusals are all or nothing; the same file twice
adds nothing."""
from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from lms import clock, create_app
from lms.audit import AuditEntry
from lms.db import Base
from lms.hours.models import HoursEntry
from lms.hours.operations import register_hours
from tests.conftest import PG_ADMIN_URL, Factory, base_config, make_id_number
from tests.test_access import web_login

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.fixture
def other_app(backend: str, tmp_path: Any) -> Iterator[Any]:
    """Another region's system: its own database and files, EXCHANGE_SYSTEM_ID "B"."""
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'other.db'}"
    else:
        name = f"xst_other_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    (tmp_path / "b").mkdir()
    app = create_app(base_config(tmp_path / "b") | {"DATABASE_URL": url, "EXCHANGE_SYSTEM_ID": "B"})
    Base.metadata.create_all(app.extensions["xst_db"].engine)
    yield app
    app.extensions["xst_db"].dispose()
    if name:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def other(other_app: Any) -> Iterator[tuple[Any, Factory]]:
    from sqlalchemy.orm import Session

    from lms.db import make_engine
    engine = make_engine(other_app.config["DATABASE_URL"], immediate=False)
    s = Session(engine, expire_on_commit=False)
    yield other_app, Factory(other_app, s)
    s.close()
    engine.dispose()


PEOPLE = [("陈老师", 11, "wenzhou-lucheng"), (HOSTILE, 12, "wenzhou-lucheng"), ("李医生", 13, "wenzhou-ruian")]


def people(make: Any) -> list[Any]:
    return [make.practitioner(name, region=region, id_number=make_id_number(n)) for name, n, region in PEOPLE]


def register(make: Any, person: Any, n: int, hours: str, category: str = "professional", year: int = 2026) -> None:
    with make.app.app_context():
        register_hours(make.s, person_id=person.id, year=year, category=category, hours=Decimal(hours),
                       source_type="manual", source_ref=f"t-{person.id}-{n}", title=f"-培训{n}",
                       org="温州市教育局", rule="温人社发〔2020〕125号 第十二条")
        make.s.commit()


@pytest.fixture
def world(app: Any, make: Any) -> dict[str, Any]:
    """System A: three practitioners with registrations (one named like a formula, one correction), the city's
    clerk, a 鹿城区 clerk."""
    a, b, c = people(make)
    register(make, a, 1, "18", "general_public")
    register(make, a, 2, "12.5")
    register(make, b, 3, "8")
    register(make, b, 4, "-2.25")  # a correction
    register(make, c, 5, "30", "industry_public")
    register(make, c, 6, "6", year=2025)  # another year: not in the 2026 export
    return {"people": (a, b, c), "city": make.staff("bureau", "city"),
            "county": make.staff("bureau", "lucheng", region="wenzhou-lucheng")}


def export(app: Any, login: Any, fmt: str, year: int = 2026, since: str = "") -> tuple[str, bytes, bytes]:
    """Ask for an export through the page and let the scheduler's job write it; (file name, file, checksum file)."""
    from lms.exchange.jobs import write_exports_now
    from lms.exchange.models import ExchangeExport
    c = app.test_client()
    web_login(c, login)
    resp = c.post("/admin/exchange/exports", data={"year": str(year), "since": since, "fmt": fmt})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert [state for _id, state in write_exports_now(app)] == ["ready"]
    with app.app_context():
        from lms.db import database
        with database().factory() as s:
            made = s.scalars(select(ExchangeExport).order_by(ExchangeExport.id.desc())).first()
    with c.get(f"/admin/exchange/exports/{made.id}/file") as data, \
            c.get(f"/admin/exchange/exports/{made.id}/sha256") as check:
        assert data.status_code == 200 and check.status_code == 200
        return made.filename, data.data, check.data


def import_(app: Any, login: Any, name: str, data: bytes, check: bytes, client: Any = None) -> Any:
    c = client or app.test_client()
    if client is None:
        web_login(c, login)
    return c.post("/admin/exchange/import", data={"file": (io.BytesIO(data), name),
                                                  "checksum": (io.BytesIO(check), name + ".sha256")},
                  content_type="multipart/form-data")


def bank(s: Any) -> list[tuple[Any, ...]]:
    """What a bank holds, by person's ID number: comparable between two systems."""
    from lms.accounts.models import Person
    s.rollback()
    return sorted(s.execute(select(Person.id_number, HoursEntry.year, HoursEntry.category, HoursEntry.hours,
                                   HoursEntry.title, HoursEntry.rule, HoursEntry.registered_by_org)
                            .join(Person, Person.id == HoursEntry.person_id).where(HoursEntry.year == 2026)).all())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_a_years_registrations_go_from_one_system_to_another_and_twice_adds_nothing(
        world: dict[str, Any], app: Any, db: Any, other: tuple[Any, Factory], fmt: str) -> None:
    name, data, check = export(app, world["city"], fmt)
    assert check.decode() == f"{hashlib.sha256(data).hexdigest()}  {name}\n"  # sha256sum's format
    assert name.endswith(f"2026.{fmt}")
    b_app, b_make = other
    people(b_make)  # the same persons are registered in B (by ID number and name)
    b_clerk = b_make.staff("bureau", "b-city")
    resp = import_(b_app, b_clerk, name, data, check)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert bank(b_make.s) == bank(db)  # every registration of 2026 arrived whole: hours, article, registering body
    refs = set(b_make.s.scalars(select(HoursEntry.source_ref)))
    assert refs == {f"xueshitong-wenzhou:{e.id}" for e in db.scalars(select(HoursEntry).where(HoursEntry.year == 2026))}
    follow = b_app.test_client()
    web_login(follow, b_clerk)
    again = import_(b_app, b_clerk, name, data, check, client=follow)
    assert again.status_code == 302
    page = follow.get("/admin/exchange").get_data(as_text=True)
    assert "新增 0 条学时登记，5 条此前已导入" in page
    assert b_make.s.scalar(select(func.count()).select_from(HoursEntry)) == 5
    b_make.s.rollback()
    actions = list(b_make.s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("exchange.%"))))
    assert actions == ["exchange.import", "exchange.import"]


def test_a_record_passed_on_keeps_its_id_and_comes_home_as_nothing_new(
        world: dict[str, Any], app: Any, db: Any, other: tuple[Any, Factory]) -> None:
    name, data, check = export(app, world["city"], "jsonl")
    b_app, b_make = other
    people(b_make)
    b_clerk = b_make.staff("bureau", "b-city")
    assert import_(b_app, b_clerk, name, data, check).status_code == 302
    # B exports what it imported: the records keep A's ids; A importing them adds nothing.
    name2, data2, check2 = export(b_app, b_clerk, "jsonl")
    ids = [json.loads(line)["record_id"] for line in data2.decode().splitlines()]
    assert sorted(ids) == sorted(json.loads(line)["record_id"] for line in data.decode().splitlines())
    before = db.scalar(select(func.count()).select_from(HoursEntry))
    back = import_(app, world["city"], name2, data2, check2)
    assert back.status_code == 302
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == before


def test_an_export_since_a_day_holds_only_what_was_registered_from_that_day_on(
        world: dict[str, Any], app: Any, make: Any, frozen_clock: Any) -> None:
    frozen_clock.current = datetime(2026, 3, 11, 15, 59, 59)  # 23:59:59 on 11 March, Beijing time
    register(make, world["people"][0], 7, "4")
    frozen_clock.current = datetime(2026, 3, 11, 16, 0, 0)  # midnight: 12 March in Beijing
    register(make, world["people"][0], 8, "5")
    _name, data, _check = export(app, world["city"], "jsonl", since="2026-03-12")
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert [(r["hours"], r["registered_at"]) for r in rows] == [("5.00", "2026-03-11T16:00:00Z")]
    _name, data, _check = export(app, world["city"], "jsonl", since="2026-03-11")
    assert [json.loads(line)["hours"] for line in data.decode().splitlines()] == ["4.00", "5.00"]
    _name, whole, _check = export(app, world["city"], "jsonl")
    assert len(whole.decode().splitlines()) == 7


def test_an_export_holds_only_the_clerks_scope_and_neutralises_formulas(world: dict[str, Any], app: Any) -> None:
    _name, data, _check = export(app, world["county"], "csv")
    text_ = data.decode("utf-8-sig")
    assert "陈老师" in text_ and "李医生" not in text_  # 瑞安市 is outside 鹿城区
    assert "'" + HOSTILE.replace('"', '""') in text_ and "'-培训" in text_
    assert ",-2.25," in text_  # a number stays a number


def rows_file(rows: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    return data, f"{hashlib.sha256(data).hexdigest()}  x.jsonl\n".encode()


def good_row(n: int = 11, name: str = "陈老师", **kw: Any) -> dict[str, Any]:
    return {"record_id": f"C:{n}-{kw.get('hours', '8')}", "year": 2026, "name": name, "id_number": make_id_number(n),
            "category": "professional", "hours": "8", "source": "claim", "title": "培训", "article": "某条",
            "registered_by": "杭州市人社局", "registered_at": "2026-01-05T00:00:00Z"} | kw


BAD_ROWS = {
    "unknown person": (good_row(99, "王五"), "未在本系统注册或不在本局管辖范围"),
    "bad check digit": (good_row(id_number=make_id_number(11)[:17] + ("0" if make_id_number(11)[17] != "0" else "1")),
                        "身份证号码校验位不正确"),
    "three decimal places": (good_row(hours="1.005"), "最多两位小数"),
    "not a number": (good_row(hours="NaN"), "最多两位小数"),
    "infinite": (good_row(hours="Infinity"), "最多两位小数"),
    "zero": (good_row(hours="0"), "最多两位小数"),
    "another name": (good_row(name="陈老四"), "姓名“陈老四”与本系统登记的姓名不一致"),
    "unknown category": (good_row(category="general"), "学时类别“general”无效"),
    "a year to come": (good_row(year=2027), "年度“2027”无效"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_file_with_one_row_that_does_not_verify_imports_nothing(world: dict[str, Any], app: Any, db: Any,
                                                                  case: str) -> None:
    bad, message = BAD_ROWS[case]
    data, check = rows_file([good_row(11, hours="2.5"), bad])
    before = db.scalar(select(func.count()).select_from(HoursEntry))
    resp = import_(app, world["city"], "x.jsonl", data, check)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "文件未导入" in page and "第 2 行" in page and message in page, page[-3000:]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == before


def test_a_record_twice_in_a_file_is_refused_and_so_is_a_bad_checksum(world: dict[str, Any], app: Any,
                                                                      db: Any) -> None:
    data, check = rows_file([good_row(11), good_row(12, HOSTILE), good_row(11)])
    resp = import_(app, world["city"], "x.jsonl", data, check)
    assert resp.status_code == 400 and "与第 1 行重复" in resp.get_data(as_text=True)
    data, check = rows_file([good_row(11)])
    resp = import_(app, world["city"], "x.jsonl", data + b"\n", check)  # one byte more than was checked
    assert resp.status_code == 400 and "校验值不符" in resp.get_data(as_text=True)
    resp = import_(app, world["city"], "x.jsonl", data, b"not a checksum")
    assert resp.status_code == 400 and "校验文件格式不正确" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry).where(HoursEntry.source_type == "exchange")) == 0


def test_a_record_imported_before_with_other_content_is_refused(world: dict[str, Any], app: Any, db: Any) -> None:
    data, check = rows_file([good_row(11, hours="8", record_id="C:1")])
    assert import_(app, world["city"], "x.jsonl", data, check).status_code == 302
    data, check = rows_file([good_row(11, hours="9", record_id="C:1")])
    resp = import_(app, world["city"], "x.jsonl", data, check)
    assert resp.status_code == 400 and "已经导入过，但内容与本次不同" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalars(select(HoursEntry.hours).where(HoursEntry.source_ref == "C:1")).all() == [Decimal("8.00")]


def test_a_county_clerk_cannot_import_hours_for_a_person_outside_the_county(world: dict[str, Any],
                                                                            app: Any) -> None:
    data, check = rows_file([good_row(13, "李医生")])  # 瑞安市
    resp = import_(app, world["county"], "x.jsonl", data, check)
    assert resp.status_code == 400 and "不在本局管辖范围" in resp.get_data(as_text=True)


def test_the_command_line_exports_with_a_checksum_file_and_imports_it_elsewhere(
        world: dict[str, Any], app: Any, db: Any, other: tuple[Any, Factory], tmp_path: Any) -> None:
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(args=["exchange-export", "--as", "city", "--year", "2026", "--format",
                                                "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [xlsx] = out.glob("*.xlsx")
    assert (out / (xlsx.name + ".sha256")).read_text() == f"{hashlib.sha256(xlsx.read_bytes()).hexdigest()}  {xlsx.name}\n"
    b_app, b_make = other
    people(b_make)
    b_make.staff("bureau", "b-city")
    runner = b_app.test_cli_runner()
    done = runner.invoke(args=["exchange-import", str(xlsx), "--as", "b-city"])
    assert done.exit_code == 0 and "新增 5 条" in done.output, done.output
    assert bank(b_make.s) == bank(db)
    (out / (xlsx.name + ".sha256")).write_text("0" * 64 + "  x\n")
    refused = runner.invoke(args=["exchange-import", str(xlsx), "--as", "b-city"])
    assert refused.exit_code != 0 and "校验值不符" in refused.output


def test_the_page_lists_only_exports_of_the_clerks_territory(world: dict[str, Any], app: Any) -> None:
    export(app, world["city"], "csv")
    export(app, world["county"], "jsonl")
    city, county = app.test_client(), app.test_client()
    web_login(city, world["city"])
    web_login(county, world["county"])
    assert city.get("/admin/exchange").get_data(as_text=True).count("下载文件") == 2
    assert county.get("/admin/exchange").get_data(as_text=True).count("下载文件") == 1
    with county.get("/admin/exchange/exports/1/file") as resp:
        assert resp.status_code == 404  # the city's
    assert clock.study_year() == 2026


def test_a_file_of_more_persons_than_one_lookup_takes_imports_them_all_and_twice_adds_nothing(
        app: Any, make: Any, db: Any) -> None:
    """The file's persons and records are looked up IN_CHUNK at a time (PostgreSQL binds at most 65,535
    parameters a statement, and a province's transfer file can hold more persons than that): the lookups on
    each side of a chunk's edge find their persons and records."""
    from sqlalchemy import insert

    from lms.accounts.models import Person
    from lms.db import IN_CHUNK
    n = IN_CHUNK + 1
    numbers = [make_id_number(i, born=f"1985{1 + i // 1000:02d}12") for i in range(n)]  # 1,000 a birthday
    now = clock.now()
    db.execute(insert(Person), [
        {"role": "practitioner", "name": f"人员{i}", "id_number": numbers[i], "mobile": f"1{i:010d}",
         "region": "wenzhou-lucheng", "industry": "教育", "password_hash": "x", "active": True,
         "session_version": 1, "created_at": now} for i in range(n)])
    db.commit()
    city = make.staff("bureau", "city")
    data, check = rows_file([good_row(i, f"人员{i}", hours="2", id_number=numbers[i], record_id=f"C:{i}")
                             for i in range(n)])
    resp = import_(app, city, "x.jsonl", data, check)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == n
    assert db.scalar(select(func.sum(HoursEntry.hours))) == 2 * n
    again = import_(app, city, "x.jsonl", data, check)
    assert again.status_code == 302
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == n
