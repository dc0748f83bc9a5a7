"""The audit log as a clerk reads it: Chinese action names, objects by name with links, details laid out, filters,
paging."""
from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lms import audit
from lms.audit import ACTION_NAMES, AuditEntry
from lms.catalogue.models import CourseOffering
from lms.catalogue.operations import set_offering_status
from tests.test_access import web_login

ROOT = Path(__file__).resolve().parents[2]


def recorded_action_codes() -> dict[str, list[str]]:
    """Every action code passed to audit.record() in the app's code, with where: read from the source itself."""
    found: dict[str, list[str]] = {}
    for package in ("lms", "exams", "courseware"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "audit"):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                arg = node.args[2] if len(node.args) > 2 else next(
                    (k.value for k in node.keywords if k.arg == "action"), None)
                # Codes are literals (or a choice between literals) so that this test can see every one of them.
                options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                for option in options:
                    assert isinstance(option, ast.Constant) and isinstance(option.value, str), \
                        f"{where}: the audit action must be a string literal"
                    found.setdefault(option.value, []).append(where)
    return found


def test_every_audit_action_recorded_in_the_code_has_a_chinese_name() -> None:
    codes = recorded_action_codes()
    assert len(codes) >= 20  # the scan sees the calls (a broken scan would pass on nothing)
    unnamed = {code: where for code, where in codes.items() if code not in ACTION_NAMES}
    assert unnamed == {}, "add these to lms/audit.py ACTION_NAMES"
    assert set(ACTION_NAMES) - set(codes) == set(), "names of actions nothing records"


def test_recording_an_action_without_a_chinese_name_fails_in_the_tests(app: Any, db: Any, make: Any) -> None:
    clerk = make.staff()
    with pytest.raises(KeyError, match="course.archive"):
        audit.record(db, clerk, "course.archive", clerk)
    db.rollback()
    # Outside the tests an unnamed code is still recorded (an action is never refused for its log entry) ...
    audit.STRICT_ACTIONS = False
    try:
        audit.record(db, clerk, "course.archive", clerk)
        db.commit()
    finally:
        audit.STRICT_ACTIONS = True
    # ... and shown by its code.
    client = app.test_client()
    web_login(client, clerk)
    assert "course.archive" in client.get("/admin/audit").get_data(as_text=True)


@pytest.fixture
def clerk_client(app: Any, make: Any) -> tuple[Any, Any]:
    clerk = make.staff(username="zhangke")
    client = app.test_client()
    web_login(client, clerk)
    return clerk, client


def entries(page: str) -> list[str]:
    """The text of each entry on a log page, tags stripped."""
    items = re.findall(r'<li class="entry">(.*?)</li>', page, re.S)
    return [re.sub(r"：\s+", "：", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item))).strip() for item in items]


def test_entries_read_in_chinese_with_the_object_named_and_linked(app: Any, db: Any, make: Any,
                                                                   clerk_client: Any) -> None:
    clerk, client = clerk_client
    course = make.course(title="数字经济与创新驱动发展", publish=False)
    with app.app_context():
        set_offering_status(db, clerk, db.get(CourseOffering, (course.id, 2026)), "published", ip="10.0.0.8")
        db.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    newest = entries(page)[0]
    assert newest.startswith("发布课程")
    assert "对象：年度课程 《数字经济与创新驱动发展》 2026 年度" in newest
    assert f'href="/admin/courses/{course.id}"' in page
    assert "操作人：王科员（人社局工作人员 zhangke） · IP 10.0.0.8" in newest
    # the chapter entries lay their details out: labels, and the course named rather than "course_id": 7
    chapter = next(e for e in entries(page) if e.startswith("添加章节"))
    assert "课程 《数字经济与创新驱动发展》" in chapter and "名称 第2讲" in chapter
    assert "course_id" not in page and '{"' not in page and "CourseOffering" not in page


def test_details_are_shown_whole_with_nested_before_and_after(app: Any, db: Any, make: Any,
                                                               clerk_client: Any) -> None:
    clerk, client = clerk_client
    long_reason = "学员提供的证明材料与原件不符，经核实后撤销。" * 6  # ~130 characters: never cut off
    with app.app_context():
        audit.record(db, clerk, "certificate.revoke", ("HoursCertificate", 999), reason=long_reason, code="ABCD")
        audit.record(db, clerk, "chapter.replace", ("Chapter", 998), before={"title": "旧标题", "minutes": 20},
                     after={"title": "新标题", "minutes": 30})
        db.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    replace, revoke = entries(page)[:2]
    assert long_reason in revoke and "验证码 ABCD" in revoke
    assert "对象：电子证书 #999" in revoke  # an object that no longer exists keeps its kind and id
    assert "修改前 名称 旧标题 学习时长（分钟） 20 修改后 名称 新标题 学习时长（分钟） 30" in replace


def test_filter_by_actor_action_and_date_range_in_china_time(app: Any, db: Any, make: Any, frozen_clock: Any,
                                                             clerk_client: Any) -> None:
    clerk, client = clerk_client
    other = make.staff(username="lisi")
    person = make.practitioner("赵敏")
    # 2026-03-02 23:59 and 2026-03-03 00:00 China time: the boundary of a day.
    frozen_clock.current = datetime(2026, 3, 2, 15, 59)
    with app.app_context():
        audit.record(db, clerk, "account.deactivate", person)
        frozen_clock.current = datetime(2026, 3, 2, 16, 0)
        audit.record(db, other, "account.activate", person)
        db.commit()

    def shown(**query: str) -> list[str]:
        resp = client.get("/admin/audit", query_string=query)
        assert resp.status_code == 200
        return entries(resp.get_data(as_text=True))

    assert [e.split()[0] for e in shown(actor="lisi")] == ["启用账号"]
    assert [e.split()[0] for e in shown(actor="王科员", action="account.deactivate")] == ["停用账号"]
    assert [e.split()[0] for e in shown(since="2026-03-02", until="2026-03-02",
                                        action="account.deactivate")] == ["停用账号"]
    assert [e.split()[0] for e in shown(until="2026-03-02", action="account.activate")] == ["没有符合条件的记录"]
    assert [e.split()[0] for e in shown(since="2026-03-03")] == ["启用账号"]
    assert [e.split()[0] for e in shown(target=f"Person:{person.id}")] == ["启用账号", "停用账号"]


@pytest.mark.parametrize("query,message", [
    ({"since": "2026-03-05", "until": "2026-03-01"}, "截止日期不能早于起始日期"),
    ({"since": "3月1日"}, "日期应写成 2026-03-01 的格式"),
    ({"action": "drop.table"}, "没有这种操作"),
])
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(app: Any, clerk_client: Any, query: dict[str, str],
                                                           message: str) -> None:
    _clerk, client = clerk_client
    resp = client.get("/admin/audit", query_string=query)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in page
    assert entries(page) == ["没有符合条件的记录"]


def test_pages_of_twenty_keep_the_filters_and_the_last_page_is_reachable(app: Any, db: Any, make: Any,
                                                                       clerk_client: Any) -> None:
    clerk, client = clerk_client
    person = make.practitioner()
    with app.app_context():
        for i in range(45):
            audit.record(db, clerk, "account.activate" if i % 2 else "account.deactivate", person)
        db.commit()
    n = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "account.deactivate"))
    assert n == 23
    first = client.get("/admin/audit?action=account.deactivate").get_data(as_text=True)
    assert "符合条件的记录 23 条" in first and "第 1 / 2 页" in first and len(entries(first)) == 20
    assert 'href="/admin/audit?action=account.deactivate&amp;page=2"' in first
    last = client.get("/admin/audit?action=account.deactivate&page=2").get_data(as_text=True)
    assert len(entries(last)) == 3 and "第 2 / 2 页" in last
    beyond = client.get("/admin/audit?action=account.deactivate&page=99").get_data(as_text=True)
    assert "第 2 / 2 页" in beyond


def test_exam_objects_are_named_and_linked_to_their_pages(app: Any, db: Any, make: Any, clerk_client: Any) -> None:
    from exams.operations import SessionSpec, add_sessions, assign_proctor, create_plan
    clerk, client = clerk_client
    proctor = make.staff("proctor", username="jiankao")
    start = datetime(2026, 4, 1, 1, 0)
    with app.app_context():
        plan = create_plan(db, clerk, year=2026, category="general_public", title="2026 年度一般公需科目考试")
        (session,) = add_sessions(db, clerk, plan, [SessionSpec(
            "温州市人才市场考点", "市府路 500 号", "第一考场", start, start + timedelta(hours=1), 30,
            start - timedelta(days=9), start - timedelta(days=1), start - timedelta(days=2))])
        assign_proctor(db, clerk, session, proctor)
        db.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assign, create, _plan = entries(page)[:3]
    assert assign.startswith("指派监考员")
    assert "对象：考试场次 温州市人才市场考点 第一考场 2026-04-01 09:00" in assign
    assert "监考员 王科员（监考员 jiankao）" in assign
    assert "对象：考试计划 2026 年度一般公需科目考试" in create and "场次 温州市人才市场考点 第一考场" in create
    assert f'href="/exams/admin/sessions/{session.id}"' in page and f'href="/exams/admin/plans/{plan.id}"' in page


def test_the_export_holds_every_filtered_entry_in_chinese_not_only_one_page(app: Any, db: Any, make: Any,
                                                                           clerk_client: Any) -> None:
    import io

    from openpyxl import load_workbook
    clerk, client = clerk_client
    person = make.practitioner("赵敏")
    long_reason = "证明材料与原件不符，" * 20
    with app.app_context():
        for i in range(30):
            audit.record(db, clerk, "account.deactivate" if i % 3 else "account.activate", person, ip="10.0.0.8")
        audit.record(db, clerk, "certificate.revoke", ("HoursCertificate", 5), reason=long_reason)
        db.commit()
    page = client.get("/admin/audit?action=account.deactivate").get_data(as_text=True)
    assert 'href="/admin/audit.xlsx?action=account.deactivate"' in page
    resp = client.get("/admin/audit.xlsx?action=account.deactivate")
    assert resp.status_code == 200 and "audit-log-20260302.xlsx" in resp.headers["Content-Disposition"]
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows()]
    assert rows[0] == ["时间", "操作", "操作人", "操作人账号", "对象", "详情", "IP"]
    assert len(rows) == 1 + 20  # every matching entry (more than a page would hold with the other filter off)
    assert rows[1][1:] == ["停用账号", "王科员", "人社局工作人员 zhangke", f"账号 赵敏（{person.masked_id_number}）",
                           None, "10.0.0.8"]  # (no details: an empty cell)
    assert rows[1][0] == "2026-03-02 10:00:00"  # China time
    everything = [[c.value for c in r] for r in load_workbook(io.BytesIO(
        client.get("/admin/audit.xlsx").data)).active.iter_rows()]
    revoke = next(r for r in everything if r[1] == "撤销电子证书")
    assert revoke[5] == f"原因：{long_reason}"  # whole, not cut off
    assert client.get("/admin/audit.xlsx?since=2026-03-05&until=2026-03-01").status_code == 400
